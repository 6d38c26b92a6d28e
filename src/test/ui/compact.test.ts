/**
 * UI suite: the composer in a 900 px window beside a 300 px sidebar (the "beside the code" width) — one column, and
 * the stream inspector folds to its toolbar and stays folded when the hidden panel's page is recreated.
 */
import * as assert from 'node:assert/strict';
import { screenshotOnFailure, startWorkbench, type Workbench } from './driver';

describe('UI: compact composer', function () {
  this.timeout(180000);
  let wb: Workbench | undefined;
  screenshotOnFailure(() => wb);

  before(async () => {
    wb = await startWorkbench({ viewport: { width: 900, height: 800 } });
  });
  after(async () => {
    await wb?.close();
  });

  it('stacks in one column at half a window and folds the inspector (remembered)', async () => {
    const w = wb!;
    await w.newTcpServer();
    await w.runCommand('Socket Debugger: Open Packet Composer');
    const view = w.webview();
    await view.locator('#send').waitFor({ timeout: 30000 });
    const box = async (sel: string) => (await view.locator(sel).first().boundingBox())!;
    const left = await box('.left');
    const right = await box('.right');
    assert.ok(right.y >= left.y + left.height - 1, `one column: the log (${JSON.stringify(right)}) sits below the composer (${JSON.stringify(left)})`);
    assert.ok(left.width > 300, `the composer has the panel's width (${left.width})`);
    // nothing in the composer's first rows is cut off: the target picker fits its row
    const target = await box('#target');
    assert.ok(target.x + target.width <= left.x + left.width + 1, 'the target picker fits');

    // fold the inspector: only its toolbar stays
    assert.equal(await view.locator('.inspector .legend-row').isVisible(), true);
    await view.locator('#insp-fold').click();
    await view.locator('.inspector .legend-row').waitFor({ state: 'hidden', timeout: 5000 });
    assert.equal(await view.locator('#insp-fold').getAttribute('aria-expanded'), 'false');
    await w.screenshot('composer-compact', undefined, { docs: true });

    // remembered when the webview is recreated: another editor hides the panel (its page is unloaded), then back
    await w.runCommand('File: New Untitled Text File');
    await w.page.locator('.tab', { hasText: 'Packet Composer' }).first().click();
    const again = w.webview();
    await again.locator('#insp-fold').waitFor({ timeout: 30000 });
    assert.equal(await again.locator('.inspector .legend-row').isVisible(), false);
    await again.locator('#insp-fold').click();
    await again.locator('.inspector .legend-row').waitFor({ state: 'visible', timeout: 5000 });
  });
});
