/**
 * Text encodings for what goes over the wire: utf-8, gbk, gb18030, big5, shift_jis, euc-kr, utf-16le/be, latin1
 * (via iconv-lite), plus the display forms `hex` and `base64`.
 *
 * Decoding never loses bytes: a byte that is not part of a valid character in the chosen encoding is shown as
 * `\xhh` (lowercase, the way Python's `errors='backslashreplace'` shows it), never dropped and never turned into
 * U+FFFD. iconv-lite itself replaces invalid input with U+FFFD and does not say which bytes were bad, so every
 * encoding has a byte scanner that tells valid characters from invalid bytes:
 * - UTF-8: all-valid input (checked with `buffer.isUtf8`) is decoded natively; otherwise a WHATWG-exact validator
 *   decodes what is valid and escapes the rest;
 * - UTF-16: unpaired surrogates are escaped, valid runs decoded natively; latin1: every byte is a character;
 * - gbk, gb18030, big5, shift_jis, euc-kr: lookup tables of single bytes and byte pairs derived from iconv-lite's
 *   own mapping (through its public `decode`, built lazily the first time an encoding is used); GB18030 four-byte
 *   sequences are checked against the valid pointer ranges and decoded by iconv-lite.
 *
 * `createStreamDecoder` keeps the few bytes of a character split across chunks until the rest arrives, so
 * `write(a) + write(b) + end()` always equals `decodeText(a + b)`.
 */
import { isUtf8 } from 'node:buffer';
import { toHex } from '../../shared/bytes';
import { makeDbcsDecoder } from './dbcsDecoder';
import { asBuffer, escapeBytes, ESCAPED_BYTE, putCodePoint, putEscape, scratch, scratchText, SCRATCH_MARGIN, SCRATCH_UNITS, type ChunkDecoder, type DecodeStep } from './decodeScratch';
import { normalizeEncoding } from './encodingNames';

export { SUPPORTED_ENCODINGS, EncodingError, normalizeEncoding, isBinaryForm, type EncodingInfo } from './encodingNames';
export { encodeText } from './encodeText';

// ---------------------------------------------------------------------------------------------------------------
// Decoding

export interface StreamDecoder {
  /** Decode the next chunk; bytes of an incomplete trailing character are held until the next write. */
  write(buf: Uint8Array): string;
  /** End of stream: held bytes that never became a character are returned as `\xhh`. Resets the decoder. */
  end(): string;
}

// --- UTF-8 -----------------------------------------------------------------------------------------------------

/** Length of the UTF-8 sequence a lead byte announces, 0 if the byte cannot start one. */
function utf8SeqLen(b: number): number {
  if (b < 0x80) return 1;
  if (b < 0xc2) return 0;
  if (b < 0xe0) return 2;
  if (b < 0xf0) return 3;
  if (b < 0xf5) return 4;
  return 0;
}

/** Index where a possibly incomplete last UTF-8 sequence starts (buf.length if the end is clean). */
function utf8Cut(buf: Buffer): number {
  const n = buf.length;
  for (let k = 1; k <= 3 && k <= n; k++) {
    const b = buf[n - k];
    if (b < 0x80) return n;
    if (b >= 0xc0) return utf8SeqLen(b) > k ? n - k : n;
  }
  return n;
}

const decodeUtf8: ChunkDecoder = (buf, final) => {
  const n = buf.length;
  const cut = final ? n : utf8Cut(buf);
  if (isUtf8(buf.subarray(0, cut))) {
    if (cut === n) return { text: buf.toString('utf8'), consumed: n };
    // the held tail may itself be broken (e.g. `e4 41`): only hold it if it could still become a character
    if (utf8Prefix(buf, cut)) return { text: buf.toString('utf8', 0, cut), consumed: cut };
  }
  return decodeUtf8Slow(buf, final);
};

/** True if buf[from..] is a valid but incomplete UTF-8 sequence. */
function utf8Prefix(buf: Buffer, from: number): boolean {
  return utf8Check(buf, from) === 0;
}

/**
 * Validate the UTF-8 sequence starting at `i`: its length if valid, 0 if valid so far but cut by the end of the
 * buffer, -1 if the lead byte does not start a valid sequence (following the WHATWG rules: no overlongs, no
 * surrogates, nothing above U+10FFFF).
 */
function utf8Check(buf: Buffer, i: number): number {
  const b = buf[i];
  const len = utf8SeqLen(b);
  if (len === 1) return 1;
  if (len === 0) return -1;
  let lo = 0x80;
  let hi = 0xbf;
  if (b === 0xe0) lo = 0xa0;
  else if (b === 0xed) hi = 0x9f;
  else if (b === 0xf0) lo = 0x90;
  else if (b === 0xf4) hi = 0x8f;
  const n = buf.length;
  for (let k = 1; k < len; k++) {
    if (i + k >= n) return 0;
    const c = buf[i + k];
    if (c < lo || c > hi) return -1;
    lo = 0x80;
    hi = 0xbf;
  }
  return len;
}

function decodeUtf8Slow(buf: Buffer, final: boolean): DecodeStep {
  const n = buf.length;
  let text = '';
  let w = 0;
  let i = 0;
  while (i < n) {
    if (w > SCRATCH_UNITS - SCRATCH_MARGIN) {
      text += scratchText(w);
      w = 0;
    }
    const b = buf[i];
    if (b < 0x80) {
      scratch[w++] = b;
      i++;
      continue;
    }
    const r = utf8Check(buf, i);
    if (r > 0) {
      let cp: number;
      if (r === 2) cp = ((b & 0x1f) << 6) | (buf[i + 1] & 0x3f);
      else if (r === 3) cp = ((b & 0x0f) << 12) | ((buf[i + 1] & 0x3f) << 6) | (buf[i + 2] & 0x3f);
      else cp = ((b & 0x07) << 18) | ((buf[i + 1] & 0x3f) << 12) | ((buf[i + 2] & 0x3f) << 6) | (buf[i + 3] & 0x3f);
      w = putCodePoint(w, cp);
      i += r;
      continue;
    }
    if (r === 0 && !final) break;
    w = putEscape(w, b);
    i++;
  }
  if (w > 0) text += scratchText(w);
  return { text, consumed: i };
}

// --- UTF-16 ----------------------------------------------------------------------------------------------------

function makeUtf16Decoder(le: boolean): ChunkDecoder {
  const toText = (buf: Buffer, from: number, to: number): string => {
    if (from >= to) return '';
    if (le) return buf.toString('utf16le', from, to);
    const copy = Buffer.from(buf.subarray(from, to));
    return copy.swap16().toString('utf16le');
  };
  const unit = (buf: Buffer, i: number): number => (le ? buf[i] | (buf[i + 1] << 8) : (buf[i] << 8) | buf[i + 1]);
  return (buf, final) => {
    const n = buf.length;
    let text = '';
    let run = 0;
    let i = 0;
    while (i + 1 < n) {
      const u = unit(buf, i);
      if (u < 0xd800 || u > 0xdfff) {
        i += 2;
        continue;
      }
      if (u <= 0xdbff) {
        if (i + 3 < n) {
          const v = unit(buf, i + 2);
          if (v >= 0xdc00 && v <= 0xdfff) {
            i += 4;
            continue;
          }
        } else if (!final) {
          break; // a high surrogate whose partner has not arrived yet
        }
      }
      // a lone surrogate: show its two bytes
      text += toText(buf, run, i) + ESCAPED_BYTE[buf[i]] + ESCAPED_BYTE[buf[i + 1]];
      i += 2;
      run = i;
    }
    text += toText(buf, run, i);
    if (i < n && final) {
      text += escapeBytes(buf, i, n);
      i = n;
    }
    return { text, consumed: i };
  };
}

// --- latin1 ----------------------------------------------------------------------------------------------------

const decodeLatin1: ChunkDecoder = (buf) => ({ text: buf.toString('latin1'), consumed: buf.length });

// --- display forms ---------------------------------------------------------------------------------------------

function hexDecoderFactory(): { write(buf: Uint8Array): string; end(): string } {
  let started = false;
  return {
    write(buf) {
      if (buf.length === 0) return '';
      const s = (started ? ' ' : '') + toHex(buf, ' ');
      started = true;
      return s;
    },
    end() {
      started = false;
      return '';
    },
  };
}

function base64DecoderFactory(): { write(buf: Uint8Array): string; end(): string } {
  let held: Buffer = Buffer.alloc(0);
  return {
    write(u) {
      const buf = held.length ? Buffer.concat([held, u]) : asBuffer(u);
      const whole = buf.length - (buf.length % 3);
      held = Buffer.from(buf.subarray(whole));
      return buf.toString('base64', 0, whole);
    },
    end() {
      const s = held.toString('base64');
      held = Buffer.alloc(0);
      return s;
    },
  };
}

function chunkDecoderFor(id: string): ChunkDecoder {
  switch (id) {
    case 'utf-8':
      return decodeUtf8;
    case 'utf-16le':
      return makeUtf16Decoder(true);
    case 'utf-16be':
      return makeUtf16Decoder(false);
    case 'latin1':
      return decodeLatin1;
    default:
      return makeDbcsDecoder(id);
  }
}

/** A per-connection decoder: characters split across chunks are completed by the next chunk. */
export function createStreamDecoder(enc: string): StreamDecoder {
  const id = normalizeEncoding(enc);
  if (id === 'hex') return hexDecoderFactory();
  if (id === 'base64') return base64DecoderFactory();
  const decode = chunkDecoderFor(id);
  let held: Buffer | undefined;
  return {
    write(u: Uint8Array): string {
      let buf = asBuffer(u);
      if (held) {
        buf = Buffer.concat([held, buf]);
        held = undefined;
      }
      if (buf.length === 0) return '';
      const r = decode(buf, false);
      if (r.consumed < buf.length) held = Buffer.from(buf.subarray(r.consumed));
      return r.text;
    },
    end(): string {
      if (!held) return '';
      const buf = held;
      held = undefined;
      return decode(buf, true).text;
    },
  };
}

/** Decode a whole buffer; invalid bytes appear as `\xhh`. `hex` gives `48 65 6c`, `base64` standard base64. */
export function decodeText(buf: Uint8Array, enc: string): string {
  const id = normalizeEncoding(enc);
  const b = asBuffer(buf);
  if (id === 'hex') return toHex(b, ' ');
  if (id === 'base64') return b.toString('base64');
  return chunkDecoderFor(id)(b, true).text;
}
