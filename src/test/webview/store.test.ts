/**
 * The webview's traffic store (src/webview/store.ts has no DOM dependency, so it runs here in Node): caps, the
 * frame ↔ chunk mapping the stream inspector draws, and re-decode replacement.
 */
import * as assert from 'node:assert/strict';
import { fairLevel, frameData, inspectedStream, TrafficStore } from '../../webview/store';
import type { ChunkItem, FrameBatch, FrameItem } from '../../shared/protocol';

/** frames of the given payload sizes, length-prefixed (4-byte header) back to back from stream offset `at` */
function framesOf(conn: string, sizes: number[], at = 0, seq0 = 0, time = 1000): FrameBatch {
  const total = sizes.reduce((a, b) => a + b, 0);
  const bytes = new Uint8Array(total);
  const frames: FrameItem[] = [];
  let off = 0;
  let pos = at;
  sizes.forEach((n, i) => {
    bytes.fill(i + 1, off, off + n);
    frames.push({ conn, seq: seq0 + i, dir: 'in', time: time + i, start: pos, end: pos + 4 + n, length: n, dataOffset: off, dataLength: n, text: 'x'.repeat(n) });
    off += n;
    pos += 4 + n;
  });
  return { frames, bytes };
}

function chunk(conn: string, seq: number, offset: number, length: number): ChunkItem {
  return { conn, seq, dir: 'in', time: 1000 + seq, offset, length };
}

describe('webview traffic store', () => {
  it('maps chunks to the frames they carried (sticky and split)', () => {
    const store = new TrafficStore();
    // frames: [0,9) [9,22) [22,80); chunks: [0,22) carries 2 frames, [22,32) and [32,80) split frame 3
    store.addBatch(framesOf('c2', [5, 9, 54]), [chunk('c2', 0, 0, 22), chunk('c2', 1, 22, 10), chunk('c2', 2, 32, 48)]);
    const st = store.stream('c2', 'in');
    assert.deepEqual(
      st.chunks.map((c) => st.framesIn(c.offset, c.offset + c.length).map((f) => f.seq)),
      [[0, 1], [2], [2]],
    );
    assert.deepEqual(
      st.chunksIn(22, 80).map((c) => c.seq),
      [1, 2],
    );
    assert.deepEqual(
      st.chunksIn(0, 9).map((c) => c.seq),
      [0],
    );
    const f2 = store.get(1);
    assert.ok(f2);
    assert.deepEqual([...frameData(f2)], new Array(9).fill(2));
  });

  it('keeps at most maxFrames (and maxBytes), dropping the oldest and counting them', () => {
    const store = new TrafficStore({ maxFrames: 1000, maxBytes: 1 << 30, maxChunksPerStream: 100 });
    for (let b = 0; b < 30; b++) store.addBatch(framesOf('c1', new Array(100).fill(4), b * 800, b * 100), [chunk('c1', b, b * 800, 800)]);
    assert.ok(store.frames.length <= 1100 && store.frames.length >= 1000, String(store.frames.length));
    assert.equal(store.total, 3000);
    assert.equal(store.dropped + store.frames.length, 3000);
    assert.equal(store.get(store.base)?.idx, store.base);
    assert.equal(store.get(store.base - 1), undefined);
    const st = store.stream('c1', 'in');
    assert.ok(st.frames.every((f) => f.idx >= store.base));
    assert.ok(st.chunks.length <= 125);

    const small = new TrafficStore({ maxFrames: 1_000_000, maxBytes: 10_000, maxChunksPerStream: 100 });
    for (let b = 0; b < 10; b++) small.addBatch(framesOf('c1', new Array(10).fill(200), b * 2040, b * 10), []);
    assert.ok(small.bytes <= 10_000, String(small.bytes));
    assert.equal(small.dropped + small.frames.length, 100);
  });

  it('replaces one connection after a re-decode and keeps the others in time order', () => {
    const store = new TrafficStore();
    store.addBatch(framesOf('c2', [5, 9], 0, 0, 1000), [chunk('c2', 0, 0, 22)]);
    store.addBatch(framesOf('c3', [1], 0, 0, 1001.5), [chunk('c3', 0, 0, 5)]);
    // c2 re-decoded as raw: one frame per chunk
    const raw: FrameBatch = { frames: [{ conn: 'c2', seq: 0, dir: 'in', time: 1000, start: 0, end: 22, length: 22, dataOffset: 0, dataLength: 22, text: '' }], bytes: new Uint8Array(22) };
    const gen = store.generation;
    store.replaceConnection('c2', raw, [chunk('c2', 0, 0, 22)]);
    assert.ok(store.generation > gen);
    assert.deepEqual(
      store.frames.map((f) => [f.conn, f.length]),
      [
        ['c2', 22],
        ['c3', 1],
      ],
    );
    assert.deepEqual(
      store.frames.map((f) => f.idx),
      [store.base, store.base + 1],
    );
    const st = store.stream('c2', 'in');
    assert.equal(st.framesIn(0, 22).length, 1);
    assert.equal(st.chunks.length, 1);
    store.clearConnection('c3');
    assert.deepEqual(
      store.frames.map((f) => f.conn),
      ['c2'],
    );
  });

  it("a flooding connection loses its own oldest frames, never a quieter connection's (and a re-decode keeps them)", () => {
    const store = new TrafficStore({ maxFrames: 1000, maxBytes: 1 << 30, maxChunksPerStream: 100 });
    // the sticky connection from the tutorial: 2 frames in one chunk
    store.addBatch(framesOf('c2', [5, 13], 0, 0, 1000), [chunk('c2', 0, 0, 26)]);
    // c3 floods 20,000 frames
    for (let b = 0; b < 200; b++) store.addBatch(framesOf('c3', new Array(100).fill(4), b * 800, b * 100, 2000 + b * 100), []);
    assert.ok(store.frames.length <= 1100, String(store.frames.length));
    assert.deepEqual(
      store.stream('c2', 'in').frames.map((f) => f.length),
      [5, 13],
    );
    assert.equal(store.droppedFor('c2'), 0);
    assert.equal(store.droppedFor('c3'), store.dropped);
    assert.equal(store.dropped + store.frames.length, 20_002);
    assert.equal(store.total, 20_002);
    // c3 keeps its newest frames, in order
    const c3 = store.frames.filter((f) => f.conn === 'c3').map((f) => f.seq);
    assert.equal(c3[c3.length - 1], 19_999);
    assert.ok(c3.every((seq, i) => i === 0 || seq === c3[i - 1] + 1));
    // re-decoding c2 (its frames are the oldest by time) brings them back and keeps them
    store.replaceConnection('c2', framesOf('c2', [5, 13], 0, 0, 1000), [chunk('c2', 0, 0, 26)]);
    for (let b = 200; b < 220; b++) store.addBatch(framesOf('c3', new Array(100).fill(4), b * 800, b * 100, 2000 + b * 100), []);
    assert.deepEqual(
      store.stream('c2', 'in').frames.map((f) => f.length),
      [5, 13],
    );
    assert.equal(store.get(store.base)?.idx, store.base);
  });

  it('fairLevel is the largest share every connection can keep within the cap', () => {
    assert.equal(fairLevel([10, 20], 100), Infinity);
    assert.equal(fairLevel([2, 20000], 900), 898);
    assert.equal(fairLevel([2, 20000], 1000), 998);
    assert.equal(fairLevel([300, 300, 300], 600), 200);
    assert.equal(fairLevel([100, 500, 1000], 700), 300);
  });
});

describe('webview traffic store: relay lanes', () => {
  it("keeps a lane's written pieces apart from its reads, and shows them with the lane's frames", () => {
    const store = new TrafficStore();
    const batch = framesOf('r1.p1', [2, 2]);
    for (const f of batch.frames) f.lane = 's2c';
    const read: ChunkItem = { ...chunk('r1.p1', 0, 0, 12), lane: 's2c' };
    const pieces: ChunkItem[] = [0, 1, 2].map((i) => ({ ...chunk('r1.p1', i, i * 4, 4), lane: 's2c', written: true }));
    store.addBatch(batch, [read, ...pieces]);
    assert.deepEqual(store.streams.get('r1.p1|in')?.chunks.map((c) => c.length), [12]);
    assert.deepEqual(store.streams.get('r1.p1|in|w')?.chunks.map((c) => c.length), [4, 4, 4]);
    const written = inspectedStream(store, 'r1.p1', 'in|w');
    assert.ok(written);
    assert.deepEqual(written.chunks.map((c) => c.offset), [0, 4, 8]);
    // the second piece (bytes 4–8) carries the end of frame 1 and the start of frame 2
    assert.deepEqual(written.framesIn(4, 8).map((f) => f.seq), [0, 1]);
    assert.equal(inspectedStream(store, 'r1.p1', 'in')?.chunks.length, 1);
    assert.equal(inspectedStream(store, 'r1.p1', 'out|w'), undefined);
    store.replaceConnection('r1.p1', { frames: [], bytes: new Uint8Array(0) }, []);
    assert.equal(store.streams.get('r1.p1|in|w')?.chunks.length, 0);
  });
});
