import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConnectionHistory, RingBuffer } from './history';
import type { ChunkRecord, FrameRecord } from './types';

const len = (s: string): number => s.length;

describe('core/history', () => {
  it('keeps the newest items within maxItems, counting the dropped ones', () => {
    const r = new RingBuffer<string>({ maxItems: 3, maxBytes: 1e9 }, len);
    for (const s of ['a', 'b', 'c', 'd', 'e']) r.push(s);
    assert.deepEqual(r.toArray(), ['c', 'd', 'e']);
    assert.equal(r.dropped, 2);
    assert.equal(r.length, 3);
    assert.equal(r.bytes, 3);
  });

  it('keeps the newest items within maxBytes, but always the newest one', () => {
    const r = new RingBuffer<string>({ maxItems: 100, maxBytes: 10 }, len);
    r.push('aaaa');
    r.push('bbbb');
    r.push('cc');
    assert.deepEqual(r.toArray(), ['aaaa', 'bbbb', 'cc']);
    r.push('d');
    assert.deepEqual(r.toArray(), ['bbbb', 'cc', 'd']);
    r.push('x'.repeat(50));
    assert.deepEqual(r.toArray(), ['x'.repeat(50)]);
    assert.equal(r.bytes, 50);
    assert.equal(r.dropped, 4);
  });

  it('behaves like a bounded FIFO for any sequence of pushes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20 }), { maxLength: 300 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 200 }), (items, maxItems, maxBytes) => {
        const r = new RingBuffer<string>({ maxItems, maxBytes }, len);
        const model: string[] = [];
        let dropped = 0;
        for (const it of items) {
          r.push(it);
          model.push(it);
          while (model.length > maxItems || (model.length > 1 && model.reduce((n, s) => n + s.length, 0) > maxBytes)) {
            model.shift();
            dropped++;
          }
        }
        assert.deepEqual(r.toArray(), model);
        assert.equal(r.dropped, dropped);
        assert.equal(r.bytes, model.reduce((n, s) => n + s.length, 0));
      }),
      { numRuns: 300 },
    );
  });

  it('clear empties without counting drops; replace applies the limits', () => {
    const r = new RingBuffer<string>({ maxItems: 2, maxBytes: 100 }, len);
    r.push('a');
    r.clear();
    assert.deepEqual(r.toArray(), []);
    assert.equal(r.dropped, 0);
    r.replace(['x', 'y', 'z']);
    assert.deepEqual(r.toArray(), ['y', 'z']);
  });

  it('rejects nonsense limits', () => {
    assert.throws(() => new RingBuffer<string>({ maxItems: 0, maxBytes: 1 }, len), /maxItems/);
  });

  it('ConnectionHistory bounds chunks and frames separately and snapshots them', () => {
    const h = new ConnectionHistory({ maxBytes: 8, maxFrames: 100 });
    const chunk = (seq: number, n: number): ChunkRecord => ({ seq, direction: 'in', time: seq, offset: seq * n, data: Buffer.alloc(n) });
    for (let i = 0; i < 5; i++) h.chunks.push(chunk(i, 3));
    const s = h.snapshot();
    assert.deepEqual(s.chunks.map((c) => c.seq), [3, 4]);
    assert.equal(s.droppedChunks, 3);
    assert.equal(s.droppedFrames, 0);
    assert.deepEqual(s.frames, []);
  });

  it('counts a frame by its wire size, so big json headers with tiny bodies stay within maxBytes', () => {
    const h = new ConnectionHistory({ maxBytes: 10_000, maxFrames: 1_000 });
    for (let i = 0; i < 100; i++) {
      const frame: FrameRecord = {
        seq: i, direction: 'in', time: i, start: i * 6_001, end: (i + 1) * 6_001,
        payload: Buffer.from('x'), header: { total_size: 1, pad: 'p'.repeat(5_980) },
      };
      h.frames.push(frame);
    }
    // 6 001 wire bytes each: one frame fits in 10 000 bytes (the newest is always kept), never 100
    assert.equal(h.frames.length, 1);
    assert.equal(h.frames.dropped, 99);
  });
});
