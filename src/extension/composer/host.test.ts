/**
 * The composer's host side (src/extension/composer/{draft,bridge,host}.ts, no `vscode`), against a real
 * ConnectionRegistry and Python peers on 127.0.0.1. Plain mocha (.mocharc.unit.json runs src/extension/composer/**),
 * so nothing this imports may import `vscode` (panel.ts does: it is covered by the exthost suite).
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { ConnectionRegistry } from '../../core/registry';
import { Ring } from './bridge';
import { buildWire, DraftProblem, parseStructValues } from './draft';
import { ComposerHost } from './host';
import { PREVIEW_WIRE_BYTES, type DataMessage, type DraftError, type HistoryMessage, type HostToWebview, type InitMessage, type PreviewResultMessage } from '../../shared/protocol';

function python(code: string, args: string[] = [], input?: string): { done: Promise<string>; kill(): void } {
  const p = spawn('python3', ['-c', code, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  if (input !== undefined) p.stdin.end(input);
  const timer = setTimeout(() => p.kill(), 15000);
  const done = new Promise<string>((resolve, reject) => {
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`python3 exited with ${code}: ${err}`));
    });
  });
  return { done, kill: () => p.kill() };
}

async function pyBytes(expr: string): Promise<string> {
  return (await python(`import struct, json, sys\nsys.stdout.write((${expr}).hex())`).done).trim();
}

function problemOf(fn: () => unknown): DraftError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DraftProblem) return e.detail;
    throw e;
  }
  assert.fail('expected a DraftProblem');
}

function waitFor<T>(pred: () => T | undefined, timeoutMs = 8000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = (): void => {
      const v = pred();
      if (v !== undefined) return resolve(v);
      if (Date.now() - t0 > timeoutMs) return reject(new Error('timed out'));
      setTimeout(tick, 10);
    };
    tick();
  });
}

describe('composer draft → wire bytes', () => {
  const conn = { kind: 'connection' } as const;

  it('text in GBK with length:i framing matches struct.pack("i", n) + data', async () => {
    const w = buildWire({ mode: 'text', text: '吃包子啊!', encoding: 'gbk' }, conn, 'length:i');
    assert.equal(w.wire.toString('hex'), await pyBytes(`(lambda b: struct.pack('i', len(b)) + b)('吃包子啊!'.encode('gbk'))`));
    assert.equal(w.payloadLength, 9);
    assert.equal(w.framing, 'length:i');
  });

  it('hex, escapes and raw framing give the bytes as typed', () => {
    assert.equal(buildWire({ mode: 'hex', text: '0x48,0x65 6c6c6f' }, { kind: 'raw' }, 'length:i').wire.toString(), 'Hello');
    assert.equal(buildWire({ mode: 'escapes', text: 'hello\\x00wyb\\r\\n', encoding: 'utf-8' }, conn, 'raw').wire.toString('hex'), Buffer.from('hello\x00wyb\r\n').toString('hex'));
    assert.equal(buildWire({ mode: 'text', text: 'hi', encoding: 'utf-8' }, { kind: 'spec', spec: 'line' }, 'raw').wire.toString(), 'hi\n');
  });

  it('reports a bad hex digit at its position', () => {
    const e = problemOf(() => buildWire({ mode: 'hex', text: '48 65 6g' }, conn, 'raw'));
    assert.equal(e.field, 'text');
    assert.equal(e.position, 7);
  });

  it('packs struct values like Python, and names the value Python would refuse', async () => {
    const w = buildWire({ mode: 'struct', format: '!iH?4s', values: "-1, 0x10, True, b'ab\\x00'" }, { kind: 'raw' }, 'raw');
    assert.equal(w.wire.toString('hex'), await pyBytes(`struct.pack('!iH?4s', -1, 0x10, True, b'ab\\x00')`));
    const big = parseStructValues('18446744073709551615, 1.5e3, "x", hex:0a0b');
    assert.deepEqual(
      big.map((v) => v.value),
      [18446744073709551615n, 1500, Buffer.from('x'), Buffer.from([10, 11])],
    );
    const range = problemOf(() => buildWire({ mode: 'struct', format: '<hH', values: '1, 70000' }, conn, 'raw'));
    assert.equal(range.field, 'values');
    assert.equal(range.index, 1);
    assert.equal(range.position, 3);
    assert.match(range.message, /value 2 \("H"\).*65535/);
    const count = problemOf(() => buildWire({ mode: 'struct', format: 'ii', values: '1' }, conn, 'raw'));
    assert.match(count.message, /pack expected 2 items for packing \(got 1\)/);
    const lit = problemOf(() => buildWire({ mode: 'struct', format: 'ii', values: '1, spam' }, conn, 'raw'));
    assert.equal(lit.position, 3);
    assert.equal(problemOf(() => buildWire({ mode: 'struct', format: 'iy', values: '1' }, conn, 'raw')).field, 'format');
  });

  it('JSON header mode fills in total_size like the seed server (json-header framing)', async () => {
    const w = buildWire({ mode: 'json', header: '{"cmd": "dir"}', body: 'hello 世界', encoding: 'utf-8' }, conn, 'raw');
    assert.equal(w.framing.startsWith('json-header'), true);
    const expected = await pyBytes(
      `(lambda body: (lambda hb: struct.pack('i', len(hb)) + hb + body)(json.dumps({'total_size': len(body), 'cmd': 'dir'}).encode('utf-8')))('hello 世界'.encode('utf-8'))`,
    );
    assert.equal(w.wire.toString('hex'), expected);
    // the seed's own header: {'total_size': n}
    const seed = buildWire({ mode: 'json', header: '', body: 'abc', encoding: 'utf-8' }, conn, 'json-header');
    assert.equal(seed.wire.toString('hex'), await pyBytes(`(lambda hb: struct.pack('i', len(hb)) + hb + b'abc')(json.dumps({'total_size': 3}).encode('utf-8'))`));
    const bad = problemOf(() => buildWire({ mode: 'json', header: '{"cmd": }', body: '', encoding: 'utf-8' }, conn, 'raw'));
    assert.equal(bad.field, 'header');
    assert.equal(problemOf(() => buildWire({ mode: 'json', header: '[1]', body: '', encoding: 'utf-8' }, conn, 'raw')).field, 'header');
  });

  it('rejects a bad framing spec and an unknown encoding with the field to blame', () => {
    assert.equal(problemOf(() => buildWire({ mode: 'hex', text: '00' }, { kind: 'spec', spec: 'length:z' }, 'raw')).field, 'framing');
    assert.equal(problemOf(() => buildWire({ mode: 'text', text: 'x', encoding: 'klingon' }, conn, 'raw')).field, 'encoding');
  });
});

describe('composer host over real sockets', function () {
  this.timeout(20000);
  let registry: ConnectionRegistry;
  let host: ComposerHost;
  let posted: HostToWebview[];
  let clip: string[];
  let commands: unknown[][];

  beforeEach(() => {
    registry = new ConnectionRegistry();
    posted = [];
    clip = [];
    commands = [];
    host = new ComposerHost({
      registry,
      post: (m) => void posted.push(m),
      writeClipboard: (t) => void clip.push(t),
      runCommand: async (...a) => void commands.push(a),
      bridge: { intervalMs: 10 },
    });
  });
  afterEach(async () => {
    host.dispose();
    await registry.closeAll();
    registry.dispose();
  });

  const of = <T extends HostToWebview['type']>(type: T): Array<Extract<HostToWebview, { type: T }>> =>
    posted.filter((m): m is Extract<HostToWebview, { type: T }> => m.type === type);

  it('shows a sticky chunk, sends a reply the Python peer reads byte for byte, and re-decodes', async () => {
    const server = await registry.listenTcp({ port: 0, framing: 'length:i', encoding: 'gbk' });
    await host.handle({ type: 'ready' });
    const init = of('init')[0] as InitMessage;
    assert.ok(init.connections.some((c) => c.id === server.id && c.kind === 'tcp-server'));
    assert.ok(init.encodings.some((e) => e.id === 'gbk'));

    // A client written like the seed: two struct.pack('i')-framed messages in a single write, then read one reply.
    const py = python(
      `import socket, struct, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
msgs = [b'hello', '吃包子啊!'.encode('gbk')]
sk.send(b''.join(struct.pack('i', len(m)) + m for m in msgs))
num = struct.unpack('i', sk.recv(4))[0]
res = b''
while len(res) < num:
    res += sk.recv(num - len(res))
sys.stdout.write((struct.pack('i', num) + res).hex())
sk.close()`,
      [String(server.local?.port)],
    );
    const frames = await waitFor(() => {
      const fs = of('data').flatMap((d) => d.batch.frames.map((f) => ({ f, bytes: d.batch.bytes })));
      return fs.length >= 2 ? fs : undefined;
    });
    assert.deepEqual(
      frames.map(({ f }) => f.text),
      ['hello', '吃包子啊!'],
    );
    assert.equal(Buffer.from(frames[1].bytes.subarray(frames[1].f.dataOffset, frames[1].f.dataOffset + frames[1].f.dataLength)).toString('hex'), Buffer.from('b3d4b0fcd7d3b0a121', 'hex').toString('hex'));
    const chunks = of('data').flatMap((d: DataMessage) => d.chunks).filter((c) => c.dir === 'in');
    assert.equal(chunks.length, 1, 'one recv chunk carried both frames');
    assert.equal(chunks[0].length, 4 + 5 + 4 + 9);
    assert.deepEqual([frames[0].f.start, frames[0].f.end, frames[1].f.start, frames[1].f.end], [0, 9, 9, 22]);
    assert.ok(of('data').every((d) => d.batch.bytes instanceof Uint8Array));

    // Preview and send: the same bytes.
    const peer = frames[0].f.conn;
    const draft = { mode: 'text', text: '收到 ok', encoding: 'gbk' };
    await host.handle({ type: 'preview', reqId: 7, draft, target: { ids: [peer] }, framing: { kind: 'connection' } });
    const pv = of('preview').find((p) => p.reqId === 7);
    assert.ok(pv && pv.result.ok);
    const previewHex = pv.result.ok ? Buffer.from(pv.result.wire).toString('hex') : '';
    await host.handle({ type: 'send', reqId: 8, draft, target: { ids: [peer] }, framing: { kind: 'connection' } });
    assert.deepEqual(of('sendResult').find((r) => r.reqId === 8), { type: 'sendResult', reqId: 8, ok: true, sent: 1 });
    assert.equal((await py.done).trim(), previewHex);
    assert.equal(previewHex, '07000000' + Buffer.from('cad5b5bd206f6b', 'hex').toString('hex'));

    // Re-decode the history as raw: one frame per chunk.
    await host.handle({ type: 'setFraming', conn: peer, spec: 'raw' });
    const hist = of('history').filter((h: HistoryMessage) => h.conn === peer).pop();
    assert.ok(hist && hist.replace);
    const inFrames = hist.batch.frames.filter((f) => f.dir === 'in');
    assert.equal(inFrames.length, 1);
    assert.equal(inFrames[0].length, 22);

    // "Save…" runs the extension's command for that connection; "Clear" empties its history.
    await host.handle({ type: 'saveReceived', conn: peer });
    assert.deepEqual(commands, [['socketDebugger.saveReceived', peer]]);
    // "Send File…" runs the extension's command on the first target (with a UDP destination when there is one)
    await host.handle({ type: 'sendFile', target: { ids: [peer], to: { host: '127.0.0.1', port: 9 } } });
    assert.deepEqual(commands[1], ['socketDebugger.sendFile', { id: peer, to: { address: '127.0.0.1', port: 9 } }]);

    // Copy the sent frame (its payload) as a Python bytes literal.
    await host.handle({ type: 'copy', conn: peer, dir: 'out', seq: 0, format: 'python' });
    assert.equal(clip.pop(), "b'\\xca\\xd5\\xb5\\xbd ok'");

    await host.handle({ type: 'clearHistory', conn: peer });
    const cleared = of('history').filter((h: HistoryMessage) => h.conn === peer).pop();
    assert.ok(cleared && cleared.replace);
    assert.equal(cleared.batch.frames.length + cleared.chunks.length, 0);
  });

  it('an unfinished last frame at FIN reaches the webview flagged incomplete, with its bytes and offset', async () => {
    const server = await registry.listenTcp({ port: 0, framing: 'line' });
    await host.handle({ type: 'ready' });
    const py = python(
      `import socket, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
sk.sendall('完整\\n半截'.encode('utf-8'))
sk.close()`,
      [String(server.local?.port)],
    );
    await py.done;
    const frames = await waitFor(() => {
      const fs = of('data').flatMap((d) => d.batch.frames.map((f) => ({ f, bytes: d.batch.bytes })));
      return fs.length >= 2 ? fs : undefined;
    });
    assert.deepEqual(
      frames.map(({ f }) => [f.text, f.start, f.end, f.incomplete === true]),
      [
        ['完整', 0, 7, false],
        ['半截', 7, 13, true],
      ],
    );
    const { f, bytes } = frames[1];
    assert.equal(Buffer.from(bytes.subarray(f.dataOffset, f.dataOffset + f.dataLength)).toString(), '半截');
  });

  it('sends over UDP to a peer and to a typed destination; a UDP socket without one is refused', async () => {
    const udp = await registry.bindUdp({ port: 0 });
    await host.handle({ type: 'ready' });
    const py = python(
      `import socket, sys
sk = socket.socket(type=socket.SOCK_DGRAM)
sk.sendto(b'hi', ('127.0.0.1', int(sys.argv[1])))
out = []
for _ in range(2):
    msg, addr = sk.recvfrom(1024)
    out.append(msg.hex())
sys.stdout.write(' '.join(out))`,
      [String(udp.local?.port)],
    );
    const peer = await waitFor(() => registry.children(udp.id)[0]);
    await host.handle({ type: 'send', reqId: 1, draft: { mode: 'hex', text: 'aa' }, target: { ids: [peer.id] }, framing: { kind: 'connection' } });
    await host.handle({ type: 'send', reqId: 2, draft: { mode: 'hex', text: 'bb' }, target: { ids: [udp.id] }, framing: { kind: 'connection' } });
    assert.equal(of('sendResult').find((r) => r.reqId === 2)?.error?.field, 'target');
    await host.handle({ type: 'send', reqId: 3, draft: { mode: 'hex', text: 'cc dd' }, target: { ids: [udp.id], to: { host: '127.0.0.1', port: peer.remote?.port ?? 0 } }, framing: { kind: 'connection' } });
    assert.equal((await py.done).trim(), 'aa ccdd');
    assert.deepEqual(
      of('sendResult').map((r) => [r.reqId, r.ok]),
      [
        [1, true],
        [2, false],
        [3, true],
      ],
    );
  });

  it('repeats a send N times and can be stopped; rejects invalid messages and unknown targets', async () => {
    const server = await registry.listenTcp({ port: 0, framing: 'raw' });
    await host.handle({ type: 'ready' });
    const py = python(
      `import socket, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
sk.send(b'hi')
data = b''
while len(data) < 3:
    data += sk.recv(1024)
sys.stdout.write(data.hex())
sk.close()`,
      [String(server.local?.port)],
    );
    await waitFor(() => registry.children(server.id)[0]?.id);
    await host.handle({ type: 'send', reqId: 1, draft: { mode: 'hex', text: 'ab' }, target: { ids: [server.id] }, framing: { kind: 'connection' }, repeat: { intervalMs: 5, count: 3 } });
    assert.equal((await py.done).trim(), 'ababab');
    assert.deepEqual(of('sendResult').find((r) => r.reqId === 1), { type: 'sendResult', reqId: 1, ok: true, sent: 3 });
    assert.deepEqual(of('repeat').pop(), { type: 'repeat', running: false, done: 3, total: 3 });

    // stop a long repeat
    const got: Buffer[] = [];
    const sock = net.connect(server.local?.port ?? 0, '127.0.0.1');
    sock.on('data', (d: Buffer) => got.push(d));
    const peer2 = await waitFor(() => registry.children(server.id).find((c) => c.state === 'open')?.id);
    const long = host.handle({ type: 'send', reqId: 2, draft: { mode: 'hex', text: 'cd' }, target: { ids: [peer2] }, framing: { kind: 'raw' }, repeat: { intervalMs: 1000, count: 100 } });
    await waitFor(() => of('repeat').find((r) => r.running && r.total === 100));
    await host.handle({ type: 'stopRepeat' });
    await long;
    assert.equal(of('sendResult').find((r) => r.reqId === 2)?.ok, true);
    assert.equal(of('repeat').pop()?.running, false);
    await waitFor(() => (got.length ? true : undefined));
    assert.equal(Buffer.concat(got).toString('hex'), 'cd');
    sock.destroy();

    const before = host.rejected;
    await host.handle({ type: 'send', reqId: 3, draft: { mode: 'hex', text: 'ab' }, target: { ids: ['<img>'] }, framing: { kind: 'raw' } });
    await host.handle({ type: 'copyText', text: 42 });
    assert.equal(host.rejected, before + 2);
    await host.handle({ type: 'send', reqId: 4, draft: { mode: 'hex', text: 'ab' }, target: { ids: ['c999'] }, framing: { kind: 'raw' } });
    const r4 = of('sendResult').find((r) => r.reqId === 4);
    assert.equal(r4?.ok, false);
    assert.equal(r4?.error?.field, 'target');
  });
});

describe('composer memory limits', function () {
  this.timeout(30000);

  it('a draft that would exceed the frame limit is refused before it is built (struct counts calcsize first)', () => {
    const huge = problemOf(() => buildWire({ mode: 'struct', format: '1000000000x', values: '' }, { kind: 'raw' }, 'raw'));
    assert.equal(huge.field, 'format');
    assert.match(huge.message, /the frame would be 1,000,000,000 bytes; the limit is 16 MiB/i);
    // just over the limit (17 MiB of padding) is refused too; a smaller limit applies to every input mode
    assert.match(problemOf(() => buildWire({ mode: 'struct', format: `${17 * 1024 * 1024}x`, values: '' }, { kind: 'raw' }, 'raw')).message, /17,825,792 bytes/);
    const small = { maxBytes: 8 };
    assert.match(problemOf(() => buildWire({ mode: 'struct', format: '!3I', values: '1, 2, 3' }, { kind: 'raw' }, 'raw', small)).message, /12 bytes; the limit is 8 bytes/);
    assert.equal(problemOf(() => buildWire({ mode: 'hex', text: '00 11 22 33 44 55 66 77 88' }, { kind: 'raw' }, 'raw', small)).field, 'text');
    assert.equal(problemOf(() => buildWire({ mode: 'text', text: '吃包子', encoding: 'utf-8' }, { kind: 'raw' }, 'raw', small)).field, 'text');
    assert.equal(problemOf(() => buildWire({ mode: 'escapes', text: 'abc\\x00defgh', encoding: 'utf-8' }, { kind: 'raw' }, 'raw', small)).field, 'text');
    assert.equal(problemOf(() => buildWire({ mode: 'json', header: '', body: '123456789', encoding: 'utf-8' }, { kind: 'raw' }, 'raw', small)).field, 'body');
    // at the limit is fine
    assert.equal(buildWire({ mode: 'hex', text: '00 11 22 33 44 55 66 77' }, { kind: 'spec', spec: 'length:!I' }, 'raw', small).wire.length, 12);
  });

  it('the preview carries a bounded prefix of the wire bytes and their total length; a too-large draft is an inline error', async () => {
    const registry = new ConnectionRegistry();
    const posted: HostToWebview[] = [];
    const host = new ComposerHost({ registry, post: (m) => void posted.push(m), writeClipboard: () => undefined, bridge: { intervalMs: 10 } });
    try {
      const server = await registry.listenTcp({ port: 0, framing: 'length:!I' });
      await host.handle({ type: 'ready' });
      const body = Buffer.alloc(100_000, 0xab);
      await host.handle({ type: 'preview', reqId: 1, draft: { mode: 'hex', text: body.toString('hex') }, target: { ids: [server.id] }, framing: { kind: 'connection' } });
      const pv = posted.find((m): m is PreviewResultMessage => m.type === 'preview' && m.reqId === 1);
      assert.ok(pv?.result.ok, JSON.stringify(pv));
      assert.ok(pv.result.wire.length <= PREVIEW_WIRE_BYTES, `preview posted ${pv.result.wire.length} bytes`);
      assert.equal(pv.result.wireLength, 100_004);
      assert.equal(pv.result.payloadLength, 100_000);
      assert.equal(Buffer.from(pv.result.wire.subarray(0, 6)).toString('hex'), '000186a0abab');

      await host.handle({ type: 'preview', reqId: 2, draft: { mode: 'struct', format: '1000000000x', values: '' }, target: { ids: [server.id] }, framing: { kind: 'connection' } });
      const bad = posted.find((m): m is PreviewResultMessage => m.type === 'preview' && m.reqId === 2);
      assert.ok(bad && !bad.result.ok);
      assert.equal(bad.result.error.field, 'format');
      assert.match(bad.result.error.message, /1,000,000,000 bytes; the limit is 16 MiB/);
    } finally {
      host.dispose();
      await registry.closeAll();
      registry.dispose();
    }
  });

  it('a flood of large frames while the webview is busy keeps pending data within the byte budget, cut to the per-frame maximum, newest kept', async () => {
    const registry = new ConnectionRegistry();
    const posted: HostToWebview[] = [];
    let release: (() => void) | undefined;
    const host = new ComposerHost({
      registry,
      // the webview takes the first data message only when the test says so (backpressure: nothing else is posted meanwhile)
      post: (m) => {
        posted.push(m);
        if (m.type === 'data' && posted.filter((p) => p.type === 'data').length === 1) return new Promise<void>((r) => (release = r));
        return undefined;
      },
      writeClipboard: () => undefined,
      bridge: { intervalMs: 10, maxFrameBytes: 256 * 1024, maxPendingBytes: 1024 * 1024 },
    });
    try {
      const server = await registry.listenTcp({ port: 0, framing: 'length:!I' });
      await host.handle({ type: 'ready' });
      let framesIn = 0;
      let frameEvents = 0;
      const sub = registry.onDidFrame((e) => {
        frameEvents++;
        if (e.frame.direction === 'in') framesIn++;
      });
      const py = python(
        `import socket, struct, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
sk.sendall(struct.pack('!I', 5) + b'start')
sk.recv(1)
for i in range(24):
    body = bytes([i]) * (1 << 20)
    sk.sendall(struct.pack('!I', len(body)) + body)
sk.close()`,
        [String(server.local?.port)],
      );
      // the first data message (the peer's 'start') stays in flight while the peer floods
      await waitFor(() => (release ? true : undefined));
      const peerId = await waitFor(() => registry.children(server.id)[0]?.id);
      await registry.send(peerId, Buffer.from('g'), { framed: true, framing: 'raw' });
      await py.done;
      await waitFor(() => (framesIn >= 25 ? true : undefined));
      sub.dispose();
      assert.ok(release, 'the first data message is in flight');
      assert.ok(host.bridge.pendingBytes <= 1024 * 1024, `pending ${host.bridge.pendingBytes} bytes`);
      release();
      const later = await waitFor(() => {
        const d = posted.filter((m): m is DataMessage => m.type === 'data').slice(1);
        return d.some((m) => m.batch.frames.some((f) => f.dir === 'in' && f.seq === 24)) ? d : undefined;
      });
      const frames = later.flatMap((m) => m.batch.frames.map((f) => ({ f, bytes: m.batch.bytes })));
      const first = posted.find((m): m is DataMessage => m.type === 'data');
      const skipped = later.reduce((n, m) => n + m.skipped, 0);
      // every frame (the peer's 26: start, 24 of 1 MiB; our 'g') is accounted for: posted first, posted later, or skipped
      assert.equal(frameEvents, 26);
      assert.equal((first?.batch.frames.length ?? 0) + frames.length + skipped, 26);
      assert.ok(frames.length <= 4, `${frames.length} frames of 256 KiB kept within 1 MiB`);
      assert.ok(skipped >= 20, `skipped ${skipped}`);
      // and by connection: the skipped frames are the flooding peer's (none of ours)
      const by: Record<string, number> = {};
      for (const m of later) for (const [c, n] of Object.entries(m.skippedBy ?? {})) by[c] = (by[c] ?? 0) + n;
      assert.deepEqual(Object.keys(by), [peerId]);
      assert.equal(by[peerId], skipped);
      // the newest frames survive, each cut to 256 KiB with its real length kept
      const last = frames[frames.length - 1].f;
      assert.deepEqual([last.dir, last.seq], ['in', 24]);
      for (const { f, bytes } of frames.filter(({ f }) => f.dir === 'in')) {
        assert.equal(f.length, 1 << 20);
        assert.equal(f.dataLength, 256 * 1024);
        assert.equal(bytes[f.dataOffset], f.seq - 1);
        assert.equal(bytes[f.dataOffset + f.dataLength - 1], f.seq - 1);
      }
      // history sent on (re)load stays within the same budget; what does not fit counts as dropped
      const h = host.bridge.history(last.conn);
      assert.ok(h);
      assert.ok(h.batch.bytes.length <= 1024 * 1024, `history carries ${h.batch.bytes.length} bytes`);
      const hl = h.batch.frames[h.batch.frames.length - 1];
      assert.deepEqual([hl.dir, hl.seq, hl.length, hl.dataLength], ['in', 24, 1 << 20, 256 * 1024]);
      assert.equal(h.batch.frames.length + h.droppedFrames, 26);
    } finally {
      host.dispose();
      await registry.closeAll();
      registry.dispose();
    }
  });

  it('the pending queue (a ring) keeps order across wrap-around and growth', () => {
    const r = new Ring<number>();
    for (let i = 0; i < 40; i++) r.push(i);
    assert.deepEqual(r.take(30), Array.from({ length: 30 }, (_, i) => i));
    for (let i = 40; i < 100; i++) r.push(i);
    assert.equal(r.shift(), 30);
    assert.equal(r.length, 69);
    assert.deepEqual(r.take(1000), Array.from({ length: 69 }, (_, i) => 31 + i));
    assert.equal(r.shift(), undefined);
  });

  it('beyond the frame cap the oldest pending frames are skipped one by one (count cap, small frames)', async () => {
    const registry = new ConnectionRegistry();
    const posted: HostToWebview[] = [];
    let release: (() => void) | undefined;
    const host = new ComposerHost({
      registry,
      post: (m) => {
        posted.push(m);
        if (m.type === 'data' && posted.filter((p) => p.type === 'data').length === 1) return new Promise<void>((r) => (release = r));
        return undefined;
      },
      writeClipboard: () => undefined,
      bridge: { intervalMs: 10, maxPending: 100 },
    });
    try {
      const server = await registry.listenTcp({ port: 0, framing: 'line' });
      await host.handle({ type: 'ready' });
      let framesIn = 0;
      let frameEvents = 0;
      const sub = registry.onDidFrame((e) => {
        frameEvents++;
        if (e.frame.direction === 'in') framesIn++;
      });
      const py = python(
        `import socket, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
sk.sendall(b'start\\n')
sk.recv(1)
sk.sendall(b''.join(b'%d\\n' % i for i in range(1000)))
sk.close()`,
        [String(server.local?.port)],
      );
      // the first data message (the peer's 'start') stays in flight while the peer floods
      await waitFor(() => (release ? true : undefined));
      const peerId = await waitFor(() => registry.children(server.id)[0]?.id);
      await registry.send(peerId, Buffer.from('g'), { framed: true, framing: 'raw' });
      await py.done;
      await waitFor(() => (framesIn >= 1001 ? true : undefined));
      sub.dispose();
      assert.ok(release);
      const firstCount = posted.find((m): m is DataMessage => m.type === 'data')?.batch.frames.length ?? 0;
      release();
      const later = await waitFor(() => {
        const d = posted.filter((m): m is DataMessage => m.type === 'data').slice(1);
        return d.some((m) => m.batch.frames.some((f) => f.dir === 'in' && f.seq === 1000)) ? d : undefined;
      });
      const frames = later.flatMap((m) => m.batch.frames);
      assert.equal(frames.length, 100);
      assert.deepEqual(
        frames.map((f) => f.text),
        Array.from({ length: 100 }, (_, i) => String(900 + i)),
      );
      // 1002 frames in all: 'start', our 'g' and 1000 lines
      assert.equal(frameEvents, 1002);
      assert.equal(later.reduce((n, m) => n + m.skipped, 0), 1002 - 100 - firstCount);
    } finally {
      host.dispose();
      await registry.closeAll();
      registry.dispose();
    }
  });
});

describe('composer host: what Show Log tells', function () {
  this.timeout(20000);

  it('logs repeat sends (start, end or stop) and encoding changes', async () => {
    const registry = new ConnectionRegistry();
    const lines: string[] = [];
    const log = { info: (m: string) => void lines.push(m), warn: (m: string) => void lines.push(m), error: (m: string) => void lines.push(m) };
    const host = new ComposerHost({ registry, post: () => undefined, writeClipboard: () => undefined, log, bridge: { intervalMs: 10 } });
    try {
      const server = await registry.listenTcp({ port: 0, framing: 'raw' });
      await host.handle({ type: 'ready' });
      const sock = net.connect(server.local?.port ?? 0, '127.0.0.1');
      sock.on('data', () => undefined);
      const peer = await waitFor(() => registry.children(server.id).find((c) => c.state === 'open')?.id);
      await host.handle({ type: 'send', reqId: 1, draft: { mode: 'hex', text: 'ab' }, target: { ids: [peer] }, framing: { kind: 'raw' }, repeat: { intervalMs: 5, count: 3 } });
      const long = host.handle({ type: 'send', reqId: 2, draft: { mode: 'hex', text: 'cd' }, target: { ids: [peer] }, framing: { kind: 'raw' }, repeat: { intervalMs: 1000, count: 100 } });
      await waitFor(() => (lines.some((l) => l.includes('every 1000 ms')) ? true : undefined));
      await host.handle({ type: 'stopRepeat' });
      await long;
      await host.handle({ type: 'setEncoding', conn: peer, encoding: 'gbk' });
      assert.deepEqual(
        lines.filter((l) => /repeat|encoding/.test(l)),
        [
          `composer: repeating hex to ${peer} every 5 ms, 3 times`,
          `composer: repeat to ${peer} done after 3 of 3 rounds (3 frames)`,
          `composer: repeating hex to ${peer} every 1000 ms, 100 times`,
          `composer: repeat to ${peer} stopped after 1 of 100 rounds (1 frames)`,
          `composer: ${peer} encoding set to gbk`,
        ],
      );
      sock.destroy();
    } finally {
      host.dispose();
      await registry.closeAll();
      registry.dispose();
    }
  });
});

describe('composer host: JSON header mode says what it sends', function () {
  this.timeout(20000);

  it("notes that json-header replaces the picker's framing, and places an unfinished header's error at its end", async () => {
    const registry = new ConnectionRegistry();
    const posted: HostToWebview[] = [];
    const host = new ComposerHost({ registry, post: (m) => void posted.push(m), writeClipboard: () => undefined, bridge: { intervalMs: 10 } });
    try {
      const server = await registry.listenTcp({ port: 0, framing: 'length:i' });
      const draft = { mode: 'json' as const, header: '{"cmd": "dir"}', body: 'ok', encoding: 'utf-8' };
      await host.handle({ type: 'preview', reqId: 1, draft, target: { ids: [server.id] }, framing: { kind: 'connection' } });
      const pv = posted.find((m): m is Extract<HostToWebview, { type: 'preview' }> => m.type === 'preview' && m.reqId === 1);
      assert.ok(pv?.result.ok);
      if (pv?.result.ok) {
        assert.equal(pv.result.framing, 'json-header');
        assert.equal(pv.result.note, 'JSON header mode sends json-header, not length:i');
      }
      const bad = '{"cmd": "dir"';
      await host.handle({ type: 'preview', reqId: 2, draft: { ...draft, header: bad }, target: { ids: [server.id] }, framing: { kind: 'connection' } });
      const pv2 = posted.find((m): m is Extract<HostToWebview, { type: 'preview' }> => m.type === 'preview' && m.reqId === 2);
      assert.ok(pv2 && !pv2.result.ok);
      if (pv2 && !pv2.result.ok) {
        assert.equal(pv2.result.error.field, 'header');
        assert.equal(pv2.result.error.position, bad.length);
      }
    } finally {
      host.dispose();
      await registry.closeAll();
      registry.dispose();
    }
  });
});
