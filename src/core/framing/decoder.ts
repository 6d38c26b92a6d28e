/**
 * Incremental frame decoders. Feed chunks as they arrive; any chunking of a stream yields the same frames.
 *
 * Cost is linear in the bytes: a frame that lies inside one chunk is returned as a `subarray` of it (no copy);
 * bytes of an unfinished frame are kept as a list of chunk slices and copied once, when the frame completes.
 * Length prefixes are read with Buffer methods; nothing is allocated for a length until it passed the frame limit.
 *
 * Payloads may share memory with the pushed chunks: treat both as read-only.
 */
import { errorMessage } from '../../shared/errors';
import { formatExactSize } from '../../shared/format';
import { FramingError, FramingSpecError } from './errors';
import {
  DEFAULT_MAX_FRAME_SIZE,
  MAX_JSON_HEADER_SIZE,
  MAX_LIMIT,
  intFormat,
  toSpec,
  type FramingSpec,
  type IntFormat,
} from './spec';

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

export interface FrameDecoderOptions {
  /** frame limit in bytes (default 16 MiB); a spec's own `max=` takes precedence */
  maxFrameSize?: number;
}

const EMPTY = Buffer.alloc(0);

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

abstract class BaseDecoder implements FrameDecoder {
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

// --- raw -------------------------------------------------------------------------------------------------------

class RawDecoder extends BaseDecoder {
  protected decode(buf: Buffer, out: DecodedFrame[]): void {
    out.push({ payload: buf, start: this.pos, end: this.pos + buf.length });
  }
}

// --- line / delimiter ------------------------------------------------------------------------------------------

class DelimiterDecoder extends BaseDecoder {
  private readonly delim: Buffer;
  private readonly d0: number;
  private readonly stripCR: boolean;
  /** the most bytes an unterminated frame may hold before it can no longer become a valid frame */
  private readonly holdLimit: number;

  constructor(spec: FramingSpec, max: number, delim: Buffer, stripCR: boolean) {
    super(spec, max);
    this.delim = delim;
    this.d0 = delim[0];
    this.stripCR = stripCR;
    this.holdLimit = max + delim.length - 1 + (stripCR ? 1 : 0);
  }

  private emit(out: DecodedFrame[], frame: Buffer, start: number): void {
    // frame = payload + delimiter
    let n = frame.length - this.delim.length;
    if (this.stripCR && n > 0 && frame[n - 1] === 0x0d) n--;
    if (n > this.maxFrameSize) this.tooLong(start);
    out.push({ payload: frame.subarray(0, n), start, end: start + frame.length });
  }

  private tooLong(start: number): never {
    const what = this.stripCR ? 'line' : 'frame';
    const d = this.stripCR ? "'\\n'" : 'the delimiter';
    this.fail(new FramingError('FRAME_TOO_LARGE', start, `${what} at offset ${start} exceeds the ${formatExactSize(this.maxFrameSize, true)} frame limit without ${d}`));
  }

  private find(buf: Buffer, from: number): number {
    return this.delim.length === 1 ? buf.indexOf(this.d0, from) : buf.indexOf(this.delim, from);
  }

  protected decode(buf: Buffer, out: DecodedFrame[]): void {
    const dl = this.delim.length;
    let i = 0; // start of the current frame within buf (when nothing is pending)
    if (this.pending.length > 0) {
      const held = this.pending.length;
      const frameStart = this.pos - held;
      // a delimiter may straddle the boundary: look in (last dl-1 held bytes + first dl-1 new bytes)
      let endInBuf = -1; // index in buf just after the delimiter
      if (dl > 1) {
        const k = Math.min(dl - 1, held);
        const probe = Buffer.concat([this.pending.tail(k), buf.subarray(0, dl - 1)]);
        const at = probe.indexOf(this.delim);
        if (at >= 0) endInBuf = at + dl - k;
      }
      if (endInBuf < 0) {
        const at = this.find(buf, 0);
        if (at >= 0) endInBuf = at + dl;
      }
      if (endInBuf < 0) {
        if (held + buf.length > this.holdLimit) this.tooLong(frameStart);
        this.pending.add(buf);
        return;
      }
      this.pending.add(buf.subarray(0, endInBuf));
      this.emit(out, this.pending.takeAll(), frameStart);
      i = endInBuf;
    }
    const n = buf.length;
    while (i < n) {
      const at = this.find(buf, i);
      if (at < 0) break;
      this.emit(out, buf.subarray(i, at + dl), this.pos + i);
      i = at + dl;
    }
    if (i < n) {
      if (n - i > this.holdLimit) this.tooLong(this.pos + i);
      this.pending.add(buf.subarray(i));
    }
  }
}

// --- length-driven decoders (fixed, length, json-header) -------------------------------------------------------

/** Reads the integer of an IntFormat from a buffer at an offset, as a JS number (exact up to 2^53). */
type IntReader = (b: Buffer, off: number) => number;

function intReader(f: IntFormat): IntReader {
  const o = f.offset;
  const le = f.littleEndian;
  switch (f.width) {
    case 1:
      return f.signed ? (b, off) => b.readInt8(off + o) : (b, off) => b[off + o];
    case 2:
      if (f.signed) return le ? (b, off) => b.readInt16LE(off + o) : (b, off) => b.readInt16BE(off + o);
      return le ? (b, off) => b.readUInt16LE(off + o) : (b, off) => b.readUInt16BE(off + o);
    case 4:
      if (f.signed) return le ? (b, off) => b.readInt32LE(off + o) : (b, off) => b.readInt32BE(off + o);
      return le ? (b, off) => b.readUInt32LE(off + o) : (b, off) => b.readUInt32BE(off + o);
    default: {
      // 8 bytes without a BigInt: high word * 2^32 + low word (exact below 2^53, which is far above any limit)
      const hiOff = le ? o + 4 : o;
      const loOff = le ? o : o + 4;
      if (f.signed) {
        return le
          ? (b, off) => b.readInt32LE(off + hiOff) * 4294967296 + b.readUInt32LE(off + loOff)
          : (b, off) => b.readInt32BE(off + hiOff) * 4294967296 + b.readUInt32BE(off + loOff);
      }
      return le
        ? (b, off) => b.readUInt32LE(off + hiOff) * 4294967296 + b.readUInt32LE(off + loOff)
        : (b, off) => b.readUInt32BE(off + hiOff) * 4294967296 + b.readUInt32BE(off + loOff);
    }
  }
}

/** The exact value as text (8-byte values via BigInt), for error messages. */
function exactValue(f: IntFormat, b: Buffer, off: number): string {
  if (f.width !== 8) return String(intReader(f)(b, off));
  const o = off + f.offset;
  const v = f.signed
    ? f.littleEndian ? b.readBigInt64LE(o) : b.readBigInt64BE(o)
    : f.littleEndian ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o);
  return v.toString();
}

/**
 * A decoder that reads a known number of bytes at a time ("stage"), then decides how many it needs next.
 * `need` is the byte count of the current stage; `stage(data, at)` consumes exactly that many bytes.
 */
abstract class StagedDecoder extends BaseDecoder {
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

class FixedDecoder extends StagedDecoder {
  constructor(spec: FramingSpec, max: number, size: number) {
    super(spec, max);
    this.need = size;
  }
  protected stage(data: Buffer, at: number, out: DecodedFrame[]): void {
    out.push({ payload: data, start: at, end: at + data.length });
  }
}

class LengthDecoder extends StagedDecoder {
  private readonly fmt: IntFormat;
  private readonly read: IntReader;
  private readonly hsize: number;
  /** payload size = value + delta */
  private readonly delta: number;
  private readonly adjust: number;
  private readonly includesHeader: boolean;
  private inPayload = false;
  private header: Buffer = EMPTY;
  private frameStart = 0;

  constructor(spec: FramingSpec & { kind: 'length' }, max: number) {
    super(spec, max);
    this.fmt = intFormat(spec.format, 'length format');
    this.read = intReader(this.fmt);
    this.hsize = this.fmt.size;
    this.adjust = spec.adjust;
    this.includesHeader = spec.includesHeader;
    this.delta = spec.adjust - (spec.includesHeader ? this.hsize : 0);
    this.need = this.hsize;
  }

  protected override headerParts(): Buffer[] {
    return this.inPayload ? [this.header] : [];
  }
  protected override heldHeaderBytes(): number {
    return this.inPayload ? this.hsize : 0;
  }
  protected override reset(): void {
    this.inPayload = false;
    this.header = EMPTY;
    this.need = this.hsize;
  }

  /** The hot path: frames inside the chunk are read in place (one subarray per frame, no header slice). */
  protected override decode(buf: Buffer, out: DecodedFrame[]): void {
    const n = buf.length;
    let i = 0;
    // finish a frame begun in earlier chunks (generic staged path)
    while (this.pending.length > 0 || this.inPayload) {
      const missing = this.need - this.pending.length;
      if (n - i < missing) {
        this.pending.add(buf.subarray(i));
        return;
      }
      const at = this.pos + i - this.pending.length;
      this.pending.add(buf.subarray(i, i + missing));
      i += missing;
      this.stage(this.pending.takeAll(), at, out);
    }
    const hs = this.hsize;
    const read = this.read;
    const delta = this.delta;
    const max = this.maxFrameSize;
    const base = this.pos;
    while (n - i >= hs) {
      const value = read(buf, i);
      const size = value + delta;
      if (size < 0 || size > max) this.badLength(buf.subarray(i, i + hs), base + i, value, size);
      const end = i + hs + size;
      if (end > n) {
        this.inPayload = true;
        this.header = buf.subarray(i, i + hs);
        this.frameStart = base + i;
        this.need = size;
        if (i + hs < n) this.pending.add(buf.subarray(i + hs));
        return;
      }
      out.push({ payload: size === 0 ? EMPTY : buf.subarray(i + hs, end), start: base + i, end: base + end });
      i = end;
    }
    if (i < n) this.pending.add(buf.subarray(i));
  }

  protected stage(data: Buffer, at: number, out: DecodedFrame[]): void {
    if (this.inPayload) {
      out.push({ payload: data, start: this.frameStart, end: at + data.length });
      this.inPayload = false;
      this.header = EMPTY;
      this.need = this.hsize;
      return;
    }
    const value = this.read(data, 0);
    const size = value + this.delta;
    if (size < 0 || size > this.maxFrameSize) this.badLength(data, at, value, size);
    if (size === 0) {
      out.push({ payload: EMPTY, start: at, end: at + this.hsize });
      return;
    }
    this.inPayload = true;
    this.header = data;
    this.frameStart = at;
    this.need = size;
  }

  private badLength(data: Buffer, at: number, value: number, size: number): never {
    const v = exactValue(this.fmt, data, 0);
    if (value < 0) this.fail(new FramingError('NEGATIVE_LENGTH', at, `negative length prefix ${v} at offset ${at}`));
    if (size < 0) {
      const why = this.includesHeader
        ? this.adjust
          ? `is smaller than its ${this.hsize}-byte header (with adjust=${this.adjust})`
          : `is smaller than the ${this.hsize}-byte header it includes`
        : `with adjust=${this.adjust} gives a negative payload size (${size})`;
      this.fail(new FramingError('BAD_LENGTH', at, `length prefix ${v} at offset ${at} ${why}`));
    }
    const payload = size === value ? '' : ` (a ${size}-byte payload)`;
    this.fail(new FramingError('FRAME_TOO_LARGE', at, `length prefix ${v} at offset ${at}${payload} exceeds the ${formatExactSize(this.maxFrameSize, true)} frame limit`));
  }
}

// ignoreBOM keeps a BOM in the text, so JSON.parse refuses it as Python's json.loads does
const UTF8_FATAL = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class JsonHeaderDecoder extends StagedDecoder {
  private readonly fmt: IntFormat;
  private readonly read: IntReader;
  private readonly sizeKey: string;
  private readonly headerLimit: number;
  /** 0: header length, 1: header, 2: body */
  private state = 0;
  private lenBytes: Buffer = EMPTY;
  private headerBytes: Buffer = EMPTY;
  private header: Record<string, unknown> = {};
  private frameStart = 0;

  constructor(spec: FramingSpec & { kind: 'json-header' }, max: number) {
    super(spec, max);
    this.fmt = intFormat(spec.lengthFormat, 'json-header length format');
    this.read = intReader(this.fmt);
    this.sizeKey = spec.sizeKey;
    this.headerLimit = Math.min(MAX_JSON_HEADER_SIZE, max);
    this.need = this.fmt.size;
  }

  protected override headerParts(): Buffer[] {
    return this.state === 0 ? [] : this.state === 1 ? [this.lenBytes] : [this.lenBytes, this.headerBytes];
  }
  protected override heldHeaderBytes(): number {
    return this.state === 0 ? 0 : this.state === 1 ? this.lenBytes.length : this.lenBytes.length + this.headerBytes.length;
  }
  protected override reset(): void {
    this.state = 0;
    this.lenBytes = EMPTY;
    this.headerBytes = EMPTY;
    this.need = this.fmt.size;
  }

  protected stage(data: Buffer, at: number, out: DecodedFrame[]): void {
    if (this.state === 0) {
      const hl = this.read(data, 0);
      if (hl < 0) this.fail(new FramingError('NEGATIVE_LENGTH', at, `negative header length ${exactValue(this.fmt, data, 0)} at offset ${at}`));
      if (hl === 0) this.fail(new FramingError('BAD_HEADER', at, `header length 0 at offset ${at}: an empty header is not a JSON object`));
      if (hl > this.headerLimit) {
        this.fail(
          new FramingError(
            'HEADER_TOO_LARGE',
            at,
            `header length ${exactValue(this.fmt, data, 0)} at offset ${at} exceeds the ${formatExactSize(this.headerLimit, true)} header limit`,
          ),
        );
      }
      this.frameStart = at;
      this.lenBytes = data;
      this.state = 1;
      this.need = hl;
      return;
    }
    if (this.state === 1) {
      const header = this.parseHeader(data, at);
      const size = header[this.sizeKey] as number;
      if (size > this.maxFrameSize) {
        this.fail(
          new FramingError(
            'FRAME_TOO_LARGE',
            this.frameStart,
            `header '${this.sizeKey}' ${size} at offset ${at} exceeds the ${formatExactSize(this.maxFrameSize, true)} frame limit`,
          ),
        );
      }
      this.header = header;
      if (size === 0) {
        out.push({ payload: EMPTY, start: this.frameStart, end: at + data.length, header });
        this.reset();
        return;
      }
      this.headerBytes = data;
      this.state = 2;
      this.need = size;
      return;
    }
    out.push({ payload: data, start: this.frameStart, end: at + data.length, header: this.header });
    this.reset();
  }

  private parseHeader(data: Buffer, at: number): Record<string, unknown> {
    const bad = (why: string): never =>
      this.fail(new FramingError('BAD_HEADER', this.frameStart, `header at offset ${at} (${data.length} bytes) ${why}`));
    let text: string;
    try {
      text = UTF8_FATAL.decode(data);
    } catch {
      return bad('is not valid UTF-8');
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return bad(`is not valid JSON (${errorMessage(e)}): ${preview(text)}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return bad(`is not a JSON object: ${preview(text)}`);
    const obj = value as Record<string, unknown>;
    if (!Object.prototype.hasOwnProperty.call(obj, this.sizeKey)) return bad(`has no '${this.sizeKey}' key: ${preview(text)}`);
    const size = obj[this.sizeKey];
    if (typeof size !== 'number' || !Number.isInteger(size)) {
      return bad(`has a non-integer '${this.sizeKey}': ${preview(JSON.stringify(size) ?? String(size))}`);
    }
    if (size < 0) this.fail(new FramingError('NEGATIVE_LENGTH', this.frameStart, `header '${this.sizeKey}' ${size} at offset ${at} is negative`));
    return obj;
  }
}

function preview(text: string): string {
  return text.length > 80 ? text.slice(0, 77) + '...' : text;
}

// --- factory ---------------------------------------------------------------------------------------------------

function resolveLimit(spec: FramingSpec, opts: FrameDecoderOptions | undefined): number {
  const specMax = spec.kind === 'length' || spec.kind === 'json-header' ? spec.max : undefined;
  const limit = specMax ?? opts?.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new FramingSpecError(`maxFrameSize must be an integer from 1 to ${MAX_LIMIT}, got ${limit}`);
  }
  return limit;
}

/** Build a decoder for a spec (string or object). Throws FramingSpecError for a bad spec. */
export function createFrameDecoder(spec: FramingSpec | string, opts?: FrameDecoderOptions): FrameDecoder {
  const sp = toSpec(spec);
  const max = resolveLimit(sp, opts);
  switch (sp.kind) {
    case 'raw':
      return new RawDecoder(sp, max);
    case 'line':
      return new DelimiterDecoder(sp, max, Buffer.from([0x0a]), true);
    case 'delimiter':
      return new DelimiterDecoder(sp, max, sp.delimiter, false);
    case 'fixed':
      // the size is the user's own choice, not something a peer can inflate: the frame limit does not apply
      return new FixedDecoder(sp, Math.max(max, sp.size), sp.size);
    case 'length':
      return new LengthDecoder(sp, max);
    case 'json-header':
      return new JsonHeaderDecoder(sp, max);
  }
}
