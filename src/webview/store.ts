/**
 * What the webview keeps of the traffic: frames (capped by count and bytes, fairly across connections: a flooding
 * connection loses its own oldest frames first) and
 * raw chunks per connection and direction (capped), plus the indexes the log and the stream inspector need.
 * Appends are O(1) amortized; the rare compaction is O(n).
 */
import type { ChunkItem, Dir, FrameBatch, FrameItem } from '../shared/protocol';

export interface StoredFrame extends FrameItem {
  /** absolute ingest index: stable while the frame is kept */
  idx: number;
  /** the batch buffer holding this frame's bytes at [dataOffset, dataOffset + dataLength) */
  buf: Uint8Array;
}

/** A frame's bytes (a view, made on demand so that 100k kept frames don't cost 100k typed-array objects). */
export function frameData(f: StoredFrame): Uint8Array {
  return f.buf.subarray(f.dataOffset, f.dataOffset + f.dataLength);
}

/** Turns a received item into a stored frame in place (no copy: the message object is ours). */
function adopt(f: FrameItem, idx: number, buf: Uint8Array): StoredFrame {
  const sf = f as StoredFrame;
  sf.idx = idx;
  sf.buf = buf;
  return sf;
}

export interface StoredChunk extends ChunkItem {
  idx: number;
}

export type StreamKey = string; // `${conn}|${dir}`, and `${conn}|${dir}|w` for a relay lane's writes

export function streamKey(conn: string, dir: Dir, written?: true): StreamKey {
  return conn + '|' + dir + (written ? '|w' : '');
}

export interface StoreLimits {
  maxFrames: number;
  maxBytes: number;
  maxChunksPerStream: number;
}

export const DEFAULT_LIMITS: StoreLimits = { maxFrames: 100_000, maxBytes: 64 * 1024 * 1024, maxChunksPerStream: 20_000 };

/** One direction of one connection: its frames sorted by stream offset, and its chunks. */
export class Stream {
  frames: StoredFrame[] = [];
  chunks: StoredChunk[] = [];
  chunkBase = 0;

  /** index of the first frame whose end is past `offset` (binary search: frames are sorted by start) */
  firstFrameEndingAfter(offset: number): number {
    let lo = 0;
    let hi = this.frames.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.frames[mid].end <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** frames overlapping [from, to) */
  framesIn(from: number, to: number): StoredFrame[] {
    const out: StoredFrame[] = [];
    for (let i = this.firstFrameEndingAfter(from); i < this.frames.length && this.frames[i].start < to; i++) {
      if (this.frames[i].end > this.frames[i].start || this.frames[i].start >= from) out.push(this.frames[i]);
    }
    return out;
  }

  /** chunks overlapping [from, to) (chunks are sorted by offset) */
  chunksIn(from: number, to: number): StoredChunk[] {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = this.chunks[mid];
      if (c.offset + c.length <= from) lo = mid + 1;
      else hi = mid;
    }
    const out: StoredChunk[] = [];
    for (let i = lo; i < this.chunks.length && this.chunks[i].offset < Math.max(to, from + 1); i++) out.push(this.chunks[i]);
    return out;
  }
}

export class TrafficStore {
  /** frames in arrival order; frames[i].idx === base + i */
  frames: StoredFrame[] = [];
  base = 0;
  bytes = 0;
  /** frames dropped to respect the caps (webview side) plus frames the host skipped in floods */
  dropped = 0;
  private readonly droppedBy = new Map<string, number>();
  readonly streams = new Map<StreamKey, Stream>();
  private nextChunk = 0;
  /** bumped whenever indexes are rebuilt (views holding absolute indexes must refilter) */
  generation = 0;

  constructor(public limits: StoreLimits = DEFAULT_LIMITS) {}

  get total(): number {
    return this.base + this.frames.length;
  }

  get(idx: number): StoredFrame | undefined {
    return this.frames[idx - this.base];
  }

  stream(conn: string, dir: Dir, written?: true): Stream {
    const k = streamKey(conn, dir, written);
    let s = this.streams.get(k);
    if (!s) {
      s = new Stream();
      this.streams.set(k, s);
    }
    return s;
  }

  /** Appends a batch; returns the new frames (for incremental filtering). */
  addBatch(batch: FrameBatch, chunks: ChunkItem[]): StoredFrame[] {
    const added: StoredFrame[] = [];
    let s: Stream | undefined;
    let sConn = '';
    let sDir = '';
    let sInjected: true | undefined;
    for (const f of batch.frames) {
      const sf = adopt(f, this.base + this.frames.length, batch.bytes);
      this.frames.push(sf);
      this.bytes += sf.dataLength;
      if (!s || f.conn !== sConn || f.dir !== sDir || f.injected !== sInjected) {
        // a frame injected into a relay lane was never read: it is kept with the lane's writes, out of the reads' bars
        s = this.stream(f.conn, f.dir, f.injected);
        sConn = f.conn;
        sDir = f.dir;
        sInjected = f.injected;
      }
      const last = s.frames[s.frames.length - 1];
      s.frames.push(sf);
      if (last && last.start > sf.start) s.frames.sort((a, b) => a.start - b.start);
      added.push(sf);
    }
    this.addChunks(chunks);
    this.enforce();
    return added;
  }

  private addChunks(chunks: ChunkItem[]): void {
    for (const c of chunks) {
      const s = this.stream(c.conn, c.dir, c.written);
      const sc = c as StoredChunk;
      sc.idx = this.nextChunk++;
      s.chunks.push(sc);
      if (s.chunks.length > this.limits.maxChunksPerStream * 1.25) {
        const n = s.chunks.length - this.limits.maxChunksPerStream;
        s.chunks.splice(0, n);
        s.chunkBase += n;
      }
    }
  }

  /** Replaces everything kept for one connection (after a re-decode, or its history on load). */
  replaceConnection(conn: string, batch: FrameBatch, chunks: ChunkItem[]): void {
    this.frames = this.frames.filter((f) => f.conn !== conn);
    for (const [k, s] of this.streams) {
      if (k.startsWith(conn + '|')) {
        s.frames = [];
        s.chunks = [];
      }
    }
    const added: StoredFrame[] = batch.frames.map((f) => adopt(f, 0, batch.bytes));
    // Keep arrival order by time across connections.
    const merged = this.frames.concat(added).sort((a, b) => a.time - b.time);
    this.reindex(merged);
    const sorted = chunks.slice().sort((a, b) => a.offset - b.offset);
    this.addChunks(sorted);
    this.enforce();
  }

  /** Forgets one connection's frames and chunks. */
  clearConnection(conn: string): void {
    this.droppedBy.delete(conn);
    this.reindex(this.frames.filter((f) => f.conn !== conn));
    for (const k of [...this.streams.keys()]) if (k.startsWith(conn + '|')) this.streams.delete(k);
  }

  clearAll(): void {
    this.droppedBy.clear();
    this.reindex([]);
    this.streams.clear();
  }

  private reindex(frames: StoredFrame[]): void {
    this.frames = frames;
    this.bytes = 0;
    for (let i = 0; i < frames.length; i++) {
      frames[i].idx = this.base + i;
      this.bytes += frames[i].dataLength;
    }
    for (const s of this.streams.values()) s.frames = [];
    for (const f of frames) this.stream(f.conn, f.dir, f.injected).frames.push(f);
    for (const s of this.streams.values()) s.frames.sort((a, b) => a.start - b.start);
    this.generation++;
  }

  /**
   * Keeps the frames within the caps, fairly across connections: a connection that floods loses its own oldest
   * frames, never a quieter connection's. Each connection keeps its newest frames up to a common level (the largest
   * share that fits the cap; connections below it keep everything). Trims once the frame cap is passed by 10 %, or
   * the byte cap is reached (then to 90 % of it), so that appends stay O(1) amortized. Drops are counted per
   * connection.
   */
  private enforce(): void {
    const { maxFrames, maxBytes } = this.limits;
    if (this.frames.length <= maxFrames * 1.1 && this.bytes <= maxBytes) return;
    const counts = new Map<string, number>();
    const bytes = new Map<string, number>();
    for (const f of this.frames) {
      counts.set(f.conn, (counts.get(f.conn) ?? 0) + 1);
      bytes.set(f.conn, (bytes.get(f.conn) ?? 0) + f.dataLength);
    }
    const frameLevel = this.frames.length > maxFrames ? fairLevel([...counts.values()], maxFrames) : Infinity;
    const byteLevel = this.bytes > maxBytes ? fairLevel([...bytes.values()], Math.floor(maxBytes * 0.9)) : Infinity;
    // newest first: each connection keeps frames while it is under both levels
    const keptFrames = new Map<string, number>();
    const keptBytes = new Map<string, number>();
    const keep: boolean[] = new Array(this.frames.length);
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const f = this.frames[i];
      const n = keptFrames.get(f.conn) ?? 0;
      const b = keptBytes.get(f.conn) ?? 0;
      if (n < frameLevel && b + f.dataLength <= byteLevel) {
        keep[i] = true;
        keptFrames.set(f.conn, n + 1);
        keptBytes.set(f.conn, b + f.dataLength);
      } else keep[i] = false;
    }
    const kept: StoredFrame[] = [];
    for (let i = 0; i < this.frames.length; i++) {
      if (keep[i]) kept.push(this.frames[i]);
      else this.droppedBy.set(this.frames[i].conn, (this.droppedBy.get(this.frames[i].conn) ?? 0) + 1);
    }
    const drop = this.frames.length - kept.length;
    if (drop === 0) return;
    this.dropped += drop;
    this.base += drop;
    this.reindex(kept);
  }

  /** counts frames of a connection that never reached the store (the host skipped them in a flood) */
  noteDropped(conn: string, n: number): void {
    if (n > 0) this.droppedBy.set(conn, (this.droppedBy.get(conn) ?? 0) + n);
  }

  /** frames of this connection dropped to keep within the caps, here or by the host */
  droppedFor(conn: string): number {
    return this.droppedBy.get(conn) ?? 0;
  }
}

/**
 * The largest share L such that the sizes, each cut to L, add up to at most `cap` (water-filling): sizes at or
 * below L are kept whole. Infinity when everything fits.
 */
export function fairLevel(sizes: number[], cap: number): number {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total <= cap) return Infinity;
  const sorted = sizes.slice().sort((a, b) => a - b);
  let rest = cap;
  for (let i = 0; i < sorted.length; i++) {
    const share = rest / (sorted.length - i);
    if (sorted[i] > share) return Math.max(1, Math.floor(share));
    rest -= sorted[i];
  }
  return Infinity;
}

/**
 * The stream the inspector shows for a choice of `streamOptions`: a direction as it is, or a lane's writes with the
 * lane's frames (the bars show which frames each written piece carried).
 */
export function inspectedStream(store: TrafficStore, conn: string, choice: string): Stream | undefined {
  if (!choice.endsWith('|w')) return store.streams.get(`${conn}|${choice}`);
  const written = store.streams.get(`${conn}|${choice}`);
  if (!written) return undefined;
  const v = new Stream();
  v.frames = store.streams.get(`${conn}|${choice.slice(0, -2)}`)?.frames ?? [];
  v.chunks = written.chunks;
  v.chunkBase = written.chunkBase;
  return v;
}
