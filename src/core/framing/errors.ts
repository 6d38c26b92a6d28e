/** Errors of the framing layer. */
import type { DecodedFrame } from './decoder';

/** A framing spec string (or object) that cannot be used. */
export class FramingSpecError extends Error {
  readonly code = 'BAD_FRAMING_SPEC';
  constructor(message: string) {
    super(message);
    this.name = 'FramingSpecError';
  }
}

export type FramingErrorCode =
  /** a frame (payload) larger than the frame limit */
  | 'FRAME_TOO_LARGE'
  /** a signed length prefix (or JSON size) below zero */
  | 'NEGATIVE_LENGTH'
  /** a length prefix that, after includes-header/adjust, gives a negative payload size */
  | 'BAD_LENGTH'
  /** json-header: invalid UTF-8/JSON, not an object, missing or non-integer size key */
  | 'BAD_HEADER'
  /** json-header: a header length over the header limit (or zero) */
  | 'HEADER_TOO_LARGE'
  /** encodeFrame: the payload cannot be represented (length does not fit the format, wrong fixed size) */
  | 'PAYLOAD_NOT_ENCODABLE';

/** Bad bytes in a framed stream (decoder) or a payload the framing cannot carry (encoder). */
export class FramingError extends Error {
  readonly code: FramingErrorCode;
  /** stream offset (bytes since the decoder's first byte) where the offending frame starts; -1 for encoder errors */
  readonly offset: number;
  /**
   * Frames completed by the same `push` before the error was found, in order. `push` throws instead of
   * returning them, so they travel here: emit them before reporting the error.
   */
  frames: DecodedFrame[] = [];
  constructor(code: FramingErrorCode, offset: number, message: string) {
    super(message);
    this.name = 'FramingError';
    this.code = code;
    this.offset = offset;
  }
}

/** `16 MiB`, `64 KiB`, `1000-byte` — for messages about limits. */
export function describeLimit(n: number): string {
  if (n >= 1 << 30 && n % (1 << 30) === 0) return `${n / (1 << 30)} GiB`;
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1 << 10 && n % (1 << 10) === 0) return `${n / (1 << 10)} KiB`;
  return `${n}-byte`;
}
