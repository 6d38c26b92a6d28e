// The composer bridge carries a protocol-file note with each frame (the message it is, its fields and checksum mark).
import * as assert from 'node:assert/strict';
import { ConnectionRegistry } from '../../core/registry';
import { parseProtocolFile } from '../../core/protocol/load';
import { describeMessage } from '../../core/protocol/message';
import { READING_MESSAGES } from '../../core/test/protocol';
import type { FrameRecord } from '../../core/types';
import { ComposerBridge } from './bridge';

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
