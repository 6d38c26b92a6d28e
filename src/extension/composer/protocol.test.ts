// Protocol files in the composer: the bridge's note with each frame (the message it is, fields, checksum mark) and
// the Message input mode (a message of the attached file, packed with its layout).
import * as assert from 'node:assert/strict';
import { ConnectionRegistry } from '../../core/registry';
import { parseProtocolFile } from '../../core/protocol/load';
import { describeMessage } from '../../core/protocol/message';
import { READING_MESSAGES } from '../../core/test/protocol';
import type { FrameRecord } from '../../core/types';
import { ComposerBridge } from './bridge';
import { buildWire, toDraftError } from './draft';
import { ComposerHost } from './host';
import type { HostToWebview, MessageLayoutsMessage, PreviewResultMessage } from '../../shared/protocol';
import { checkFieldValue, messageText } from '../../shared/messageForm';
import { pack } from '../../core/codec/struct';

describe('composer bridge: protocol-file notes', () => {
  it('a frame that fits an attached message carries its name, fields and checksum mark; others carry none', () => {
    const file = parseProtocolFile(READING_MESSAGES, 'r.sockdbg.yaml');
    const registry = new ConnectionRegistry();
    const bridge = new ComposerBridge(registry, {
      post: () => undefined,
      annotate: (conn, f) => {
        const m = conn === 'c1' ? file.model.decode(f.payload) : undefined;
        return m ? describeMessage(m) : undefined;
      },
    });
    const reading = file.model.messages.get('reading')?.encode({ kind: 2, unit: 1, seq: 7, value: 101.5 });
    assert.ok(reading);
    const frame = (payload: Buffer, seq: number): FrameRecord => ({ seq, direction: 'in', time: 1, start: 0, end: payload.length, payload });
    const bad = Buffer.from(reading);
    bad[9] ^= 0xff;
    const { frames } = bridge.batch([
      { conn: 'c1', frame: frame(reading, 0), length: reading.length },
      { conn: 'c1', frame: frame(bad, 1), length: bad.length },
      { conn: 'c1', frame: frame(Buffer.from('hi'), 2), length: 2 },
      { conn: 'c2', frame: frame(reading, 0), length: reading.length },
    ]);
    assert.equal(frames[0].note, 'message reading {"kind":2,"unit":1,"seq":7,"value":101.5} crc16-modbus ✓');
    assert.match(frames[1].note ?? '', /^message reading .* crc16-modbus ✗ \(expected 0xa407, got 0x5b07\)$/);
    assert.equal(frames[2].note, undefined);
    assert.equal(frames[3].note, undefined, 'no file attached to c2');
    bridge.dispose();
    registry.dispose();
  });
});

describe('composer draft: Message mode', () => {
  const file = parseProtocolFile(READING_MESSAGES, 'r.sockdbg.yaml');

  it('packs `name {field: value}` with the attached layout, checksum filled in, framed like any draft', () => {
    const w = buildWire({ mode: 'message', text: 'reading {kind: 2, unit: 1, seq: 7, value: 101.5}' }, { kind: 'connection' }, 'length:>H', { messages: file.model });
    assert.equal(w.payload.toString('hex'), '020107000000cb4207a4');
    assert.equal(w.wire.toString('hex'), '000a020107000000cb4207a4');
  });

  it('says what is wrong, where: no file attached, unknown message or field, a value that does not fit', () => {
    const err = (text: string, attached = true) => {
      try {
        buildWire({ mode: 'message', text }, { kind: 'connection' }, 'raw', attached ? { messages: file.model } : {});
      } catch (e) {
        return toDraftError(e);
      }
      return undefined;
    };
    assert.match(err('reading {}', false)?.message ?? '', /^No protocol file is attached to this connection/);
    assert.deepEqual(err('nope {a: 1}'), { field: 'text', message: "Unknown message 'nope' (messages: reading)", position: 0 });
    assert.deepEqual(err('reading {kind: 2, zz: 1}'), { field: 'text', message: "Message 'reading' has no field 'zz' (fields: kind, unit, seq, value)", position: 18 });
    assert.equal(err('reading {unit: 300}')?.message, "message 'reading': ubyte format requires 0 <= number <= 255");
  });
});

describe('composer host: Message mode for the file attached to the target', () => {
  it('previews a message with the layouts the host is given for that connection; another connection has none', async () => {
    const file = parseProtocolFile(READING_MESSAGES, 'r.sockdbg.yaml');
    const registry = new ConnectionRegistry();
    const posted: HostToWebview[] = [];
    const host = new ComposerHost({ registry, post: (m) => void posted.push(m), writeClipboard: () => undefined, messagesFor: (conn) => (conn === 'c1' ? file.model : undefined) });
    try {
      const a = await registry.listenTcp({ port: 0, framing: 'length:>H' });
      const b = await registry.listenTcp({ port: 0 });
      assert.equal(a.id, 'c1');
      await host.handle({ type: 'ready' });
      const draft = { mode: 'message', text: 'reading {kind: 2, unit: 1, seq: 7, value: 101.5}' };
      await host.handle({ type: 'preview', reqId: 1, draft, target: { ids: [a.id] }, framing: { kind: 'connection' } });
      await host.handle({ type: 'preview', reqId: 2, draft, target: { ids: [b.id] }, framing: { kind: 'connection' } });
      const result = (reqId: number) => posted.find((m): m is PreviewResultMessage => m.type === 'preview' && m.reqId === reqId)?.result;
      const ok = result(1);
      assert.ok(ok?.ok, JSON.stringify(ok));
      assert.equal(Buffer.from(ok.wire).toString('hex'), '000a020107000000cb4207a4');
      const none = result(2);
      assert.ok(none && !none.ok);
      assert.match(none.error.message, /^No protocol file is attached to this connection/);
    } finally {
      host.dispose();
      await registry.closeAll();
      registry.dispose();
    }
  });
});

describe('composer: the Message form built from a layout', () => {
  const file = parseProtocolFile(
    `messages:
  all:
    format: '<bBhHiIqQ?efd3sc'
  native:
    format: 'lL'
  summed:
    format: '>BH4sB'
    fields: [kind, seq, tag, sum]
    match: {kind: 5}
    checksum: {algorithm: xor8, field: sum}
`,
    'form.sockdbg.yaml',
  );

  it("gives each integer field the range its code packs (the packer's own bounds), codes as the format writes them", () => {
    for (const [name, prefix] of [['all', '<'], ['native', '@']] as const) {
      const info = file.model.messages.get(name)?.info();
      assert.ok(info);
      for (const f of info.fields.filter((x) => x.kind === 'int')) {
        assert.ok(f.min !== undefined && f.max !== undefined, f.code);
        const code = prefix + f.code;
        assert.doesNotThrow(() => pack(code, BigInt(f.min ?? 0)), code);
        assert.doesNotThrow(() => pack(code, BigInt(f.max ?? 0)), code);
        assert.throws(() => pack(code, BigInt(f.min ?? 0) - 1n), code);
        assert.throws(() => pack(code, BigInt(f.max ?? 0) + 1n), code);
        assert.equal(checkFieldValue(f, f.max ?? '').ok, true);
        assert.equal(checkFieldValue(f, (BigInt(f.max ?? 0) + 1n).toString()).ok, false);
      }
    }
    const all = file.model.messages.get('all')?.info();
    assert.deepEqual(all?.fields.map((f) => `${f.code}:${f.kind}:${f.size}`), ['b:int:1', 'B:int:1', 'h:int:2', 'H:int:2', 'i:int:4', 'I:int:4', 'q:int:8', 'Q:int:8', '?:bool:1', 'e:float:2', 'f:float:4', 'd:float:8', '3s:bytes:3', 'c:char:1']);
    assert.deepEqual(file.model.messages.get('native')?.info().fields.map((f) => f.max), ['9223372036854775807', '18446744073709551615']);
  });

  it('marks the checksum field and the match values; the form text packs to the bytes the layout gives', () => {
    const layout = file.model.messages.get('summed');
    const info = layout?.info();
    assert.ok(layout && info);
    assert.deepEqual(info.checksum, { algorithm: 'xor8', field: 'sum', from: 0, to: 7 });
    assert.equal(info.fields.find((f) => f.name === 'sum')?.checksum, true);
    assert.equal(info.fields.find((f) => f.name === 'kind')?.match, '5');
    const text = messageText(info, { kind: '5', seq: '0x102', tag: 'ab' });
    assert.ok(text.ok);
    assert.equal(text.text, 'summed {kind: 5, seq: 258, tag: "ab"}');
    const w = buildWire({ mode: 'message', text: text.text }, { kind: 'raw' }, 'raw', { messages: file.model });
    // xor of 05 01 02 61 62 00 00 = 0x05 ^ 0x01 ^ 0x02 ^ 0x61 ^ 0x62 = 0x05
    assert.equal(w.payload.toString('hex'), '05010261620000' + '05');
    assert.deepEqual(w.checksum, { algorithm: 'xor8', value: 5 });
    assert.deepEqual(layout.decode(w.payload)?.checksum?.ok, true);
  });

  it('the host answers a request for a connection’s layouts, with the file name; the preview carries the checksum', async () => {
    const reading = parseProtocolFile(READING_MESSAGES, '/ws/dev/r.sockdbg.yaml');
    const registry = new ConnectionRegistry();
    const posted: HostToWebview[] = [];
    let changed: (() => void) | undefined;
    const host = new ComposerHost({
      registry,
      post: (m) => void posted.push(m),
      writeClipboard: () => undefined,
      messagesFor: (conn) => (conn === 'c1' ? reading.model : undefined),
      onMessagesChanged: (l) => {
        changed = l;
        return { dispose: () => (changed = undefined) };
      },
    });
    try {
      const a = await registry.listenTcp({ port: 0, framing: 'length:>H' });
      await host.handle({ type: 'messageLayouts', conn: a.id });
      await host.handle({ type: 'messageLayouts', conn: 'c9' });
      await host.handle({ type: 'messageLayouts', conn: 'bad id!' });
      const answers = posted.filter((m): m is MessageLayoutsMessage => m.type === 'messageLayouts');
      assert.equal(answers.length, 2);
      assert.equal(host.rejected, 1);
      assert.equal(answers[0].file, 'r.sockdbg.yaml');
      assert.deepEqual(answers[0].messages.map((m) => [m.name, m.size, m.fields.map((f) => `${f.name}:${f.code}${f.match !== undefined ? '=' + f.match : ''}`).join(' '), m.checksum?.append]), [['reading', 10, 'kind:B=2 unit:B seq:H value:f', '<H']]);
      assert.deepEqual(answers[1], { type: 'messageLayouts', conn: 'c9', messages: [] });
      // the file changes: the last connection asked about is answered again
      changed?.();
      await new Promise((r) => setImmediate(r));
      assert.equal(posted.filter((m) => m.type === 'messageLayouts').length, 3);
      await host.handle({ type: 'preview', reqId: 5, draft: { mode: 'message', text: 'reading {kind: 2, unit: 1, seq: 7, value: 101.5}' }, target: { ids: [a.id] }, framing: { kind: 'connection' } });
      const p = posted.find((m): m is PreviewResultMessage => m.type === 'preview' && m.reqId === 5);
      assert.ok(p?.result.ok);
      assert.deepEqual(p.result.checksum, { algorithm: 'crc16-modbus', value: 0xa407 });
    } finally {
      host.dispose();
      assert.equal(changed, undefined, 'the host stops listening when disposed');
      await registry.closeAll();
      registry.dispose();
    }
  });
});
