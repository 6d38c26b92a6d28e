/**
 * UI suite for the Connections view: the palette prompts (port, host, framing and encoding pickers), the tree rows
 * with live counters, the status-bar count, an inline "Send…" action, and the "Try Another Port" notification —
 * in the real workbench (code-server + Chromium), against a Python client written like the seed's.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { screenshotOnFailure, startWorkbench, type Workbench } from './driver';

function pythonClient(port: number): { done: Promise<string> } {
  const code = `
import socket, struct, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
msgs = ['hello'.encode('utf-8'), '吃包子啊!'.encode('utf-8')]
# two struct.pack('i')-framed messages in ONE write: the receiver gets them stuck together (黏包)
sk.send(b''.join(struct.pack('i', len(m)) + m for m in msgs))
head = b''
while len(head) < 4:
    head += sk.recv(4 - len(head))
n = struct.unpack('i', head)[0]
body = b''
while len(body) < n:
    body += sk.recv(n - len(body))
sk.close()
print(head.hex() + body.hex())
`;
  const p = spawn('python3', ['-u', '-c', code, String(port)]);
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => p.kill('SIGKILL'), 60000);
  return {
    done: new Promise((resolve, reject) =>
      p.on('close', (c) => {
        clearTimeout(timer);
        if (c === 0) resolve(out.trim());
        else reject(new Error(`python client exited with ${c}: ${err}`));
      }),
    ),
  };
}

describe('Connections view in the real workbench', function () {
  this.timeout(180000);
  let wb: Workbench | undefined;
  screenshotOnFailure(() => wb);

  before(async () => {
    wb = await startWorkbench();
  });
  after(async () => {
    await wb?.close();
  });

  it('New TCP Server… from the palette, a Python client in the tree with counters, Send… inline, status bar', async () => {
    const w = wb!;
    await w.showSocketDebugger();
    await w.page.getByText('No connections yet').first().waitFor({ timeout: 20000 });
    await w.screenshot('connections-welcome', { x: 0, y: 0, width: 760, height: 420 });

    await w.runCommand('Socket Debugger: New TCP Server…');
    await w.fillQuickInput('0', 'Port'); // port: any free one
    await w.fillQuickInput('127.0.0.1', 'Address to listen on'); // host
    await w.pickQuickItem('length:i', 'How are messages cut'); // framing: like struct.pack('i', len(data))
    await w.pickQuickItem('utf-8', 'How are bytes shown'); // encoding

    const serverRow = w.treeRow('TCP :');
    await serverRow.waitFor({ timeout: 20000 });
    const label = await serverRow.innerText();
    const port = Number(/TCP :(\d+)/.exec(label)?.[1]);
    assert.ok(port > 0, `port in "${label}"`);

    const client = pythonClient(port);
    // the accepted client row: its address, and counters after the two frames (4+5 + 4+13 = 26 bytes, 2 frames)
    const peerRow = w.page.locator('.pane-body .monaco-list-row', { hasText: '↓ 26 B/2', hasNotText: 'TCP :' }).first();
    await peerRow.waitFor({ timeout: 20000 });
    assert.match(await peerRow.innerText(), /^\s*:\d+/); // the client by its port (loopback)
    await w.page.locator('.statusbar-item [aria-label="Socket Debugger: 2 open connections"], .statusbar-item[aria-label="Socket Debugger: 2 open connections"]').first().waitFor({ timeout: 10000 });
    // a UDP socket from the palette too (GBK), and a Python peer (sendto, like the seed) under it
    await w.runCommand('Socket Debugger: New UDP Socket…');
    await w.fillQuickInput('0', 'Port');
    await w.fillQuickInput('127.0.0.1', 'Address to bind to');
    await w.pickQuickItem('raw', 'How are messages cut');
    await w.pickQuickItem('gbk', 'How are bytes shown');
    const udpRow = w.treeRow('UDP :');
    await udpRow.waitFor({ timeout: 20000 });
    const udpPort = Number(/UDP :(\d+)/.exec(await udpRow.innerText())?.[1]);
    const udp = spawn('python3', ['-c', "import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto('中午吃什么'.encode('gbk'), ('127.0.0.1', int(sys.argv[1])))", String(udpPort)]);
    await new Promise((r) => udp.on('close', r));
    await w.page.locator('.pane-body .monaco-list-row', { hasText: '↓ 10 B/1', hasNotText: 'UDP :' }).first().waitFor({ timeout: 20000 });
    await w.page.locator('.statusbar-item [aria-label="Socket Debugger: 4 open connections"], .statusbar-item[aria-label="Socket Debugger: 4 open connections"]').first().waitFor({ timeout: 10000 });
    await w.setSideBarWidth(560);
    await peerRow.hover();
    await w.screenshot('connections-tree', { x: 0, y: 0, width: 760, height: 420 }, { docs: true });
    // the tooltip: addresses, framing, encoding, open time, counters
    await peerRow.locator('.label-name').first().hover();
    const hover = w.page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'length:i' }).first();
    if (await hover.waitFor({ timeout: 5000 }).then(() => true, () => false)) await w.screenshot('connections-tooltip', { x: 0, y: 0, width: 760, height: 520 }, { docs: true });

    // inline action on the client row: Send… → type → the Python client gets it framed with length:i
    await peerRow.hover();
    await peerRow.locator('.action-label[aria-label^="Send"]').first().click();
    await w.fillQuickInput('pong 中', 'with escapes');
    const got = await client.done;
    const body = Buffer.from('pong 中');
    const head = Buffer.alloc(4);
    head.writeInt32LE(body.length);
    assert.equal(got, head.toString('hex') + body.toString('hex'));
    await w.page.locator('.pane-body .monaco-list-row', { hasText: '↑ 12 B/1', hasNotText: 'TCP :' }).first().waitFor({ timeout: 20000 });
  });

  it('a port in use gives a clear error with "Try Another Port", which asks again with the next port', async () => {
    const w = wb!;
    const label = await w.treeRow('TCP :').innerText();
    const port = Number(/TCP :(\d+)/.exec(label)?.[1]);
    await w.runCommand('Socket Debugger: New TCP Server…');
    // the port step already says the port is taken, and by which of our servers (a warning: Enter still goes on)
    const input = w.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(String(port));
    const warning = w.page.locator('.quick-input-widget .quick-input-message', { hasText: `Port ${port} is in use by c1` });
    await warning.waitFor({ timeout: 10000 });
    // the steps are counted in the title
    await w.page.locator('.quick-input-widget .quick-input-title', { hasText: 'New TCP Server (1/4)' }).waitFor({ timeout: 5000 });
    await w.screenshot('port-in-use-at-port-step', { x: 0, y: 0, width: 1000, height: 300 });
    await w.fillQuickInput(String(port), 'Port');
    await w.fillQuickInput('127.0.0.1', 'Address to listen on');
    await w.pickQuickItem('raw', 'How are messages cut');
    await w.pickQuickItem('utf-8', 'How are bytes shown');
    const messages = await waitForNotification(w, `${port}`);
    assert.ok(messages.some((m) => m.includes('already in use') && m.includes(String(port))), messages.join('\n'));
    await w.screenshot('port-in-use');
    await w.page.locator('.notifications-center .monaco-button', { hasText: 'Try Another Port' }).first().click();
    await input.waitFor({ state: 'visible' });
    assert.equal(await input.inputValue(), String(port + 1));
    await w.page.keyboard.press('Escape');
  });

  it('New TCP Client… suggests the port of the open server and connects to it', async () => {
    const w = wb!;
    const label = await w.treeRow('TCP :').innerText();
    const port = Number(/TCP :(\d+)/.exec(label)?.[1]);
    await w.runCommand('Socket Debugger: New TCP Client…');
    await w.fillQuickInput('127.0.0.1', 'Host to connect to');
    await w.page.locator('.quick-input-widget', { hasText: 'Port (1–65535)' }).waitFor({ timeout: 15000 });
    assert.equal(await w.page.locator('.quick-input-widget input').inputValue(), String(port), 'the suggested port is the server\'s');
    await w.fillQuickInput(String(port), 'Port (1–65535)');
    await w.pickQuickItem('length:i', 'How are messages cut');
    await w.pickQuickItem('utf-8', 'How are bytes shown');
    const clientRow = w.treeRow(`→ :${port}`);
    await clientRow.waitFor({ timeout: 20000 });

    // Send… validates as you type: a bad hex digit is reported where it is
    await clientRow.hover();
    await clientRow.locator('.action-label[aria-label^="Send"]').first().click();
    const input = w.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('hex: 01 0g');
    await w.page.locator('.quick-input-widget .quick-input-message', { hasText: /hex digit/i }).waitFor({ timeout: 10000 });
    assert.match(await w.quickInputMessage(), /'g'|position/);
    await w.fillQuickInput('hex: 01 02');
    await w.page.locator('.pane-body .monaco-list-row', { hasText: `→ :${port}` }).filter({ hasText: '↑ 6 B/1' }).waitFor({ timeout: 20000 });
  });
});

async function waitForNotification(w: Workbench, text: string): Promise<string[]> {
  const end = Date.now() + 20000;
  for (;;) {
    const all = await w.notifications();
    if (all.some((m) => m.includes(text)) || Date.now() > end) return all;
    await w.page.keyboard.press('Escape');
    await w.page.waitForTimeout(300);
  }
}
