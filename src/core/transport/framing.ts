/**
 * The transports' view of framing and encodings: validates a spec, builds a decoder, encodes a
 * payload. Backed by src/core/framing and src/core/codec/encoding (helper CODEC); until those land,
 * only `raw` framing is available here.
 */
import { normalizeEncoding } from '../codec/encoding';

export interface DecodedFrameLike {
  payload: Buffer;
  /** offsets relative to the first byte pushed into this decoder */
  start: number;
  end: number;
  header?: Record<string, unknown>;
}

export interface FrameDecoderLike {
  push(chunk: Buffer): DecodedFrameLike[];
  flush(): Buffer;
  readonly buffered: number;
}

/** A framing error as reported by a decoder: code + offset relative to the decoder's first byte */
export interface FramingFailure {
  code: string;
  offset?: number;
  message: string;
}

export class FramingUnavailableError extends Error {
  readonly code = 'BAD_FRAMING_SPEC';
}

/** validates a framing spec and returns its canonical string; throws on a bad spec */
export function checkFraming(spec: string): string {
  const s = spec.trim();
  if (s === '' || s === 'raw') return 'raw';
  throw new FramingUnavailableError(`framing "${spec}" is not available (only "raw" until src/core/framing lands)`);
}

export function isRawFraming(spec: string): boolean {
  return spec === 'raw';
}

export function createDecoder(spec: string, _maxFrameSize: number): FrameDecoderLike {
  checkFraming(spec);
  let offset = 0;
  return {
    push(chunk: Buffer): DecodedFrameLike[] {
      const start = offset;
      offset += chunk.length;
      return [{ payload: chunk, start, end: offset }];
    },
    flush: () => Buffer.alloc(0),
    get buffered() {
      return 0;
    },
  };
}

export function encodePayload(spec: string, payload: Uint8Array, _header?: Record<string, unknown>): Buffer {
  checkFraming(spec);
  return Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

/** a decoder's thrown error as a FramingFailure, or undefined when it is not a framing error */
export function asFramingFailure(err: unknown): FramingFailure {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; offset?: unknown; message?: unknown };
    return {
      code: typeof e.code === 'string' ? e.code : 'FRAMING_ERROR',
      offset: typeof e.offset === 'number' ? e.offset : undefined,
      message: typeof e.message === 'string' ? e.message : String(err),
    };
  }
  return { code: 'FRAMING_ERROR', message: String(err) };
}

/** validates an encoding name and returns its canonical id (utf-8, gbk, hex, ...); throws EncodingError on an unknown one */
export function checkEncoding(name: string): string {
  return normalizeEncoding(name);
}
