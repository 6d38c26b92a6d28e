/**
 * The length-driven frame decoders: `length` (a binary length prefix before each payload) and `json-header`
 * (a length-prefixed JSON header whose size key gives the payload length), with the integer readers they share.
 * Length prefixes are read with Buffer methods; nothing is allocated for a length until it passed the frame limit.
 */
import { errorMessage } from '../../shared/errors';
import { formatExactSize } from '../../shared/format';
import { EMPTY, StagedDecoder, type DecodedFrame } from './decoder-base';
import { FramingError } from './errors';
import { MAX_JSON_HEADER_SIZE, intFormat, type FramingSpec, type IntFormat } from './spec';

// --- integer prefixes ------------------------------------------------------------------------------------------

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

// --- length ----------------------------------------------------------------------------------------------------

export class LengthDecoder extends StagedDecoder {
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

// --- json-header -----------------------------------------------------------------------------------------------

// ignoreBOM keeps a BOM in the text, so JSON.parse refuses it as Python's json.loads does
const UTF8_FATAL = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class JsonHeaderDecoder extends StagedDecoder {
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
