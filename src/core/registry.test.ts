import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { ConnectionRegistry } from './registry';
import { SocketError } from './errors';
import type { CloseEvent, ConnectionInfo, ErrorEvent, FrameEvent, StateEvent } from './types';
import type { Event } from './events';

/** runs a python3 program (stdlib only); resolves with its stdout, rejects on a non-zero exit */
export function runPython(code: string, args: string[] = [], timeoutMs = 15000): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('python3', ['-c', code, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => p.kill(), timeoutMs);
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.on('close', (status) => {
      clearTimeout(timer);
      if (status === 0) resolve(out);
      else reject(new Error(`python3 exited with ${status}: ${err}`));
    });
  });
}

/** the next event that matches */
export function next<T>(event: Event<T>, pred: (e: T) => boolean = () => true, timeoutMs = 10000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      d.dispose();
      reject(new Error('timed out waiting for an event'));
    }, timeoutMs);
    const d = event((e) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      d.dispose();
      resolve(e);
    });
  });
}

function collect<T>(event: Event<T>): T[] {
  const out: T[] = [];
  event((e) => out.push(e));
  return out;
}

function connectRaw(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host }, () => resolve(s));
    s.once('error', reject);
  });
}

function readUntil(s: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onData = (d: Buffer): void => {
      parts.push(d);
      got += d.length;
      if (got >= n) {
        s.removeListener('data', onData);
        resolve(Buffer.concat(parts));
      }
    };
    s.on('data', onData);
    s.once('error', reject);
  });
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function ipv6Available(): Promise<boolean> {
  const srv = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(0, '::1', () => resolve());
    });
    await new Promise<void>((r) => srv.close(() => r()));
    return true;
  } catch {
    return false;
  }
}

describe('core/registry: TCP', function () {
  this.timeout(20000);
  let reg: ConnectionRegistry;
  beforeEach(() => {
    reg = new ConnectionRegistry();
  });
  afterEach(async () => {
    await reg.closeAll();
    reg.dispose();
  });

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
    const p = spawn('python3', ['-c', py, String(port), String(N)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const ready = new Promise<void>((resolve) => {
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => p.on('close', resolve));
    await ready;
    assert.equal(reg.children(server.id).length, N);
    assert.equal(new Set(opens).size, N);
    await reg.send(server.id, Buffer.from('ALL!'));
    for (const c of reg.children(server.id)) assert.equal(c.stats.framesOut, 2);
    const status = await exited;
    assert.equal(status, 0, err);
    assert.match(out, /ok/);
  });
}
);

void [SocketError, collect, connectRaw, readUntil, freePort, ipv6Available];
export type { CloseEvent, ConnectionInfo, ErrorEvent, FrameEvent, StateEvent };
