/**
 * UI suite: a connection's own menu as a user meets it after a short conversation — Save Session… writes both
 * directions in order with their times (the file opened in an editor), Reset Counters zeroes the row's counters,
 * Clear History empties the composer's log of that connection while the connection stays open. Takes the docs
 * pictures of the row's menu and of a saved session.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { outputLines, screenshotOnFailure, startWorkbench, type Workbench } from './driver';

/** the tutorial's client: two struct.pack('i') messages in one write, then prints each framed reply it reads as text */
const PY_CLIENT = `
import socket, struct, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
print(sk.getsockname()[1], flush=True)
msgs = [m.encode('utf-8') for m in ['你好', '吃包子啊!']]
sk.sendall(b''.join(struct.pack('i', len(m)) + m for m in msgs))
def recv_exactly(n):
    data = b''
    while len(data) < n:
        chunk = sk.recv(n - len(data))
        if not chunk:
            sys.exit(0)
        data += chunk
    return data
while True:
    size = struct.unpack('i', recv_exactly(4))[0]
    print(recv_exactly(size).decode('utf-8'), flush=True)
`;

describe('UI: a connection menu — Save Session, Reset Counters, Clear History', function () {
  this.timeout(180000);
  let wb: Workbench | undefined;
  let py: ChildProcessWithoutNullStreams | undefined;
  let saved = '';
  screenshotOnFailure(() => wb);

  before(async () => {
    wb = await startWorkbench();
    saved = path.join(wb.env.workspace, `ui-session-${process.pid}.txt`);
    fs.rmSync(saved, { force: true });
  });
  after(async () => {
    py?.kill();
    if (saved) fs.rmSync(saved, { force: true });
    await wb?.close();
  });

  /** right-clicks the tree row and clicks the menu entry `entry` */
  async function fromRowMenu(w: Workbench, rowText: string, entry: string, screenshot?: string): Promise<void> {
    const row = w.treeRow(rowText);
    await row.click({ button: 'right' });
    const item = w.page.locator('.monaco-menu .action-item:not(.disabled) .action-label', { hasText: entry }).first();
    await item.waitFor({ timeout: 10000 });
    // the menu fades in: the picture waits for it
    if (screenshot) await w.page.waitForTimeout(400);
    if (screenshot) await w.screenshot(screenshot, { x: 0, y: 0, width: 760, height: 520 }, { docs: true });
    await item.hover();
    await w.page.waitForTimeout(150);
    await item.click();
    // a click that lands while the menu is still settling is not taken: the hovered entry takes Enter
    const menu = w.page.locator('.monaco-menu').first();
    for (let i = 0; i < 5 && (await menu.isVisible().catch(() => false)); i++) {
      await w.page.waitForTimeout(400);
      if (await menu.isVisible().catch(() => false)) await w.page.keyboard.press('Enter');
    }
  }

  it('saves the whole conversation, resets the counters and clears the log from the row', async () => {
    const w = wb!;
    const { page } = w;
    const { port } = await w.newTcpServer();
    py = spawn('python3', ['-u', '-c', PY_CLIENT, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = outputLines(py);
    const clientPort = await out.next();
    const client = w.treeRow(`:${clientPort}`);
    await client.waitFor({ timeout: 20000 });
    // both messages arrived: the row counts 2 frames in
    await page.locator('.pane-body .monaco-list-row', { hasText: new RegExp(`:${clientPort}[\\s\\S]*↓ \\d+ B/2`) }).waitFor({ timeout: 20000 });

    // answer from the composer, pointed at the client by a click on its row
    await w.runCommand('Socket Debugger: Open Packet Composer');
    const view = w.webview();
    await view.locator('#send').waitFor({ timeout: 30000 });
    await client.click();
    await view.locator('#target option:checked', { hasText: clientPort }).waitFor({ state: 'attached', timeout: 10000 });
    await view.locator('#f-text').fill('好的 ok');
    await view.locator('#wire', { hasText: '09 00 00 00' }).waitFor({ timeout: 15000 });
    await view.locator('#send').click();
    assert.equal(await out.next(), '好的 ok');
    await view.locator('#log .log-row.dir-out:not([hidden])', { hasText: '好的 ok' }).first().waitFor({ timeout: 10000 });

    // Save Session… from the row's menu; code-server's save dialog takes the typed path
    await fromRowMenu(w, `:${clientPort}`, 'Save Session…', 'connection-menu');
    await w.fillFileDialog(saved);
    for (let i = 0; i < 40 && !fs.existsSync(saved); i++) await page.waitForTimeout(250);
    const lines = fs.readFileSync(saved, 'utf8').trim().split('\n');
    assert.match(lines[0], /^# time \(UTC\)\s+conn\s+dir\s+peer\s+bytes\s+text$/);
    const rows = lines.slice(1);
    assert.equal(rows.length, 3, lines.join('\n'));
    assert.match(rows[0], /^\d{4}-\d\d-\d\dT[\d:.]+Z\s+c2\s+↓\s+127\.0\.0\.1:\d+\s+6\s+你好$/);
    assert.match(rows[1], /\s↓\s.*\s13\s+吃包子啊!$/);
    assert.match(rows[2], /\s↑\s.*\s9\s+好的 ok$/);
    // the notification names what was saved; the file opened in an editor is the docs picture
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill(path.basename(saved));
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: path.basename(saved) }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press('Enter');
    await page.locator('.monaco-editor .view-line', { hasText: '吃包子啊!' }).first().waitFor({ timeout: 15000 });
    await w.screenshot('session-export', { x: 0, y: 0, width: 1100, height: 360 }, { docs: true });

    // Reset Counters: the row reads zero while the connection stays open
    await fromRowMenu(w, `:${clientPort}`, 'Reset Counters');
    await page.locator('.pane-body .monaco-list-row', { hasText: new RegExp(`:${clientPort}[\\s\\S]*↓ 0 B/0 ↑ 0 B/0`) }).waitFor({ timeout: 10000 });

    // back in the composer (it reloads its history), Clear History on the row: the composer's log of the client
    // empties at once; a new reply shows alone
    await page.locator('.tabs-container .tab', { hasText: /Packet Composer|报文编辑器/ }).first().click();
    const back = w.webview();
    await back.locator('#log .log-row:not([hidden])', { hasText: '吃包子啊!' }).first().waitFor({ timeout: 20000 });
    await fromRowMenu(w, `:${clientPort}`, 'Clear History');
    await back.locator('#log .log-row:not([hidden])', { hasText: '吃包子啊!' }).first().waitFor({ state: 'detached', timeout: 10000 });
    await back.locator('#f-text').fill('again');
    await back.locator('#wire', { hasText: '05 00 00 00' }).waitFor({ timeout: 15000 });
    await back.locator('#send').click();
    assert.equal(await out.next(), 'again');
    await back.locator('#log .log-row.dir-out:not([hidden])', { hasText: 'again' }).first().waitFor({ timeout: 10000 });
    assert.equal(await back.locator('#log .log-row:not([hidden])', { hasText: '好的 ok' }).count(), 0, 'the cleared reply stays gone');
    await page.locator('.pane-body .monaco-list-row', { hasText: new RegExp(`:${clientPort}[\\s\\S]*↑ 9 B/1`) }).waitFor({ timeout: 10000 });
  });
});
