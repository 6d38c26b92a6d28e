/**
 * What the engine reports instead of losing bytes or memory, over real sockets on loopback: unfinished frames at
 * FIN and reset, listener failures named by connection and offset, replies that pause reading while the peer does
 * not read, and UDP datagrams the kernel dropped.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import type { ErrorEvent, FrameEvent } from '../types';
import { runPython } from '../test/python';
import { collect, echoReplies, next, waitFor, writeUntilStalled } from './testing';
import { REPLY_HIGH_WATER_MARK } from './tcp';
import { useRegistry } from '../test/registry';

describe('core/transport: nothing lost silently', function () {
  this.timeout(30000);
  const reg = useRegistry();

  it('a line without its newline at FIN comes as an incomplete frame with its offset, and an INCOMPLETE_FRAME error', async () => {
    const srv = await reg.listenTcp({ port: 0, framing: 'line' });
    const frames: FrameEvent[] = collect(reg.onDidFrame);
    const errors: ErrorEvent[] = collect(reg.onDidError);
    await runPython(
      `
import socket, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
sk.sendall('你好\\nno newline'.encode('utf-8'))
sk.close()
`,
      [String(srv.local!.port)],
    );
    await waitFor(() => frames.length === 2 && errors.some((e) => e.code === 'INCOMPLETE_FRAME'));
    const [whole, rest] = frames.map((f) => f.frame);
    assert.equal(whole.payload.toString(), '你好');
    assert.equal(whole.incomplete, undefined);
    assert.equal(rest.incomplete, true);
    assert.equal(rest.payload.toString(), 'no newline');
    assert.deepEqual([rest.start, rest.end], [7, 17]);
    const err = errors.find((e) => e.code === 'INCOMPLETE_FRAME')!;
    assert.equal(err.id, frames[1].id);
    assert.equal(err.offset, 7);
    assert.match(err.message, /10 bytes of an unfinished "line" frame at stream offset 7 when the peer closed its side \(FIN\)/);
    // recorded too, so the composer's log and copy have it; not counted as a frame
    const hist = reg.history(frames[1].id).frames.filter((f) => f.direction === 'in');
    assert.deepEqual(hist.map((f) => f.incomplete === true), [false, true]);
    assert.equal(reg.get(frames[1].id)!.stats.framesIn, 1);
  });

  it('8 MiB of a 16 MiB length frame then a reset: what arrived (prefix included) is reported, not dropped', async () => {
    const srv = await reg.listenTcp({ port: 0, framing: 'length:!I' });
    const frames: FrameEvent[] = collect(reg.onDidFrame);
    const errors: ErrorEvent[] = collect(reg.onDidError);
    const incomplete = next(reg.onDidError, (e) => e.code === 'INCOMPLETE_FRAME');
    await runPython(
      `
import socket, struct, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
sk.sendall(struct.pack('!I', 16 * 1024 * 1024) + b'\\x5a' * (8 * 1024 * 1024))
sk.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
sk.close()
`,
      [String(srv.local!.port)],
    );
    const err = await incomplete;
    assert.equal(frames.length, 1);
    const f = frames[0].frame;
    assert.equal(f.incomplete, true);
    assert.equal(f.start, 0);
    // a reset discards what the kernel still held unread: every byte that did arrive is in the frame (the kernel
    // may also report the reset as an end of stream)
    const bytesIn = reg.get(frames[0].id)!.stats.bytesIn;
    assert.ok(bytesIn > 4);
    assert.equal(f.payload.length, bytesIn);
    assert.equal(f.payload.readUInt32BE(0), 16 * 1024 * 1024);
    assert.ok(f.payload.subarray(4).every((b) => b === 0x5a));
    assert.equal(err.offset, 0);
    assert.match(err.message, new RegExp(`^${frames[0].id} \\(.*\\): ${bytesIn} bytes of an unfinished "length:!I" frame at stream offset 0 when (the connection was reset|the peer closed its side \\(FIN\\))`));
    assert.ok(!errors.some((e) => e.code === 'FRAME_BUFFER_BUDGET'));
  });

  it('a listener that throws on a frame is reported with the connection and the frame\'s stream offset', async () => {
    const srv = await reg.listenTcp({ port: 0, framing: 'line' });
    reg.onDidFrame((e) => {
      if (e.frame.payload.toString() === 'bad') throw new RangeError('Maximum call stack size exceeded');
    });
    const err = next(reg.onDidError, (e) => e.code === 'LISTENER_ERROR');
    await runPython(
      `
import socket, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
sk.sendall(b'ok\\nbad\\n')
sk.close()
`,
      [String(srv.local!.port)],
    );
    const e = await err;
    assert.ok(e.id !== undefined && e.id !== srv.id);
    assert.equal(e.offset, 3);
    assert.match(e.message, new RegExp(`^${e.id} \\(127\\.0\\.0\\.1:\\d+\\): an event listener threw on the 3-byte frame at stream offset 3: Maximum call stack`));
  });

  it('echo replies pause reading while a peer that never reads backs them up; every byte comes back in order once it reads', async () => {
    const srv = await reg.listenTcp({ port: 0 });
    const echo = echoReplies(reg);
    const total = 64 * 1024 * 1024;
    const block = Buffer.alloc(64 * 1024);
    for (let i = 0; i < block.length; i++) block[i] = (i * 7) & 0xff;
    const client = net.connect({ port: srv.local!.port, host: '127.0.0.1' });
    client.pause(); // reads nothing until told
    await new Promise<void>((res) => client.once('connect', () => res()));
    // write until the server stops taking bytes (our writes stall) or everything is written
    const first = await writeUntilStalled(client, block, total);
    let written = first.written;
    const stalled = first.stalled;
    assert.ok(stalled, 'the server took all 64 MiB without the client reading a byte');
    const info = reg.get(echo.peerId!)!;
    assert.equal(info.readingPaused, true);
    assert.ok(echo.maxQueued <= REPLY_HIGH_WATER_MARK + 256 * 1024, `the server held ${echo.maxQueued} bytes of replies`);
    assert.ok(info.stats.bytesIn < 16 * 1024 * 1024, `the server read ${info.stats.bytesIn} bytes the client never read back`);
    // the peer reads now: the rest is written, everything echoes back in order
    const hash = (await import('node:crypto')).createHash('sha256');
    const expect = (await import('node:crypto')).createHash('sha256');
    let got = 0;
    const done = new Promise<void>((res) => {
      client.on('data', (d: Buffer) => {
        hash.update(d);
        got += d.length;
        if (got >= total) res();
      });
    });
    client.resume();
    while (written < total) {
      const n = Math.min(block.length, total - written);
      if (!client.write(block.subarray(0, n))) await new Promise((res) => client.once('drain', res));
      written += n;
    }
    for (let sent = 0; sent < total; sent += block.length) expect.update(block.subarray(0, Math.min(block.length, total - sent)));
    await done;
    assert.equal(got, total);
    assert.equal(hash.digest('hex'), expect.digest('hex'));
    client.destroy();
  });

  it('UDP: datagrams the kernel drops while the socket is not read are reported (UDP_RECEIVE_DROPS, stats.dropsIn)', async function () {
    if (process.platform !== 'linux') this.skip(); // /proc/net/udp is Linux's
    const sock = await reg.bindUdp({ port: 0, recvBufferSize: 4096 });
    const drops = next(reg.onDidError, (e) => e.code === 'UDP_RECEIVE_DROPS' && e.id === sock.id);
    // the event loop is blocked while python floods: nothing reads the socket, its small buffer overflows
    const r = spawnSync(
      'python3',
      [
        '-c',
        `
import socket, sys
sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(2000):
    sk.sendto(b'x' * 1000, ('127.0.0.1', int(sys.argv[1])))
`,
        String(sock.local!.port),
      ],
      { timeout: 15000 },
    );
    assert.equal(r.status, 0, String(r.stderr));
    const e = await drops;
    const n = Number(/dropped (\d+) datagram/.exec(e.message)?.[1]);
    assert.ok(n > 0 && n <= 2000, e.message);
    assert.match(e.message, /receive buffer \(\d+ bytes\) was full/);
    assert.ok((reg.get(sock.id)!.stats.dropsIn ?? 0) >= n);
  });
});
