/**
 * UI suite: the Connections tree in the real workbench, read from the rendered rows. Its counters stay live while data
 * flows (a steady stream of 30 frames/s, and the same while another client floods the server); in a 300 px side bar
 * every client row shows its port and its counters in full while they stream, and a pending connect is a row the
 * user cancels (its inline Cancel, or Cancel Connect from the palette).
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as net from 'node:net';
import type { Locator } from 'playwright-core';
import { PY_NEVER_ACCEPTS, startPython, type PythonPeer } from '../../core/test/python';
import { screenshotOnFailure, startWorkbench, type Workbench } from './driver';

/**
 * like the tutorial's client: connects, prints its own port, and sends one length-prefixed frame every `intervalMs`
 * for `seconds`
 */
function streamer(port: number, intervalMs: number, seconds: number, size = 8): ChildProcessWithoutNullStreams {
  const code = `
import socket, struct, sys, time
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
print(sk.getsockname()[1], flush=True)
interval, end, size = float(sys.argv[2]) / 1000, time.time() + float(sys.argv[3]), int(sys.argv[4])
while time.time() < end:
    sk.send(struct.pack('i', size) + b'x' * size)
    if interval:
        time.sleep(interval)
sk.close()
`;
  const p = spawn('python3', ['-c', code, String(port), String(intervalMs), String(seconds), String(size)]);
  p.stdout.resume();
  return p;
}

/** the port a streamer printed */
function portOf(p: ChildProcessWithoutNullStreams): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(Number(out.split('\n')[0]));
    });
    p.on('close', () => reject(new Error('the streamer exited before printing its port')));
  });
}

/** samples a row's text every 100 ms for `ms`, and returns when it changed (ms since start) and how many values it showed */
async function sampleRow(w: Workbench, hasText: RegExp, ms: number): Promise<{ changes: number[]; values: string[] }> {
  const t0 = Date.now();
  const values: string[] = [];
  const changes: number[] = [];
  const row = w.page.locator('.pane-body .monaco-list-row', { hasText }).first();
  while (Date.now() - t0 < ms) {
    const text = (await row.innerText().catch(() => '')).replace(/\s+/g, ' ');
    if (text && text !== values[values.length - 1]) {
      values.push(text);
      changes.push(Date.now() - t0);
    }
    await w.page.waitForTimeout(100);
  }
  return { changes, values };
}

function longestGap(changes: number[], end: number): number {
  let gap = 0;
  for (let i = 1; i <= changes.length; i++) gap = Math.max(gap, (i < changes.length ? changes[i] : end) - changes[i - 1]);
  return gap;
}

describe('Connections tree counters under continuous traffic', function () {
  this.timeout(180000);
  let wb: Workbench | undefined;
  const peers: ChildProcessWithoutNullStreams[] = [];
  screenshotOnFailure(() => wb);

  before(async () => {
    wb = await startWorkbench();
  });
  after(async () => {
    for (const p of peers) p.kill('SIGKILL');
    await wb?.close();
  });

  it('counters move at least once a second during a steady stream, and while another client floods', async () => {
    const w = wb!;
    const { port } = await w.newTcpServer();

    // a steady 30 frames/s for 8 s: the client row's counters must keep moving (they froze for the whole stream)
    peers.push(streamer(port, 33, 8));
    const steadyRow = /↓.*· c2\b/;
    await w.page.locator('.pane-body .monaco-list-row', { hasText: steadyRow }).first().waitFor({ timeout: 20000 });
    const steady = await sampleRow(w, steadyRow, 6000);
    assert.ok(steady.values.length >= 6, `the row showed ${steady.values.length} values in 6 s: ${steady.values.join(' | ')}`);
    assert.ok(longestGap(steady.changes, 6000) <= 1500, `the row stood still for ${longestGap(steady.changes, 6000)} ms: ${steady.changes.join(', ')}`);

    // the same while a second client floods as fast as it can: both rows stay live
    peers.push(streamer(port, 33, 8));
    await w.page.locator('.pane-body .monaco-list-row', { hasText: /↓.*· c3\b/ }).first().waitFor({ timeout: 20000 });
    peers.push(streamer(port, 0, 6, 1024));
    await w.page.locator('.pane-body .monaco-list-row', { hasText: /↓.*· c4\b/ }).first().waitFor({ timeout: 20000 });
    const [calm, flood] = await Promise.all([sampleRow(w, /↓.*· c3\b/, 4000), sampleRow(w, /↓.*· c4\b/, 4000)]);
    await w.screenshot('tree-live-under-flood', { x: 0, y: 0, width: 760, height: 420 });
    assert.ok(calm.values.length >= 4, `the steady row showed ${calm.values.length} values in 4 s under a flood: ${calm.values.join(' | ')}`);
    assert.ok(longestGap(calm.changes, 4000) <= 1500, `the steady row stood still for ${longestGap(calm.changes, 4000)} ms under a flood`);
    assert.ok(flood.values.length >= 3, `the flooding row showed ${flood.values.length} values in 4 s: ${flood.values.join(' | ')}`);
  });
});

/** what a row shows in the rendered tree: label and description text, and whether each is cut off (ellipsis) */
interface RenderedRow {
  label: string;
  description: string;
  /** the label's or description's text runs past the row's visible width */
  clipped: boolean;
  /** px of the row's text that do not fit */
  overflow: number;
  /** the label alone does not fit */
  labelClipped: boolean;
}

/** the little of the DOM `rendered` reads (this project compiles tests without the DOM library) */
interface El {
  readonly textContent: string | null;
  readonly scrollWidth: number;
  readonly clientWidth: number;
  getBoundingClientRect(): { right: number };
  querySelector(selector: string): El | null;
}

async function rendered(row: Locator): Promise<RenderedRow> {
  return row.evaluate((element) => {
    const el = element as unknown as El;
    const container = el.querySelector('.monaco-icon-label-container');
    const name = el.querySelector('.label-name');
    const desc = el.querySelector('.label-description');
    if (!container || !name) throw new Error('not a tree row with a label');
    const box = container.getBoundingClientRect();
    const right = Math.max(name.getBoundingClientRect().right, desc?.getBoundingClientRect().right ?? 0);
    const overflow = Math.max(container.scrollWidth - container.clientWidth, right - box.right);
    const labelClipped = name.getBoundingClientRect().right > box.right + 0.5;
    return { label: name.textContent ?? '', description: desc?.textContent ?? '', clipped: overflow > 0.5, overflow, labelClipped };
  });
}

describe('Connections tree in a 300 px side bar', function () {
  this.timeout(240000);
  let wb: Workbench | undefined;
  const peers: ChildProcessWithoutNullStreams[] = [];
  let listener: PythonPeer | undefined;
  const fillers: net.Socket[] = [];
  screenshotOnFailure(() => wb);

  before(async () => {
    wb = await startWorkbench();
  });
  after(async () => {
    for (const p of peers) p.kill('SIGKILL');
    for (const s of fillers) s.destroy();
    listener?.kill();
    await wb?.close();
  });

  it('each client row shows its port and live counters in full while three clients stream', async () => {
    const w = wb!;
    await w.showSocketDebugger();
    const width = await w.setSideBarWidth(300);
    assert.ok(Math.abs(width - 300) <= 1, `the side bar is ${width} px wide`);
    const { port, row: serverRow } = await w.newTcpServer();
    // three clients, each sending a frame every 50 ms for the rest of the test
    const clients = [0, 1, 2].map(() => streamer(port, 50, 60));
    peers.push(...clients);
    const ports = await Promise.all(clients.map(portOf));
    // let the counters grow past the first frames (bytes in KiB, frames in the hundreds)
    await w.page.waitForTimeout(4000);
    const ids = new Set<string>();
    for (const p of ports) {
      const row = w.treeRow(`:${p}`);
      await row.waitFor({ timeout: 20000 });
      const r = await rendered(row);
      assert.equal(r.label, `:${p}`, 'the row is named by the client\'s port');
      assert.match(r.description, /^↓ \d[\d.]* (B|KiB)\/\d+ ↑ 0 B\/0 · (c\d+)$/, 'counters first, then the id');
      ids.add(/c\d+$/.exec(r.description)![0]);
      assert.ok(!r.clipped, `the row ":${p}" is cut off by ${r.overflow.toFixed(1)} px: "${r.label}" "${r.description}"`);
    }
    assert.equal(ids.size, 3, 'three distinct clients');
    // the counters move: the same row shows more a moment later (the stream goes on)
    const first = await rendered(w.treeRow(`:${ports[0]}`));
    await w.page.waitForTimeout(1500);
    const later = await rendered(w.treeRow(`:${ports[0]}`));
    assert.notEqual(later.description, first.description);
    assert.ok(!later.clipped);
    // the server's row is selected (it was just created), so its inline buttons take room: its label still shows
    const server = await rendered(serverRow);
    assert.equal(server.label, `TCP :${port}`);
    assert.ok(!server.labelClipped, `the server row's label is cut off: "${server.label}"`);
  });

  it('a pending connect is a row with the time it has been trying; its inline Cancel and the palette cancel it', async () => {
    const w = wb!;
    listener = startPython(PY_NEVER_ACCEPTS);
    const port = await listener.port();
    // fill the listener's accept queue from here: the workbench's connect then stays pending
    for (let i = 0; i < 2; i++) fillers.push(net.connect({ host: '127.0.0.1', port }).on('error', () => undefined));
    await w.page.waitForTimeout(300);

    const connect = async (): Promise<Locator> => {
      await w.runCommand('Socket Debugger: New TCP Client…');
      await w.fillQuickInput('127.0.0.1', 'Host to connect to');
      await w.fillQuickInput(String(port), 'Port (1–65535)');
      await w.pickQuickItem('raw', 'How are messages cut');
      await w.pickQuickItem('utf-8', 'How are bytes shown');
      const row = w.treeRow(`connecting to :${port}…`);
      await row.waitFor({ timeout: 20000 });
      return row;
    };

    const row = await connect();
    assert.equal(await row.locator('.codicon-loading').count(), 1, 'a spinning icon');
    const r1 = await rendered(row);
    assert.match(r1.description, /^\d+ s · c\d+$/);
    assert.ok(!r1.clipped, `the pending row is cut off by ${r1.overflow.toFixed(1)} px: "${r1.label}" "${r1.description}"`);
    // the elapsed time ticks
    await w.page.waitForTimeout(2100);
    const r2 = await rendered(row);
    assert.ok(Number(/^(\d+) s/.exec(r2.description)?.[1]) > Number(/^(\d+) s/.exec(r1.description)?.[1]), `${r1.description} → ${r2.description}`);
    await w.screenshot('connections-narrow', { x: 0, y: 0, width: 350, height: 220 }, { docs: true });

    // the row's inline Cancel
    await row.hover();
    await row.locator('.action-label[aria-label^="Cancel Connect"]').first().click();
    await row.waitFor({ state: 'detached', timeout: 10000 });
    let messages = await w.notifications();
    assert.ok(messages.some((m) => m.includes(`Canceled the connect to 127.0.0.1:${port}.`)), messages.join('\n'));
    assert.ok(!messages.some((m) => /failed|Could not connect/.test(m)), `no failure is reported: ${messages.join('\n')}`);
    await w.runCommand('Notifications: Clear All Notifications');

    // from the keyboard: the palette's Cancel Connect (one connect in progress: no question asked)
    const again = await connect();
    await w.runCommand('Socket Debugger: Cancel Connect');
    await again.waitFor({ state: 'detached', timeout: 10000 });
    messages = await w.notifications();
    assert.ok(messages.some((m) => m.includes(`Canceled the connect to 127.0.0.1:${port}.`)), messages.join('\n'));
    assert.ok(!messages.some((m) => /failed|Could not connect/.test(m)), `no failure is reported: ${messages.join('\n')}`);
  });
});
