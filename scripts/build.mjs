// Builds the three bundles: the extension (Node, CommonJS, `vscode` external), the CLI (Node, with a shebang)
// and the webview (browser IIFE). Codicons are copied next to the webview bundle so that the panel's
// localResourceRoots can stay limited to dist/webview.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, chmodSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'info',
  absWorkingDir: root,
};

const builds = [
  {
    ...common,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
];
if (existsSync(join(root, 'src/webview/main.ts'))) {
  builds.push({
    ...common,
    entryPoints: ['src/webview/main.ts'],
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'css' },
  });
}

function copyAssets() {
  const dest = join(root, 'dist/webview/codicons');
  mkdirSync(dest, { recursive: true });
  const src = join(root, 'node_modules/@vscode/codicons/dist');
  for (const f of ['codicon.css', 'codicon.ttf']) cpSync(join(src, f), join(dest, f));
  // the protocol-file schema, for the editor (package.json yamlValidation/jsonValidation); the engine bundles its own copy
  mkdirSync(join(root, 'dist/schemas'), { recursive: true });
  cpSync(join(root, 'src/core/protocol/sockdbg.schema.json'), join(root, 'dist/schemas/sockdbg.schema.json'));
}

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
  copyAssets();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  copyAssets();
  chmodSync(join(root, 'dist/cli.js'), 0o755);
}
