// The relay as a front end sees it: snapshot tree, both lanes' log, and inject / hold / release / cut by command (TCP
// and UDP pairs).
import * as assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { collect, startTcpRelay, startUdpRelay, tcpConnect, tcpServer, until } from '../test/relay';
import { RelayView, RelayCommandError } from './view';

describe('relay: view model (tree, lane log, commands)', () => {
  it('shows pairs with both lanes and counters, logs both lanes in order, and obeys hold / inject / release / cut', async () => {
    const up = await tcpServer((s) => s.pipe(s));
    const r = await startTcpRelay(up.port, { framing: 'line' });
    const view = new RelayView(r.relay, { logEntries: 100 });
    let changes = 0;
    view.onDidChange(() => changes++);
    try {
      const c = await tcpConnect(r.port);
      const back = collect(c);
      c.write('ping\n');
      await until(() => view.logOf('p1').filter((e) => e.kind === 'frame').length === 2, 'both lanes framed');
      const log = view.logOf('p1').filter((e) => e.kind === 'frame');
      assert.deepEqual(log.map((e) => `${e.lane}:${e.data.toString()}`), ['c2s:ping', 's2c:ping']);

      view.hold('p1', 'c2s');
      c.write('held\n');
      await until(() => view.snapshot().pairs[0].lanes.c2s.pending === 5, 'the held bytes');
      let snap = view.snapshot();
      assert.equal(snap.proto, 'tcp');
      assert.equal(snap.pairs.length, 1);
      assert.equal(snap.pairs[0].state, 'open');
      assert.equal(snap.pairs[0].lanes.c2s.held, true);
      assert.equal(snap.pairs[0].lanes.c2s.counters.bytesIn, 10);
      assert.equal(snap.pairs[0].lanes.c2s.counters.bytesOut, 5);
      view.inject('p1', 'c2s', Buffer.from('injected\n'));
      view.release('p1', 'c2s');
      await until(() => view.snapshot().pairs[0].lanes.s2c.counters.bytesIn === 19, 'the echo of held and injected');
      view.cut('p1');
      assert.equal((await back).data.toString(), 'ping\nheld\ninjected\n');
      // the injected bytes are a c2s frame marked injected when written (after the held bytes), at source offset 10,
      // with a seq neither the lane's frames nor its chunks use; and an injected piece
      const c2s = view.logOf('p1').filter((e) => e.lane === 'c2s' && e.kind === 'frame');
      assert.deepEqual(c2s.map((e) => [e.data.toString(), e.injected ?? false, e.offset, e.seq]), [['ping', false, 0, 0], ['held', false, 5, 1], ['injected\n', true, 10, 2]]);
      assert.deepEqual(view.piecesOf('p1').filter((e) => e.injected).map((e) => [e.lane, e.offset, e.size]), [['c2s', 10, 9]]);
      await until(() => view.snapshot().pairs[0].state === 'closed', 'the pair to close');
      snap = view.snapshot();
      assert.equal(snap.pairs[0].reason, 'relay-closed');
      assert.ok(changes > 3);
      assert.throws(() => view.hold('p1', 's2c'), (e: unknown) => e instanceof RelayCommandError && e.code === 'ENOENT' && /no open pair 'p1'/.test(e.message));
    } finally {
      view.dispose();
      await r.close();
      await up.close();
    }
  });

  it('keeps its log within limits and counts what it dropped; UDP pairs refuse stream commands', async () => {
    const up = await tcpServer((s) => s.resume());
    const r = await startTcpRelay(up.port);
    const view = new RelayView(r.relay, { logEntries: 5 });
    try {
      const c = await tcpConnect(r.port);
      c.setNoDelay(true);
      for (let i = 0; i < 12; i++) {
        c.write(`m${i}`);
        await new Promise((res) => setTimeout(res, 3));
      }
      await until(() => (view.snapshot().pairs[0]?.lanes.c2s.counters.bytesIn ?? 0) >= 26, 'all bytes');
      const entries = view.logOf();
      assert.equal(entries.length, 5);
      assert.equal(view.droppedEntries + entries.length, view.snapshot().pairs[0].lanes.c2s.counters.chunksIn);
      // counted by pair, lane and kind too (what Save Received Data and Save Session say they lack)
      assert.equal(view.droppedOf('p1', 'c2s', 'chunk'), view.droppedEntries);
      assert.equal(view.droppedOf('p1', 's2c', 'chunk'), 0);
      c.destroy();
    } finally {
      view.dispose();
      await r.close();
      await up.close();
    }
    const u = await startUdpRelay(9);
    const uview = new RelayView(u.relay);
    try {
      assert.equal(uview.snapshot().proto, 'udp');
      assert.throws(() => uview.inject('p1', 'c2s', Buffer.from('x')), (e: unknown) => e instanceof RelayCommandError && e.code === 'ENOENT');
    } finally {
      uview.dispose();
      await u.close();
    }
  });

  it('injects into, holds and releases UDP lanes (the injected datagram is an injected frame); refuses half-close and reset', async () => {
    const server = createSocket('udp4');
    await new Promise<void>((res) => server.bind(0, '127.0.0.1', res));
    const got: string[] = [];
    server.on('message', (m, rinfo) => {
      got.push(m.toString());
      server.send(m, rinfo.port, rinfo.address);
    });
    const r = await startUdpRelay(server.address().port);
    const view = new RelayView(r.relay);
    const client = createSocket('udp4');
    await new Promise<void>((res) => client.bind(0, '127.0.0.1', res));
    const heard: string[] = [];
    client.on('message', (m) => heard.push(m.toString()));
    try {
      client.send('ping', r.port, '127.0.0.1');
      await until(() => heard.length === 1, 'the echo');
      view.hold('p1', 's2c');
      assert.equal(view.snapshot().pairs[0].lanes.s2c.held, true);
      client.send('pong', r.port, '127.0.0.1');
      await until(() => view.snapshot().pairs[0].lanes.s2c.pending === 4, 'the held echo');
      view.inject('p1', 's2c', Buffer.from('inj'));
      assert.deepEqual(heard, ['ping']);
      view.release('p1', 's2c');
      await until(() => heard.length === 3, 'the released datagrams');
      assert.deepEqual(heard, ['ping', 'pong', 'inj']);
      assert.equal(view.snapshot().pairs[0].lanes.s2c.held, false);
      const s2c = view.logOf('p1').filter((e) => e.lane === 's2c' && (e.kind === 'frame' || e.kind === 'chunk'));
      assert.deepEqual(s2c.map((e) => [e.kind, e.data.toString(), e.injected ?? false, e.offset, e.seq]), [['chunk', 'ping', false, 0, 0], ['chunk', 'pong', false, 4, 1], ['frame', 'inj', true, 8, 2]]);
      assert.deepEqual(view.piecesOf('p1').filter((e) => e.injected).map((e) => [e.lane, e.offset, e.size]), [['s2c', 8, 3]]);
      view.inject('p1', 'c2s', Buffer.from('up'));
      await until(() => got.length === 3, 'the injected c2s datagram');
      assert.equal(got[2], 'up');
      const refused = (what: RegExp) => (e: unknown) => e instanceof RelayCommandError && e.code === 'ENOTSUP' && what.test(e.message) && /pair p1 is UDP/.test(e.message);
      assert.throws(() => view.halfClose('p1', 'c2s'), refused(/half-close is for TCP streams/));
      assert.throws(() => view.reset('p1'), refused(/reset is for TCP streams/));
    } finally {
      view.dispose();
      await r.close();
      server.close();
      client.close();
    }
  });
});
