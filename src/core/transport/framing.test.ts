import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { ConnectionRegistry } from '../registry';
import { SocketError } from '../errors';
import type { ErrorEvent, FrameEvent } from '../types';
import { startPython, runPython } from '../test/python';
import { collect, next, waitFor } from './testing';
import { useRegistry } from '../test/registry';

function lengthI(payload: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeInt32LE(payload.length);
  return Buffer.concat([h, payload]);
}

describe('core/transport: framing over real sockets', function () {
  this.timeout(20000);
  const reg = useRegistry();

  it('decodes length:i frames from a python client that splits them at random points (sticky packets)', async () => {
    const server = await reg.listenTcp({ port: 0, framing: 'length:i', encoding: 'gbk' });
    const frames: FrameEvent[] = collect(reg.onDidFrame);
    const closed = next(reg.onDidClose, (e) => e.info.kind === 'tcp-peer');
    const py = `
import socket, struct, random, sys, time
random.seed(7)
sk = socket.socket()
sk.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
sk.connect(('127.0.0.1', int(sys.argv[1])))
data = b''
for i in range(200):
    msg = ('第%d条消息' % i).encode('gbk') * random.randint(0, 5)
    data += struct.pack('i', len(msg)) + msg
pos = 0
while pos < len(data):
    n = random.randint(1, 700)
    sk.send(data[pos:pos + n])
    pos += n
    if random.random() < 0.1:
        time.sleep(0.002)
sk.close()
`;
    await runPython(py, [String(server.local!.port)]);
    await closed;
    const got = frames.filter((f) => f.frame.direction === 'in');
    assert.equal(got.length, 200);
    // the same messages, rebuilt in python's way
    const expected = await runPython(`
import random, sys
random.seed(7)
for i in range(200):
    n = random.randint(0, 5)
    sys.stdout.write(('第%d条消息' % i).encode('gbk').hex() * n + '\\n')
`);
    const want = expected.trim().split('\n').map((h) => h.trim());
    assert.deepEqual(got.map((f) => f.frame.payload.toString('hex')), want.map((w) => w));
    // offsets: contiguous, header included
    let off = 0;
    for (const f of got) {
      assert.equal(f.frame.start, off);
      assert.equal(f.frame.end - f.frame.start, 4 + f.frame.payload.length);
      off = f.frame.end;
    }
    assert.equal(reg.get(got[0].id)!.stats.framesIn, 200);
  });

  it('a bad length reports an error with connection id, code and stream offset; the socket stays open', async () => {
    const server = await reg.listenTcp({ port: 0, framing: 'length:i' });
    const errors: ErrorEvent[] = collect(reg.onDidError);
    const opened = next(reg.onDidOpen, (e) => e.info.parentId === server.id);
    const sock = net.connect(server.local!.port, '127.0.0.1');
    const peer = (await opened).id;
    const good = lengthI(Buffer.from('ok'));
    const bad = Buffer.alloc(4);
    bad.writeInt32LE(-5);
    const firstFrame = next(reg.onDidFrame, (e) => e.id === peer);
    sock.write(Buffer.concat([good, bad, Buffer.from('junk')]));
    assert.equal((await firstFrame).frame.payload.toString(), 'ok');
    const err = await waitFor(() => errors.find((e) => e.id === peer));
    assert.equal(err.code, 'NEGATIVE_LENGTH');
    assert.equal(err.offset, good.length);
    assert.match(err.message, new RegExp(`^${peer} \\(127\\.0\\.0\\.1:\\d+\\): framing "length:i" error at stream offset 6`));
    // every byte is still in history; the connection is open and still counts bytes
    await waitFor(() => reg.get(peer)!.stats.bytesIn === 14);
    const h = reg.history(peer);
    assert.equal(Buffer.concat(h.chunks.map((c) => c.data)).length, 14);
    assert.equal(reg.get(peer)!.state, 'open');
    const echo = new Promise<Buffer>((r) => sock.once('data', r));
    await reg.send(peer, Buffer.from('still here'));
    assert.deepEqual(await echo, lengthI(Buffer.from('still here')));
    // setting the framing again resumes decoding from the next byte
    reg.setFraming(peer, 'line');
    const line = next(reg.onDidFrame, (e) => e.id === peer && e.frame.direction === 'in');
    sock.write('a line\r\n');
    const lf = (await line).frame;
    assert.equal(lf.payload.toString(), 'a line');
    assert.equal(lf.start, 14);
    sock.destroy();
  });

  it('refuses a frame over maxFrameSize with FRAME_TOO_LARGE', async () => {
    const r2 = new ConnectionRegistry({ maxFrameSize: 1000 });
    try {
      const server = await r2.listenTcp({ port: 0, framing: 'length:!I' });
      const errors: ErrorEvent[] = collect(r2.onDidError);
      const c = await r2.connectTcp({ host: '127.0.0.1', port: server.local!.port });
      await r2.send(c.id, Buffer.alloc(1001), { framing: 'length:!I' });
      const e = await waitFor(() => errors[0]);
      assert.equal(e.code, 'FRAME_TOO_LARGE');
      assert.equal(e.offset, 0);
    } finally {
      await r2.closeAll();
    }
  });

  it('sends framed payloads a python peer reads with struct.unpack(\'i\'), and raw when framed:false', async () => {
    const py = `
import socket, struct, sys
sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1], flush=True)
conn, addr = sk.accept()
def recvall(n):
    b = b''
    while len(b) < n:
        c = conn.recv(n - len(b))
        if not c: raise EOFError
        b += c
    return b
for _ in range(2):
    num = struct.unpack('i', recvall(4))[0]
    print(recvall(num).decode('gbk'), flush=True)
print(recvall(3).decode(), flush=True)
conn.close()
`;
    const p = startPython(py);
    const port = await p.port();
    const c = await reg.connectTcp({ host: '127.0.0.1', port, framing: 'length:i' });
    await reg.send(c.id, Buffer.from([0xc4, 0xe3, 0xba, 0xc3])); // 你好 in GBK
    await reg.send(c.id, Buffer.alloc(0));
    await reg.send(c.id, Buffer.from('raw'), { framed: false });
    assert.equal(await p.exited, 0, p.stderr);
    assert.deepEqual(p.stdout.trim().split('\n').slice(1), ['你好', '', 'raw']);
    const h = reg.history(c.id);
    assert.deepEqual(h.chunks.map((x) => x.data.length), [8, 4, 3]);
    assert.deepEqual(h.frames.map((x) => [x.start, x.end, x.payload.length]), [[0, 8, 4], [8, 12, 0], [12, 15, 3]]);
  });

  it('speaks the seed\'s json-header scheme with a python server', async () => {
    // the seed's server: receives a command, answers with struct.pack('i', len(header)) + json header + body
    const py = `
import socket, struct, json, sys
sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen(5)
print(sk.getsockname()[1], flush=True)
conn, addr = sk.accept()
cmd = conn.recv(1024).decode('utf-8')
body = ('ran %s\\n' % cmd).encode('gbk') * 50
header = {'file_name': 'out.txt', 'total_size': len(body), 'md5': None}
header_bytes = json.dumps(header).encode('utf-8')
conn.send(struct.pack('i', len(header_bytes)))
conn.send(header_bytes)
conn.send(body)
n = struct.unpack('i', conn.recv(4))[0]
h = json.loads(conn.recv(n).decode('utf-8'))
got = b''
while len(got) < h['total_size']:
    got += conn.recv(1024)
print(json.dumps(h), got.decode(), flush=True)
conn.close()
`;
    const p = startPython(py);
    const port = await p.port();
    const c = await reg.connectTcp({ host: '127.0.0.1', port, framing: 'json-header', encoding: 'gbk' });
    const frame = next(reg.onDidFrame, (e) => e.id === c.id && e.frame.direction === 'in');
    await reg.send(c.id, Buffer.from('dir'), { framing: 'raw' });
    const f = (await frame).frame;
    assert.deepEqual(f.header, { file_name: 'out.txt', total_size: 400, md5: null });
    assert.equal(f.payload.length, 400);
    assert.equal(f.payload.subarray(0, 8).toString(), 'ran dir\n');
    await reg.send(c.id, Buffer.from('back'), { header: { filename: 'b.bin' } });
    assert.equal(await p.exited, 0, p.stderr);
    assert.equal(p.stdout.trim().split('\n')[1], '{"total_size": 4, "filename": "b.bin"} back');
  });

  it('rejects a payload the framing cannot carry with a SocketError', async () => {
    const server = await reg.listenTcp({ port: 0 });
    const c = await reg.connectTcp({ host: '127.0.0.1', port: server.local!.port, framing: 'length:B' });
    await assert.rejects(reg.send(c.id, Buffer.alloc(300)), (e: unknown) => e instanceof SocketError && e.code === 'PAYLOAD_NOT_ENCODABLE' && /length:B/.test(e.message));
    assert.equal(reg.get(c.id)!.stats.bytesOut, 0);
  });

  it('redecodes recorded chunks with a new framing and carries a partial frame on into the live stream', async () => {
    const server = await reg.listenTcp({ port: 0 });
    const opened = next(reg.onDidOpen, (e) => e.info.parentId === server.id);
    const sock = net.connect(server.local!.port, '127.0.0.1');
    const peer = (await opened).id;
    const wire = Buffer.concat([lengthI(Buffer.from('one')), lengthI(Buffer.from('two')), lengthI(Buffer.from('three'))]);
    sock.write(wire.subarray(0, 20)); // 'one', 'two' and 2 bytes of the third frame's header
    await waitFor(() => reg.get(peer)!.stats.bytesIn === 20);
    assert.ok(reg.history(peer).frames.length >= 1); // raw frames
    reg.setFraming(peer, 'length:i');
    assert.equal(reg.get(peer)!.framing, 'length:i');
    const frames = reg.redecode(peer);
    assert.deepEqual(frames.map((f) => [f.payload.toString(), f.start, f.end]), [['one', 0, 7], ['two', 7, 14]]);
    assert.deepEqual(reg.history(peer).frames.map((f) => f.payload.toString()), ['one', 'two']);
    const third = next(reg.onDidFrame, (e) => e.id === peer);
    sock.write(wire.subarray(20));
    const f3 = (await third).frame;
    assert.deepEqual([f3.payload.toString(), f3.start, f3.end], ['three', 14, 23]);
    sock.destroy();
  });

  it('survives random garbage under every framing: all bytes recorded, errors named, the server keeps serving', async () => {
    const specs = ['line', 'delimiter:\\r\\n', 'fixed:3', 'length:i', 'length:!H,max=100', 'length:<I,includes-header,adjust=-2', 'json-header'];
    const errors: ErrorEvent[] = collect(reg.onDidError);
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
    for (const spec of specs) {
      const server = await reg.listenTcp({ port: 0, framing: spec });
      const garbage = Buffer.alloc(5000);
      for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(rnd() * 256);
      const opened = next(reg.onDidOpen, (e) => e.info.parentId === server.id);
      const closed = next(reg.onDidClose, (e) => e.info.parentId === server.id);
      const sock = net.connect(server.local!.port, '127.0.0.1', () => {
        let pos = 0;
        while (pos < garbage.length) {
          const n = 1 + Math.floor(rnd() * 700);
          sock.write(garbage.subarray(pos, pos + n));
          pos += n;
        }
        sock.end();
      });
      const peer = (await opened).id;
      await closed;
      const h = reg.history(peer);
      assert.deepEqual(Buffer.concat(h.chunks.map((c) => c.data)), garbage, spec);
      for (const e of errors.filter((x) => x.id === peer)) {
        assert.ok(e.code.length > 0 && e.message.startsWith(`${peer} (`), `${spec}: ${e.message}`);
        assert.ok(e.offset === undefined || (e.offset >= 0 && e.offset < garbage.length), `${spec}: offset ${e.offset}`);
      }
      // still serving
      const again = next(reg.onDidOpen, (e) => e.info.parentId === server.id);
      const s2 = net.connect(server.local!.port, '127.0.0.1');
      await again;
      s2.destroy();
      await reg.close(server.id);
    }
    assert.ok(errors.some((e) => e.code === 'FRAME_TOO_LARGE' || e.code === 'NEGATIVE_LENGTH' || e.code === 'BAD_HEADER'));
  });

  it('UDP: decodes each datagram on its own; a frame cut by the datagram end is reported', async () => {
    const sock = await reg.bindUdp({ port: 0, framing: 'line' });
    const errors: ErrorEvent[] = collect(reg.onDidError);
    const frames: FrameEvent[] = collect(reg.onDidFrame);
    const py = `
import socket, sys
sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
addr = ('127.0.0.1', int(sys.argv[1]))
sk.sendto(b'a\\nb\\r\\n', addr)
sk.sendto(b'c\\nunfinished', addr)
sk.sendto(b'd\\n', addr)
`;
    await runPython(py, [String(sock.local!.port)]);
    await waitFor(() => frames.length === 5);
    // the unfinished frame's bytes are not dropped: a frame flagged incomplete carries them
    assert.deepEqual(frames.map((f) => f.frame.payload.toString()), ['a', 'b', 'c', 'unfinished', 'd']);
    assert.deepEqual(frames.map((f) => [f.frame.start, f.frame.end]), [[0, 2], [2, 5], [5, 7], [7, 17], [17, 19]]);
    assert.deepEqual(frames.map((f) => f.frame.incomplete === true), [false, false, false, true, false]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'INCOMPLETE_FRAME');
    assert.equal(errors[0].offset, 7);
    assert.equal(errors[0].id, frames[0].id);
  });

  it('UDP: redecode on the socket re-cuts every peer\'s recorded datagrams with the new framing', async () => {
    const sock = await reg.bindUdp({ port: 0 });
    const py = `
import socket, sys
sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
addr = ('127.0.0.1', int(sys.argv[1]))
sk.sendto(b'one\\ntwo\\n', addr)
sk.sendto(b'three\\n', addr)
`;
    const frames: FrameEvent[] = collect(reg.onDidFrame);
    await runPython(py, [String(sock.local!.port)]);
    await waitFor(() => frames.length === 2);
    reg.setFraming(sock.id, 'line');
    const peer = reg.children(sock.id)[0];
    assert.equal(reg.get(peer.id)!.framing, 'line');
    const re = reg.redecode(sock.id);
    assert.deepEqual(re.map((f) => [f.payload.toString(), f.start, f.end]), [['one', 0, 4], ['two', 4, 8], ['three', 8, 14]]);
    assert.deepEqual(reg.history(peer.id).frames.map((f) => f.payload.toString()), ['one', 'two', 'three']);
  });
});
