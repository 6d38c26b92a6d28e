/**
 * UI suite: the composer with a protocol file attached (the setting socketDebugger.protocolFile). A Python client
 * written like the tutorial sends a `reading` with a wrong CRC, then echoes every frame back. The log shows the
 * received message with its fields and ✗ with the expected CRC; the Message form is filled by keyboard (a value
 * out of range is refused at the field and nothing is sent), previews the wire bytes, sends with Ctrl+Enter, and
 * the echo comes back as the message with ✓. The form keeps its values across modes and a panel reload, and follows
 * an edit of the file.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checksumAlgorithm } from '../../core/protocol/checksum';
import { READING_MESSAGES } from '../../core/test/protocol';
import { outputLines, screenshotOnFailure, startWorkbench, uiEnv, type Workbench } from './driver';

/** sends one `reading` (kind 2, seq 9, value 55.5) with the CRC left 0, then echoes each length:i frame */
const PY_ECHO_CLIENT = `
import socket, struct, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
print(sk.getsockname()[1], flush=True)
body = struct.pack('<BBHf', 2, 1, 9, 55.5) + struct.pack('<H', 0)
sk.sendall(struct.pack('i', len(body)) + body)

def recv_all(n):
    data = b''
    while len(data) < n:
        part = sk.recv(n - len(data))
        if not part:
            sys.exit(0)
        data += part
    return data

while True:
    head = recv_all(4)
    body = recv_all(struct.unpack('i', head)[0])
    print((head + body).hex(), flush=True)
    sk.sendall(head + body)
`;

describe('UI: the Message form and decoded messages in the composer', function () {
  this.timeout(240000);
  let wb: Workbench | undefined;
  let py: ChildProcessWithoutNullStreams | undefined;
  const created: string[] = [];
  let settingsBefore: string | undefined;
  screenshotOnFailure(() => wb);

  before(async () => {
    const ws = uiEnv().workspace;
    const file = path.join(ws, 'form.sockdbg.yaml');
    fs.writeFileSync(file, `framing: length:i\n${READING_MESSAGES}`);
    created.push(file);
    const settings = path.join(ws, '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(settings), { recursive: true });
    settingsBefore = fs.existsSync(settings) ? fs.readFileSync(settings, 'utf8') : undefined;
    const current = settingsBefore ? (JSON.parse(settingsBefore) as Record<string, unknown>) : {};
    fs.writeFileSync(settings, JSON.stringify({ ...current, 'socketDebugger.protocolFile': 'form.sockdbg.yaml' }, null, 2));
    wb = await startWorkbench({ viewport: { width: 1440, height: 900 } });
  });
  after(async () => {
    py?.kill();
    await wb?.close();
    for (const f of created) fs.rmSync(f, { force: true });
    const settings = path.join(uiEnv().workspace, '.vscode', 'settings.json');
    if (settingsBefore === undefined) fs.rmSync(settings, { force: true });
    else fs.writeFileSync(settings, settingsBefore);
  });

  it('shows ✗ with the expected CRC on a bad frame; sends a form filled by keyboard and shows its echo with ✓', async () => {
    const w = wb!;
    const { page } = w;
    const { port } = await w.newTcpServer('length:i');
    py = spawn('python3', ['-u', '-c', PY_ECHO_CLIENT, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = outputLines(py);
    const clientPort = await out.next();
    await w.treeRow(`:${clientPort}`).waitFor({ timeout: 20000 }); // the client row reads ":PORT" (loopback)

    await w.runCommand('View: Hide Secondary Side Bar').catch(() => page.keyboard.press('Escape'));
    await w.runCommand('Socket Debugger: Open Packet Composer');
    const view = w.webview();

    // (b) the received frame is the message `reading`, its CRC wrong: ✗ with the expected value
    const bad = Buffer.alloc(8);
    bad.writeUInt8(2, 0);
    bad.writeUInt8(1, 1);
    bad.writeUInt16LE(9, 2);
    bad.writeFloatLE(55.5, 4);
    const expected = checksumAlgorithm('crc16-modbus')?.compute(bad) ?? -1;
    const inRows = view.locator('#log .log-row.dir-in:not([hidden])');
    const badRow = inRows.filter({ hasText: `✗ (expected 0x${expected.toString(16)}, got 0x0)` }).first();
    await badRow.waitFor({ timeout: 30000 });
    assert.match(await badRow.innerText(), /message reading \{"kind":2,"unit":1,"seq":9,"value":55\.5\} crc16-modbus ✗/);
    await badRow.click();
    assert.match(await view.locator('#details pre.header-json').first().innerText(), /crc16-modbus ✗ \(expected 0x[0-9a-f]+, got 0x0\)/);

    // (a) Message mode: the form of the attached file's `reading`, kind prefilled from match
    await view.locator('#mode-message').click();
    await view.locator('#msg-name').waitFor({ timeout: 15000 });
    assert.equal(await view.locator('#msg-name').inputValue(), 'reading');
    assert.equal(await view.locator('#msg-f-kind').inputValue(), '2');
    assert.match(await view.locator('#msg-fields').innerText(), /seq\s+H/);
    assert.equal(await view.locator('#msg-checksum').getAttribute('readonly'), '');

    // by keyboard: kind → Tab → unit → Tab → seq (out of range first) → Tab → value (Tab selects a field's text)
    await view.locator('#msg-f-kind').focus();
    for (const value of ['1', '70000', '101.5']) {
      await page.keyboard.press('Tab');
      await page.keyboard.type(value);
    }
    assert.deepEqual(await Promise.all(['unit', 'seq', 'value'].map((f) => view.locator(`#msg-f-${f}`).inputValue())), ['1', '70000', '101.5']);
    const seqError = view.locator('#msg-f-seq-error');
    await seqError.waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await seqError.innerText(), 'Out of range for H: 0 … 65535.');
    assert.equal(await view.locator('#msg-f-seq').getAttribute('aria-invalid'), 'true');
    await page.keyboard.press('Control+Enter');
    await view.locator('#send-status', { hasText: 'Fix the marked field first.' }).waitFor({ timeout: 5000 });
    assert.equal(await view.locator('#msg-f-seq').evaluate((el) => el === el.ownerDocument.activeElement), true, 'the focus goes to the bad field');
    assert.equal(await view.locator('#log .log-row.dir-out:not([hidden])').count(), 0, 'nothing was sent');

    // fixed: the preview shows the framed bytes with the CRC computed, and the checksum field shows it
    await page.keyboard.press('End');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.type('7');
    await seqError.waitFor({ state: 'hidden', timeout: 5000 });
    const wire = '0a 00 00 00 02 01 07 00 00 00 cb 42 07 a4';
    await view.locator('#wire', { hasText: wire }).waitFor({ timeout: 10000 });
    assert.match(await view.locator('#preview-title').innerText(), /14/);
    assert.equal(await view.locator('#msg-checksum').inputValue(), '0xA407 (crc16-modbus)');
    const box = await view.locator('section.composer').boundingBox();
    if (box) await w.screenshot('composer-message-form', { x: box.x, y: box.y, width: box.width, height: Math.min(box.height, 420) }, { docs: true });

    // Ctrl+Enter sends; Python receives the bytes and echoes them; the echo is `reading` with ✓
    await page.keyboard.press('Control+Enter');
    assert.equal(await out.next(), wire.replace(/ /g, ''));
    await view.locator('#log .log-row.dir-out:not([hidden])', { hasText: 'crc16-modbus ✓' }).first().waitFor({ timeout: 10000 });
    const echo = inRows.filter({ hasText: 'message reading {"kind":2,"unit":1,"seq":7,"value":101.5} crc16-modbus ✓' }).first();
    await echo.waitFor({ timeout: 10000 });

    // the form keeps its values across modes, "as text" shows the same message, and a reload of the panel keeps both
    await view.locator('#mode-text').click();
    await view.locator('#mode-message').click();
    assert.equal(await view.locator('#msg-f-seq').inputValue(), '7');
    await view.locator('#msg-as-text').click();
    assert.equal(await view.locator('#f-message').inputValue(), 'reading {kind: 2, unit: 1, seq: 7, value: 101.5}');
    await view.locator('#f-message').fill('reading {kind: 2, unit: 3, seq: 8, value: 1.25}');
    await view.locator('#msg-as-text').click();
    await view.locator('#msg-fields').waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await view.locator('#msg-f-unit').inputValue(), '3');
    await w.runCommand('File: New Untitled Text File');
    await page.waitForTimeout(500);
    await page.locator('.tabs-container .tab', { hasText: /Packet Composer|报文编辑器/ }).first().click();
    const back = w.webview();
    await back.locator('#msg-f-seq').waitFor({ timeout: 20000 });
    assert.equal(await back.locator('#msg-f-seq').inputValue(), '8');
    assert.equal(await back.locator('#msg-f-value').inputValue(), '1.25');
    assert.equal(await back.locator('#msg-as-text').getAttribute('aria-pressed'), 'false');
    await back.locator('#wire', { hasText: '0a 00 00 00 02 03 08 00 00 00 a0 3f' }).waitFor({ timeout: 10000 });

    // an edit of the file applies at once: a new message is offered, its form prefilled from its match
    fs.writeFileSync(created[0], `framing: length:i\n${READING_MESSAGES}  ack:\n    format: '<BBH'\n    fields: [kind, unit, seq]\n    match: {kind: 3}\n`);
    await back.locator('#msg-name option[value="ack"]').waitFor({ state: 'attached', timeout: 20000 });
    await back.locator('#msg-name').selectOption('ack');
    assert.equal(await back.locator('#msg-f-kind').inputValue(), '3');
    assert.equal(await back.locator('#msg-checksum').count(), 0, 'ack has no checksum');
    await back.locator('#wire', { hasText: '04 00 00 00 03 00 00 00' }).waitFor({ timeout: 10000 });
  });
});
