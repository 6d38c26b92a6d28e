// `npm start [folder]`: builds the extension and opens it for a person to use.
//  - With desktop VS Code on PATH (`code`): `code --extensionDevelopmentPath=<repo> [folder]`.
//  - Otherwise: the pinned code-server (test-env/, installed on first use like the tests do) on 127.0.0.1 with the
//    extension loaded from this folder; prints the URL to open and runs until Ctrl+C.
// Options: --port N (code-server port, default a free one), --code-server (skip the desktop `code` check).
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTestEnv } from './vscode-test.mjs';
import { codeServerLaunch, freePort, waitHealthy } from './lib/code-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const forceCodeServer = args.includes('--code-server');
const portArg = args.indexOf('--port');
const port0 = portArg >= 0 ? Number(args[portArg + 1]) : undefined;
const folderArg = args.filter((a, i) => !a.startsWith('--') && (portArg < 0 || i !== portArg + 1))[0];
const folder = resolve(folderArg ?? process.cwd());

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
const dir = join(tmpdir(), 'socket-debugger-start');
const port = Number.isInteger(port0) && port0 > 0 ? port0 : await freePort();
const { command, args: csArgs, env, url: base } = codeServerLaunch({
  dir,
  port,
  folder,
  settings: { 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off' },
  keepSettings: true,
});
const child = spawn(command, csArgs, { env, detached: true, stdio: ['ignore', 'ignore', 'inherit'] });
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
  console.log(`code-server exited (${c})`);
  process.exit(c ?? 0);
});
if (!(await waitHealthy(base, child))) {
  console.error(`✖ code-server did not come up on ${base}`);
  stop();
  process.exit(1);
}
const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${root}`]]);
console.log(`\n  Socket Debugger is running in code-server. Open this URL in a browser on this machine:\n\n  ${base}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(payload)}\n\n  (Ctrl+C stops it. After changing the code: npm run build, then reload the browser tab.)\n`);
