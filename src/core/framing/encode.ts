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

/**
 * The wire bytes for `payload`: raw → as is; line → payload + `\n`; delimiter → payload + delimiter;
 * fixed:n → the payload, which must be exactly n bytes; length → struct-packed length + payload;
 * json-header → struct-packed header length + `json.dumps({size_key: len, ...header})` in UTF-8 + payload.
 * Throws FramingError(PAYLOAD_NOT_ENCODABLE) when the framing cannot carry the payload, FramingSpecError for a bad spec.
 */
export function encodeFrame(spec: FramingSpec | string, payload: Uint8Array, opts?: EncodeOptions): Buffer {
  const sp = toSpec(spec);
  const body = asBuffer(payload);
  switch (sp.kind) {
    case 'raw':
      return body;
    case 'line':
      return Buffer.concat([body, Buffer.from([0x0a])]);
    case 'delimiter':
      return Buffer.concat([body, sp.delimiter]);
    case 'fixed':
      if (body.length !== sp.size) {
        throw new FramingError('PAYLOAD_NOT_ENCODABLE', -1, `payload is ${body.length} bytes but fixed:${sp.size} frames are exactly ${sp.size} bytes`);
      }
      return body;
    case 'length': {
      const f = intFormat(sp.format, 'length format');
      const value = body.length - sp.adjust + (sp.includesHeader ? f.size : 0);
      if (value < 0) {
        throw new FramingError('PAYLOAD_NOT_ENCODABLE', -1, `a ${body.length}-byte payload with adjust=${sp.adjust} needs a negative length prefix (${value})`);
      }
      return Buffer.concat([packLength(f, value, `length prefix for a ${body.length}-byte payload,`), body]);
    }
    case 'json-header': {
      const f = intFormat(sp.lengthFormat, 'json-header length format');
      // the size key comes first unless the given header places it; its value is always the payload length
      const extra = opts?.header ?? {};
      const header: Record<string, unknown> = Object.prototype.hasOwnProperty.call(extra, sp.sizeKey) ? {} : { [sp.sizeKey]: body.length };
      // defineProperty, not assignment: a "__proto__" key (JSON.parse makes it an own property) must stay a key
      for (const [k, v] of Object.entries(extra)) {
        Object.defineProperty(header, k, { value: k === sp.sizeKey ? body.length : v, enumerable: true, writable: true, configurable: true });
      }
      let json: string;
      try {
        json = pythonJsonDumps(header);
      } catch (e) {
        throw new FramingError('PAYLOAD_NOT_ENCODABLE', -1, `header is not JSON serializable: ${errorMessage(e)}`);
      }
      const headerBytes = Buffer.from(json, 'utf8');
      return Buffer.concat([packLength(f, headerBytes.length, 'header length'), headerBytes, body]);
    }
  }
}
