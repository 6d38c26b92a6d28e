/**
 * Entry of the extension-host suite: a module exporting `run()`, loaded by the workbench as `extensionTestsPath`
 * (code-server via scripts/vscode-test.mjs, or desktop VS Code via scripts/vscode-test-electron.mjs). It runs mocha
 * (BDD) over every `*.test.js` beside it, inside the extension host, with the real `vscode` API.
 *
 * Trust modes: scripts/vscode-test.mjs runs this twice. In a trusted workspace (`SOCKDBG_EXTHOST_MODE=trusted` or
 * unset) every test runs EXCEPT those whose full title contains "[restricted]"; in an untrusted workspace
 * (`SOCKDBG_EXTHOST_MODE=restricted`) ONLY those run. So a restricted-mode test is just
 * `describe('[restricted] …', …)` in any test file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';
import Mocha from 'mocha';

/** Lines the runner prints (scripts/vscode-test.mjs looks for these markers in the browser console). */
const MARK = '[sockdbg-exthost] ';
const RESULT = '[sockdbg-result] ';

export function run(): Promise<void> {
  const mode = process.env.SOCKDBG_EXTHOST_MODE === 'restricted' ? 'restricted' : 'trusted';
  // The extension host forwards console.* to the browser without printf substitution: pre-format mocha's lines.
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(MARK + util.format(...args));
  const mocha = new Mocha({ ui: 'bdd', timeout: 30000, color: false, reporter: 'spec' });
  mocha.grep(/\[restricted\]/);
  if (mode === 'trusted') mocha.invert();
  const only = process.env.SOCKDBG_EXTHOST_FILES?.split(',').map((s) => s.trim());
  for (const f of fs.readdirSync(__dirname).sort()) {
    if (!f.endsWith('.test.js')) continue;
    if (only && !only.some((o) => f.startsWith(o))) continue;
    mocha.addFile(path.join(__dirname, f));
  }
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const stats = runner.stats ?? { passes: 0, failures, pending: 0 };
        console.log(RESULT + JSON.stringify({ mode, passes: stats.passes, failures: stats.failures, pending: stats.pending }));
        if (failures) reject(new Error(`${failures} extension-host test(s) failed`));
        else resolve();
      });
    } catch (e) {
      console.log(MARK + util.format('failed to start mocha:', e));
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}
