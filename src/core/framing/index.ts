/**
 * Framing: how a byte stream is cut into frames, and how a payload is framed for sending. One spec string
 * drives both directions; see spec.ts for the grammar and README.md (section "Framing") for the user documentation.
 */
export {
  parseFramingSpec,
  formatFramingSpec,
  normalizeFramingSpec,
  intFormat,
  DEFAULT_MAX_FRAME_SIZE,
  MAX_JSON_HEADER_SIZE,
  type FramingSpec,
  type FramingKind,
  type LengthSpec,
  type JsonHeaderSpec,
  type IntFormat,
} from './spec';
export { asFramingFailure, FramingError, FramingSpecError, type FramingErrorCode, type FramingFailure } from './errors';
export { createFrameDecoder, type DecodedFrame, type FrameDecoder, type FrameDecoderOptions } from './decoder';
export { encodeFrame, frameParts, type EncodeOptions, type FrameParts } from './encode';
export { pythonJsonDumps } from './pyjson';
