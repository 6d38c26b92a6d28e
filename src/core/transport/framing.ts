/**
 * The transports' view of framing and encodings (src/core/framing and src/core/codec/encoding, by
 * helper CODEC): validate a spec, build a decoder, encode a payload, validate an encoding name.
 */
import { normalizeEncoding } from '../codec/encoding';
import { createFrameDecoder, encodeFrame, formatFramingSpec, FramingError, parseFramingSpec, type DecodedFrame, type FrameDecoder } from '../framing';

/** A framing error as reported by a decoder: code + offset relative to the decoder's first byte */
export interface FramingFailure {
  code: string;
  offset?: number;
  message: string;
  /** frames the failing push completed before the error */
  frames: DecodedFrame[];
}

/** validates a framing spec and returns its canonical string; throws FramingSpecError on a bad spec */
export function checkFraming(spec: string): string {
  return formatFramingSpec(parseFramingSpec(spec));
}

export function isRawFraming(spec: string): boolean {
  return spec === 'raw';
}

export function createDecoder(spec: string, maxFrameSize: number): FrameDecoder {
  return createFrameDecoder(spec, { maxFrameSize });
}

/** the wire bytes of one payload; throws FramingError (PAYLOAD_NOT_ENCODABLE) when the framing cannot carry it */
export function encodePayload(spec: string, payload: Buffer, header?: Record<string, unknown>): Buffer {
  if (spec === 'raw') return payload;
  return encodeFrame(spec, payload, header ? { header } : undefined);
}

/** a decoder's thrown error as a FramingFailure */
export function asFramingFailure(err: unknown): FramingFailure {
  if (err instanceof FramingError) {
    return { code: err.code, offset: err.offset >= 0 ? err.offset : undefined, message: err.message, frames: err.frames ?? [] };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'FRAMING_ERROR', message, frames: [] };
}

/** validates an encoding name and returns its canonical id (utf-8, gbk, hex, ...); throws EncodingError on an unknown one */
export function checkEncoding(name: string): string {
  return normalizeEncoding(name);
}
