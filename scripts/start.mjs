// `npm start [folder]`: builds the extension and opens it for a person to use, in examples/workspace (a small trusted
// folder with the tutorial's client and server) unless a folder is given.
//  - With desktop VS Code on PATH (`code`): `code --extensionDevelopmentPath=<repo> <folder>`.
//  - Otherwise: the pinned code-server (test-env/, installed on first use like the tests do) on 127.0.0.1 with the
//    extension loaded from this folder, quiet settings (no chat side bar, no tips, no update or marketplace checks),
//    its own output in a log file, and the URL to open printed last; runs until Ctrl+C. A window closed in the
//    browser gives its extension host up after 20 s (--reconnection-grace-time), so its sockets are closed and its
//    ports freed.
// Options: --port N (code-server port, default a free one), --code-server (skip the desktop `code` check).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTestEnv } from './vscode-test.mjs';
import { QUIET_SETTINGS, codeServerLaunch, freePort, waitHealthy } from './lib/code-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const forceCodeServer = args.includes('--code-server');
const portArg = args.indexOf('--port');
const port0 = portArg >= 0 ? Number(args[portArg + 1]) : undefined;
const folderArg = args.filter((a, i) => !a.startsWith('--') && (portArg < 0 || i !== portArg + 1))[0];
const folder = resolve(folderArg ?? join(root, 'examples/workspace'));
/** seconds a closed window's extension host is kept for a reconnect before it is shut down (its sockets with it) */
const GRACE_SECONDS = 20;

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

console.log('▶ building the extension');
const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
if (b.status !== 0) process.exit(b.status ?? 1);

const code = forceCodeServer ? undefined : which('code');
if (code) {
  console.log(`▶ ${code} --extensionDevelopmentPath=${root} ${folder}`);
  const r = spawnSync(code, [`--extensionDevelopmentPath=${root}`, folder], { stdio: 'inherit' });
  process.exit(r.status ?? 0);
}

console.log('▶ desktop VS Code (`code`) is not on PATH: using the pinned code-server (test-env/)');
ensureTestEnv({ needChromium: false });
// the code-server profile (kept between runs); SOCKDBG_START_DIR puts it elsewhere (tests)
const dir = process.env.SOCKDBG_START_DIR || join(tmpdir(), 'socket-debugger-start');
const port = Number.isInteger(port0) && port0 > 0 ? port0 : await freePort();
// The quiet defaults (and the folder's README opening at start) under whatever the person changed in this profile
// on an earlier run: a setting still equal to what we wrote last time is ours and takes today's default.
const settingsFile = join(dir, 'ud/User/settings.json');
const defaultsFile = join(dir, 'defaults-written.json');
const defaults = { ...QUIET_SETTINGS, 'workbench.startupEditor': 'readme' };
const readJson = (file) => {
  try {
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  } catch {
    return {};
  }
};
const written = readJson(defaultsFile);
const own = Object.fromEntries(Object.entries(readJson(settingsFile)).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(written[k])));
mkdirSync(dir, { recursive: true });
writeFileSync(defaultsFile, JSON.stringify(defaults, null, 2));
const { command, args: csArgs, env, url: base } = codeServerLaunch({
  dir,
  port,
  folder,
  settings: { ...defaults, ...own },
  extraArgs: ['--disable-workspace-trust', '--disable-getting-started-override', '--reconnection-grace-time', String(GRACE_SECONDS)],
});
const logFile = join(dir, 'code-server.log');
const logFd = openSync(logFile, 'w');
const child = spawn(command, csArgs, { env, detached: true, stdio: ['ignore', logFd, logFd] });
const stop = () => {
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    stop();
    process.exit(0);
  });
}
child.on('exit', (c) => {
  console.log(`code-server exited (${c}); its log: ${logFile}`);
  process.exit(c ?? 0);
});
if (!(await waitHealthy(base, child))) {
  console.error(`✖ code-server did not come up on ${base}; its log: ${logFile}`);
  stop();
  process.exit(1);
}
const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${root}`]]);
console.log(`
  code-server's own output: ${logFile}
  After changing the code: npm run build, then reload the browser tab. Ctrl+C stops everything.

  Socket Debugger is running in code-server, in ${folder}. Open this URL in a browser on this machine:

  ${base}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(payload)}
`);
