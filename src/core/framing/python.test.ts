/**
 * Byte-exact checks against python3: the frames our users' Python peers build (struct.pack length prefixes, the
 * seed's JSON-header scheme, json.dumps), and a real loopback exchange with seed-style Python programs.
 */
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as fc from 'fast-check';
import { decodeText, encodeText } from '../codec/encoding';
import { pythonJson, startPython } from '../test/python';
import { createFrameDecoder, encodeFrame, pythonJsonDumps, type DecodedFrame } from './index';

const FRAMES_PY = String.raw`
import json, struct, sys
out = []
for c in json.load(sys.stdin):
    b = bytes.fromhex(c['payload'])
    k = c['kind']
    if k == 'length':
        n = len(b) + (struct.calcsize(c['fmt']) if c['incl'] else 0) - c['adjust']
        out.append((struct.pack(c['fmt'], n) + b).hex())
    else:
        header_dic = {'total_size': len(b)}
        header_dic.update(c['extra'])
        header_bytes = json.dumps(header_dic).encode('utf-8')
        out.append((struct.pack(c['fmt'], len(header_bytes)) + header_bytes + b).hex())
print(json.dumps(out))
`;

describe('framing vs python3', () => {
  it('length prefixes match struct.pack byte for byte', () => {
    const formats = ['i', '!I', '<H', '>H', '>Q', '<q', 'b', 'B', '=l', 'l', 'n', 'N', '!h', 'xxI', '>Ixx'];
    const cases: { kind: 'length'; fmt: string; incl: boolean; adjust: number; payload: string }[] = [];
    const rnd = fc.sample(fc.uint8Array({ maxLength: 100 }), { numRuns: 60, seed: 7 });
    rnd.forEach((p, i) => {
      const fmt = formats[i % formats.length];
      const incl = i % 3 === 1;
      const adjust = i % 4 === 2 ? -2 : 0;
      cases.push({ kind: 'length', fmt, incl, adjust, payload: Buffer.from(p).toString('hex') });
    });
    const expected = pythonJson(FRAMES_PY, cases) as string[];
    cases.forEach((c, i) => {
      let spec = `length:${c.fmt}`;
      if (c.incl) spec += ',includes-header';
      if (c.adjust) spec += `,adjust=${c.adjust}`;
      const payload = Buffer.from(c.payload, 'hex');
      const wire = encodeFrame(spec, payload);
      assert.equal(wire.toString('hex'), expected[i], spec);
      const f = createFrameDecoder(spec).push(wire);
      assert.equal(f.length, 1, spec);
      assert.equal(f[0].payload.toString('hex'), c.payload, spec);
    });
  });

  it('json-header frames match the seed server (json.dumps + struct.pack("i"))', () => {
    const extras: Record<string, unknown>[] = [
      {},
      { cmd: 'dir', ok: true, none: null },
      { name: '中文 名字', emoji: '😀', ctl: '\u0000\u001f\u007f\t\n"\\/' },
      { f: 0.1, g: 1e-5, h: 1e16, i: 123456789.125, j: -2.5e-300, k: [1, 2.5, [], {}], l: { nested: { x: -0 } } },
      { big: 12345678901234, neg: -7, exp: 1e21 },
    ];
    const payloads = ['', 'hello', '你好'].map((s) => Buffer.from(s));
    const cases = extras.flatMap((extra) => payloads.map((p) => ({ kind: 'json', fmt: 'i', extra, payload: p.toString('hex') })));
    cases.push({ kind: 'json', fmt: '!I', extra: {}, payload: '00ff' });
    const expected = pythonJson(FRAMES_PY, cases) as string[];
    cases.forEach((c, i) => {
      const spec = c.fmt === 'i' ? 'json-header' : `json-header,length=${c.fmt}`;
      const wire = encodeFrame(spec, Buffer.from(c.payload, 'hex'), { header: c.extra });
      assert.equal(wire.toString('hex'), expected[i], JSON.stringify(c.extra));
      const f = createFrameDecoder(spec).push(wire);
      assert.equal(f[0].payload.toString('hex'), c.payload);
    });
  });

  it('pythonJsonDumps equals json.dumps for generated values', () => {
    const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      value: fc.oneof(
        { maxDepth: 3 },
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.string({ unit: 'binary' }),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 5 }), tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    const values = fc.sample(json, { numRuns: 300, seed: 42 });
    // Python gets the values as JSON text; integer-valued doubles are sent as floats would lose the int/float
    // distinction, so the script re-reads JS integers as ints (the rule pythonJsonDumps follows).
    const expected = pythonJson(
      String.raw`
import json, sys
def fix(v):
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e21: return int(v)
    if isinstance(v, list): return [fix(x) for x in v]
    if isinstance(v, dict): return {k: fix(x) for k, x in v.items()}
    return v
print(json.dumps([json.dumps(fix(v)) for v in json.load(sys.stdin)]))
`,
      values,
    ) as string[];
    values.forEach((v, i) => assert.equal(pythonJsonDumps(v), expected[i], JSON.stringify(v)));
  });

  describe('over loopback with seed-style Python peers', () => {
    /** Starts a serving peer (it prints its port first); `done` resolves when it exits with status 0. */
    async function servePython(script: string): Promise<{ port: number; done: Promise<void> }> {
      const p = startPython(script);
      const done = p.exited.then((code) => {
        if (code !== 0) throw new Error(`python exited ${code}: ${p.stderr}`);
      });
      done.catch(() => {}); // awaited by the test; a failure before that must not be an unhandled rejection
      try {
        return { port: await p.port(), done };
      } catch (e) {
        p.kill();
        throw e;
      }
    }

    /** Connect, optionally send, and decode until `count` frames arrived. */
    function receive(port: number, spec: string, count: number, send?: Buffer): Promise<DecodedFrame[]> {
      return new Promise((resolve, reject) => {
        const d = createFrameDecoder(spec);
        const frames: DecodedFrame[] = [];
        const sock = net.connect(port, '127.0.0.1', () => {
          if (send) sock.write(send);
        });
        const timer = setTimeout(() => {
          sock.destroy();
          reject(new Error(`timed out with ${frames.length} frames`));
        }, 10_000);
        sock.on('data', (chunk: Buffer) => {
          try {
            frames.push(...d.push(chunk));
          } catch (e) {
            clearTimeout(timer);
            sock.destroy();
            reject(e);
            return;
          }
          if (frames.length >= count) {
            clearTimeout(timer);
            sock.end();
            resolve(frames);
          }
        });
        sock.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
    }

    it("decodes the JSON-header command server's answer (the seed's server.py, with GBK output)", async () => {
      // the seed's server: receive a command, answer with struct.pack('i', len(header)) + json header + body,
      // in separate send() calls; the "command output" here is GBK text plus a large block to force chunking
      const { port, done } = await servePython(String.raw`
import socket, struct, json
phone = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
phone.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
phone.bind(('127.0.0.1', 0))
phone.listen(5)
print(phone.getsockname()[1], flush=True)
coon, addr = phone.accept()
for _ in range(2):
    cmd = coon.recv(1024)
    stdout = ('输出: ' + cmd.decode('utf-8')).encode('gbk') + b'x' * 200000
    stderr = '错误'.encode('gbk')
    header_dic = {
        'total_size': len(stdout) + len(stderr),
    }
    header_json = json.dumps(header_dic)
    header_bytes = header_json.encode('utf-8')
    coon.send(struct.pack('i', len(header_bytes)))
    coon.send(header_bytes)
    coon.sendall(stdout)
    coon.send(stderr)
coon.close()
phone.close()
`);
      const d = createFrameDecoder('json-header');
      const frames: DecodedFrame[] = [];
      await new Promise<void>((resolve, reject) => {
        let sentSecond = false;
        const sock = net.connect(port, '127.0.0.1', () => sock.write('dir'));
        const timer = setTimeout(() => reject(new Error('timed out')), 10_000);
        sock.on('data', (chunk: Buffer) => {
          frames.push(...d.push(chunk));
          if (frames.length >= 1 && !sentSecond) {
            sentSecond = true;
            sock.write('ver');
          }
        });
        sock.on('end', () => {
          clearTimeout(timer);
          resolve();
        });
        sock.on('error', reject);
      });
      await done;
      assert.equal(frames.length, 2);
      assert.equal(d.flush().length, 0);
      for (const [i, cmd] of ['dir', 'ver'].entries()) {
        const expected = Buffer.concat([encodeText(`输出: ${cmd}`, 'gbk'), Buffer.alloc(200000, 'x'), encodeText('错误', 'gbk')]);
        assert.deepEqual(frames[i].header, { total_size: expected.length });
        assert.ok(frames[i].payload.equals(expected), `frame ${i}`);
        assert.equal(decodeText(frames[i].payload.subarray(0, 9), 'gbk'), `输出: ${cmd}`);
      }
    });

    it('decodes many struct.pack("i") frames sent back to back (sticky packets)', async () => {
      const { port, done } = await servePython(String.raw`
import socket, struct
sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1], flush=True)
conn, addr = sk.accept()
for i in range(500):
    data = ('frame %d ' % i).encode('utf-8') * (i % 7)
    conn.send(struct.pack('i', len(data)))
    conn.send(data)
conn.close()
sk.close()
`);
      const frames = await receive(port, 'length:i', 500);
      await done;
      assert.equal(frames.length, 500);
      frames.forEach((f, i) => assert.equal(f.payload.toString(), `frame ${i} `.repeat(i % 7)));
    });

    it('a Python reader gets our encoded frames back (struct.unpack("i") + recv loop)', async () => {
      const { port, done } = await servePython(String.raw`
import socket, struct, json, sys
sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1], flush=True)
conn, addr = sk.accept()
def recv_exact(n):
    buf = b''
    while len(buf) < n:
        d = conn.recv(n - len(buf))
        if not d: raise SystemExit('short read')
        buf += d
    return buf
got = []
for _ in range(3):
    header_len = struct.unpack('i', recv_exact(4))[0]
    header_dic = json.loads(recv_exact(header_len).decode('utf-8'))
    got.append(recv_exact(header_dic['total_size']).decode('gbk'))
num = struct.unpack('i', recv_exact(4))[0]
got.append(recv_exact(num).decode('utf-8'))
conn.send(json.dumps(got).encode('utf-8'))
conn.close()
`);
      const texts = ['你好', '', 'x'.repeat(70000)];
      const wire = Buffer.concat([
        ...texts.map((t) => encodeFrame('json-header', Buffer.from(t === '你好' ? 'c4e3bac3' : Buffer.from(t).toString('hex'), 'hex'), { header: { cmd: 't' } })),
        encodeFrame('length:i', Buffer.from('done')),
      ]);
      const reply = await new Promise<string>((resolve, reject) => {
        let got = '';
        const sock = net.connect(port, '127.0.0.1', () => sock.write(wire));
        sock.on('data', (c: Buffer) => (got += c.toString()));
        sock.on('end', () => resolve(got));
        sock.on('error', reject);
      });
      await done;
      assert.deepEqual(JSON.parse(reply), [...texts, 'done']);
    });
  });
});
