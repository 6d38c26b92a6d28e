// What the byte-scanning decoders share: the chunk-decoder shape, `\xhh` escapes, and one UTF-16 scratch block
// they write code units into and turn into a string once per block (instead of many small concatenations).
import { HEX_BYTES } from '../../shared/bytes';

export const ESCAPED_BYTE: readonly string[] = HEX_BYTES.map((h) => '\\x' + h);

/** The `\xhh` forms of `buf[from, to)`. */
export function escapeBytes(buf: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += ESCAPED_BYTE[buf[i]];
  return s;
}

/** Result of decoding a prefix: the text and where the held (incomplete) tail begins. */
export interface DecodeStep {
  text: string;
  /** bytes `[consumed, length)` are an incomplete character to retry with more input (always length if final) */
  consumed: number;
}

export type ChunkDecoder = (buf: Buffer, final: boolean) => DecodeStep;

export function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

// --- output scratch ---------------------------------------------------------------------------------------------

/**
 * Decoders that must look at every byte (double-byte encodings, broken UTF-8) write UTF-16 code units into this
 * scratch array and turn it into a string once per block, instead of concatenating many small strings.
 */
export const SCRATCH_UNITS = 32 * 1024;
export const scratch = new Uint16Array(SCRATCH_UNITS);
const scratchBytes = Buffer.from(scratch.buffer, scratch.byteOffset, scratch.byteLength);
/** flush when fewer units than this are left: the most one input step writes (4 escaped bytes = 16 units) */
export const SCRATCH_MARGIN = 32;
const HEX_DIGIT = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function scratchText(units: number): string {
  if (LITTLE_ENDIAN) return scratchBytes.toString('utf16le', 0, units * 2);
  let s = '';
  for (let i = 0; i < units; i += 4096) s += String.fromCharCode(...scratch.subarray(i, Math.min(units, i + 4096)));
  return s;
}

/** Write `\xhh` for byte `b` at `w`; returns the new write position. */
export function putEscape(w: number, b: number): number {
  scratch[w] = 0x5c;
  scratch[w + 1] = 0x78;
  scratch[w + 2] = HEX_DIGIT[b >> 4];
  scratch[w + 3] = HEX_DIGIT[b & 15];
  return w + 4;
}

/** Write the UTF-16 units of code point `cp` at `w`. */
export function putCodePoint(w: number, cp: number): number {
  if (cp < 0x10000) {
    scratch[w] = cp;
    return w + 1;
  }
  const v = cp - 0x10000;
  scratch[w] = 0xd800 | (v >> 10);
  scratch[w + 1] = 0xdc00 | (v & 0x3ff);
  return w + 2;
}
