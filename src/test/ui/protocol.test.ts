/**
 * UI suite for protocol files: a scenario file in the workspace shows "Run scenario" CodeLenses; clicking one runs
 * the scenario against a Python server (written like the tutorial's) and the editor marks it passed or failed.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { screenshotOnFailure, startWorkbench, uiEnv, type Workbench } from './driver';
import { UPPER_SERVER, upperScenarios } from '../protocolPeers';


describe('protocol files in the real workbench', function () {
  this.timeout(180000);
  let wb: Workbench | undefined;
  let server: ChildProcessWithoutNullStreams | undefined;
  let file: string | undefined;
  screenshotOnFailure(() => wb);

  before(async () => {
    server = spawn('python3', ['-u', '-c', UPPER_SERVER]);
    const port = await new Promise<string>((resolve, reject) => {
      let out = '';
      server?.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      server?.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    });
    file = path.join(uiEnv().workspace, 'ui.sockdbg.yaml');
    fs.writeFileSync(file, upperScenarios(port));
    wb = await startWorkbench();
  });
  after(async () => {
    await wb?.close();
    server?.kill('SIGKILL');
    if (file) fs.rmSync(file, { force: true });
  });

  it('CodeLens "Run scenario" runs a scenario; the editor marks it passed, or failed with expected/actual', async () => {
    const w = wb!;
    const { page } = w;
    // Quick Open the file (the palette without '>' searches files)
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.fill('ui.sockdbg.yaml');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'ui.sockdbg.yaml' }).first().waitFor({ timeout: 15000 });
    await page.keyboard.press('Enter');
    const lenses = page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Run scenario' });
    await lenses.nth(1).waitFor({ timeout: 30000 });
    assert.equal(await page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Run all scenarios' }).count(), 1);

    await lenses.nth(0).click();
    await page.locator('.monaco-editor .codicon-testing-passed-icon').first().waitFor({ timeout: 30000 });

    await lenses.nth(1).click();
    await page.locator('.monaco-editor .codicon-testing-failed-icon').first().waitFor({ timeout: 30000 });
    // the failure shows at the failing step's line: what arrived against what was expected
    await page.locator('.monaco-editor').getByText('"HELLO" != text hello').first().waitFor({ timeout: 15000 });
    await w.screenshot('protocol-codelens-failure');
  });
});
