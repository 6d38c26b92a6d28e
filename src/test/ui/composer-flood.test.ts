/**
 * UI suite: the composer under a flood, as people meet it — one connection's 200,000-frame flood must not wipe a
 * quieter connection's frames (the tutorial's sticky pair), and the log says when it is not following the newest
 * frames ("N new") and follows again on End or a click on the badge.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { screenshotOnFailure, startWorkbench, type Workbench } from './driver';

/** the tutorial's client: two struct.pack('i') frames in ONE write (one sticky chunk), then holds the connection */
const PY_STICKY = `
import socket, struct, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
msgs = ['hello'.encode('utf-8'), '吃包子啊!'.encode('utf-8')]
sk.send(b''.join(struct.pack('i', len(m)) + m for m in msgs))
sys.stdin.read()
sk.close()
`;

/** floods n length-prefixed frames "f0000000".."f<n-1>" as fast as it can */
const PY_FLOOD = `
import socket, struct, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
n = int(sys.argv[2])
batch = []
for i in range(n):
    m = b'f%07d' % i
    batch.append(struct.pack('i', len(m)) + m)
    if len(batch) == 1000:
        sk.sendall(b''.join(batch))
        batch = []
if batch:
    sk.sendall(b''.join(batch))
sk.close()
`;

describe('UI: the composer under a 200,000-frame flood', function () {
  this.timeout(240000);
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

  it("keeps the sticky connection's frames through another's flood, and shows the follow state", async () => {
    const w = wb!;
    const { page } = w;
    const { port } = await w.newTcpServer();

    const sticky = spawn('python3', ['-c', PY_STICKY, String(port)], { stdio: ['pipe', 'ignore', 'ignore'] });
    peers.push(sticky);
    await page.locator('.pane-body .monaco-list-row', { hasText: /↓ 26 B\/2 .*· c2\b/ }).first().waitFor({ timeout: 20000 });
    await w.runCommand('Socket Debugger: Open Packet Composer');
    const view = w.webview();
    const rows = view.locator('#log .log-row.dir-in:not([hidden])');
    await rows.filter({ hasText: 'hello' }).first().waitFor({ timeout: 30000 });
    const log = view.locator('#log');
    assert.equal(await log.getAttribute('data-follow'), 'following');
    const newer = view.locator('#log-newer');
    assert.equal(await newer.isHidden(), true);

    // a click on an older frame keeps it in view: the log stops following and says so
    await rows.filter({ hasText: 'hello' }).first().click();
    await newer.waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await log.getAttribute('data-follow'), 'not-following');

    // c3 floods 200,000 frames
    const flood = spawn('python3', ['-c', PY_FLOOD, String(port), '200000'], { stdio: 'ignore' });
    peers.push(flood);
    await new Promise((r) => flood.on('close', r));
    // the badge counts what arrived meanwhile
    await newer.filter({ hasText: /\d[\d,.\s]* new/ }).waitFor({ timeout: 60000 });
    await page.locator('.pane-body .monaco-list-row', { hasText: /\/200000 .*· c3\b/ }).first().waitFor({ timeout: 60000 });
    const count = async (): Promise<number> => Number(((await newer.innerText()).match(/[\d,.\s]+/)?.[0] ?? '0').replace(/\D/g, ''));
    let last = -1;
    for (let t0 = Date.now(); Date.now() - t0 < 60000; ) {
      const n = await count();
      if (n === last) break;
      last = n;
      await page.waitForTimeout(1000);
    }
    assert.ok(last > 1000, `the badge counted ${last} new frames`);
    // the first frames are still on screen (not following)
    await rows.filter({ hasText: 'hello' }).first().waitFor({ timeout: 5000 });
    await w.screenshot('composer-follow-badge', undefined, { docs: true });

    // End: the newest frame, following again
    await log.focus();
    await page.keyboard.press('End');
    await newer.waitFor({ state: 'hidden', timeout: 10000 });
    assert.equal(await log.getAttribute('data-follow'), 'following');
    await rows.filter({ hasText: 'f0199999' }).first().waitFor({ timeout: 20000 });

    // the sticky connection kept both frames and its one chunk; the flood lost only its own oldest frames (skipped
    // by the host while the webview caught up, or dropped by the view's cap), and the inspector says so
    await view.locator('#insp-conn').selectOption('c2');
    const summary = view.locator('#insp-summary');
    await summary.filter({ hasText: /1 chunk · 2 frames · 1 sticky/ }).waitFor({ timeout: 10000 });
    assert.doesNotMatch(await summary.innerText(), /dropped/);
    await view.locator('#insp-conn').selectOption('c3');
    await summary.filter({ hasText: /older dropped/ }).waitFor({ timeout: 10000 });
    sticky.stdin!.end();
  });
});
