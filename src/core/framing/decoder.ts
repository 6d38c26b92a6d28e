/**
 * Incremental frame decoders. Feed chunks as they arrive; any chunking of a stream yields the same frames.
 * This module holds the raw, line/delimiter and fixed decoders and the factory that picks a decoder for a spec;
 * the shared base is in decoder-base.ts and the length-driven decoders (length, json-header) in decoder-length.ts.
 */
import { formatExactSize } from '../../shared/format';
import { BaseDecoder, StagedDecoder, type DecodedFrame, type FrameDecoder } from './decoder-base';
import { JsonHeaderDecoder, LengthDecoder } from './decoder-length';
import { FramingError, FramingSpecError } from './errors';
import { DEFAULT_MAX_FRAME_SIZE, MAX_LIMIT, toSpec, type FramingSpec } from './spec';

export type { DecodedFrame, FrameDecoder } from './decoder-base';

export interface FrameDecoderOptions {
  /** frame limit in bytes (default 16 MiB); a spec's own `max=` takes precedence */
  maxFrameSize?: number;
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

// --- fixed -----------------------------------------------------------------------------------------------------

class FixedDecoder extends StagedDecoder {
  constructor(spec: FramingSpec, max: number, size: number) {
    super(spec, max);
    this.need = size;
  }
  protected stage(data: Buffer, at: number, out: DecodedFrame[]): void {
    out.push({ payload: data, start: at, end: at + data.length });
  }
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
