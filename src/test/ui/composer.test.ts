/**
 * UI suite in the real workbench (code-server + Chromium, see driver.ts): from the palette create a TCP server;
 * a Python client written like the seed sends two struct.pack('i')-framed messages in a single write; the
 * connection appears in the tree; the composer shows both frames decoded and the stream inspector one chunk
 * carrying two frames; a reply sent from the composer reaches the Python side byte for byte. Then: a frame split over
 * two chunks, the panel hidden and restored (draft and history come back), and a re-decode as raw.
 *
 * Screenshots: failures → .test-artifacts/failure-*.png; on success the tree, composer and inspector go to
 * .test-artifacts/, and to docs/images/ as well when SOCKDBG_UPDATE_SCREENSHOTS=1 (the README's images).
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { outputLines, screenshotOnFailure, startWorkbench, type Workbench } from './driver';

const PY_CLIENT = `
import socket, struct, sys, time
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
print(sk.getsockname()[1], flush=True)
msgs = [b'hello', '吃包子啊!'.encode('utf-8')]
sk.send(b''.join(struct.pack('i', len(m)) + m for m in msgs))   # two frames in a single write
num = struct.unpack('i', sk.recv(4))[0]                           # the reply, framed the same way
res = b''
while len(res) < num:
    res += sk.recv(num - len(res))
print((struct.pack('i', num) + res).hex(), flush=True)
sys.stdin.read(1)                                                 # go on when the test says so
body = '一条被拆成两次发送的长消息, a long message sent in two parts'.encode('utf-8')
packet = struct.pack('i', len(body)) + body
sk.send(packet[:20])                                              # one frame split over two writes
time.sleep(0.3)
sk.send(packet[20:])
sys.stdin.read(1)
sk.close()
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

describe('UI: packet composer and stream inspector in the real workbench', function () {
  this.timeout(180000);
  let wb: Workbench | undefined;
  let py: ChildProcessWithoutNullStreams | undefined;
  screenshotOnFailure(() => wb);

  before(async () => {
    wb = await startWorkbench({ viewport: { width: 1440, height: 900 } });
  });
  after(async () => {
    py?.kill();
    await wb?.close();
  });

  it('shows two sticky frames from a Python client and sends a reply byte for byte', async () => {
    assert.ok(wb);
    const { page } = wb;
    const port = await freePort();
    // the composer's strict CSP (no 'unsafe-inline') must not block anything it uses
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text()) && /webview|composer|vscode-resource|vscode-cdn/i.test(m.text() + (m.location().url ?? ''))) cspViolations.push(m.text());
    });

    // 1. a TCP server from the palette: port, host, framing, encoding
    await wb.runCommand('Socket Debugger: New TCP Server…');
    await wb.fillQuickInput(String(port));
    // step 2 (host) comes prefilled with 127.0.0.1: wait for it before confirming
    const qi = page.locator('.quick-input-widget input');
    for (let t = Date.now(); (await qi.inputValue()) !== '127.0.0.1'; ) {
      if (Date.now() - t > 15000) throw new Error('the host prompt did not show');
      await page.waitForTimeout(50);
    }
    await page.keyboard.press('Enter');
    await wb.pickQuickItem('length:i');
    await wb.pickQuickItem('utf-8');
    // Show the Connections tree. (Creating a server may already reveal it, and clicking the activity-bar entry of
    // the visible container would hide it again, so look before clicking.)
    const serverRow = wb.treeRow(`TCP :${port}`);
    const entry = page.locator('.activitybar [aria-label*="Socket Debugger"]').first();
    for (let i = 0; i < 3 && !(await serverRow.isVisible()); i++) {
      await page.waitForTimeout(500);
      if (!(await serverRow.isVisible())) await entry.click();
      await page.waitForTimeout(500);
    }
    await serverRow.waitFor({ timeout: 20000 });

    // 2. the Python client: two struct.pack('i')-framed messages in one write
    py = spawn('python3', ['-c', PY_CLIENT, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = outputLines(py);
    const clientPort = await out.next();
    await wb.treeRow(`:${clientPort}`).waitFor({ timeout: 20000 }); // the client row reads ":PORT" (loopback)

    // 3. the composer: both frames decoded, one chunk carrying two frames
    await wb.runCommand('View: Hide Secondary Side Bar').catch(() => page.keyboard.press('Escape')); // room for the panel
    await wb.runCommand('Socket Debugger: Open Packet Composer');
    const view = wb.webview();
    const rows = view.locator('#log .log-row.dir-in:not([hidden])');
    await rows.filter({ hasText: 'hello' }).first().waitFor({ timeout: 30000 });
    await rows.filter({ hasText: '吃包子啊!' }).first().waitFor({ timeout: 10000 });
    assert.equal(await rows.count(), 2);
    const sticky = view.locator('#inspector .insp-row.is-sticky:not([hidden])');
    await sticky.first().waitFor({ timeout: 10000 });
    assert.equal(await view.locator('#inspector .insp-row:not([hidden])').count(), 1, 'one recv chunk');
    assert.equal(await sticky.first().getAttribute('data-frames'), '2');
    assert.equal(await sticky.first().locator('.seg:not(.gap)').count(), 2);
    assert.match(await sticky.first().innerText(), /\b26 B/); // 4+5 + 4+13 bytes

    // 4. a reply from the composer (Ctrl+Enter) reaches Python byte for byte, framed with length:i
    await view.locator('#f-text').fill('收到 ok');
    await view.locator('#wire', { hasText: '09 00 00 00 e6 94 b6' }).waitFor({ timeout: 10000 });
    await view.locator('#f-text').press('Control+Enter');
    const reply = Buffer.from('收到 ok', 'utf-8');
    const expected = Buffer.concat([Buffer.from([reply.length, 0, 0, 0]), reply]).toString('hex');
    assert.equal(await out.next(), expected);
    await view.locator('#log .log-row.dir-out:not([hidden])').first().waitFor({ timeout: 10000 });

    // 5. a frame split over two recv chunks shows as split; selecting it highlights both chunks
    py.stdin.write('g');
    const split = view.locator('#inspector .insp-row.is-split:not([hidden])');
    await split.nth(1).waitFor({ timeout: 15000 });
    assert.equal(await view.locator('#inspector .insp-row:not([hidden])').count(), 3);
    await rows.filter({ hasText: 'a long message' }).first().click();
    await view.locator('#inspector .insp-row.linked:not([hidden])').nth(1).waitFor({ timeout: 5000 });
    await page.waitForTimeout(300);
    const shots: Array<[string, () => Promise<Buffer>]> = [
      ['composer', () => page.screenshot()],
      ['stream-inspector', () => view.locator('section.inspector').screenshot()],
      [
        'tree',
        async () => {
          // the top of the sidebar: the Connections tree with the server and its client
          const box = await page.locator('.part.sidebar').first().boundingBox();
          return box ? page.screenshot({ clip: { x: box.x, y: box.y, width: box.width, height: Math.min(box.height, 120) } }) : page.screenshot();
        },
      ],
    ];
    const artifacts = wb.env.artifacts;
    fs.mkdirSync(artifacts, { recursive: true });
    const docs = process.env.SOCKDBG_UPDATE_SCREENSHOTS ? path.join(wb.env.extensionPath, 'docs/images') : undefined;
    if (docs) fs.mkdirSync(docs, { recursive: true });
    for (const [name, take] of shots) {
      const png = await take();
      fs.writeFileSync(path.join(artifacts, `${name}.png`), png);
      if (docs) fs.writeFileSync(path.join(docs, `${name}.png`), png);
    }

    // 6. hide the panel (its webview is destroyed: no retainContextWhenHidden) and bring it back: the draft comes
    //    back from setState and the frames from the extension's history
    await view.locator('body').evaluate(() => ((globalThis as Record<string, unknown>).__beforeHide = true));
    await wb.runCommand('File: New Untitled Text File');
    await page.waitForTimeout(500);
    await page.locator('.tabs-container .tab', { hasText: /Packet Composer|报文编辑器/ }).first().click();
    const back = wb.webview();
    await back.locator('#log .log-row.dir-in:not([hidden])').nth(2).waitFor({ timeout: 20000 });
    assert.equal(await back.locator('body').evaluate(() => (globalThis as Record<string, unknown>).__beforeHide), undefined, 'the webview was recreated');
    assert.equal(await back.locator('#f-text').inputValue(), '收到 ok');
    assert.equal(await back.locator('#inspector .insp-row:not([hidden])').count(), 3);

    // 7. re-decode the recorded stream as raw: each chunk is now exactly one frame, nothing sticky or split
    await back.locator('#insp-conn').selectOption({ index: 1 });
    await back.locator('#insp-framing').fill('raw');
    await back.locator('#redecode').click();
    await back.locator('#log .log-row.dir-in:not([hidden])', { hasText: '20 B' }).first().waitFor({ timeout: 15000 });
    assert.equal(await back.locator('#log .log-row.dir-in:not([hidden])').count(), 3);
    assert.equal(await back.locator('#inspector .insp-row.is-sticky:not([hidden]), #inspector .insp-row.is-split:not([hidden])').count(), 0);
    assert.deepEqual(cspViolations, []);
    py.stdin.end('q');
  });
});
