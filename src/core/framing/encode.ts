/** Frame encoders: the wire bytes for one payload under a framing spec. */
import { pack } from '../codec/struct';
import { FramingError } from './errors';
import { intFormat, toSpec, type FramingSpec, type IntFormat } from './spec';
import { pythonJsonDumps } from './pyjson';
import { errorMessage } from '../../shared/errors';

export interface EncodeOptions {
  /**
   * json-header: extra header fields, written in their order after the size key (or around it, if it is given
   * here too; its value is replaced by the payload length)
   */
  header?: Record<string, unknown>;
}

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

function intRange(f: IntFormat): [number, number] {
  const bits = f.width * 8;
  return f.signed ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
}

/** Header bytes (`calcsize(fmt)` long) carrying `value`, or a FramingError naming what does not fit. */
function packLength(f: IntFormat, value: number, what: string): Buffer {
  const [lo, hi] = intRange(f);
  if (value < lo || value > hi) {
    throw new FramingError('PAYLOAD_NOT_ENCODABLE', -1, `${what} ${value} does not fit the length format '${f.format}' (${lo}..${hi})`);
  }
  return pack(f.format, value);
}

/** What goes before and after a payload of a given length on the wire: a frame is `head + payload + tail`. */
export interface FrameParts {
  readonly head: Buffer;
  readonly tail: Buffer;
}

const NOTHING = Buffer.alloc(0);

/**
 * The bytes around a payload of `length` bytes: raw → nothing; line → `\n` after; delimiter → the delimiter after;
 * fixed:n → nothing (the payload must be exactly n bytes); length → the struct-packed length before;
 * json-header → the struct-packed header length + `json.dumps({size_key: len, ...header})` in UTF-8 before.
 * Lets a sender stream a payload it never holds whole (a file). Throws FramingError(PAYLOAD_NOT_ENCODABLE) when
 * the framing cannot carry such a payload, FramingSpecError for a bad spec.
 */
export function frameParts(spec: FramingSpec | string, length: number, opts?: EncodeOptions): FrameParts {
  const sp = toSpec(spec);
  switch (sp.kind) {
    case 'raw':
      return { head: NOTHING, tail: NOTHING };
    case 'line':
      return { head: NOTHING, tail: Buffer.from([0x0a]) };
    case 'delimiter':
      return { head: NOTHING, tail: sp.delimiter };
    case 'fixed':
      if (length !== sp.size) {
        throw new FramingError('PAYLOAD_NOT_ENCODABLE', -1, `payload is ${length} bytes but fixed:${sp.size} frames are exactly ${sp.size} bytes`);
      }
      return { head: NOTHING, tail: NOTHING };
    case 'length': {
      const f = intFormat(sp.format, 'length format');
      const value = length - sp.adjust + (sp.includesHeader ? f.size : 0);
      if (value < 0) {
        throw new FramingError('PAYLOAD_NOT_ENCODABLE', -1, `a ${length}-byte payload with adjust=${sp.adjust} needs a negative length prefix (${value})`);
      }
      return { head: packLength(f, value, `length prefix for a ${length}-byte payload,`), tail: NOTHING };
    }
    case 'json-header': {
      const f = intFormat(sp.lengthFormat, 'json-header length format');
      // the size key comes first unless the given header places it; its value is always the payload length
      const extra = opts?.header ?? {};
      const header: Record<string, unknown> = Object.prototype.hasOwnProperty.call(extra, sp.sizeKey) ? {} : { [sp.sizeKey]: length };
      // defineProperty, not assignment: a "__proto__" key (JSON.parse makes it an own property) must stay a key
      for (const [k, v] of Object.entries(extra)) {
        Object.defineProperty(header, k, { value: k === sp.sizeKey ? length : v, enumerable: true, writable: true, configurable: true });
      }
      let json: string;
      try {
        json = pythonJsonDumps(header);
      } catch (e) {
        throw new FramingError('PAYLOAD_NOT_ENCODABLE', -1, `header is not JSON serializable: ${errorMessage(e)}`);
      }
      const headerBytes = Buffer.from(json, 'utf8');
      return { head: Buffer.concat([packLength(f, headerBytes.length, 'header length'), headerBytes]), tail: NOTHING };
    }
  }
}

/**
 * The wire bytes for `payload` under `spec`: `head + payload + tail` of frameParts (raw: the payload as it is).
 * Throws FramingError(PAYLOAD_NOT_ENCODABLE) when the framing cannot carry the payload, FramingSpecError for a bad spec.
 */
export function encodeFrame(spec: FramingSpec | string, payload: Uint8Array, opts?: EncodeOptions): Buffer {
  const body = asBuffer(payload);
  const { head, tail } = frameParts(spec, body.length, opts);
  if (head.length === 0 && tail.length === 0) return body;
  return Buffer.concat([head, body, tail]);
}
