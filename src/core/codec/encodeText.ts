// Text to bytes in an encoding, refusing (with the character's index) what the encoding cannot represent instead
// of sending `?`; `hex` and `base64` parse the text as such.
import * as iconv from 'iconv-lite';
import { parseBase64, parseHex } from './binaryInput';
import { DBCS_CODEC, EncodingError, normalizeEncoding } from './encodingNames';

// Encoding

/** Index of the first lone surrogate in `text`, or -1. */
function loneSurrogate(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

function describeChar(text: string, index: number): string {
  const cp = text.codePointAt(index) ?? 0;
  const u = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
  return cp >= 0x20 && !(cp >= 0xd800 && cp <= 0xdfff) ? `'${String.fromCodePoint(cp)}' (${u})` : u;
}

function cannotEncode(text: string, index: number, enc: string): EncodingError {
  const c = text.codePointAt(index) ?? 0;
  const what = c >= 0xd800 && c <= 0xdfff ? `lone surrogate ${describeChar(text, index)}` : `character ${describeChar(text, index)}`;
  return new EncodingError(`${what} at index ${index} cannot be encoded in ${enc}`, enc, index);
}

const isWellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => loneSurrogate(s) < 0;

/**
 * Encode text. Throws EncodingError (with the UTF-16 `index` of the culprit) for a character the encoding cannot
 * represent or a lone surrogate, instead of silently sending `?`. `hex` and `base64` parse the text as such
 * (InputError on bad input).
 */
export function encodeText(text: string, enc: string): Buffer {
  const id = normalizeEncoding(enc);
  switch (id) {
    case 'hex':
      return parseHex(text);
    case 'base64':
      return parseBase64(text);
    case 'utf-8':
    case 'utf-16le':
    case 'utf-16be': {
      if (!isWellFormed(text)) throw cannotEncode(text, loneSurrogate(text), id);
      if (id === 'utf-8') return Buffer.from(text, 'utf8');
      const b = Buffer.from(text, 'utf16le');
      return id === 'utf-16be' ? b.swap16() : b;
    }
    case 'latin1': {
      for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) throw cannotEncode(text, i, id);
      return Buffer.from(text, 'latin1');
    }
    default: {
      if (!isWellFormed(text)) throw cannotEncode(text, loneSurrogate(text), id);
      const codec = DBCS_CODEC[id];
      const out = iconv.encode(text, codec);
      // iconv-lite writes '?' for what it cannot map; '?' (0x3f) is never part of a multi-byte character here
      if (countByte(out, 0x3f) !== countChar(text, 0x3f)) {
        for (let i = 0; i < text.length; i++) {
          const cp = text.codePointAt(i) ?? 0;
          const ch = String.fromCodePoint(cp);
          if (cp !== 0x3f && countByte(iconv.encode(ch, codec), 0x3f) > 0) throw cannotEncode(text, i, id);
          if (cp > 0xffff) i++;
        }
      }
      return out;
    }
  }
}

function countByte(buf: Uint8Array, b: number): number {
  let n = 0;
  for (let i = buf.indexOf(b); i >= 0; i = buf.indexOf(b, i + 1)) n++;
  return n;
}

function countChar(s: string, c: number): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === c) n++;
  return n;
}
