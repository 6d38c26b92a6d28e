/**
 * UI suite: the Relays view in the real workbench. A relay in front of the tutorial-style upper-casing server, a
 * tutorial-style client through it: the pair row and both lanes' live counters, the pair in the Packet Composer
 * (both lanes' frames, marked by lane), injection into a lane, hold / release, a re-chunk fault set on the running
 * relay (checked as typed) and the stream inspector showing the new cuts, the recording chosen in New Relay and its
 * export as pcapng, and cutting the pair.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startPython, type PythonPeer } from '../../core/test/python';
import { UPPER_SERVER } from '../protocolPeers';
import { screenshotOnFailure, startWorkbench, type Workbench } from './driver';

/** the tutorial's client: each line typed is sent, and what comes back printed */
const LINE_CLIENT = `
import socket, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
print('connected', flush=True)
for line in sys.stdin:
    sk.send(line.strip().encode('utf-8'))
    print('got', sk.recv(1024).decode('utf-8'), flush=True)
sk.close()
`;

describe('Relays view', function () {
  this.timeout(240000);
  let wb: Workbench | undefined;
  const peers: PythonPeer[] = [];
  screenshotOnFailure(() => wb);

  before(async () => {
    wb = await startWorkbench({ viewport: { width: 1400, height: 900 } });
  });
  after(async () => {
    for (const p of peers) p.kill();
    await wb?.close();
  });

  it('relays a client and server: live lanes, the pair in the composer, inject, hold / release, re-chunk, record, cut', async () => {
    const w = wb!;
    const server = startPython(UPPER_SERVER);
    peers.push(server);
    const upPort = await server.port();
    await w.showSocketDebugger();
    await w.runCommand('Socket Debugger: New Relay…');
    await w.fillQuickInput(`127.0.0.1:${upPort}`, 'Server to forward to');
    await w.fillQuickInput('0', 'Port to listen on');
    await w.pickQuickItem('raw', 'How are messages cut');
    // no faults yet: accept the empty pick
    await w.fillQuickInput('', 'Faults to inject');
    await w.pickQuickItem('Record to a file in the workspace', 'Record the conversation?');
    const recording = path.join(w.env.workspace, 'relay-ui.jsonl');
    const exported = path.join(w.env.workspace, 'relay-ui.pcapng');
    for (const f of [recording, exported]) fs.rmSync(f, { force: true });
    await w.fillQuickInput('relay-ui.jsonl', 'Recording file');
    const relayRow = w.treeRow(`→ 127.0.0.1:${upPort}`);
    await relayRow.waitFor({ timeout: 20000 });
    const port = Number(/Relay 127\.0\.0\.1:(\d+)/.exec(await relayRow.innerText())?.[1]);
    assert.ok(port > 0, `a port in the relay row: ${await relayRow.innerText()}`);
    assert.match(await relayRow.innerText(), /recording/);

    const client = startPython(LINE_CLIENT, [String(port)]);
    peers.push(client);
    await client.line(/connected/);
    client.child.stdin.write('hello\n');
    await client.line(/got HELLO/);
    const pairRow = w.treeRow('p1 127.0.0.1:');
    await pairRow.waitFor({ timeout: 20000 });
    await pairRow.click();
    const c2sRow = w.treeRow('c2s: client → server');
    await c2sRow.waitFor({ timeout: 10000 });
    await w.page.locator('.pane-body .monaco-list-row', { hasText: /c2s: client → server\s*5 B → 5 B/ }).first().waitFor({ timeout: 10000 });
    client.child.stdin.write('again\n');
    await client.line(/got AGAIN/);
    // the counters follow the traffic
    await w.page.locator('.pane-body .monaco-list-row', { hasText: /c2s: client → server\s*10 B → 10 B/ }).first().waitFor({ timeout: 10000 });
    await w.page.locator('.pane-body .monaco-list-row', { hasText: /s2c: server → client\s*10 B → 10 B/ }).first().waitFor({ timeout: 10000 });

    // the pair in the Packet Composer: both lanes, each marked
    await w.runCommand('Socket Debugger: Open Pair in Packet Composer');
    await w.pickQuickItem('r1 p1', 'Open which pair');
    const view = w.webview();
    await view.locator('#log .log-row.lane-c2s', { hasText: 'hello' }).first().waitFor({ timeout: 20000 });
    await view.locator('#log .log-row.lane-s2c', { hasText: 'HELLO' }).first().waitFor({ timeout: 10000 });
    assert.equal(await view.locator('#log .log-row.lane-c2s .codicon-arrow-right').count() > 0, true, 'c2s rows point right');
    assert.equal(await view.locator('#log .log-row.lane-s2c .codicon-arrow-left').count() > 0, true, 's2c rows point left');

    // inject into c2s from the composer: the server answers it
    await view.locator('#target-lane').selectOption('c2s');
    await view.locator('#f-text').fill('abc');
    await view.locator('#f-text').press('Control+Enter');
    await view.locator('#log .log-row.lane-s2c', { hasText: 'ABC' }).first().waitFor({ timeout: 10000 });
    // the injected bytes are a row of the c2s lane, marked injected: icon, tooltip, screen-reader label
    const injectedRow = view.locator('#log .log-row.lane-c2s.injected', { hasText: 'abc' }).first();
    await injectedRow.waitFor({ timeout: 10000 });
    assert.equal(await injectedRow.locator('.codicon-insert').count(), 1, 'an injected row has the insert icon');
    assert.match((await injectedRow.locator('.c-dir').getAttribute('title')) ?? '', /injected/);
    assert.match((await injectedRow.getAttribute('aria-label')) ?? '', /^injected \d+ bytes client → server/);

    // hold c2s: the client's next line waits in the lane; release: it goes on
    await w.runCommand('Socket Debugger: Hold Lane');
    await w.pickQuickItem('r1 p1 c2s', 'Hold which lane');
    await w.page.locator('.pane-body .monaco-list-row', { hasText: /c2s: client → server.*held/ }).first().waitFor({ timeout: 10000 });
    client.child.stdin.write('held\n');
    await w.page.locator('.pane-body .monaco-list-row', { hasText: /c2s: client → server.*\(held, 4 B waiting\)/ }).first().waitFor({ timeout: 10000 });
    await w.runCommand('Socket Debugger: Release Lane');
    await w.pickQuickItem('r1 p1 c2s', 'Release which lane');
    // (the client reads the injected answer first: its socket had it waiting)
    await client.line(/got ABC/);
    await view.locator('#log .log-row.lane-s2c', { hasText: 'HELD' }).first().waitFor({ timeout: 10000 });

    // a re-chunk fault on the running relay: c2s is now written one byte at a time
    await w.runCommand('Socket Debugger: Set Faults…');
    await w.pickQuickItem('r1', 'Set the faults of which relay');
    await w.pickQuickItem('--chunk', 'Faults to inject');
    await w.fillQuickInput('', 'Faults to inject');
    // checked as typed, with the CLI's words
    await w.page.locator('.quick-input-widget input').fill('0');
    await w.page.locator('.quick-input-message', { hasText: 'chunk size must be a whole number ≥ 1' }).waitFor({ timeout: 10000 });
    await w.fillQuickInput('1');
    await w.treeRow('--chunk 1').waitFor({ timeout: 10000 });
    client.child.stdin.write('xyz\n');
    await view.locator('#log .log-row.lane-c2s', { hasText: 'z' }).first().waitFor({ timeout: 10000 });
    await view.locator('#insp-conn').selectOption('r1.p1');
    await view.locator('#insp-dir').selectOption('out|w');
    // the written c2s pieces: the earlier writes whole, then 1-byte pieces
    await view.locator('#inspector .insp-row', { hasText: 'piece' }).first().waitFor({ timeout: 10000 });
    const sizes = await view.locator('#inspector .insp-row .k-size').allInnerTexts();
    assert.deepEqual(sizes.slice(-3), ['1 B', '1 B', '1 B'], `the last pieces: ${sizes.join(', ')}`);
    await w.screenshot('relay-composer', undefined, { docs: true });

    // the recording holds both lanes as they were read; Export Recording as pcapng writes Wireshark's file
    await w.runCommand('Socket Debugger: Export Recording as pcapng…');
    await w.pickQuickItem('r1', 'Export the recording of which relay');
    await w.fillFileDialog(exported);
    await w.page.waitForTimeout(500);
    for (let i = 0; i < 20 && !fs.existsSync(exported); i++) await w.page.waitForTimeout(250);
    assert.equal(fs.readFileSync(exported).readUInt32LE(0), 0x0a0d0d0a, 'a pcapng section header block');
    const lines = fs.readFileSync(recording, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; lane?: string; b64?: string });
    const lane = (l: string): string => lines.filter((x) => x.type === 'data' && x.lane === l).map((x) => Buffer.from(x.b64 ?? '', 'base64').toString()).join('');
    assert.equal(lane('c2s'), 'helloagainheldxyz');
    assert.match(lane('s2c'), /^HELLOAGAINABCHELD/);

    // cut the pair
    await w.runCommand('Socket Debugger: Cut Pair');
    await w.pickQuickItem('r1 p1', 'Cut which pair');
    await w.treeRow('closed').waitFor({ timeout: 10000 });
    await w.runCommand('Socket Debugger: Stop Relay');
    await w.pickQuickItem('r1', 'Stop which relay');
    await relayRow.waitFor({ state: 'detached', timeout: 10000 });
    for (const f of [recording, exported]) fs.rmSync(f, { force: true });
  });
});
