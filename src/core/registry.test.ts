import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { ConnectionRegistry } from './registry';
import { SocketError } from './errors';
import { PY_NEVER_ACCEPTS, runPython, startPython } from './test/python';
import { collect, connectRaw, freePort, ipv6Available, next, readUntil, waitFor } from './transport/testing';
import { useRegistry } from './test/registry';

describe('core/registry: TCP', function () {
  this.timeout(20000);
  const reg = useRegistry();

  it('listens on an ephemeral port and receives a python client\'s struct.pack(\'i\') frames byte for byte', async () => {
    const server = await reg.listenTcp({ port: 0 });
    assert.equal(server.kind, 'tcp-server');
    assert.equal(server.state, 'listening');
    const port = server.local!.port;
    assert.ok(port > 0);
    assert.equal(server.local!.address, '127.0.0.1');
    const opened = next(reg.onDidOpen, (e) => e.info.kind === 'tcp-peer');
    const closed = next(reg.onDidClose, (e) => e.info.kind === 'tcp-peer');
    const py = `
import socket, struct, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
for msg in [b'hello', '中文'.encode('gbk'), b'x' * 3000]:
    sk.send(struct.pack('i', len(msg)))
    sk.send(msg)
print(sk.getsockname()[1])
sk.close()
`;
    const out = await runPython(py, [String(port)]);
    const open = await opened;
    assert.equal(open.info.parentId, server.id);
    assert.equal(open.info.remote!.address, '127.0.0.1');
    assert.equal(open.info.remote!.port, Number(out.trim()));
    assert.equal(open.info.label, `127.0.0.1:${out.trim()}`);
    const close = await closed;
    assert.equal(close.reason, 'fin');
    const expected = Buffer.concat(
      [Buffer.from('hello'), Buffer.from([0xd6, 0xd0, 0xce, 0xc4]), Buffer.alloc(3000, 'x')].flatMap((m) => {
        const h = Buffer.alloc(4);
        h.writeInt32LE(m.length);
        return [h, m];
      }),
    );
    const h = reg.history(open.id);
    const inBytes = Buffer.concat(h.chunks.filter((c) => c.direction === 'in').map((c) => c.data));
    assert.deepEqual(inBytes, expected);
    // raw framing: one frame per chunk, offsets contiguous
    let off = 0;
    for (const f of h.frames) {
      assert.equal(f.start, off);
      off = f.end;
    }
    assert.equal(off, expected.length);
    const info = reg.get(open.id)!;
    assert.equal(info.stats.bytesIn, expected.length);
    assert.equal(info.stats.chunksIn, h.chunks.length);
    assert.equal(info.stats.framesIn, h.frames.length);
    assert.ok(info.stats.lastActivity > 0);
    assert.equal(info.state, 'closed');
    assert.equal(reg.get(server.id)!.stats.bytesIn, expected.length);
  });

  it('serves 50 clients at once: replies to each, then sends to all through the server id', async () => {
    const server = await reg.listenTcp({ port: 0 });
    const port = server.local!.port;
    // echo every frame back to the peer it came from, upper-cased
    reg.onDidFrame((e) => {
      if (e.frame.direction === 'in') void reg.send(e.id, Buffer.from(e.frame.payload.toString().toUpperCase()));
    });
    const N = 50;
    const py = `
import socket, sys, threading
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = [socket.create_connection(('127.0.0.1', port)) for _ in range(n)]
results = [None] * n
def talk(i):
    s = socks[i]
    msg = ('client-%d;' % i).encode()
    s.sendall(msg)
    got = b''
    while len(got) < len(msg):
        got += s.recv(1024)
    results[i] = got
ts = [threading.Thread(target=talk, args=(i,)) for i in range(n)]
for t in ts: t.start()
for t in ts: t.join()
assert all(results[i] == ('CLIENT-%d;' % i).encode() for i in range(n)), results
print('ready', flush=True)
for s in socks:
    got = b''
    while len(got) < 4:
        got += s.recv(1024)
    assert got == b'ALL!', got
print('ok')
`;
    const opens: string[] = [];
    reg.onDidOpen((e) => opens.push(e.id));
    const p = startPython(py, [String(port), String(N)]);
    await p.line(/^ready$/);
    assert.equal(reg.children(server.id).length, N);
    assert.equal(new Set(opens).size, N);
    await reg.send(server.id, Buffer.from('ALL!'));
    for (const c of reg.children(server.id)) assert.equal(c.stats.framesOut, 2);
    const status = await p.exited;
    assert.equal(status, 0, p.stderr);
    assert.match(p.stdout, /ok/);
  });

  it('closes one client, stops the server (closing the rest) and frees the port for an immediate re-bind', async () => {
    const server = await reg.listenTcp({ port: 0 });
    const port = server.local!.port;
    const a = await connectRaw(port);
    const b = await connectRaw(port);
    await waitFor(() => reg.children(server.id).filter((c) => c.state === 'open').length === 2);
    const [pa, pb] = reg.children(server.id);
    const aEnded = new Promise<void>((r) => a.on('end', () => r()));
    await reg.close(pa.id);
    await aEnded;
    assert.equal(reg.get(pa.id)!.state, 'closed');
    assert.equal(reg.get(pa.id)!.closeReason, 'local');
    assert.equal(reg.get(pb.id)!.state, 'open');
    const bEnded = new Promise<void>((r) => b.on('close', () => r()));
    b.on('error', () => undefined);
    await reg.close(server.id);
    await bEnded;
    assert.equal(reg.get(server.id)!.state, 'closed');
    assert.equal(reg.get(pb.id)!.state, 'closed');
    a.destroy();
    const again = await reg.listenTcp({ port });
    assert.equal(again.local!.port, port);
  });

  it('tells a peer\'s FIN (half-closed, then reason fin) from a reset (reason reset)', async () => {
    const server = await reg.listenTcp({ port: 0, allowHalfOpen: true });
    const port = server.local!.port;
    const states = collect(reg.onDidChangeState);
    // FIN: the peer shuts down its sending side; we may still write, and it still reads
    const finOpen = next(reg.onDidOpen, (e) => e.info.parentId === server.id);
    const fin = await connectRaw(port);
    const pFin = (await finOpen).id;
    fin.end('bye');
    await waitFor(() => reg.get(pFin)!.state === 'half-closed');
    assert.ok(states.some((s) => s.id === pFin && s.info.state === 'half-closed'));
    const reply = readUntil(fin, 5);
    await reg.send(pFin, Buffer.from('later'));
    assert.equal((await reply).toString(), 'later');
    const finClosed = next(reg.onDidClose, (e) => e.id === pFin);
    await reg.end(pFin);
    assert.equal((await finClosed).reason, 'fin');
    // reset
    const rstOpen = next(reg.onDidOpen, (e) => e.info.parentId === server.id);
    const rst = await connectRaw(port);
    const pRst = (await rstOpen).id;
    const rstClosed = next(reg.onDidClose, (e) => e.id === pRst);
    rst.write('x');
    await waitFor(() => (reg.get(pRst)?.stats.bytesIn ?? 0) === 1);
    rst.resetAndDestroy();
    const ev = await rstClosed;
    assert.equal(ev.reason, 'reset');
    assert.match(ev.info.error ?? '', /reset by peer \(ECONNRESET\)/);
  });

  it('by default ends our side after the peer\'s FIN and closes with reason fin', async () => {
    const server = await reg.listenTcp({ port: 0 });
    const opened = next(reg.onDidOpen, (e) => e.info.parentId === server.id);
    const c = await connectRaw(server.local!.port);
    const id = (await opened).id;
    const closed = next(reg.onDidClose, (e) => e.id === id);
    const cEnded = new Promise<void>((r) => c.on('end', () => r()));
    c.end();
    assert.equal((await closed).reason, 'fin');
    await cEnded;
  });

  it('rejects a port in use with SocketError EADDRINUSE and a clear message, and reports it', async () => {
    const first = await reg.listenTcp({ port: 0 });
    const port = first.local!.port;
    const errors = collect(reg.onDidError);
    await assert.rejects(reg.listenTcp({ port }), (e: unknown) => {
      assert.ok(e instanceof SocketError);
      assert.equal(e.code, 'EADDRINUSE');
      assert.equal(e.message, `port ${port} on 127.0.0.1 is already in use (EADDRINUSE)`);
      return true;
    });
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'EADDRINUSE');
    assert.equal(reg.list().length, 1);
  });

  it('rejects an out-of-range port with a clear SocketError instead of throwing', async () => {
    await assert.rejects(reg.listenTcp({ port: 70000 }), (e: unknown) => e instanceof SocketError && e.message === 'port 70000 is out of range (0-65535)');
    await assert.rejects(reg.bindUdp({ port: -1 }), (e: unknown) => e instanceof SocketError && /out of range/.test(e.message));
    await assert.rejects(reg.connectTcp({ host: '127.0.0.1', port: 65536 }), (e: unknown) => e instanceof SocketError && e.message === 'port 65536 is out of range (1-65535)');
    const u = await reg.bindUdp({ port: 0 });
    await assert.rejects(reg.send(u.id, Buffer.from('x'), { to: { address: '127.0.0.1', port: 0 } }), /port 0 is out of range \(1-65535\)/);
  });

  it('keeps the last retainClosed closed connections listed, and remove() forgets one', async () => {
    const r2 = new ConnectionRegistry({ retainClosed: 2 });
    try {
      const server = await r2.listenTcp({ port: 0 });
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const c = await r2.connectTcp({ host: '127.0.0.1', port: server.local!.port });
        ids.push(c.id);
        await r2.close(c.id);
      }
      await waitFor(() => r2.children(server.id).every((c) => c.state === 'closed'));
      // 4 clients and their 4 server-side peers closed: only the last 2 closed stay listed
      assert.equal(r2.list().filter((c) => c.state === 'closed').length, 2);
      assert.equal(r2.get(ids[0]), undefined);
      assert.equal(r2.list().length, 3);
      await r2.remove(server.id);
      assert.equal(r2.list().length, 0);
    } finally {
      await r2.closeAll();
    }
  });

  it('rejects a refused connection with SocketError ECONNREFUSED', async () => {
    const port = await freePort();
    await assert.rejects(reg.connectTcp({ host: '127.0.0.1', port }), (e: unknown) => {
      assert.ok(e instanceof SocketError);
      assert.equal(e.code, 'ECONNREFUSED');
      assert.equal(e.message, `connection to 127.0.0.1:${port} refused (ECONNREFUSED)`);
      return true;
    });
    assert.equal(reg.list().length, 0);
  });

  it('times out a connect that gets no answer (a full accept queue) with ETIMEDOUT', async () => {
    // a python listener with backlog 0 that never accepts: once its queue is full, SYNs are dropped
    const py = `
import socket, sys, time
sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen(0)
print(sk.getsockname()[1], flush=True)
sys.stdin.read()
`;
    const p = startPython(py);
    try {
      const port = await p.port();
      let timedOut: SocketError | undefined;
      for (let i = 0; i < 8 && !timedOut; i++) {
        try {
          const info = await reg.connectTcp({ host: '127.0.0.1', port, timeoutMs: 300 });
          assert.equal(info.state, 'open');
        } catch (e) {
          assert.ok(e instanceof SocketError);
          timedOut = e;
        }
      }
      assert.ok(timedOut, 'no connect attempt timed out');
      assert.equal(timedOut.code, 'ETIMEDOUT');
      assert.equal(timedOut.message, `connect to 127.0.0.1:${port} timed out after 0.3 s`);
    } finally {
      p.kill();
    }
  });

  it('closeAll cancels a connect in progress (ECANCELED) instead of leaving it behind', async () => {
    const py = `
import socket, sys
sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen(0)
print(sk.getsockname()[1], flush=True)
sys.stdin.read()
`;
    const p = startPython(py);
    try {
      const port = await p.port();
      // fill the accept queue, then one more connect hangs until closeAll cancels it
      const attempts: Array<Promise<unknown>> = [];
      for (let i = 0; i < 4; i++) attempts.push(reg.connectTcp({ host: '127.0.0.1', port, timeoutMs: 15000 }).catch((e: unknown) => e));
      await new Promise((r) => setTimeout(r, 300));
      await reg.closeAll();
      const results = await Promise.all(attempts);
      const canceled = results.filter((r) => r instanceof SocketError && r.code === 'ECANCELED');
      assert.ok(canceled.length >= 1, 'no connect attempt was pending');
      assert.match((canceled[0] as SocketError).message, new RegExp(`^connect to 127\\.0\\.0\\.1:${port} canceled`));
      assert.ok(reg.list().every((c) => c.state === 'closed'));
    } finally {
      p.kill();
    }
  });

  it('lists a first connect in progress and cancels that one alone (ECANCELED), leaving nothing behind', async () => {
    const p = startPython(PY_NEVER_ACCEPTS);
    try {
      const port = await p.port();
      const events = collect(reg.onDidChangeConnecting);
      // fill the accept queue: then the next connects stay pending (this registry numbers them c1…c4 in order)
      const attempts = [0, 1, 2, 3].map(() => reg.connectTcp({ host: '127.0.0.1', port, timeoutMs: 15000 }).catch((e: unknown) => e));
      await new Promise((r) => setTimeout(r, 300));
      const pending = reg.pendingConnects();
      assert.ok(pending.length >= 1, 'no connect attempt was pending');
      assert.equal(reg.list().length + pending.length, 4);
      const target = pending[pending.length - 1];
      assert.deepEqual({ ...target, startedAt: 0 }, { id: 'c4', host: '127.0.0.1', port, label: `127.0.0.1:${port}`, startedAt: 0 });
      assert.ok(target.startedAt <= Date.now());
      assert.equal(reg.get(target.id), undefined, 'a pending connect is not listed as a connection');
      assert.ok(events.some((e) => e.id === target.id && e.pending));

      assert.equal(reg.cancelConnect(target.id), true);
      const outcome = await attempts[3];
      assert.ok(outcome instanceof SocketError && outcome.code === 'ECANCELED', String(outcome));
      assert.equal(outcome.message, `connect to 127.0.0.1:${port} canceled (closed locally)`);
      assert.ok(events.some((e) => e.id === target.id && !e.pending), 'the cancel is announced');
      assert.ok(!reg.pendingConnects().some((c) => c.id === target.id));
      assert.equal(reg.get(target.id), undefined, 'nothing is left behind');
      assert.equal(reg.cancelConnect(target.id), false, 'nothing left to cancel');
      assert.equal(reg.cancelConnect('c999'), false);
      // the others are untouched: still pending (until closeAll cancels them) or open
      assert.equal(reg.list().length + reg.pendingConnects().length, 3);
      await reg.closeAll();
      await Promise.all(attempts);
      assert.deepEqual(reg.pendingConnects(), []);
    } finally {
      p.kill();
    }
  });

  it('connects as a client (noDelay, keepAlive), exchanges bytes, and reconnects with the same id', async () => {
    const server = await reg.listenTcp({ port: 0, label: 'srv' });
    assert.equal(server.label, 'srv');
    const port = server.local!.port;
    const client = await reg.connectTcp({ host: '127.0.0.1', port, noDelay: true, keepAlive: true, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
    assert.equal(client.kind, 'tcp-client');
    assert.equal(client.state, 'open');
    assert.equal(client.remote!.port, port);
    const peer1 = (await waitFor(() => reg.children(server.id)[0]))!;
    const got = next(reg.onDidFrame, (e) => e.id === peer1.id && e.frame.direction === 'in');
    await reg.send(client.id, Buffer.from('ping'));
    assert.equal((await got).frame.payload.toString(), 'ping');
    // the server drops the client: it reconnects, keeping its id
    const states = collect(reg.onDidChangeState);
    const reopened = next(reg.onDidChangeState, (e) => e.id === client.id && e.info.state === 'open');
    await reg.close(peer1.id);
    await reopened;
    assert.ok(states.some((s) => s.id === client.id && s.info.state === 'reconnecting'));
    const peer2 = (await waitFor(() => reg.children(server.id).find((c) => c.id !== peer1.id && c.state === 'open')))!;
    const got2 = next(reg.onDidFrame, (e) => e.id === peer2.id && e.frame.direction === 'in');
    await reg.send(client.id, Buffer.from('again'));
    assert.equal((await got2).frame.payload.toString(), 'again');
    const h = reg.history(client.id);
    assert.deepEqual(h.frames.map((f) => [f.direction, f.start, f.end]), [['out', 0, 4], ['out', 4, 9]]);
    // a local close ends it for good
    const closed = next(reg.onDidClose, (e) => e.id === client.id);
    await reg.close(client.id);
    assert.equal((await closed).reason, 'local');
  });

  it('turns TCP keep-alive on for keepAlive: true (seen by ss), and leaves it off otherwise', async function () {
    const ss = (port: number): Promise<string | undefined> =>
      new Promise((resolve) => {
        execFile('ss', ['-tnoH', 'state', 'established', `( sport = :${port} )`], (err, out) => resolve(err ? undefined : out));
      });
    const server = await reg.listenTcp({ port: 0 });
    const on = await reg.connectTcp({ host: '127.0.0.1', port: server.local!.port, keepAlive: true });
    const off = await reg.connectTcp({ host: '127.0.0.1', port: server.local!.port });
    const outOn = await ss(on.local!.port);
    if (outOn === undefined) {
      console.log('      (skipped: the ss utility is not available)');
      this.skip();
    }
    assert.match(outOn, /timer:\(keepalive/);
    assert.doesNotMatch((await ss(off.local!.port)) ?? '', /keepalive/);
  });

  it('gives up reconnecting after maxAttempts and closes', async () => {
    const server = await reg.listenTcp({ port: 0 });
    const port = server.local!.port;
    const client = await reg.connectTcp({ host: '127.0.0.1', port, reconnect: { initialDelayMs: 10, maxAttempts: 2 } });
    const errors = collect(reg.onDidError);
    const closed = next(reg.onDidClose, (e) => e.id === client.id);
    await reg.close(server.id); // closes the peer and frees the port: reconnects are refused
    const ev = await closed;
    assert.equal(ev.reason, 'error');
    assert.equal(errors.filter((e) => e.id === client.id && e.code === 'ECONNREFUSED').length, 2);
  });

  it('send waits for the kernel: with a peer that does not read, a send stays pending until it reads', async () => {
    const server = await reg.listenTcp({ port: 0 });
    const sink = await connectRaw(server.local!.port);
    sink.pause();
    const peer = (await waitFor(() => reg.children(server.id)[0]))!;
    const block = Buffer.alloc(256 * 1024, 1);
    const settledWithin = (p: Promise<void>, ms: number): Promise<boolean> =>
      Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
    let sent = 0;
    let pending: Promise<void> | undefined;
    // sequential sends complete while the socket buffers have room; then one stays pending.
    // (a send that is merely slow on a busy machine completes during the second look and the loop goes on)
    for (let i = 0; i < 400 && !pending; i++) {
      const p = reg.send(peer.id, block);
      if ((await settledWithin(p, 200)) || (await settledWithin(p, 300))) sent++;
      else pending = p;
    }
    assert.ok(pending, 'every send completed although the peer never read');
    // bounded: what the kernel buffers hold, far below the 100 MB the loop would have sent
    assert.ok(sent < 400, `sent ${sent} blocks`);
    let settled = false;
    void pending.then(() => (settled = true));
    assert.equal(settled, false);
    // the peer reads: the pending send completes
    let read = 0;
    sink.on('data', (d: Buffer) => (read += d.length));
    sink.resume();
    await pending;
    assert.ok(read > 0);
    sink.destroy();
  });

  it('a send still pending when the connection is closed rejects (it was not sent)', async () => {
    const server = await reg.listenTcp({ port: 0 });
    const sink = await connectRaw(server.local!.port);
    sink.pause();
    sink.on('error', () => undefined);
    const peer = (await waitFor(() => reg.children(server.id)[0]))!;
    const huge = reg.send(peer.id, Buffer.alloc(64 * 1024 * 1024));
    const outcome: { v: unknown } = { v: 'pending' };
    huge.then(() => (outcome.v = 'resolved'), (e: unknown) => (outcome.v = e));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(outcome.v, 'pending');
    await reg.close(peer.id);
    await huge.catch(() => undefined);
    const e = outcome.v as unknown;
    assert.ok(e instanceof SocketError, String(e));
    assert.match(e.message, /closed before all bytes were sent/);
    sink.destroy();
  });

  it('rejects sends on unknown or closed connections', async () => {
    await assert.rejects(reg.send('nope', Buffer.from('x')), /no connection with id "nope"/);
    const server = await reg.listenTcp({ port: 0 });
    await assert.rejects(reg.send(server.id, Buffer.from('x')), (e: unknown) => e instanceof SocketError && e.code === 'ENOTCONN' && /no connected clients/.test(e.message));
    const c = await reg.connectTcp({ host: '127.0.0.1', port: server.local!.port });
    await reg.close(c.id);
    const errors = collect(reg.onDidError);
    await assert.rejects(reg.send(c.id, Buffer.from('x')), (e: unknown) => e instanceof SocketError && e.code === 'ENOTCONN');
    // the event names the connection once
    const label = reg.get(c.id)!.label;
    assert.deepEqual(
      errors.map((e) => [e.id, e.code, e.message]),
      [[c.id, 'ENOTCONN', `connection ${c.id} (${label}) is closed; cannot send (ENOTCONN)`]],
    );
  });

  it('listens and connects over IPv6 (::1)', async function () {
    if (!(await ipv6Available())) {
      console.log('      (skipped: ::1 is not available on this machine)');
      this.skip();
    }
    const server = await reg.listenTcp({ host: '::1', port: 0 });
    assert.equal(server.local!.family, 'IPv6');
    assert.equal(server.label, `[::1]:${server.local!.port}`);
    const client = await reg.connectTcp({ host: '::1', port: server.local!.port });
    assert.equal(client.remote!.family, 'IPv6');
    const peer = (await waitFor(() => reg.children(server.id)[0]))!;
    const got = next(reg.onDidFrame, (e) => e.id === client.id);
    await reg.send(peer.id, Buffer.from('v6'));
    assert.equal((await got).frame.payload.toString(), 'v6');
  });

  it('closeAll closes every socket and frees every port', async () => {
    const s1 = await reg.listenTcp({ port: 0 });
    const s2 = await reg.listenTcp({ port: 0 });
    const u = await reg.bindUdp({ port: 0 });
    await reg.connectTcp({ host: '127.0.0.1', port: s1.local!.port });
    await reg.connectTcp({ host: '127.0.0.1', port: s2.local!.port });
    await waitFor(() => reg.children(s1.id).length === 1 && reg.children(s2.id).length === 1);
    await reg.closeAll();
    assert.ok(reg.list().every((c) => c.state === 'closed'));
    const again = new ConnectionRegistry();
    try {
      await again.listenTcp({ port: s1.local!.port });
      await again.listenTcp({ port: s2.local!.port });
      await again.bindUdp({ port: u.local!.port });
    } finally {
      await again.closeAll();
    }
  });
});


describe('core/registry: UDP', function () {
  this.timeout(20000);
  const reg = useRegistry();

  it('hears a python UDP client (the seed\'s time-server client), replies to the sender through its udp-peer id', async () => {
    const sock = await reg.bindUdp({ port: 0 });
    assert.equal(sock.kind, 'udp');
    assert.equal(sock.state, 'listening');
    // answer each datagram like the seed's time server: to its sender
    reg.onDidFrame((e) => {
      if (e.frame.direction === 'in') void reg.send(e.id, Buffer.concat([Buffer.from('time:'), e.frame.payload]));
    });
    const py = `
import socket, sys
ip_port = ('127.0.0.1', int(sys.argv[1]))
sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sk.settimeout(5)
for msg in ['%Y-%m-%d', '%H:%M:%S', '中文']:
    sk.sendto(msg.encode('utf-8'), ip_port)
    data, addr = sk.recvfrom(1024)
    assert addr == ip_port, addr
    print(data.decode('utf-8'))
print(sk.getsockname()[1])
sk.close()
`;
    const out = (await runPython(py, [String(sock.local!.port)])).trim().split('\n');
    assert.deepEqual(out.slice(0, 3), ['time:%Y-%m-%d', 'time:%H:%M:%S', 'time:中文']);
    const peers = reg.children(sock.id);
    assert.equal(peers.length, 1);
    assert.equal(peers[0].kind, 'udp-peer');
    assert.equal(peers[0].parentId, sock.id);
    assert.equal(peers[0].remote!.port, Number(out[3]));
    const h = reg.history(peers[0].id);
    assert.deepEqual(h.frames.map((f) => [f.direction, f.payload.toString()]), [
      ['in', '%Y-%m-%d'], ['out', 'time:%Y-%m-%d'], ['in', '%H:%M:%S'], ['out', 'time:%H:%M:%S'], ['in', '中文'], ['out', 'time:中文'],
    ]);
    assert.equal(h.chunks[0].remote!.port, Number(out[3]));
    const s = reg.get(sock.id)!.stats;
    assert.equal(s.framesIn, 3);
    assert.equal(s.framesOut, 3);
  });

  it('sends to any address with options.to, each destination a udp-peer, and receives the answer there', async () => {
    const a = await reg.bindUdp({ port: 0 });
    const b = await reg.bindUdp({ port: 0 });
    const atB = next(reg.onDidFrame, (e) => e.frame.direction === 'in' && reg.get(e.id)!.parentId === b.id);
    await reg.send(a.id, Buffer.from('hi b'), { to: { address: 'localhost', port: b.local!.port } });
    const ev = await atB;
    assert.equal(ev.frame.payload.toString(), 'hi b');
    assert.equal(ev.frame.remote!.port, a.local!.port);
    const aPeers = reg.children(a.id);
    assert.equal(aPeers.length, 1);
    assert.equal(aPeers[0].remote!.address, '127.0.0.1');
    // b answers through its peer; a gets it on the same udp-peer it sent from
    const atA = next(reg.onDidFrame, (e) => e.frame.direction === 'in' && e.id === aPeers[0].id);
    await reg.send(ev.id, Buffer.from('hi a'));
    assert.equal((await atA).frame.payload.toString(), 'hi a');
    assert.equal(reg.children(a.id).length, 1);
    await assert.rejects(reg.send(a.id, Buffer.from('x')), (e: unknown) => e instanceof SocketError && e.code === 'EDESTADDRREQ');
  });

  it('refuses a datagram over 65,507 bytes with EMSGSIZE before touching the socket; 65,507 goes through', async () => {
    const a = await reg.bindUdp({ port: 0 });
    const b = await reg.bindUdp({ port: 0 });
    const errors = collect(reg.onDidError);
    const to = { address: '127.0.0.1', port: b.local!.port };
    await assert.rejects(reg.send(a.id, Buffer.alloc(70000), { to }), (e: unknown) => {
      assert.ok(e instanceof SocketError);
      assert.equal(e.code, 'EMSGSIZE');
      assert.equal(e.message, 'UDP datagram of 70000 bytes exceeds the 65,507-byte maximum (EMSGSIZE)');
      return true;
    });
    await assert.rejects(reg.send(a.id, Buffer.alloc(65508), { to }), /65508 bytes exceeds the 65,507-byte/);
    assert.equal(errors.filter((e) => e.code === 'EMSGSIZE').length, 2);
    assert.equal(reg.get(a.id)!.stats.bytesOut, 0);
    const got = next(reg.onDidFrame, (e) => e.frame.direction === 'in');
    await reg.send(a.id, Buffer.alloc(65507, 7), { to });
    assert.equal((await got).frame.payload.length, 65507);
    assert.equal(reg.get(a.id)!.stats.bytesOut, 65507);
  });

  it('refuses a broadcast destination without SO_BROADCAST and delivers it with it (127.255.255.255, on loopback)', async () => {
    // 127.255.255.255 is the loopback network's broadcast address: the kernel applies the SO_BROADCAST check to it
    // and the datagram stays on lo, so a receiver bound to 0.0.0.0 gets it. Nothing leaves the machine.
    const receiver = await reg.bindUdp({ host: '0.0.0.0', port: 0 });
    const to = { address: '127.255.255.255', port: receiver.local!.port };
    const without = await reg.bindUdp({ host: '127.0.0.1', port: 0 });
    await assert.rejects(reg.send(without.id, Buffer.from('anyone?'), { to }), (e: unknown) => e instanceof SocketError && e.code === 'EACCES');

    const a = await reg.bindUdp({ host: '127.0.0.1', port: 0, broadcast: true });
    const got = next(reg.onDidFrame, (e) => e.frame.direction === 'in' && reg.get(e.id)?.parentId === receiver.id);
    await reg.send(a.id, Buffer.from('anyone?'), { to });
    const f = (await got).frame;
    assert.equal(Buffer.from(f.payload).toString(), 'anyone?');
    assert.equal(f.remote!.port, a.local!.port);
  });

  it('binds on ::1 (IPv6) and allows 65,527-byte datagrams there', async function () {
    if (!(await ipv6Available())) {
      console.log('      (skipped: ::1 is not available on this machine)');
      this.skip();
    }
    const a = await reg.bindUdp({ host: '::1', port: 0 });
    const b = await reg.bindUdp({ host: '::1', port: 0 });
    assert.equal(a.local!.family, 'IPv6');
    const to = { address: '::1', port: b.local!.port };
    await assert.rejects(reg.send(a.id, Buffer.alloc(65528), { to }), /65528 bytes exceeds the 65,527-byte maximum \(EMSGSIZE\)/);
    const got = next(reg.onDidFrame, (e) => e.frame.direction === 'in');
    await reg.send(a.id, Buffer.alloc(65527, 1), { to });
    const f = (await got).frame;
    assert.equal(f.payload.length, 65527);
    assert.equal(f.remote!.family, 'IPv6');
  });

  it('rejects a port in use for UDP with EADDRINUSE', async () => {
    const a = await reg.bindUdp({ port: 0 });
    await assert.rejects(reg.bindUdp({ port: a.local!.port }), (e: unknown) => e instanceof SocketError && e.message === `port ${a.local!.port} on 127.0.0.1 is already in use (EADDRINUSE)`);
  });
});

describe('core/registry: history and events', function () {
  this.timeout(20000);

  it('bounds history by frames and by bytes, counting what it drops', async () => {
    const reg = new ConnectionRegistry({ historyMaxFrames: 5, historyMaxBytes: 1000 });
    try {
      const a = await reg.bindUdp({ port: 0 });
      const b = await reg.bindUdp({ port: 0 });
      const to = { address: '127.0.0.1', port: b.local!.port };
      for (let i = 0; i < 12; i++) await reg.send(a.id, Buffer.from(`m${i}`), { to });
      const peer = reg.children(a.id)[0];
      const h = reg.history(peer.id);
      assert.deepEqual(h.frames.map((f) => f.payload.toString()), ['m7', 'm8', 'm9', 'm10', 'm11']);
      assert.equal(h.droppedFrames, 7);
      assert.equal(h.droppedChunks, 7);
      for (let i = 0; i < 3; i++) await reg.send(a.id, Buffer.alloc(400, i), { to });
      const h2 = reg.history(peer.id);
      assert.deepEqual(h2.frames.map((f) => f.payload.length), [400, 400]);
      assert.equal(reg.get(peer.id)!.stats.framesOut, 15);
      reg.clearHistory(peer.id);
      assert.equal(reg.history(peer.id).frames.length, 0);
    } finally {
      await reg.closeAll();
    }
  });

  it('keeps no history with recordHistory: false but still counts and emits', async () => {
    const reg = new ConnectionRegistry({ recordHistory: false });
    try {
      const server = await reg.listenTcp({ port: 0 });
      const c = await reg.connectTcp({ host: '127.0.0.1', port: server.local!.port });
      const peer = (await waitFor(() => reg.children(server.id)[0]))!;
      const got = next(reg.onDidFrame, (e) => e.id === peer.id);
      await reg.send(c.id, Buffer.from('abc'));
      const ev = await got;
      assert.equal(ev.frame.payload.toString(), 'abc');
      assert.equal(ev.frame.seq, 0);
      assert.deepEqual(reg.history(peer.id), { chunks: [], frames: [], droppedChunks: 0, droppedFrames: 0 });
      assert.deepEqual(reg.history(c.id).frames, []);
      assert.equal(reg.get(peer.id)!.stats.bytesIn, 3);
    } finally {
      await reg.closeAll();
    }
  });

  it('survives a throwing listener: reports LISTENER_ERROR and keeps delivering', async () => {
    const reg = new ConnectionRegistry();
    try {
      const errors = collect(reg.onDidError);
      reg.onDidFrame(() => {
        throw new Error('boom');
      });
      const frames = collect(reg.onDidFrame);
      const server = await reg.listenTcp({ port: 0 });
      const c = await reg.connectTcp({ host: '127.0.0.1', port: server.local!.port });
      await reg.send(c.id, Buffer.from('x'));
      await waitFor(() => frames.some((f) => f.frame.direction === 'in'));
      assert.ok(errors.some((e) => e.code === 'LISTENER_ERROR' && /boom/.test(e.message)));
    } finally {
      await reg.closeAll();
    }
  });

  it('carries timestamps with sub-ms precision and sequence numbers per direction', async () => {
    const reg = new ConnectionRegistry();
    try {
      const server = await reg.listenTcp({ port: 0 });
      const c = await reg.connectTcp({ host: '127.0.0.1', port: server.local!.port });
      const before = Date.now();
      await reg.send(c.id, Buffer.from('a'));
      await reg.send(c.id, Buffer.from('bc'));
      const h = reg.history(c.id);
      assert.deepEqual(h.chunks.map((x) => [x.seq, x.direction, x.offset]), [[0, 'out', 0], [1, 'out', 1]]);
      assert.ok(h.chunks.every((x) => x.time >= before - 1 && x.time <= Date.now() + 1));
      assert.ok(!Number.isInteger(h.chunks[0].time) || !Number.isInteger(h.chunks[1].time));
    } finally {
      await reg.closeAll();
    }
  });

  it('setEncoding validates and applies to a server and its clients; setFraming rejects a bad spec', async () => {
    const reg = new ConnectionRegistry();
    try {
      const server = await reg.listenTcp({ port: 0, encoding: 'GBK' });
      assert.equal(server.encoding, 'gbk');
      await reg.connectTcp({ host: '127.0.0.1', port: server.local!.port });
      const peer = (await waitFor(() => reg.children(server.id)[0]))!;
      assert.equal(peer.encoding, 'gbk');
      const states = collect(reg.onDidChangeState);
      reg.setEncoding(server.id, 'utf8');
      assert.equal(reg.get(peer.id)!.encoding, 'utf-8');
      assert.ok(states.some((s) => s.id === peer.id && s.info.encoding === 'utf-8'));
      assert.throws(() => reg.setEncoding(server.id, 'klingon'), /unknown encoding/);
      assert.throws(() => reg.setFraming(server.id, 'length:'));
      assert.equal(reg.get(server.id)!.framing, 'raw');
    } finally {
      await reg.closeAll();
    }
  });
});

describe('core/registry: resetting counters', function () {
  const reg = useRegistry();

  it("sets a server's and its clients' counters to zero, keeps history and stream offsets, and counts on", async () => {
    const server = await reg.listenTcp({ host: '127.0.0.1', port: 0, framing: 'line' });
    const client = await connectRaw(server.local!.port);
    client.write('one\ntwo\n');
    const peer = await waitFor(() => reg.children(server.id)[0]?.stats.framesIn === 2 && reg.children(server.id)[0]);
    const changed = collect(reg.onDidChangeState);
    reg.resetCounters(server.id);
    for (const id of [server.id, peer.id]) {
      const s = reg.get(id)!.stats;
      assert.deepEqual([s.bytesIn, s.framesIn, s.bytesOut, s.framesOut, s.chunksIn], [0, 0, 0, 0, 0], id);
    }
    assert.deepEqual(changed.map((e) => e.id).sort(), [peer.id, server.id].sort());
    assert.equal(reg.history(peer.id).frames.length, 2, 'the history stays');
    const third = next(reg.onDidFrame, (e) => e.id === peer.id);
    client.write('three\n');
    const f = (await third).frame;
    assert.equal(f.start, 8, 'stream offsets go on from where they were');
    assert.equal(reg.get(peer.id)!.stats.framesIn, 1);
    assert.equal(reg.get(server.id)!.stats.bytesIn, 6);
    client.destroy();
  });
});
