/**
 * UI suite: the saved packet library as a user meets it — type a packet in the composer, Save… it under a name,
 * find it under "Saved Packets" in the Connections view, and send it to a connected Python client with the row's
 * inline action; the client gets it framed byte for byte.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { screenshotOnFailure, startWorkbench, type Workbench } from './driver';

/** the tutorial's client: connects, then reads one struct.pack('i')-prefixed message and prints it as hex */
const PY_CLIENT = `
import socket, struct, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
def recv_exactly(n):
    data = b''
    while len(data) < n:
        chunk = sk.recv(n - len(data))
        if not chunk:
            sys.exit('the server closed the connection')
        data += chunk
    return data
head = recv_exactly(4)
body = recv_exactly(struct.unpack('i', head)[0])
print((head + body).hex())
sk.close()
`;

describe('UI: saved packet library', function () {
  this.timeout(180000);
  let wb: Workbench | undefined;
  let client: ChildProcess | undefined;
  screenshotOnFailure(() => wb);

  before(async () => {
    wb = await startWorkbench();
    fs.rmSync(path.join(wb.env.workspace, 'sockdbg.packets.json'), { force: true });
  });
  after(async () => {
    client?.kill('SIGKILL');
    if (wb) fs.rmSync(path.join(wb.env.workspace, 'sockdbg.packets.json'), { force: true });
    await wb?.close();
  });

  it('saves a composed packet under a name and sends it from the Connections view', async () => {
    const w = wb!;
    const { page } = w;
    const { port, row: serverRow } = await w.newTcpServer();
    const peer = spawn('python3', ['-c', PY_CLIENT, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    client = peer;
    let out = '';
    peer.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<void>((r) => peer.on('close', () => r()));
    await page.locator('.pane-body .monaco-list-row', { hasText: /· c2\b/ }).first().waitFor({ timeout: 20000 });

    // compose and Save… under a name
    await w.runCommand('Socket Debugger: Open Packet Composer');
    const view = w.webview();
    await view.locator('#f-text').fill('吃包子啊!');
    await view.locator('#wire', { hasText: '0d 00 00 00' }).waitFor({ timeout: 15000 });
    await view.locator('#save-packet').click();
    await w.fillQuickInput('baozi', 'A name for this packet');
    const row = w.treeRow('baozi');
    await row.waitFor({ timeout: 20000 });
    assert.match(await row.innerText(), /text: 吃包子啊!/);
    await w.treeRow('Saved Packets').waitFor({ timeout: 5000 });
    assert.match(fs.readFileSync(path.join(w.env.workspace, 'sockdbg.packets.json'), 'utf8'), /"name": "baozi"/);
    await row.hover();
    await w.screenshot('packet-library', { x: 0, y: 0, width: 760, height: 420 }, { docs: true });

    // the row's inline Send: pick the client, and it arrives framed with the connection's length:i
    await row.locator('.action-label[aria-label^="Send Saved Packet"]').first().click();
    await w.pickQuickItem('c2', 'to which connection');
    await done;
    const body = Buffer.from('吃包子啊!', 'utf-8');
    const head = Buffer.alloc(4);
    head.writeInt32LE(body.length);
    assert.equal(out.trim(), Buffer.concat([head, body]).toString('hex'));

    // a click on a connection's row points the open composer at it
    await serverRow.click();
    await view.locator('#target').filter({ has: view.locator('option:checked', { hasText: /^c1 / }) }).waitFor({ timeout: 10000 });
  });
});
