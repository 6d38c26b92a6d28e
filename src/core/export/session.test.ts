// Session export over a real conversation: a tutorial-style Python client talks to a registry server, and the
// export has both directions, in order, in each format.
import * as assert from 'node:assert/strict';
import { encodeText } from '../codec/encoding';
import { useRegistry } from '../test/registry';
import { runPython } from '../test/python';
import { sessionLines, type SessionSource } from './session';

describe('core/export/session', () => {
  const reg = useRegistry();

  async function conversation(): Promise<SessionSource[]> {
    const server = await reg.listenTcp({ host: '127.0.0.1', port: 0, framing: 'length:i', encoding: 'gbk' });
    const sub = reg.onDidFrame((e) => {
      // echo each frame back, framed with length:i like the Python side expects
      if (e.frame.direction === 'in') void reg.send(e.id, Buffer.from(e.frame.payload));
    });
    try {
      await runPython(
        `
import socket, struct, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
for m in ['wyb', '中午吃什么']:
    b = m.encode('gbk')
    sk.send(struct.pack('i', len(b)) + b)
    n = struct.unpack('i', sk.recv(4))[0]
    got = b''
    while len(got) < n:
        got += sk.recv(n - len(got))
sk.send(struct.pack('i', 2) + b'a\\n')
sk.close()
`,
        [String(server.local!.port)],
      );
      const peer = reg.children(server.id)[0];
      for (let i = 0; i < 100 && reg.history(peer.id).frames.length < 6; i++) await new Promise((r) => setTimeout(r, 20));
      const h = reg.history(peer.id);
      return [{ id: peer.id, remote: peer.remote, encoding: 'gbk', frames: h.frames, droppedFrames: h.droppedFrames }];
    } finally {
      sub.dispose();
    }
  }

  it('writes both directions in order as text, hex and JSON lines', async () => {
    const src = await conversation();
    const text = [...sessionLines(src, 'text')];
    assert.match(text[0], /^# time/);
    const rows = text.slice(1);
    assert.deepEqual(
      rows.map((l) => l.split(/\s+/)[2]),
      ['↓', '↑', '↓', '↑', '↓', '↑'],
    );
    assert.match(rows[0], /\s3\s+wyb$/);
    assert.match(rows[3], /\s10\s+中午吃什么$/);
    assert.match(rows[4], /\s2\s+a\\n$/, 'a newline in a frame is escaped: one frame, one line');
    assert.match(rows[0], new RegExp(`127\\.0\\.0\\.1:${src[0].remote!.port}`));
    const hexRows = [...sessionLines(src, 'hex')].slice(1);
    assert.match(hexRows[0], /\s3\s+77 79 62$/);
    const json = [...sessionLines(src, 'jsonl')].map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      json.map((o) => [o.dir, o.text]),
      [
        ['in', 'wyb'],
        ['out', 'wyb'],
        ['in', '中午吃什么'],
        ['out', '中午吃什么'],
        ['in', 'a\n'],
        ['out', 'a\n'],
      ],
    );
    assert.equal(json[2].hex, encodeText('中午吃什么', 'gbk').toString('hex'));
    const times = json.map((o) => Date.parse(String(o.time)));
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
  });

  it('merges several connections by time and says what the history no longer holds', () => {
    const f = (seq: number, time: number, dir: 'in' | 'out', text: string) => ({ seq, time, direction: dir, start: 0, end: text.length, payload: Buffer.from(text) });
    const a: SessionSource = { id: 'c2', encoding: 'utf-8', remote: { address: '127.0.0.1', port: 5000, family: 'IPv4' }, frames: [f(0, 10, 'in', 'a1'), f(1, 30, 'out', 'a2')], droppedFrames: 7 };
    const b: SessionSource = { id: 'c3', encoding: 'utf-8', remote: { address: '::1', port: 6000, family: 'IPv6' }, frames: [f(0, 20, 'in', 'b1'), f(1, 30, 'in', 'b2')], droppedFrames: 0 };
    const lines = [...sessionLines([a, b], 'text')];
    assert.equal(lines[0], '# c2: 7 older frame(s) were no longer in the history (history limits) and are not here');
    assert.deepEqual(
      lines.slice(2).map((l) => l.trim().split(/\s+/).pop()),
      ['a1', 'b1', 'a2', 'b2'],
    );
    assert.match(lines[3], /\[::1\]:6000/);
    const json = [...sessionLines([a, b], 'jsonl')].map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(json[0], { type: 'dropped', conn: 'c2', frames: 7 });
  });

  it("names a relay pair's lanes and marks injected frames", () => {
    const f = (seq: number, time: number, dir: 'in' | 'out', text: string, injected?: true) => ({ seq, time, direction: dir, start: 0, end: injected ? 0 : text.length, payload: Buffer.from(text), ...(injected ? { injected } : {}) });
    const pair: SessionSource = { id: 'r1.p1', encoding: 'utf-8', lanes: true, frames: [f(0, 10, 'out', 'ping'), f(0, 20, 'in', 'ping'), f(1, 30, 'out', 'hi', true)], droppedFrames: 0 };
    const lines = [...sessionLines([pair], 'text')].slice(1);
    assert.deepEqual(lines.map((l) => /r1\.p1 {2}(→ c2s|← s2c)/.exec(l)?.[1]), ['→ c2s', '← s2c', '→ c2s']);
    assert.deepEqual(lines.map((l) => l.endsWith('[injected]')), [false, false, true]);
    const json = [...sessionLines([pair], 'jsonl')].map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(json.map((j) => [j.dir, j.injected ?? false]), [['c2s', false], ['s2c', false], ['c2s', true]]);
  });
});
