/**
 * Bounded per-connection history: two ring buffers (raw chunks and decoded frames), each limited by
 * a number of records and by the bytes they hold. The oldest records go first; how many were dropped
 * is counted. Push and evict are O(1); nothing is copied.
 */
import type { ChunkRecord, FrameRecord, HistorySnapshot } from './types';

export interface RingLimits {
  /** most records kept (≥ 1) */
  maxItems: number;
  /** most bytes kept; the newest record is always kept even when it alone is larger */
  maxBytes: number;
}

/** A FIFO ring buffer bounded by item count and by a byte size per item. */
export class RingBuffer<T> {
  private items: Array<T | undefined> = [];
  private head = 0; // index of the oldest item
  private count = 0;
  private bytesHeld = 0;
  private sizes: number[] = [];
  /** how many items were evicted since creation (not reset by clear) */
  dropped = 0;

  constructor(private readonly limits: RingLimits, private readonly sizeOf: (item: T) => number) {
    if (!(limits.maxItems >= 1)) throw new RangeError(`ring buffer needs maxItems >= 1, got ${limits.maxItems}`);
    if (!(limits.maxBytes >= 0)) throw new RangeError(`ring buffer needs maxBytes >= 0, got ${limits.maxBytes}`);
  }

  get length(): number {
    return this.count;
  }

  get bytes(): number {
    return this.bytesHeld;
  }

  push(item: T): void {
    const size = this.sizeOf(item);
    if (this.count === this.limits.maxItems) this.shift();
    // grow the backing array until it reaches maxItems (amortised doubling by push)
    if (this.count === this.items.length) {
      if (this.head !== 0) this.unroll();
      this.items.push(item);
      this.sizes.push(size);
    } else {
      const i = (this.head + this.count) % this.items.length;
      this.items[i] = item;
      this.sizes[i] = size;
    }
    this.count++;
    this.bytesHeld += size;
    while (this.bytesHeld > this.limits.maxBytes && this.count > 1) this.shift();
  }

  /** the items, oldest first */
  toArray(): T[] {
    const out: T[] = new Array(this.count);
    const n = this.items.length;
    for (let k = 0; k < this.count; k++) out[k] = this.items[(this.head + k) % n] as T;
    return out;
  }

  /** drops everything (not counted as dropped) */
  clear(): void {
    this.items = [];
    this.sizes = [];
    this.head = 0;
    this.count = 0;
    this.bytesHeld = 0;
  }

  /** replaces the content with the given items (oldest first), applying the limits */
  replace(items: T[]): void {
    this.clear();
    for (const it of items) this.push(it);
  }

  private shift(): void {
    const n = this.items.length;
    this.bytesHeld -= this.sizes[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % n;
    this.count--;
    this.dropped++;
  }

  /** makes the storage start at index 0 so that it can grow by push */
  private unroll(): void {
    const n = this.items.length;
    const items: Array<T | undefined> = new Array(this.count);
    const sizes: number[] = new Array(this.count);
    for (let k = 0; k < this.count; k++) {
      items[k] = this.items[(this.head + k) % n];
      sizes[k] = this.sizes[(this.head + k) % n];
    }
    this.items = items;
    this.sizes = sizes;
    this.head = 0;
  }
}

export interface HistoryLimits {
  maxBytes: number;
  maxFrames: number;
}

const chunkSize = (c: ChunkRecord): number => c.data.length;
// A frame counts its wire size: a json-header frame with a 60 KB header and a 1-byte body holds the parsed
// header as well, so counting only the payload would let one peer pin far more than maxBytes.
const frameSize = (f: FrameRecord): number => Math.max(f.payload.length, f.end - f.start);

/**
 * Chunks and frames of one connection, both directions. The limits apply to each ring separately
 * (chunks ≤ maxBytes and ≤ maxFrames records; frames likewise). In raw framing a frame shares its
 * chunk's buffer, so the memory actually held is at most about maxBytes.
 */
export class ConnectionHistory {
  readonly chunks: RingBuffer<ChunkRecord>;
  readonly frames: RingBuffer<FrameRecord>;

  constructor(limits: HistoryLimits) {
    const l = { maxItems: Math.max(1, limits.maxFrames), maxBytes: Math.max(0, limits.maxBytes) };
    this.chunks = new RingBuffer(l, chunkSize);
    this.frames = new RingBuffer(l, frameSize);
  }

  snapshot(): HistorySnapshot {
    return {
      chunks: this.chunks.toArray(),
      frames: this.frames.toArray(),
      droppedChunks: this.chunks.dropped,
      droppedFrames: this.frames.dropped,
    };
  }

  clear(): void {
    this.chunks.clear();
    this.frames.clear();
  }
}
