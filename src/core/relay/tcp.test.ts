// The TCP relay over real loopback sockets: byte-exact lanes, events, failures kept to their pair, backpressure.
import * as assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { createServer } from 'node:net';
import { collect, ofType, pattern, sha, startTcpRelay, tcpConnect, tcpServer, until } from '../test/relay';

describe('relay: TCP', () => {
  it('forwards both lanes byte for byte and in order, with chunk events and counters', async () => {
    const fromClient = pattern(300_000, 1);
    const fromServer = pattern(200_000, 2);
    let serverGot: Promise<{ data: Buffer }> | undefined;
    const up = await tcpServer((s) => {
      serverGot = collect(s);
      s.end(fromServer);
    });
    const r = await startTcpRelay(up.port);
    try {
      const c = await tcpConnect(r.port);
      const got = collect(c);
      c.end(fromClient);
      const back = await got;
      await until(() => serverGot !== undefined, 'the server to accept');
      const atServer = await (serverGot as Promise<{ data: Buffer }>);
      assert.equal(sha(atServer.data), sha(fromClient));
      assert.equal(sha(back.data), sha(fromServer));
      await until(() => ofType(r.events, 'close').length === 1, 'the pair to close');
      const close = ofType(r.events, 'close')[0];
      assert.equal(close.reason, 'fin');
      assert.equal(close.counters.c2s.bytesIn, fromClient.length);
      assert.equal(close.counters.c2s.bytesOut, fromClient.length);
      assert.equal(close.counters.s2c.bytesOut, fromServer.length);
      assert.equal(close.counters.c2s.dropped, 0);
      // the chunk events carry the stream, in order, with offsets
      for (const lane of ['c2s', 's2c'] as const) {
        const chunks = ofType(r.events, 'chunk').filter((e) => e.lane === lane);
        let off = 0;
        for (const ch of chunks) {
          assert.equal(ch.offset, off);
          off += ch.data.length;
        }
        assert.equal(sha(Buffer.concat(chunks.map((ch) => ch.data))), sha(lane === 'c2s' ? fromClient : fromServer));
      }
      assert.deepEqual(ofType(r.events, 'end').map((e) => e.lane).sort(), ['c2s', 's2c']);
      assert.equal(ofType(r.events, 'open').length, 1);
    } finally {
      await r.close();
      await up.close();
    }
  });

  it('a throwing event listener breaks nothing: the bytes still cross, an error event names pair, lane and offset', async () => {
    const up = await tcpServer((s) => s.pipe(s));
    const r = await startTcpRelay(up.port);
    r.relay.onEvent((e) => {
      if (e.type === 'chunk') throw new Error('listener bug');
    });
    try {
      const c = await tcpConnect(r.port);
      const got = collect(c);
      c.end('still here');
      assert.equal((await got).data.toString(), 'still here');
      const errs = ofType(r.events, 'error').filter((e) => e.code === 'LISTENER_ERROR');
      assert.ok(errs.length >= 2);
      assert.match(errs[0].message, /^pair p1 c2s stream offset 0: a relay event listener threw on the 'chunk' event: listener bug$/);
    } finally {
      await r.close();
      await up.close();
    }
  });

  it('decodes frames in both lanes with --framing and reports an unfinished frame at close', async () => {
    const frame = (t: string): Buffer => {
      const p = Buffer.from(t);
      const h = Buffer.alloc(4);
      h.writeInt32LE(p.length);
      return Buffer.concat([h, p]);
    };
    const up = await tcpServer((s) => {
      s.on('data', () => undefined);
      s.end(Buffer.concat([frame('pong'), frame('吃包子啊').subarray(0, 6)]));
    });
    const r = await startTcpRelay(up.port, { framing: 'length:<i' });
    try {
      const c = await tcpConnect(r.port);
      const got = collect(c);
      c.end(Buffer.concat([frame('ping'), frame('hello')]));
      await got;
      await until(() => ofType(r.events, 'close').length === 1, 'the pair to close');
      const frames = ofType(r.events, 'frame').map((f) => `${f.lane}:${f.payload.toString()}`);
      assert.deepEqual(frames.filter((f) => f.startsWith('c2s')), ['c2s:ping', 'c2s:hello']);
      assert.deepEqual(frames.filter((f) => f.startsWith('s2c')), ['s2c:pong']);
      const unfinished = ofType(r.events, 'unfinished');
      assert.deepEqual(unfinished.map((u) => [u.lane, u.offset, u.bytes]), [['s2c', 8, 6]]);
    } finally {
      await r.close();
      await up.close();
    }
  });

  it('closes a client whose upstream refuses, with a clear event, and keeps listening', async () => {
    // a port nobody listens on: take one, then free it
    const probe = createServer();
    await new Promise<void>((res) => probe.listen(0, '127.0.0.1', res));
    const a = probe.address();
    const deadPort = typeof a === 'object' && a ? a.port : 0;
    await new Promise<void>((res) => probe.close(() => res()));
    const r = await startTcpRelay(deadPort);
    try {
      for (let i = 0; i < 2; i++) {
        const c = await tcpConnect(r.port);
        const got = await collect(c);
        assert.equal(got.data.length, 0);
      }
      const errs = ofType(r.events, 'upstream-error');
      assert.equal(errs.length, 2);
      assert.equal(errs[0].code, 'ECONNREFUSED');
      assert.match(errs[0].message, /pair p1: upstream connection to 127\.0\.0\.1:\d+ refused .*client 127\.0\.0\.1:\d+ closed/);
      assert.equal(r.relay.pairCount, 0);
    } finally {
      await r.close();
    }
  });

  it("keeps one pair's reset to that pair: the other pair carries on", async () => {
    const serverSide: Socket[] = [];
    const up = await tcpServer((s) => {
      serverSide.push(s);
      s.pipe(s); // echo
    });
    const r = await startTcpRelay(up.port);
    try {
      const a = await tcpConnect(r.port);
      const b = await tcpConnect(r.port);
      const bGot = collect(b);
      const aGot = collect(a);
      b.write('before ');
      await until(() => serverSide.length === 2, 'both upstream connections');
      a.resetAndDestroy();
      const aRes = await aGot;
      assert.equal(aRes.data.length, 0);
      await until(() => ofType(r.events, 'close').length === 1, 'pair a to close');
      assert.equal(ofType(r.events, 'close')[0].reason, 'reset-by-client');
      b.end('after');
      assert.equal((await bGot).data.toString(), 'before after');
    } finally {
      await r.close();
      await up.close();
    }
  });

  it('passes backpressure through: an upstream that stops reading pauses the client, bounded memory, nothing lost', async () => {
    const total = 48 * 1024 * 1024;
    const data = pattern(total, 3);
    let upstream: Socket | undefined;
    let atServer: Promise<{ data: Buffer }> | undefined;
    const up = await tcpServer((s) => {
      upstream = s;
      s.pause();
    });
    const r = await startTcpRelay(up.port);
    try {
      const c = await tcpConnect(r.port);
      c.end(data);
      await until(() => upstream !== undefined, 'the upstream connection');
      // wait until the relay stops reading (its input stalls while the server does not read)
      let last = -1;
      let stable = 0;
      const pair = r.relay.pair('p1');
      assert.ok(pair?.lanes);
      const lanes = pair.lanes;
      while (stable < 5) {
        await new Promise((res) => setTimeout(res, 50));
        const n = lanes.c2s.counters.bytesIn;
        stable = n === last ? stable + 1 : 0;
        last = n;
      }
      assert.ok(last < total, `the relay read everything (${last}) although the server reads nothing`);
      const held = (pair.upstreamSocket?.writableLength ?? 0) + lanes.c2s.pending;
      assert.ok(held <= 2 * 1024 * 1024, `the relay holds ${held} bytes`);
      assert.ok(c.writableLength > 0, 'the client is blocked');
      const s = upstream as Socket;
      atServer = collect(s);
      s.resume();
      assert.equal(sha((await atServer).data), sha(data));
    } finally {
      await r.close();
      await up.close();
    }
  });
});
