// The extension-host suite in desktop VS Code via @vscode/test-electron, for contributors with internet access
// (it downloads VS Code). Same entry as the offline code-server runner: out/src/test/exthost/index.js `run()`.
//   npx tsc -p tsconfig.test.json && npm run build && node scripts/vscode-test-electron.mjs [vscodeVersion]
// Runs the suite in a trusted workspace, then the "[restricted]" tests in an untrusted one.
import { runTests } from '@vscode/test-electron';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const version = process.argv[2] ?? '1.139.0';
const tmp = mkdtempSync(join(tmpdir(), 'sockdbg-electron-'));
let failed = false;
try {
  for (const mode of ['trusted', 'restricted']) {
    const ws = join(tmp, `ws-${mode}`);
    mkdirSync(ws);
    writeFileSync(join(ws, 'README.txt'), 'Socket Debugger test workspace\n');
    const code = await runTests({
      version,
      extensionDevelopmentPath: root,
      extensionTestsPath: join(root, 'out/src/test/exthost/index.js'),
      extensionTestsEnv: { SOCKDBG_EXTHOST_MODE: mode, SOCKDBG_TEST_WORKSPACE: ws },
      launchArgs: [ws, '--disable-extensions', '--user-data-dir', join(tmp, `ud-${mode}`), ...(mode === 'trusted' ? ['--disable-workspace-trust'] : [])],
    }).catch((e) => {
      console.error(`✖ ${mode}: ${e instanceof Error ? e.message : String(e)}`);
      return 1;
    });
    if (code !== 0) failed = true;
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
