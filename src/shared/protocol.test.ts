import * as assert from 'node:assert/strict';
import { parseWebviewMessage, LIMITS } from './protocol';

const draft = { mode: 'text', text: '吃包子啊!', encoding: 'gbk' };
const target = { ids: ['c2'] };
const framing = { kind: 'connection' };

describe('shared/protocol parseWebviewMessage', () => {
  it('accepts every well-formed message and returns a clean copy', () => {
    const ok: unknown[] = [
      { type: 'ready' },
      { type: 'stopRepeat' },
      { type: 'preview', reqId: 1, draft, target, framing },
      { type: 'send', reqId: 2, draft: { mode: 'hex', text: '09 00' }, target: { ids: ['c1', 'c3'] }, framing: { kind: 'raw' } },
      { type: 'send', reqId: 3, draft, target, framing, repeat: { intervalMs: 500, count: 10 } },
      { type: 'preview', reqId: 4, draft: { mode: 'struct', format: '!iH', values: '1, 2' }, target, framing: { kind: 'spec', spec: 'length:i' } },
      { type: 'preview', reqId: 5, draft: { mode: 'json', header: '{"cmd":"ls"}', body: 'hi', encoding: 'utf-8' }, target, framing },
      { type: 'preview', reqId: 6, draft: { mode: 'escapes', text: '\\r\\n', encoding: 'utf-8' }, target: { ids: ['c4'], to: { host: '127.0.0.1', port: 9999 } }, framing },
      { type: 'setFraming', conn: 'c1', spec: 'length:i' },
      { type: 'setEncoding', conn: 'c1', encoding: 'gbk' },
      { type: 'requestHistory', conn: 'c1' },
      { type: 'messageLayouts', conn: 'c1' },
      { type: 'clearHistory', conn: 'c1' },
      { type: 'saveReceived', conn: 'c1' },
      { type: 'sendFile', target: { ids: ['c4'], to: { host: '127.0.0.1', port: 9999 } } },
      { type: 'copy', conn: 'c1', dir: 'in', seq: 0, format: 'python' },
      { type: 'copyText', text: '09 00 00 00' },
    ];
    for (const m of ok) assert.deepEqual(parseWebviewMessage(m), m, JSON.stringify(m));
    const extra = parseWebviewMessage({ type: 'ready', evil: '<script>' });
    assert.deepEqual(extra, { type: 'ready' });
  });

  it('rejects malformed, mistyped and out-of-range messages', () => {
    const bad: unknown[] = [
      undefined,
      null,
      42,
      'ready',
      [],
      {},
      { type: 'nope' },
      { type: 'preview', reqId: -1, draft, target, framing },
      { type: 'preview', reqId: 1.5, draft, target, framing },
      { type: 'preview', reqId: '1', draft, target, framing },
      { type: 'preview', reqId: 1, draft: { mode: 'text', text: 5, encoding: 'gbk' }, target, framing },
      { type: 'preview', reqId: 1, draft: { mode: 'text', text: 'x' }, target, framing },
      { type: 'preview', reqId: 1, draft: { mode: 'text', text: 'x', encoding: 'gbk; rm -rf' }, target, framing },
      { type: 'preview', reqId: 1, draft: { mode: 'binary', text: 'x' }, target, framing },
      { type: 'preview', reqId: 1, draft: { mode: 'struct', format: 'i' }, target, framing },
      { type: 'preview', reqId: 1, draft: { mode: 'json', header: '{}', body: 1, encoding: 'utf-8' }, target, framing },
      { type: 'preview', reqId: 1, draft, target: { ids: 'c1' }, framing },
      { type: 'preview', reqId: 1, draft, target: { ids: ['../../etc'] }, framing },
      { type: 'preview', reqId: 1, draft, target: { ids: [1] }, framing },
      { type: 'preview', reqId: 1, draft, target: { ids: ['c1'], to: { host: 'h', port: 0 } }, framing },
      { type: 'preview', reqId: 1, draft, target: { ids: ['c1'], to: { host: ' ', port: 80 } }, framing },
      { type: 'preview', reqId: 1, draft, target: { ids: ['c1'], to: { host: 'h', port: 70000 } }, framing },
      { type: 'preview', reqId: 1, draft, target: { ids: new Array(LIMITS.maxIds + 1).fill('c1') }, framing },
      { type: 'preview', reqId: 1, draft, target, framing: { kind: 'spec' } },
      { type: 'preview', reqId: 1, draft, target, framing: 'raw' },
      { type: 'send', reqId: 1, draft, target, framing, repeat: { intervalMs: 0, count: 1 } },
      { type: 'send', reqId: 1, draft, target, framing, repeat: { intervalMs: 10, count: 0 } },
      { type: 'send', reqId: 1, draft, target, framing, repeat: { intervalMs: 10, count: LIMITS.maxRepeat + 1 } },
      { type: 'send', reqId: 1, draft, target, framing, repeat: null },
      { type: 'setFraming', conn: 'c1' },
      { type: 'saveReceived', conn: '' },
      { type: 'sendFile', target: { ids: [] } },
      { type: 'sendFile' },
      { type: 'setEncoding', conn: 'c 1', encoding: 'gbk' },
      { type: 'copy', conn: 'c1', dir: 'up', seq: 0, format: 'hex' },
      { type: 'copy', conn: 'c1', dir: 'in', seq: 0, format: 'rust' },
      { type: 'copyText', text: ['a'] },
      { type: 'preview', reqId: 1, draft: { mode: 'hex', text: 'a'.repeat(LIMITS.maxField + 1) }, target, framing },
    ];
    for (const m of bad) assert.equal(parseWebviewMessage(m), undefined, JSON.stringify(m)?.slice(0, 200));
  });
});

describe('shared/protocol parseWebviewMessage: hostile shapes', () => {
  it('ignores "__proto__" keys (no field comes from a prototype, nothing is polluted)', () => {
    const viaProto = JSON.parse('{"__proto__": {"type": "ready"}}') as unknown;
    assert.equal(parseWebviewMessage(viaProto), undefined);
    const m = parseWebviewMessage(JSON.parse('{"type": "preview", "reqId": 1, "draft": {"mode": "hex", "text": "00", "__proto__": {"polluted": 1}}, "target": {"ids": ["c1"], "__proto__": {"to": {"host": "h", "port": 1}}}, "framing": {"kind": "raw"}}'));
    assert.deepEqual(m, { type: 'preview', reqId: 1, draft: { mode: 'hex', text: '00' }, target: { ids: ['c1'] }, framing: { kind: 'raw' } });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const bare = Object.assign(Object.create(null) as object, { type: 'ready' });
    assert.deepEqual(parseWebviewMessage(bare), { type: 'ready' });
  });

  it('refuses non-finite and non-integer numbers', () => {
    for (const reqId of [NaN, Infinity, -Infinity, 2 ** 53, 0.1]) {
      assert.equal(parseWebviewMessage({ type: 'preview', reqId, draft, target, framing }), undefined, String(reqId));
    }
    for (const port of [NaN, Infinity, 80.5]) {
      assert.equal(parseWebviewMessage({ type: 'preview', reqId: 1, draft, target: { ids: ['c1'], to: { host: 'h', port } }, framing }), undefined, String(port));
    }
    assert.equal(parseWebviewMessage({ type: 'send', reqId: 1, draft, target, framing, repeat: { intervalMs: Infinity, count: 2 } }), undefined);
  });

  it('sends once per connection: repeated target ids are collapsed', () => {
    const m = parseWebviewMessage({ type: 'send', reqId: 1, draft, target: { ids: new Array(LIMITS.maxIds).fill('c1').concat([]) }, framing });
    assert.deepEqual(m && m.type === 'send' ? m.target.ids : undefined, ['c1']);
    const two = parseWebviewMessage({ type: 'send', reqId: 1, draft, target: { ids: ['c2', 'c1', 'c2'] }, framing });
    assert.deepEqual(two && two.type === 'send' ? two.target.ids : undefined, ['c2', 'c1']);
  });
});
