// Fault injection through a real relay: every option, checked by receivers that count what each recv() returns.
import * as assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { RECV_SIZES_SERVER, startPython, type RecvReport } from '../test/python';
import { collect, ofType, pattern, startTcpRelay, tcpConnect, tcpServer, until } from '../test/relay';
import { LaneShaper, parseChunkSpec, parseDelaySpec, parseDripSpec, parseHalfCloseSpec, FaultSpecError, type FaultOptions } from './faults';
import { createRng, deriveSeed } from './prng';
import type { RelayEvent } from './types';

/** runs the Python receiver as upstream of a relay with `faults`; the client sends `data` in one write and closes */
async function throughRelay(data: Buffer, faults: FaultOptions): Promise<{ got: RecvReport; events: RelayEvent[] }> {
  const py = startPython(RECV_SIZES_SERVER);
  try {
    const port = await py.port();
    const r = await startTcpRelay(port, { faults });
    try {
      const c = await tcpConnect(r.port);
      c.on('error', () => undefined);
      c.end(data);
      const line = await py.line(/^\{/, 15_000);
      return { got: JSON.parse(line) as RecvReport, events: r.events };
    } finally {
      await r.close();
    }
  } finally {
    py.kill();
  }
}

function pieces(events: RelayEvent[], lane = 'c2s'): number[] {
  return ofType(events, 'piece')
    .filter((p) => p.lane === lane)
    .map((p) => p.size);
}

describe('relay: fault injection', () => {
  it('parses the fault spellings and rejects bad ones with a clear message', () => {
    assert.deepEqual(parseChunkSpec('16'), { kind: 'fixed', size: 16 });
    assert.deepEqual(parseChunkSpec('random:1-7'), { kind: 'random', min: 1, max: 7 });
    assert.deepEqual(parseChunkSpec('split:3,10'), { kind: 'split', offsets: [3, 10] });
    assert.deepEqual(parseChunkSpec('merge'), { kind: 'merge', windowMs: 20 });
    assert.deepEqual(parseChunkSpec('merge:50'), { kind: 'merge', windowMs: 50 });
    assert.deepEqual(parseDelaySpec('100:20'), { ms: 100, jitter: 20 });
    assert.deepEqual(parseDripSpec('1/10'), { bytes: 1, everyMs: 10 });
    assert.deepEqual(parseHalfCloseSpec('s2c:5'), { lane: 's2c', after: 5 });
    assert.throws(() => parseChunkSpec('0'), /chunk size must be a whole number ≥ 1, got '0'/);
    assert.throws(() => parseChunkSpec('random:7-1'), /B must be ≥ A/);
    assert.throws(() => parseChunkSpec('split:5,3'), /ascend/);
    assert.throws(() => parseDripSpec('1'), FaultSpecError);
    assert.throws(() => parseHalfCloseSpec('up:3'), /c2s .* or s2c/);
  });

  it('the same seed cuts the same way; another seed differently', () => {
    const cut = (seed: number): number[] =>
      new LaneShaper({ chunk: { kind: 'random', min: 1, max: 9 } }, createRng(deriveSeed(seed, 1, 0))).cut(pattern(500), 0).map((p) => p.length);
    assert.deepEqual(cut(42), cut(42));
    assert.notDeepEqual(cut(42), cut(43));
    assert.ok(cut(42).every((n) => n >= 1 && n <= 9));
    // the cut points are stream offsets: however the reads fall, and with jitter drawn too, the same seed cuts at
    // the same places (a piece also ends where a read ends)
    const ends = (reads: number[], faults: FaultOptions): Set<number> => {
      const shaper = new LaneShaper(faults, createRng(deriveSeed(42, 1, 0)));
      const data = pattern(500);
      const out = new Set<number>();
      let off = 0;
      for (const n of reads) {
        shaper.readAt(0);
        for (const p of shaper.cut(data.subarray(off, off + n), off)) out.add((off += p.length));
      }
      return out;
    };
    const random: FaultOptions = { chunk: { kind: 'random', min: 1, max: 9 }, delay: { ms: 5, jitter: 3 } };
    const whole = ends([500], random);
    const bits = ends([7, 93, 1, 399], random);
    assert.deepEqual([...whole].filter((x) => !bits.has(x)), []);
    assert.deepEqual([...bits].filter((x) => !whole.has(x) && ![7, 100, 101, 500].includes(x)), []);
  });

  it('--chunk N: the receiver recv()s N-byte pieces, apart (TCP_NODELAY and a gap)', async () => {
    const data = pattern(120);
    const { got, events } = await throughRelay(data, { chunk: { kind: 'fixed', size: 10 }, gapMs: 15 });
    assert.equal(got.hex, data.toString('hex'));
    assert.deepEqual(pieces(events), Array(12).fill(10));
    // every recv() ends on a piece boundary, and the pieces really arrive one by one
    assert.ok(got.sizes.every((n) => n % 10 === 0), `recv sizes ${got.sizes.join(',')}`);
    assert.ok(got.sizes.filter((n) => n === 10).length >= 9, `recv sizes ${got.sizes.join(',')}`);
  });

  it('--chunk random:A-B with --seed: the pieces repeat exactly from run to run', async () => {
    const data = pattern(200, 5);
    const faults: FaultOptions = { chunk: { kind: 'random', min: 3, max: 17 }, seed: 1234, gapMs: 1 };
    const a = await throughRelay(data, faults);
    const b = await throughRelay(data, faults);
    assert.equal(a.got.hex, data.toString('hex'));
    assert.equal(b.got.hex, data.toString('hex'));
    assert.deepEqual(pieces(a.events), pieces(b.events));
    assert.ok(pieces(a.events).every((n) => n >= 3 && n <= 17));
    assert.ok(pieces(a.events).length > 10);
  });

  it('--chunk split:K cuts at stream offsets; merge joins consecutive writes into one piece', async () => {
    const data = pattern(50, 9);
    const { got, events } = await throughRelay(data, { chunk: { kind: 'split', offsets: [7, 30] }, gapMs: 15 });
    assert.equal(got.hex, data.toString('hex'));
    assert.deepEqual(pieces(events), [7, 23, 20]);

    // merge: five writes 3 ms apart reach the server as one piece
    const up = await tcpServer(() => undefined);
    let atServer: Promise<{ data: Buffer; reads: number[] }> | undefined;
    up.server.on('connection', (s: Socket) => (atServer = collect(s)));
    const r = await startTcpRelay(up.port, { faults: { chunk: { kind: 'merge', windowMs: 200 } } });
    try {
      const c = await tcpConnect(r.port);
      c.setNoDelay(true);
      for (let i = 0; i < 5; i++) {
        c.write(`w${i};`);
        await new Promise((res) => setTimeout(res, 3));
      }
      c.end();
      await until(() => atServer !== undefined, 'the upstream connection');
      const res = await (atServer as Promise<{ data: Buffer; reads: number[] }>);
      assert.equal(res.data.toString(), 'w0;w1;w2;w3;w4;');
      assert.ok(ofType(r.events, 'chunk').length > 1, 'the writes reached the relay apart');
      assert.deepEqual(pieces(r.events), [15]);
    } finally {
      await r.close();
      await up.close();
    }
  });

  it('--delay MS:JITTER holds each read at least MS−JITTER ms and keeps the order', async () => {
    const up = await tcpServer((s) => s.pipe(s));
    const r = await startTcpRelay(up.port, { faults: { delay: { ms: 30, jitter: 10 }, seed: 3 } });
    try {
      const c = await tcpConnect(r.port);
      const got = collect(c);
      c.setNoDelay(true);
      for (let i = 0; i < 5; i++) {
        c.write(`m${i}.`);
        await new Promise((res) => setTimeout(res, 2));
      }
      c.end();
      assert.equal((await got).data.toString(), 'm0.m1.m2.m3.m4.');
      const chunks = ofType(r.events, 'chunk').filter((e) => e.lane === 'c2s');
      const sent = ofType(r.events, 'piece').filter((e) => e.lane === 'c2s');
      let off = 0;
      for (const ch of chunks) {
        const p = sent.find((x) => x.offset === ch.offset);
        assert.ok(p, `a piece at offset ${ch.offset}`);
        assert.ok(p.time - ch.time >= 19, `held ${p.time - ch.time} ms`);
        assert.equal(ch.offset, off);
        off += ch.data.length;
      }
    } finally {
      await r.close();
      await up.close();
    }
  });

  it('--drip BYTES/MS and --rate BYTES/S spread the bytes out', async () => {
    const { got, events } = await throughRelay(Buffer.from('drip-drip!'), { drip: { bytes: 2, everyMs: 10 } });
    assert.equal(Buffer.from(got.hex, 'hex').toString(), 'drip-drip!');
    const p = ofType(events, 'piece');
    assert.deepEqual(p.map((x) => x.size), [2, 2, 2, 2, 2]);
    for (let i = 1; i < p.length; i++) assert.ok(p[i].time - p[i - 1].time >= 9, `drip gap ${p[i].time - p[i - 1].time} ms`);

    const data = pattern(1000, 4);
    const rated = await throughRelay(data, { rate: 5000 });
    assert.equal(rated.got.hex, data.toString('hex'));
    const rp = ofType(rated.events, 'piece');
    assert.ok(rp.every((x) => x.size <= 250), 'pieces of at most 50 ms worth of bytes');
    // 1000 bytes at 5000 B/s: the last piece leaves at least 150 ms after the first
    assert.ok(rp[rp.length - 1].time - rp[0].time >= 140, `took ${rp[rp.length - 1].time - rp[0].time} ms`);
  });

  it('--half-close c2s:N sends FIN after N bytes; the other lane keeps working; the rest is counted as dropped', async () => {
    let serverGot: Promise<{ data: Buffer }> | undefined;
    const up = await tcpServer((s) => {
      serverGot = collect(s);
      void serverGot.then(() => s.end('answer after FIN'));
    });
    const r = await startTcpRelay(up.port, { faults: { halfClose: { lane: 'c2s', after: 5 } } });
    try {
      const c = await tcpConnect(r.port);
      const back = collect(c);
      c.write('12345678');
      await until(() => serverGot !== undefined, 'the upstream connection');
      assert.equal((await (serverGot as Promise<{ data: Buffer }>)).data.toString(), '12345');
      c.end();
      assert.equal((await back).data.toString(), 'answer after FIN');
      await until(() => ofType(r.events, 'close').length === 1, 'the pair to close');
      const close = ofType(r.events, 'close')[0];
      assert.equal(close.counters.c2s.dropped, 3);
      assert.deepEqual(
        ofType(r.events, 'fault').map((f) => f.action),
        ['half-close', 'drop'],
      );
    } finally {
      await r.close();
      await up.close();
    }
  });

  it('--reset-after N: the server gets N bytes then a reset (RST, not FIN); so does the client', async () => {
    const py = startPython(RECV_SIZES_SERVER);
    try {
      const r = await startTcpRelay(await py.port(), { faults: { resetAfter: 10 } });
      try {
        const c = await tcpConnect(r.port);
        const atClient = collect(c);
        c.write(pattern(100));
        const got = JSON.parse(await py.line(/^\{/)) as RecvReport;
        assert.equal(got.hex, pattern(10).toString('hex'));
        assert.equal(got.err, 'reset');
        assert.equal((await atClient).error, 'ECONNRESET');
        await until(() => ofType(r.events, 'close').length === 1, 'the pair to close');
        assert.equal(ofType(r.events, 'close')[0].reason, 'reset-by-relay');
      } finally {
        await r.close();
      }
    } finally {
      py.kill();
    }
  });

  it('reset, hold, release and inject on command; --drop discards a lane (counted)', async () => {
    const serverSide: Socket[] = [];
    const up = await tcpServer((s) => {
      serverSide.push(s);
      s.pipe(s);
    });
    const r = await startTcpRelay(up.port, { faults: { drop: ['s2c'] } });
    try {
      const c = await tcpConnect(r.port);
      const back = collect(c);
      await until(() => r.relay.pair('p1')?.lanes !== undefined, 'the pair');
      const pair = r.relay.pair('p1');
      const lanes = pair?.lanes;
      assert.ok(pair && lanes);
      lanes.c2s.hold();
      c.write('held;');
      await until(() => lanes.c2s.counters.bytesIn === 5, 'the relay to read');
      lanes.c2s.inject(Buffer.from('injected;'));
      assert.equal(lanes.c2s.counters.bytesOut, 0);
      lanes.c2s.release();
      await until(() => lanes.s2c.counters.bytesIn === 14, 'the echo');
      assert.equal(lanes.s2c.counters.dropped, 14);
      pair.reset();
      const res = await back;
      assert.equal(res.data.length, 0);
      assert.equal(res.error, 'ECONNRESET');
      const echoed = ofType(r.events, 'chunk').filter((e) => e.lane === 's2c').map((e) => e.data.toString()).join('');
      assert.equal(echoed, 'held;injected;');
    } finally {
      await r.close();
      await up.close();
    }
  });
});
