// The UDP relay over real loopback sockets: one upstream socket per client address, answers routed back, refusals.
import * as assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { ofType, startUdpRelay, until } from '../test/relay';
import { UDP_QUEUE_LIMIT } from './udp';

async function bound(): Promise<{ sock: Socket; port: number }> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { sock, port: sock.address().port };
}

function reply(sock: Socket): Promise<string> {
  return new Promise((r) => sock.once('message', (m) => r(m.toString())));
}

describe('relay: UDP', () => {
  it('gives each client address its own upstream socket and routes answers back', async () => {
    const server = await bound();
    const seenFrom = new Set<number>();
    server.sock.on('message', (m, rinfo) => {
      seenFrom.add(rinfo.port);
      server.sock.send(`echo:${m.toString()}`, rinfo.port, rinfo.address);
    });
    const r = await startUdpRelay(server.port);
    const a = await bound();
    const b = await bound();
    try {
      for (let i = 0; i < 3; i++) {
        const ra = reply(a.sock);
        a.sock.send(`a${i}`, r.port, '127.0.0.1');
        assert.equal(await ra, `echo:a${i}`);
        const rb = reply(b.sock);
        b.sock.send(`b${i}`, r.port, '127.0.0.1');
        assert.equal(await rb, `echo:b${i}`);
      }
      assert.equal(seenFrom.size, 2);
      assert.equal(r.relay.pairCount, 2);
      const chunks = ofType(r.events, 'chunk');
      assert.deepEqual(
        chunks.filter((c) => c.pair === 'p1').map((c) => `${c.lane}:${c.data.toString()}`),
        ['c2s:a0', 's2c:echo:a0', 'c2s:a1', 's2c:echo:a1', 'c2s:a2', 's2c:echo:a2'],
      );
    } finally {
      await r.close();
      for (const s of [server, a, b]) s.sock.close();
    }
  });

  it('drops only the client whose upstream refuses (port unreachable), and keeps relaying', async () => {
    const dead = await bound();
    const deadPort = dead.port;
    await new Promise<void>((res) => dead.sock.close(() => res()));
    const r = await startUdpRelay(deadPort);
    const a = await bound();
    try {
      a.sock.send('x', r.port, '127.0.0.1');
      a.sock.send('y', r.port, '127.0.0.1');
      await until(() => ofType(r.events, 'upstream-error').length >= 1, 'an upstream error');
      const err = ofType(r.events, 'upstream-error')[0];
      assert.equal(err.code, 'ECONNREFUSED');
      assert.match(err.message, /^pair p1: upstream .*refused/);
      await until(() => ofType(r.events, 'close').some((c) => c.reason === 'upstream-failed'), 'the pair to close');
      a.sock.send('z', r.port, '127.0.0.1');
      await until(() => ofType(r.events, 'open').some((o) => o.pair !== 'p1'), 'a new pair for the next datagram');
    } finally {
      await r.close();
      a.sock.close();
    }
  });

  it('delays datagrams and keeps their order; drops a lane on request (counted)', async () => {
    const server = await bound();
    const got: string[] = [];
    server.sock.on('message', (m, rinfo) => {
      got.push(m.toString());
      server.sock.send(m, rinfo.port, rinfo.address);
    });
    const r = await startUdpRelay(server.port, { faults: { delay: { ms: 5, jitter: 4 }, seed: 7, drop: ['s2c'] } });
    const a = await bound();
    try {
      for (let i = 0; i < 10; i++) a.sock.send(`m${i}`, r.port, '127.0.0.1');
      await until(() => got.length === 10, 'ten datagrams at the server');
      assert.deepEqual(got, Array.from({ length: 10 }, (_, i) => `m${i}`));
      await until(() => ofType(r.events, 'fault').length === 10, 'ten drops');
      const p = r.relay.pair('p1');
      assert.equal(p?.lanes.s2c.counters.dropped, got.join('').length);
      assert.equal(p?.lanes.s2c.counters.bytesOut, 0);
    } finally {
      await r.close();
      server.sock.close();
      a.sock.close();
    }
  });

  it('injects one datagram into either lane, and holds a lane then releases its datagrams in order', async () => {
    const server = await bound();
    const got: string[] = [];
    server.sock.on('message', (m, rinfo) => {
      got.push(m.toString());
      server.sock.send(`echo:${m.toString()}`, rinfo.port, rinfo.address);
    });
    const r = await startUdpRelay(server.port);
    const a = await bound();
    const heard: string[] = [];
    a.sock.on('message', (m) => heard.push(m.toString()));
    try {
      a.sock.send('hello', r.port, '127.0.0.1');
      await until(() => heard.length === 1, 'the first echo');
      const p = r.relay.pair('p1');
      assert.ok(p);
      // s2c: one datagram to the client, from the relay's port; c2s: one datagram to the server
      p.lanes.s2c.inject(Buffer.from('to client'));
      await until(() => heard.length === 2, 'the injected s2c datagram');
      assert.equal(heard[1], 'to client');
      p.lanes.c2s.inject(Buffer.from('to server'));
      await until(() => heard.length === 3, 'the echo of the injected c2s datagram');
      assert.deepEqual(got, ['hello', 'to server']);
      assert.equal(heard[2], 'echo:to server');

      p.lanes.c2s.hold();
      for (const m of ['h1', 'h2', 'h3']) a.sock.send(m, r.port, '127.0.0.1');
      await until(() => p.lanes.c2s.counters.chunksIn === 4, 'the held datagrams read');
      assert.equal(p.lanes.c2s.isHeld, true);
      assert.equal(p.lanes.c2s.pending, 6);
      p.lanes.c2s.inject(Buffer.from('after'));
      assert.deepEqual(got, ['hello', 'to server']);
      p.lanes.c2s.release();
      await until(() => got.length === 6, 'the released datagrams');
      assert.deepEqual(got, ['hello', 'to server', 'h1', 'h2', 'h3', 'after']);
      assert.equal(p.lanes.c2s.pending, 0);
      const injected = ofType(r.events, 'piece').filter((e) => e.injected);
      assert.deepEqual(
        injected.map((e) => [e.lane, e.data?.toString(), e.at, e.size]),
        [['s2c', 'to client', 10, 9], ['c2s', 'to server', 5, 9], ['c2s', 'after', 11, 5]],
      );
    } finally {
      await r.close();
      server.sock.close();
      a.sock.close();
    }
  });

  it('a held lane queues at most UDP_QUEUE_LIMIT datagrams: the rest, injected ones too, are dropped and counted', async () => {
    const server = await bound();
    server.sock.on('message', (m, rinfo) => server.sock.send(m, rinfo.port, rinfo.address));
    const r = await startUdpRelay(server.port);
    const a = await bound();
    a.sock.on('message', () => undefined);
    try {
      a.sock.send('x', r.port, '127.0.0.1');
      await until(() => (r.relay.pair('p1')?.lanes.s2c.counters.bytesOut ?? 0) === 1, 'the echo');
      const lane = r.relay.pair('p1')?.lanes.s2c;
      assert.ok(lane);
      lane.hold();
      for (let i = 0; i < UDP_QUEUE_LIMIT + 2; i++) lane.inject(Buffer.from('ab'));
      assert.equal(lane.pending, UDP_QUEUE_LIMIT * 2);
      assert.equal(lane.counters.dropped, 4);
      assert.deepEqual(ofType(r.events, 'fault').map((f) => [f.lane, f.action, f.bytes]), [['s2c', 'drop', 2], ['s2c', 'drop', 2]]);
      lane.release();
      assert.equal(lane.counters.bytesOut, 1 + UDP_QUEUE_LIMIT * 2);
      assert.equal(lane.counters.piecesOut, 1 + UDP_QUEUE_LIMIT);
      assert.equal(lane.pending, 0);
    } finally {
      await r.close();
      server.sock.close();
      a.sock.close();
    }
  });
});
