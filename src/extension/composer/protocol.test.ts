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
import type { HostToWebview, PreviewResultMessage } from '../../shared/protocol';

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
