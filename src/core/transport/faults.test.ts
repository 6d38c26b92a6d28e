// A connection's fault plan over real sockets: what our TCP client, TCP server and UDP socket send is cut, delayed,
// half-closed and reset the way a relay lane's bytes are, checked by Python receivers that count what recv() returns.
import * as assert from 'node:assert/strict';
import { RECV_SIZES_SERVER, runPython, startPython, type RecvReport } from '../test/python';
import { useRegistry } from '../test/registry';
import { pattern } from '../test/relay';
import type { FaultOptions } from '../relay/faults';
import type { ErrorEvent } from '../types';
import * as net from 'node:net';
import { collect, echoReplies, next, writeUntilStalled } from './testing';
import { REPLY_HIGH_WATER_MARK } from './tcp';

describe('core/transport: fault plans on our own senders', function () {
  this.timeout(20000);
  const reg = useRegistry();

  /** our tcp-client with `faults` sends `sends` to the Python receiver, then FIN; resolves with what it recv()d */
  async function clientTo(sends: Buffer[], faults: FaultOptions): Promise<{ got: RecvReport; errors: ErrorEvent[]; results: Array<string | undefined> }> {
    const py = startPython(RECV_SIZES_SERVER);
    try {
      const port = await py.port();
      const errors = collect(reg.onDidError);
      const c = await reg.connectTcp({ host: '127.0.0.1', port, faults });
      const results = await Promise.all(sends.map((d) => reg.send(c.id, d, { framed: false }).then(() => undefined, (e: { code?: string }) => e.code)));
      await reg.end(c.id).catch(() => undefined);
      const got = JSON.parse(await py.line(/^\{/, 15_000)) as RecvReport;
      return { got, errors, results };
    } finally {
      py.kill();
    }
  }

  it('--chunk N: the receiver recv()s N-byte pieces, apart; the send resolves once all are out', async () => {
    const data = pattern(120);
    const { got, results } = await clientTo([data], { chunk: { kind: 'fixed', size: 10 }, gapMs: 15 });
    assert.deepEqual(results, [undefined]);
    assert.equal(got.hex, data.toString('hex'));
    assert.ok(got.sizes.every((n) => n % 10 === 0), `recv sizes ${got.sizes.join(',')}`);
    assert.ok(got.sizes.filter((n) => n === 10).length >= 9, `recv sizes ${got.sizes.join(',')}`);
  });

  it('random:A-B with a seed, split, merge, delay, drip and rate keep every byte in order', async () => {
    const data = pattern(300, 3);
    const parts = [data.subarray(0, 100), data.subarray(100, 101), data.subarray(101)];
    const plans: FaultOptions[] = [
      { chunk: { kind: 'random', min: 3, max: 17 }, seed: 7, gapMs: 1 },
      { chunk: { kind: 'split', offsets: [5, 150] }, gapMs: 40 },
      { chunk: { kind: 'merge', windowMs: 30 } },
      { delay: { ms: 20, jitter: 10 }, seed: 3 },
      { drip: { bytes: 50, everyMs: 40 } },
      { rate: 20_000 },
    ];
    for (const faults of plans) {
      const { got, results } = await clientTo(parts, faults);
      assert.deepEqual(results, [undefined, undefined, undefined], JSON.stringify(faults));
      assert.equal(got.hex, data.toString('hex'), JSON.stringify(faults));
      assert.equal(got.err, '');
      if (faults.chunk?.kind === 'split') assert.equal(got.sizes[0], 5, `split: recv sizes ${got.sizes.join(',')}`);
      if (faults.chunk?.kind === 'merge') assert.deepEqual(got.sizes, [300], 'merge: the three sends arrive as one');
      // six 50-byte pieces 40 ms apart: the receiver's recv() returns them in several parts, not all at once
      if (faults.drip) assert.ok(got.sizes.length >= 2, `drip: recv sizes ${got.sizes.join(',')}`);
    }
  });

  it('reset-after N: the peer gets N bytes, then a reset (ECONNRESET); later sends reject with FAULT_RESET, reported', async () => {
    const data = pattern(40);
    const { got, errors, results } = await clientTo([data.subarray(0, 20), data.subarray(20)], { resetAfter: 25 });
    assert.equal(got.err, 'reset');
    // what arrived before the reset is a prefix of what was sent (a reset may discard bytes the peer had not read)
    assert.ok(data.toString('hex').startsWith(got.hex) && got.hex.length <= 50, got.hex);
    assert.deepEqual(results, [undefined, 'FAULT_RESET']);
    const fault = errors.find((e) => e.code === 'FAULT_RESET');
    assert.match(fault?.message ?? '', /reset \(RST\) by its fault plan after 25 bytes sent; 15 bytes queued after that not sent/);
    assert.equal(fault?.offset, 25);
  });

  it('half-close after N: FIN after N bytes; the rest is not sent and its send rejects with FAULT_HALF_CLOSE', async () => {
    const data = pattern(30);
    const { got, results, errors } = await clientTo([data.subarray(0, 10), data.subarray(10)], { halfClose: { lane: 'c2s', after: 12 } });
    assert.equal(got.err, '');
    assert.equal(got.hex, data.subarray(0, 12).toString('hex'));
    assert.deepEqual(results, [undefined, 'FAULT_HALF_CLOSE']);
    assert.ok(errors.some((e) => e.code === 'FAULT_HALF_CLOSE' && e.offset === 12));
  });

  it("a server's plan cuts what it sends to each client; the tutorial's recv loop gets every byte", async () => {
    const server = await reg.listenTcp({ host: '127.0.0.1', port: 0, faults: { chunk: { kind: 'fixed', size: 4 }, gapMs: 10 } });
    const opened = next(reg.onDidOpen, (e) => e.info.kind === 'tcp-peer');
    const client = runPython(
      `
import socket, sys, json
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
sizes = []
while True:
    data = sk.recv(1024)
    if not data:
        break
    sizes.append(len(data))
print(json.dumps(sizes))
`,
      [String(server.local!.port)],
    );
    const peer = (await opened).id;
    await reg.send(peer, Buffer.from('hello world!'), { framed: false });
    await reg.end(peer);
    const sizes = JSON.parse((await client).trim()) as number[];
    assert.equal(sizes.reduce((a, b) => a + b, 0), 12);
    assert.ok(sizes.every((n) => n % 4 === 0) && sizes.length >= 2, `recv sizes ${sizes.join(',')}`);
  });

  it('echo replies held back by a plan count as backlog: reading pauses for a peer that never reads, nothing is lost', async () => {
    const srv = await reg.listenTcp({ port: 0, faults: { chunk: { kind: 'fixed', size: 64 * 1024 }, delay: { ms: 20, jitter: 0 }, gapMs: 0 } });
    const echo = echoReplies(reg);
    const total = 24 * 1024 * 1024;
    const block = pattern(64 * 1024);
    const client = net.connect({ port: srv.local!.port, host: '127.0.0.1' });
    client.pause();
    await new Promise<void>((res) => client.once('connect', () => res()));
    const { written, stalled } = await writeUntilStalled(client, block, total);
    assert.ok(stalled, 'the server took everything without the client reading a byte');
    assert.equal(reg.get(echo.peerId!)!.readingPaused, true);
    assert.ok(echo.maxQueued <= REPLY_HIGH_WATER_MARK + 256 * 1024, `the server held ${echo.maxQueued} bytes of replies`);
    let got = 0;
    const done = new Promise<void>((res) => {
      client.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= written) res();
      });
    });
    client.resume();
    await done;
    assert.equal(got, written);
    client.destroy();
  });

  it('setFaults changes the plan of an open connection for what it sends from then on, in order; info shows it', async () => {
    const py = startPython(RECV_SIZES_SERVER);
    try {
      const port = await py.port();
      const c = await reg.connectTcp({ host: '127.0.0.1', port });
      assert.equal(reg.get(c.id)!.faults, undefined);
      await reg.send(c.id, Buffer.from('whole-'), { framed: false });
      await reg.setFaults(c.id, { chunk: { kind: 'fixed', size: 2 }, gapMs: 15, seed: 5 });
      assert.deepEqual(reg.get(c.id)!.faults, { chunk: { kind: 'fixed', size: 2 }, gapMs: 15, seed: 5 });
      await reg.send(c.id, Buffer.from('cut-into-pairs'), { framed: false });
      await reg.setFaults(c.id, undefined);
      await reg.send(c.id, Buffer.from('-whole'), { framed: false });
      await reg.end(c.id);
      const got = JSON.parse(await py.line(/^\{/, 15_000)) as RecvReport;
      assert.equal(Buffer.from(got.hex, 'hex').toString(), 'whole-cut-into-pairs-whole');
      assert.ok(got.sizes.filter((n) => n === 2).length >= 4, `recv sizes ${got.sizes.join(',')}`);
    } finally {
      py.kill();
    }
    // a UDP socket's correspondent has no plan of its own: its socket's applies
    const u = await reg.bindUdp({ port: 0 });
    await reg.send(u.id, Buffer.from('x'), { to: { address: '127.0.0.1', port: 9 } }).catch(() => undefined);
    const peer = reg.children(u.id)[0];
    await assert.rejects(reg.setFaults(peer.id, { delay: { ms: 1, jitter: 0 } }), /is a udp-peer; set the faults of its UDP socket/);
    await reg.setFaults(u.id, { delay: { ms: 1, jitter: 0 }, seed: 3 });
    assert.deepEqual(reg.get(u.id)!.faults, { delay: { ms: 1, jitter: 0 }, seed: 3 });
  });

  it("a UDP socket's plan delays its datagrams and keeps them whole and in order", async () => {
    const receiver = startPython(`
import socket, json
sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sk.bind(('127.0.0.1', 0))
print(sk.getsockname()[1])
got = []
while len(got) < 5:
    data, addr = sk.recvfrom(1024)
    got.append(data.decode('utf-8'))
print(json.dumps(got))
`);
    try {
      const port = await receiver.port();
      const u = await reg.bindUdp({ port: 0, faults: { delay: { ms: 15, jitter: 10 }, rate: 100_000, seed: 9 } });
      const sends = ['one', 'two', 'three', 'four', 'five'].map((t) => reg.send(u.id, Buffer.from(t), { to: { address: '127.0.0.1', port } }));
      await Promise.all(sends);
      assert.deepEqual(JSON.parse(await receiver.line(/^\[/)), ['one', 'two', 'three', 'four', 'five']);
      assert.equal(reg.get(u.id)!.stats.framesOut, 5);
    } finally {
      receiver.kill();
    }
  });
});
