/**
 * UI suite: Send File… from the Packet Composer in a 900 px window, as a user does it — the button, code-server's
 * file dialog (a QuickInput where the path is typed), the mode pick — to a Python client that receives it the way
 * the tutorial's upload does; the composer's log shows the send with its JSON header. Takes the docs screenshot.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FILE_UPLOAD_CLIENT } from '../../core/test/filePeers';
import { outputLines, screenshotOnFailure, startWorkbench, type Workbench } from './driver';

describe('UI: Send File from the composer', function () {
  this.timeout(180000);
  let wb: Workbench | undefined;
  let py: ChildProcessWithoutNullStreams | undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sockdbg-ui-sendfile-'));
  screenshotOnFailure(() => wb);

  before(async () => {
    wb = await startWorkbench({ viewport: { width: 900, height: 800 } });
  });
  after(async () => {
    py?.kill();
    await wb?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('sends a file with a JSON header (filename, filesize) to a tutorial-style receiver, and logs it', async () => {
    const w = wb!;
    const body = Buffer.from(Array.from({ length: 40 }, (_, i) => `${i + 1}. 吃包子啊, line ${i + 1} of the report\n`).join(''), 'utf-8');
    const src = path.join(tmp, 'report.txt');
    fs.writeFileSync(src, body);
    const received = path.join(tmp, 'received.txt');

    const { port } = await w.newTcpServer('raw');
    py = spawn('python3', ['-u', '-c', FILE_UPLOAD_CLIENT, received, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = outputLines(py);
    const clientPort = await out.next();
    await w.treeRow(`${clientPort}`).waitFor({ timeout: 20000 });

    await w.runCommand('Socket Debugger: Open Packet Composer');
    const view = w.webview();
    await view.locator('#send-file').waitFor({ timeout: 30000 });
    await view.locator('#target option:checked', { hasText: clientPort }).waitFor({ state: 'attached', timeout: 10000 });
    await view.locator('#send-file').click();
    // code-server's open dialog is a QuickInput: type the file's path, Enter
    await w.fillFileDialog(src, 'Send File on');
    // the mode: filter the pick to JSON header, Enter
    await w.fillQuickInput('JSON header', 'How should the file go on the wire?');

    const header = `{"total_size": ${body.length}, "filename": "report.txt", "filesize": ${body.length}}`;
    assert.equal(await out.next(30000), `header:${Buffer.from(header).toString('hex')}`);
    assert.equal(await out.next(30000), `done ${body.length}`);
    assert.ok(fs.readFileSync(received).equals(body), 'the received file is the file');

    // the composer: a note with the sizes, the sent frame in the log (its header and first words)
    const notice = view.locator('.notice', { hasText: 'report.txt' }).first();
    await notice.waitFor({ timeout: 10000 });
    assert.match(await notice.innerText(), new RegExp(`${body.length.toLocaleString('en-US')} bytes of file, ${(body.length + 4 + header.length).toLocaleString('en-US')} on the wire`));
    const sent = view.locator('#log .log-row.dir-out:not([hidden])', { hasText: '"filename":"report.txt"' }).first();
    await sent.waitFor({ timeout: 15000 });
    assert.match(await sent.innerText(), new RegExp(`${body.length} B`));
    await sent.click();
    await view.locator('.details pre.header-json', { hasText: 'filesize' }).waitFor({ timeout: 10000 });
    await w.page.waitForTimeout(300);
    await w.screenshot('send-file', undefined, { docs: true });
  });
});
