/**
 * Send File… in the extension host, against Python receivers written the way the tutorial writes them
 * (src/core/test/filePeers.ts): the json-header upload byte for byte, raw and framed modes, cancel mid-file, and
 * clear refusals of bad options.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SendFileSummary } from '../../extension/api';
import { FILE_UPLOAD_SERVER, STREAM_RECEIVER } from '../../core/test/filePeers';
import { getApi, python, waitFor, type PythonPeer } from './helpers';

const run = <T>(command: string, ...args: unknown[]): Promise<T> => Promise.resolve(vscode.commands.executeCommand<T>(command, ...args));

describe('Send File…', function () {
  this.timeout(60000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sockdbg-sendfile-'));
  const peers: PythonPeer[] = [];
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  afterEach(() => {
    for (const p of peers.splice(0)) p.kill();
  });

  function file(name: string, bytes: Buffer): string {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, bytes);
    return p;
  }

  /** starts a receiver writing to `out` and connects a client to it with `framing` */
  async function receiver(code: string, out: string, framing = 'raw'): Promise<{ id: string; peer: PythonPeer }> {
    const peer = python(code, [out], 30000);
    peers.push(peer);
    const port = Number(await peer.firstLine);
    const id = await run<string>('socketDebugger.tcp.connect', { port, framing, openComposer: false });
    return { id, peer };
  }

  it("json-header: the tutorial's upload server gets {filename, filesize} byte for byte, then the whole file", async () => {
    const api = await getApi();
    const body = randomBytes(5 * 1024 * 1024 + 7);
    const src = file('报告.bin', body);
    const out = path.join(tmp, 'upload.bin');
    const { id, peer } = await receiver(FILE_UPLOAD_SERVER, out);
    const r = await run<SendFileSummary>('socketDebugger.sendFile', { id, path: src, mode: 'json-header' });
    const stdout = await peer.done;
    // what Python's json.dumps writes for {'total_size': n, 'filename': '报告.bin', 'filesize': n}: ", " and ": ", \u escapes
    const header = `{"total_size": ${body.length}, "filename": "\\u62a5\\u544a.bin", "filesize": ${body.length}}`;
    assert.match(stdout, new RegExp(`^header:${Buffer.from(header).toString('hex')}$`, 'm'));
    assert.match(stdout, new RegExp(`^done ${body.length}$`, 'm'));
    assert.ok(fs.readFileSync(out).equals(body), 'the uploaded file is the file');
    assert.deepEqual(
      { mode: r.mode, fileSize: r.fileSize, bytesSent: r.bytesSent, wireBytes: r.wireBytes, canceled: r.canceled, framing: r.framing },
      { mode: 'json-header', fileSize: body.length, bytesSent: body.length, wireBytes: 4 + header.length + body.length, canceled: false, framing: 'json-header' },
    );
    // the counters count the wire, one frame; the history keeps the frame with its whole length
    const info = api.registry.get(id)!;
    assert.deepEqual([info.stats.bytesOut, info.stats.framesOut], [r.wireBytes, 1]);
    const f = api.registry.history(id).frames.find((x) => x.direction === 'out')!;
    assert.equal(f.payloadLength, body.length);
    assert.deepEqual(f.header, { filename: '报告.bin', filesize: body.length });
  });

  it('raw: the file is the stream; framed: one length:i frame around it', async () => {
    const body = randomBytes(300 * 1024 + 1);
    const src = file('a.bin', body);
    const rawOut = path.join(tmp, 'raw.bin');
    const a = await receiver(STREAM_RECEIVER, rawOut);
    const r = await run<SendFileSummary>('socketDebugger.sendFile', { id: a.id, path: src, mode: 'raw' });
    await run('socketDebugger.halfClose', a.id);
    assert.match(await a.peer.done, new RegExp(`^done ${body.length}$`, 'm'));
    assert.ok(fs.readFileSync(rawOut).equals(body));
    assert.deepEqual([r.wireBytes, r.framing], [body.length, 'raw']);

    const framedOut = path.join(tmp, 'framed.bin');
    const b = await receiver(STREAM_RECEIVER, framedOut, 'length:i');
    const f = await run<SendFileSummary>('socketDebugger.sendFile', { id: b.id, path: src, mode: 'framed' });
    await run('socketDebugger.halfClose', b.id);
    await b.peer.done;
    const prefix = Buffer.alloc(4);
    prefix.writeInt32LE(body.length);
    assert.ok(fs.readFileSync(framedOut).equals(Buffer.concat([prefix, body])), "struct.pack('i', len) + the file");
    assert.deepEqual([f.wireBytes, f.framing], [body.length + 4, 'length:i']);
  });

  it('cancel mid-file: stops part way, the connection stays open, the bytes sent are reported', async () => {
    const api = await getApi();
    const body = randomBytes(48 * 1024 * 1024);
    const src = file('big.bin', body);
    const out = path.join(tmp, 'part.bin');
    const { id, peer } = await receiver(STREAM_RECEIVER, out, 'length:i');
    const ac = new AbortController();
    const sub = api.registry.onDidReceiveChunk((e) => {
      if (e.id === id && e.chunk.direction === 'out' && e.chunk.offset > 2 * 1024 * 1024) ac.abort();
    });
    let r: SendFileSummary;
    try {
      r = await run<SendFileSummary>('socketDebugger.sendFile', { id, path: src, mode: 'framed', signal: ac.signal });
    } finally {
      sub.dispose();
    }
    assert.equal(r.canceled, true);
    assert.ok(r.bytesSent > 2 * 1024 * 1024 && r.bytesSent < body.length, `${r.bytesSent} of ${body.length}`);
    const info = api.registry.get(id)!;
    assert.equal(info.state, 'open');
    assert.deepEqual([info.stats.bytesOut, info.stats.framesOut], [r.wireBytes, 0]);
    assert.equal(api.registry.history(id).frames.find((x) => x.direction === 'out')!.incomplete, true);
    await run('socketDebugger.halfClose', id);
    assert.match(await peer.done, new RegExp(`^done ${r.wireBytes}$`, 'm'));
    assert.ok(fs.readFileSync(out).subarray(4).equals(body.subarray(0, r.bytesSent)));
  });

  it('refuses clearly: an unknown mode, a missing file (naming the connection), a UDP socket without a destination', async () => {
    const server = await run<string>('socketDebugger.tcp.listen', { port: 0, openComposer: false });
    const api = await getApi();
    const port = api.registry.get(server)!.local!.port;
    const id = await run<string>('socketDebugger.tcp.connect', { port, openComposer: false });
    await assert.rejects(run('socketDebugger.sendFile', { id, path: file('x.txt', Buffer.from('x')), mode: 'zip' }), /mode must be one of "raw", "framed", "json-header"/);
    await assert.rejects(run('socketDebugger.sendFile', { id, path: path.join(tmp, 'missing.bin'), mode: 'raw' }), new RegExp(`${id} \\(127\\.0\\.0\\.1:${port}\\): cannot send .*missing\\.bin`));
    const udp = await run<string>('socketDebugger.udp.bind', { port: 0, openComposer: false });
    await assert.rejects(run('socketDebugger.sendFile', { id: udp, path: file('y.txt', Buffer.from('y')), mode: 'raw' }), /needs a destination/);
    await waitFor('nothing sent', () => api.registry.get(id)!.stats.bytesOut === 0);
    for (const c of [id, server, udp]) await run('socketDebugger.remove', c);
  });
});
