/**
 * UI suite: the Connections tree's counters stay live while data flows — a steady stream of 30 frames/s, and the same
 * stream while another client floods the server — measured by reading the rendered rows in the real workbench.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { screenshotOnFailure, startWorkbench, type Workbench } from './driver';

/** like the tutorial's client: connects and sends one length-prefixed frame every `intervalMs` for `seconds` */
function streamer(port: number, intervalMs: number, seconds: number, size = 8): ChildProcess {
  const code = `
import socket, struct, sys, time
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
interval, end, size = float(sys.argv[2]) / 1000, time.time() + float(sys.argv[3]), int(sys.argv[4])
while time.time() < end:
    sk.send(struct.pack('i', size) + b'x' * size)
    if interval:
        time.sleep(interval)
sk.close()
`;
  return spawn('python3', ['-c', code, String(port), String(intervalMs), String(seconds), String(size)], { stdio: 'ignore' });
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
  const peers: ChildProcess[] = [];
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
