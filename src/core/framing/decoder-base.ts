/**
 * The shared core of the incremental frame decoders: the decoder interface, the pending-bytes list, and the base
 * classes every decoder builds on (BaseDecoder for push/flush/offset/error bookkeeping, StagedDecoder for decoders
 * that read a known number of bytes at a time).
 *
 * Cost is linear in the bytes: a frame that lies inside one chunk is returned as a `subarray` of it (no copy);
 * bytes of an unfinished frame are kept as a list of chunk slices and copied once, when the frame completes.
 *
 * Payloads may share memory with the pushed chunks: treat both as read-only.
 */
import { FramingError } from './errors';
import type { FramingSpec } from './spec';

export interface DecodedFrame {
  payload: Buffer;
  /** stream offset of the frame's first byte (its header or prefix included) */
  start: number;
  /** stream offset just after the frame (delimiter included) */
  end: number;
  /** json-header: the parsed JSON header */
  header?: Record<string, unknown>;
}

export interface FrameDecoder {
  /** The spec this decoder was built from. */
  readonly spec: FramingSpec;
  /** Feed the next chunk; returns the frames it completed. Throws FramingError on bad input (see `failed`). */
  push(chunk: Uint8Array): DecodedFrame[];
  /**
   * End of stream: returns the bytes of the incomplete frame (header bytes included), if any, and starts afresh.
   * After an error it returns the bytes from the failed frame's start that were still held.
   */
  flush(): Buffer;
  /** bytes held that are not part of a returned frame yet */
  readonly buffered: number;
  /** stream offset: total bytes pushed */
  readonly offset: number;
  /** true after a FramingError; push returns [] from then on */
  readonly failed: boolean;
  readonly error: FramingError | undefined;
  /** the frame limit in effect (bytes) */
  readonly maxFrameSize: number;
}

export const EMPTY = Buffer.alloc(0);

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/*
 * Frames that span chunks must be copied into one buffer. Allocating a fresh ArrayBuffer per medium-sized frame
 * costs more than the copy (allocation and GC of external memory), so frames of 4–128 KiB are carved out of shared
 * 1 MiB slabs, the way Node pools small Buffers (< 4 KiB, which Buffer.allocUnsafe already pools). A retained frame
 * keeps its slab alive, just as a frame inside one chunk keeps that chunk alive.
 */
const SLAB_SIZE = 1 << 20;
const SLAB_MIN = 4 * 1024;
const SLAB_MAX = 128 * 1024;
let slab: Buffer | undefined;
let slabUsed = SLAB_SIZE;

function allocFrame(n: number): Buffer {
  if (n < SLAB_MIN || n > SLAB_MAX) return Buffer.allocUnsafe(n);
  if (slab === undefined || slabUsed + n > SLAB_SIZE) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += (n + 7) & ~7;
  return out;
}

/** Bytes held between pushes: a list of slices, copied together only when needed. */
class Pending {
  private parts: Buffer[] = [];
  length = 0;

  add(b: Buffer): void {
    if (b.length === 0) return;
    this.parts.push(b);
    this.length += b.length;
  }

  /** All held bytes as one buffer (copied only if there is more than one slice); empties the list. */
  takeAll(): Buffer {
    const p = this.parts;
    let out: Buffer;
    if (p.length === 1) out = p[0];
    else if (p.length === 0) out = EMPTY;
    else {
      out = allocFrame(this.length);
      let at = 0;
      for (const part of p) at += part.copy(out, at);
    }
    this.parts = [];
    this.length = 0;
    return out;
  }

  /** The last `n` held bytes (n ≤ length), copied. */
  tail(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let need = n;
    for (let i = this.parts.length - 1; i >= 0 && need > 0; i--) {
      const part = this.parts[i];
      const k = Math.min(need, part.length);
      part.copy(out, need - k, part.length - k);
      need -= k;
    }
    return out;
  }

  slices(): readonly Buffer[] {
    return this.parts;
  }
}

export abstract class BaseDecoder implements FrameDecoder {
  readonly spec: FramingSpec;
  readonly maxFrameSize: number;
  /** stream offset of the first byte not yet pushed */
  protected pos = 0;
  protected pending = new Pending();
  private err: FramingError | undefined;

  constructor(spec: FramingSpec, maxFrameSize: number) {
    this.spec = spec;
    this.maxFrameSize = maxFrameSize;
  }

  get offset(): number {
    return this.pos;
  }
  get failed(): boolean {
    return this.err !== undefined;
  }
  get error(): FramingError | undefined {
    return this.err;
  }
  get buffered(): number {
    return this.pending.length + this.heldHeaderBytes();
  }

  push(chunk: Uint8Array): DecodedFrame[] {
    if (this.err) return [];
    const buf = asBuffer(chunk);
    if (buf.length === 0) return [];
    const out: DecodedFrame[] = [];
    try {
      this.decode(buf, out);
    } catch (e) {
      if (e instanceof FramingError) {
        e.frames = out;
        this.err = e;
        this.pos += buf.length;
      }
      throw e;
    }
    this.pos += buf.length;
    return out;
  }

  flush(): Buffer {
    const parts = [...this.headerParts(), ...this.pending.slices()];
    this.pending.takeAll();
    this.reset();
    if (parts.length === 0) return EMPTY;
    return parts.length === 1 ? Buffer.from(parts[0]) : Buffer.concat(parts);
  }

  protected fail(e: FramingError): never {
    throw e;
  }

  /** decode `buf` (stream offset `this.pos`), appending frames to `out` */
  protected abstract decode(buf: Buffer, out: DecodedFrame[]): void;
  /** header bytes of the current frame consumed already (json-header/length state), for flush() */
  protected headerParts(): Buffer[] {
    return [];
  }
  protected heldHeaderBytes(): number {
    return 0;
  }
  protected reset(): void {}
}

/**
 * A decoder that reads a known number of bytes at a time ("stage"), then decides how many it needs next.
 * `need` is the byte count of the current stage; `stage(data, at)` consumes exactly that many bytes.
 */
export abstract class StagedDecoder extends BaseDecoder {
  protected need = 0;

  /** handle a complete stage: `data` has exactly `need` bytes; `at` is its stream offset */
  protected abstract stage(data: Buffer, at: number, out: DecodedFrame[]): void;

  protected decode(buf: Buffer, out: DecodedFrame[]): void {
    let i = 0;
    const n = buf.length;
    if (this.pending.length > 0) {
      const missing = this.need - this.pending.length;
      if (n < missing) {
        this.pending.add(buf);
        return;
      }
      const at = this.pos - this.pending.length;
      this.pending.add(buf.subarray(0, missing));
      i = missing;
      this.stage(this.pending.takeAll(), at, out);
    }
    while (n - i >= this.need) {
      const k = this.need;
      this.stage(buf.subarray(i, i + k), this.pos + i, out);
      i += k;
    }
    if (i < n) this.pending.add(buf.subarray(i));
  }
}
