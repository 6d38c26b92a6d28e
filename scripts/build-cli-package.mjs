// Builds packages/sockdbg/cli.js, the self-contained CLI of the `sockdbg` npm package (`npm pack` in that folder
// runs this as its prepack step): one minified CommonJS bundle with its dependencies inside, and the package's
// version set to the extension's.
import * as esbuild from 'esbuild';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = join(root, 'packages/sockdbg');
const outfile = join(pkgDir, 'cli.js');

await esbuild.build({
  entryPoints: [join(root, 'src/cli/main.ts')],
  outfile,
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
  absWorkingDir: root,
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);

const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const pkgFile = join(pkgDir, 'package.json');
const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
if (pkg.version !== version) {
  pkg.version = version;
  writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');
}
console.log(`packages/sockdbg/cli.js built (sockdbg ${version})`);
