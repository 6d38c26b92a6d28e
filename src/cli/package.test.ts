// The `sockdbg` npm package (packages/sockdbg): `npm pack` builds it (its prepack bundles the CLI into one file)
// and `npx` runs it from the tarball with no registry (the bundle has no dependencies).
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');
const PKG_DIR = join(ROOT, 'packages/sockdbg');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // the test's own npm environment (npm_config_*) is left out so that the child npm uses only what we pass
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
    execFile(cmd, args, { cwd, env, timeout: 60000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe('the sockdbg npm package', function () {
  this.timeout(90000);
  let tmp: string;
  let tarball: string;
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'sockdbg-npm-'));
    const r = await run(NPM, ['pack', '--json', '--pack-destination', tmp], PKG_DIR);
    assert.equal(r.code, 0, r.stderr);
    const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(tmp, info.filename);
    assert.deepEqual(info.files.map((f) => f.path).sort(), ['README.md', 'cli.js', 'package.json']);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('npm pack builds a package with the extension version, one file and no dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(pkg.version, version);
    assert.deepEqual(pkg.bin, { sockdbg: 'cli.js' });
    assert.equal(pkg.dependencies, undefined);
    assert.match(tarball, new RegExp(`sockdbg-${version.replace(/\./g, '\\.')}\\.tgz$`));
  });

  it('npx runs sockdbg from the tarball, offline', async () => {
    const cache = join(tmp, 'cache');
    const v = await run(NPX, ['--yes', '--offline', '--cache', cache, `--package=${tarball}`, 'sockdbg', '--version'], tmp);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.trim(), `sockdbg ${version}`);
    const s = await run(NPX, ['--yes', '--offline', '--cache', cache, `--package=${tarball}`, 'sockdbg', 'struct', 'pack', 'i', '8'], tmp);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.stdout.trim(), '08000000');
  });
});
