/**
 * UI suite for the extension as a user installs it (from its .vsix, no development folder): once the extension is
 * active, a new integrated terminal has `sockdbg` on PATH, running the CLI bundled in the installed extension.
 * Runs against the "installed" code-server of scripts/vscode-test.mjs (SOCKDBG_CS_INSTALLED=1).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { screenshotOnFailure, startWorkbench, type Workbench } from './driver';

const VERSION = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../../package.json'), 'utf8')).version as string;

async function waitForFile(file: string, lines: number, timeoutMs: number): Promise<string[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const got = text.split('\n').filter((l) => l.trim() !== '');
    if (got.length >= lines) return got;
    if (Date.now() > end) throw new Error(`${file} has ${got.length} of ${lines} lines after ${timeoutMs} ms: ${JSON.stringify(text)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the installed extension (.vsix) in the real workbench', function () {
  this.timeout(180000);
  let wb: Workbench | undefined;
  screenshotOnFailure(() => wb);

  before(function () {
    if (process.env.SOCKDBG_CS_INSTALLED !== '1') throw new Error('run by scripts/vscode-test.mjs against the server with the .vsix installed');
  });
  after(async () => {
    await wb?.close();
  });

  it('puts `sockdbg` on PATH in a new integrated terminal (sockdbg --version)', async () => {
    wb = await startWorkbench();
    const w = wb;
    // the extension is installed, not under development: it is in the server's extensions folder
    const extDir = path.join(process.env.SOCKDBG_CS_DIR!, 'ext');
    assert.ok(fs.readdirSync(extDir).some((d) => d.startsWith('socket-debugger.socket-debugger-')), fs.readdirSync(extDir).join(', '));
    // activation is implicit: opening the view activates the extension, which puts sockdbg on PATH for new terminals
    await w.showSocketDebugger();
    await w.page.getByText('No connections yet').first().waitFor({ timeout: 30000 });
    await w.runCommand('Socket Debugger: Show Log');
    await w.page.locator('.panel .monaco-editor .view-lines', { hasText: /Socket\s+Debugger\s+\S+\s+activated/ }).first().waitFor({ timeout: 30000 });

    await w.runCommand('Terminal: Create New Terminal');
    const terminal = w.page.locator('.terminal-wrapper .xterm').last();
    await terminal.waitFor({ timeout: 30000 });
    await terminal.click();
    const out = path.join(process.env.SOCKDBG_CS_DIR!, 'sockdbg-in-terminal.txt');
    // typed as a user would; the output goes to a file so the test does not depend on how xterm renders
    await w.page.keyboard.type(`sockdbg --version > ${out} 2>&1; command -v sockdbg >> ${out}; sockdbg struct pack '<H' 258 >> ${out}`, { delay: 5 });
    await w.page.keyboard.press('Enter');
    const [version, where, packed] = await waitForFile(out, 3, 30000);
    await w.screenshot('installed-cli-terminal');
    assert.equal(version, `sockdbg ${VERSION}`);
    // the launcher lives in the extension's global storage (written by the installed extension)
    assert.match(where, /\/User\/globalStorage\/socket-debugger\.socket-debugger\/bin\/sockdbg$/);
    assert.equal(packed, '0201');
  });
});
