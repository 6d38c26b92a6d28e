// The `sockdbg` launchers run the bundled CLI (dist/cli.js) on the system's Node, or on the editor's runtime when
// there is no Node on PATH; checked by running them.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, symlinkSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { posixShim, windowsShim, writeCliShims } from './shim';

const CLI = join(__dirname, '../../../../dist/cli.js');
const VERSION = JSON.parse(readFileSync(join(__dirname, '../../../../package.json'), 'utf8')).version as string;

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 15000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe('core/cli/shim', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sockdbg-shim-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the bundled CLI with the system node when one is on PATH', async function () {
    if (process.platform === 'win32') this.skip();
    const { posix } = writeCliShims(join(dir, 'bin'), { cli: CLI, runtime: '/nonexistent/runtime' });
    assert.equal(statSync(posix).mode & 0o777, 0o755);
    // PATH with this process's node only (and sh's own tools)
    const nodeDir = join(dir, 'nodebin');
    mkdirSync(nodeDir);
    symlinkSync(process.execPath, join(nodeDir, 'node'));
    const r = await run(posix, ['--version'], { PATH: `${join(dir, 'bin')}:${nodeDir}:/usr/bin:/bin` });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `sockdbg ${VERSION}`);
  });

  it("falls back to the editor's runtime (ELECTRON_RUN_AS_NODE) when no node is on PATH", async function () {
    if (process.platform === 'win32') this.skip();
    const { posix } = writeCliShims(dir, { cli: CLI, runtime: process.execPath });
    const r = await run(posix, ['struct', 'pack', 'i', '8'], { PATH: '/nonexistent' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "08000000");
  });

  it('says clearly when the CLI it points at is gone (the extension was updated)', async function () {
    if (process.platform === 'win32') this.skip();
    const { posix } = writeCliShims(dir, { cli: join(dir, 'old-version/dist/cli.js'), runtime: process.execPath });
    const r = await run(posix, ['--version'], { PATH: '/usr/bin:/bin' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /old-version\/dist\/cli\.js is gone .*open the Socket Debugger view once/);
  });

  it('quotes paths with spaces and quotes for sh and cmd', () => {
    const t = { cli: "/home/o'neil/My Ext/dist/cli.js", runtime: '/opt/VS Code/code' };
    const sh = posixShim(t);
    assert.ok(sh.includes(`cli='/home/o'\\''neil/My Ext/dist/cli.js'`), sh);
    assert.ok(sh.includes(`exec '/opt/VS Code/code' "$cli" "$@"`), sh);
    const cmd = windowsShim({ cli: 'C:\\Users\\A B\\.vscode\\extensions\\sd\\dist\\cli.js', runtime: 'C:\\Program Files\\Microsoft VS Code\\Code.exe' });
    assert.ok(cmd.includes('node "C:\\Users\\A B\\.vscode\\extensions\\sd\\dist\\cli.js" %*'));
    assert.ok(cmd.includes('"C:\\Program Files\\Microsoft VS Code\\Code.exe" "C:\\Users\\A B\\.vscode\\extensions\\sd\\dist\\cli.js" %*'));
    assert.ok(cmd.split('\r\n').length > 5, 'CRLF line ends for cmd.exe');
  });
});
