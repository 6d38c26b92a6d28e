/**
 * Send File over real loopback sockets: the tutorial-style upload server gets the json-header byte for byte and the
 * whole file; raw and framed modes put exactly the file (and its frame) on the wire; a cancel stops mid-file and is
 * recorded as an unfinished frame; a peer that does not read holds the sender back (bounded memory).
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as net from 'node:net';
import { join } from 'node:path';
import { ConnectionRegistry } from '../registry';
import { pythonJson, startPython, type PythonPeer } from '../test/python';
import { FILE_UPLOAD_SERVER, STREAM_RECEIVER } from '../test/filePeers';
import { waitFor } from '../transport/testing';
import { STREAM_PREVIEW_BYTES } from '../transport/streamSend';
import { sendFile } from './sendFile';

/** what Python's json.dumps makes of the header, as bytes (the reference for the wire) */
const DUMPS_PY = `
import json, sys
print(json.dumps(json.dumps(json.loads(sys.stdin.read())).encode('utf-8').hex()))
`;

describe('core/transfer: Send File', function () {
  this.timeout(60000);
  let reg: ConnectionRegistry;
  let dir: string;
  let peer: PythonPeer | undefined;
  beforeEach(() => {
    reg = new ConnectionRegistry();
    dir = mkdtempSync(join(tmpdir(), 'sockdbg-sendfile-'));
  });
  afterEach(async () => {
    peer?.kill();
    peer = undefined;
    await reg.closeAll();
    reg.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  function file(name: string, bytes: Buffer): string {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  }

  async function connectTo(code: string, out: string, framing = 'raw'): Promise<string> {
    peer = startPython(code, [out]);
    const port = await peer.port();
    return (await reg.connectTcp({ host: '127.0.0.1', port, framing })).id;
  }

  it('json-header: the upload server reads the header (filename, filesize) byte for byte, then the whole file', async () => {
    const body = randomBytes(3 * 1024 * 1024 + 17);
    const src = file('报告 1.bin', body);
    const out = join(dir, 'received.bin');
    const id = await connectTo(FILE_UPLOAD_SERVER, out);
    const progress: number[] = [];
    const r = await sendFile(reg, id, src, { mode: 'json-header', onProgress: (n) => progress.push(n) });
    assert.equal(await peer!.line(/^done /), `done ${body.length}`);
    // the header as the tutorial's json.dumps writes it: total_size first (the json-header size key), then the file's
    const expected = pythonJson(DUMPS_PY, { total_size: body.length, filename: '报告 1.bin', filesize: body.length }) as string;
    assert.equal(await peer!.line(/^header:/), `header:${expected}`);
    assert.match(Buffer.from(expected, 'hex').toString(), /"filename": "\\u62a5\\u544a 1.bin", "filesize": 3145745/);
    assert.ok(readFileSync(out).equals(body), 'the received file is the sent file');
    assert.deepEqual([r.fileSize, r.bodyBytes, r.canceled, r.framing], [body.length, body.length, false, 'json-header']);
    assert.equal(r.wireBytes, 4 + expected.length / 2 + body.length);
    assert.equal(progress[progress.length - 1], body.length);
    assert.ok(progress.length > 10, 'progress comes piece by piece');
    // one outgoing frame, counted once, keeping the first bytes and the whole length
    const info = reg.get(id)!;
    assert.deepEqual([info.stats.framesOut, info.stats.bytesOut], [1, r.wireBytes]);
    const frames = reg.history(id).frames.filter((f) => f.direction === 'out');
    assert.equal(frames.length, 1);
    assert.deepEqual([frames[0].start, frames[0].end, frames[0].payloadLength, frames[0].incomplete], [0, r.wireBytes, body.length, undefined]);
    assert.ok(frames[0].payload.equals(body.subarray(0, STREAM_PREVIEW_BYTES)));
    assert.deepEqual(frames[0].header, { filename: '报告 1.bin', filesize: body.length });
  });

  it('raw: the file is the stream; framed: one length:i frame around it, byte for byte', async () => {
    const body = randomBytes(700 * 1024 + 3);
    const src = file('a.bin', body);
    const rawOut = join(dir, 'raw.bin');
    const id = await connectTo(STREAM_RECEIVER, rawOut, 'length:i');
    const r = await sendFile(reg, id, src, { mode: 'raw' });
    await reg.end(id);
    assert.equal(await peer!.line(/^done /), `done ${body.length}`);
    assert.ok(readFileSync(rawOut).equals(body));
    assert.deepEqual([r.framing, r.wireBytes], ['raw', body.length]);
    peer!.kill();

    const framedOut = join(dir, 'framed.bin');
    const id2 = await connectTo(STREAM_RECEIVER, framedOut, 'length:i');
    const f = await sendFile(reg, id2, src, { mode: 'framed' });
    await reg.end(id2);
    await peer!.line(/^done /);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32LE(body.length);
    assert.ok(readFileSync(framedOut).equals(Buffer.concat([prefix, body])), "struct.pack('i', len) + the file");
    assert.deepEqual([f.framing, f.wireBytes, reg.get(id2)!.stats.framesOut], ['length:i', body.length + 4, 1]);
  });

  it('framed with the connection\'s line framing: the file then \\n; our own decoder gets it back as one frame', async () => {
    const body = Buffer.from('吃包子啊, one line of a file');
    const src = file('line.txt', body);
    const srv = await reg.listenTcp({ port: 0, framing: 'line' });
    const cli = await reg.connectTcp({ host: '127.0.0.1', port: srv.local!.port, framing: 'line' });
    await sendFile(reg, cli.id, src, { mode: 'framed' });
    const got = await waitFor(() => reg.children(srv.id).flatMap((c) => reg.history(c.id).frames).find((fr) => fr.direction === 'in'));
    assert.ok(got.payload.equals(body));
  });

  it('cancel mid-file: stops between pieces, records an unfinished frame, counts the bytes that went out', async () => {
    const body = randomBytes(32 * 1024 * 1024);
    const src = file('big.bin', body);
    const out = join(dir, 'part.bin');
    const id = await connectTo(STREAM_RECEIVER, out, 'length:i');
    const ac = new AbortController();
    const r = await sendFile(reg, id, src, { mode: 'framed', signal: ac.signal, onProgress: (n) => n >= 1024 * 1024 && ac.abort() });
    assert.equal(r.canceled, true);
    assert.ok(r.bodyBytes >= 1024 * 1024 && r.bodyBytes < body.length, `${r.bodyBytes} of ${body.length}`);
    assert.equal(r.wireBytes, 4 + r.bodyBytes);
    const info = reg.get(id)!;
    assert.equal(info.state, 'open', 'the connection stays open');
    assert.deepEqual([info.stats.framesOut, info.stats.bytesOut], [0, r.wireBytes]);
    const fr = reg.history(id).frames.find((f) => f.direction === 'out')!;
    assert.deepEqual([fr.incomplete, fr.payloadLength, fr.end - fr.start], [true, r.bodyBytes, r.wireBytes]);
    await reg.end(id);
    assert.equal(await peer!.line(/^done /), `done ${r.wireBytes}`);
    assert.ok(readFileSync(out).subarray(4).equals(body.subarray(0, r.bodyBytes)));
  });

  it('a peer that never reads holds the file back: what waits in our socket stays bounded', async () => {
    const src = file('huge.bin', Buffer.alloc(64 * 1024 * 1024, 0x61));
    const srv = await reg.listenTcp({ port: 0 });
    // a raw net client that never reads: our server's peer is the sender
    const sock = net.connect({ host: '127.0.0.1', port: srv.local!.port });
    sock.pause();
    try {
      const peerId = await waitFor(() => reg.children(srv.id)[0]?.id);
      let sent = 0;
      const ac = new AbortController();
      const done = sendFile(reg, peerId, src, { mode: 'raw', signal: ac.signal, onProgress: (n) => (sent = n) });
      // wait until the sender stalls (the kernel buffers are full)
      let last = -1;
      for (let i = 0; i < 200 && sent !== last; i++) {
        last = sent;
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.ok(sent < 64 * 1024 * 1024, `stalled at ${sent} bytes`);
      assert.ok((reg.get(peerId)!.queuedOut ?? 0) <= 2 * 64 * 1024, `queued ${reg.get(peerId)!.queuedOut}`);
      ac.abort();
      sock.resume();
      const r = await done;
      assert.equal(r.canceled, true);
    } finally {
      sock.destroy();
    }
  });

  it('refuses clearly: a missing file, an empty raw send on TCP, a file larger than a datagram', async () => {
    const srv = await reg.listenTcp({ port: 0 });
    const cli = await reg.connectTcp({ host: '127.0.0.1', port: srv.local!.port });
    await assert.rejects(sendFile(reg, cli.id, join(dir, 'nope.bin'), { mode: 'raw' }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ENOENT');
      assert.match(e.message, new RegExp(`^${cli.id} \\(127\\.0\\.0\\.1:\\d+\\): cannot send .*nope\\.bin`));
      return true;
    });
    await assert.rejects(sendFile(reg, cli.id, file('empty', Buffer.alloc(0)), { mode: 'raw' }), /TCP cannot carry an empty message/);
    const udp = await reg.bindUdp({ port: 0 });
    await assert.rejects(
      sendFile(reg, udp.id, file('big.bin', Buffer.alloc(70_000)), { mode: 'raw', to: { address: '127.0.0.1', port: srv.local!.port } }),
      (e: Error & { code?: string }) => e.code === 'EMSGSIZE' && /does not fit one datagram/.test(e.message),
    );
    // a small file is one datagram
    const other = await reg.bindUdp({ port: 0 });
    await sendFile(reg, udp.id, file('small.txt', Buffer.from('hello file')), { mode: 'raw', to: { address: '127.0.0.1', port: other.local!.port } });
    const got = await waitFor(() => reg.history(other.id).frames.find((f) => f.direction === 'in'));
    assert.equal(got.payload.toString(), 'hello file');
  });
});
