/** Errors of the framing layer. */
import { errorMessage } from '../../shared/errors';
import type { DecodedFrame } from './decoder';

/** A decoder's failure as a connection reports it: code, offset relative to the decoder's first byte, message. */
export interface FramingFailure {
  code: string;
  offset?: number;
  message: string;
  /** frames the failing push completed before the error */
  frames: DecodedFrame[];
}

/** A decoder's thrown error as a FramingFailure (FRAMING_ERROR for anything that is not a FramingError). */
export function asFramingFailure(err: unknown): FramingFailure {
  if (err instanceof FramingError) {
    return { code: err.code, offset: err.offset >= 0 ? err.offset : undefined, message: err.message, frames: err.frames ?? [] };
  }
  return { code: 'FRAMING_ERROR', message: errorMessage(err), frames: [] };
}

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
