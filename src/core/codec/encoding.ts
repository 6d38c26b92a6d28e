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
import * as iconv from 'iconv-lite';
import { HEX_BYTES, toHex } from '../../shared/bytes';
import { parseBase64, parseHex } from './binaryInput';

export interface EncodingInfo {
  /** canonical id, accepted by every function here */
  id: string;
  /** human label for pickers */
  label: string;
  /** `text`: a character encoding; `binary`: a display form of raw bytes (hex, base64) */
  kind: 'text' | 'binary';
}

export const SUPPORTED_ENCODINGS: readonly EncodingInfo[] = [
  { id: 'utf-8', label: 'UTF-8', kind: 'text' },
  { id: 'gbk', label: 'GBK (简体中文, cp936)', kind: 'text' },
  { id: 'gb18030', label: 'GB18030 (简体中文)', kind: 'text' },
  { id: 'big5', label: 'Big5 (繁體中文)', kind: 'text' },
  { id: 'shift_jis', label: 'Shift_JIS (日本語)', kind: 'text' },
  { id: 'euc-kr', label: 'EUC-KR (한국어)', kind: 'text' },
  { id: 'utf-16le', label: 'UTF-16LE', kind: 'text' },
  { id: 'utf-16be', label: 'UTF-16BE', kind: 'text' },
  { id: 'latin1', label: 'Latin-1 (ISO-8859-1)', kind: 'text' },
  { id: 'hex', label: 'Hex', kind: 'binary' },
  { id: 'base64', label: 'Base64', kind: 'binary' },
];

/** Alias → canonical id. Keys are lowercased with `-`, `_`, spaces and dots removed. */
const ALIASES: ReadonlyMap<string, string> = new Map([
  ['utf8', 'utf-8'],
  ['gbk', 'gbk'],
  ['cp936', 'gbk'],
  ['ms936', 'gbk'],
  ['windows936', 'gbk'],
  ['gb2312', 'gbk'],
  ['euccn', 'gbk'],
  ['gb18030', 'gb18030'],
  ['big5', 'big5'],
  ['big5hkscs', 'big5'],
  ['cp950', 'big5'],
  ['shiftjis', 'shift_jis'],
  ['sjis', 'shift_jis'],
  ['mskanji', 'shift_jis'],
  ['cp932', 'shift_jis'],
  ['ms932', 'shift_jis'],
  ['windows31j', 'shift_jis'],
  ['euckr', 'euc-kr'],
  ['cp949', 'euc-kr'],
  ['uhc', 'euc-kr'],
  ['ksc5601', 'euc-kr'],
  ['utf16le', 'utf-16le'],
  ['ucs2', 'utf-16le'],
  ['utf16be', 'utf-16be'],
  ['latin1', 'latin1'],
  ['latin', 'latin1'],
  ['l1', 'latin1'],
  ['iso88591', 'latin1'],
  ['iso885911987', 'latin1'],
  ['8859', 'latin1'],
  ['cp819', 'latin1'],
  ['binary', 'latin1'],
  ['hex', 'hex'],
  ['base64', 'base64'],
  ['b64', 'base64'],
]);

/** iconv-lite codec names of the double-byte encodings. */
const DBCS_CODEC: Readonly<Record<string, string>> = {
  gbk: 'gbk',
  gb18030: 'gb18030',
  big5: 'big5hkscs',
  shift_jis: 'shiftjis',
  'euc-kr': 'cp949',
};

export class EncodingError extends Error {
  /** the encoding involved (as given) */
  readonly encoding: string;
  /** for encode errors: the UTF-16 index in the text of the character that cannot be encoded; otherwise -1 */
  readonly index: number;
  constructor(message: string, encoding: string, index = -1) {
    super(message);
    this.name = 'EncodingError';
    this.encoding = encoding;
    this.index = index;
  }
}

/** Canonical id of an encoding name or alias (`UTF8`, `cp936`, `sjis`, …). Throws EncodingError if unknown. */
export function normalizeEncoding(name: string): string {
  const key = String(name).trim().toLowerCase().replace(/[-_\s.]/g, '');
  const id = ALIASES.get(key);
  if (id === undefined) {
    throw new EncodingError(
      `unknown encoding '${name}'; supported: ${SUPPORTED_ENCODINGS.map((e) => e.id).join(', ')}`,
      name,
    );
  }
  return id;
}

/** True for the display forms (hex, base64) rather than character encodings. */
export function isBinaryForm(enc: string): boolean {
  const id = normalizeEncoding(enc);
  return id === 'hex' || id === 'base64';
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding

export interface StreamDecoder {
  /** Decode the next chunk; bytes of an incomplete trailing character are held until the next write. */
  write(buf: Uint8Array): string;
  /** End of stream: held bytes that never became a character are returned as `\xhh`. Resets the decoder. */
  end(): string;
}

const ESCAPED_BYTE: readonly string[] = HEX_BYTES.map((h) => '\\x' + h);

/** The `\xhh` forms of `buf[from, to)`. */
function escapeBytes(buf: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += ESCAPED_BYTE[buf[i]];
  return s;
}

/** Result of decoding a prefix: the text and where the held (incomplete) tail begins. */
interface DecodeStep {
  text: string;
  /** bytes `[consumed, length)` are an incomplete character to retry with more input (always length if final) */
  consumed: number;
}

type ChunkDecoder = (buf: Buffer, final: boolean) => DecodeStep;

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

// --- output scratch ---------------------------------------------------------------------------------------------

/**
 * Decoders that must look at every byte (double-byte encodings, broken UTF-8) write UTF-16 code units into this
 * scratch array and turn it into a string once per block, instead of concatenating many small strings.
 */
const SCRATCH_UNITS = 32 * 1024;
const scratch = new Uint16Array(SCRATCH_UNITS);
const scratchBytes = Buffer.from(scratch.buffer, scratch.byteOffset, scratch.byteLength);
/** flush when fewer units than this are left: the most one input step writes (4 escaped bytes = 16 units) */
const SCRATCH_MARGIN = 32;
const HEX_DIGIT = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function scratchText(units: number): string {
  if (LITTLE_ENDIAN) return scratchBytes.toString('utf16le', 0, units * 2);
  let s = '';
  for (let i = 0; i < units; i += 4096) s += String.fromCharCode(...scratch.subarray(i, Math.min(units, i + 4096)));
  return s;
}

/** Write `\xhh` for byte `b` at `w`; returns the new write position. */
function putEscape(w: number, b: number): number {
  scratch[w] = 0x5c;
  scratch[w + 1] = 0x78;
  scratch[w + 2] = HEX_DIGIT[b >> 4];
  scratch[w + 3] = HEX_DIGIT[b & 15];
  return w + 4;
}

/** Write the UTF-16 units of code point `cp` at `w`. */
function putCodePoint(w: number, cp: number): number {
  if (cp < 0x10000) {
    scratch[w] = cp;
    return w + 1;
  }
  const v = cp - 0x10000;
  scratch[w] = 0xd800 | (v >> 10);
  scratch[w + 1] = 0xdc00 | (v & 0x3ff);
  return w + 2;
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

// --- double-byte encodings (gbk, gb18030, big5, shift_jis, euc-kr) ----------------------------------------------

/** unit tables: 0 = not a character; STR = see the string map; otherwise the single UTF-16 unit + 1 */
const STR = 0x10001;

interface DbcsTable {
  codec: string;
  /** per byte: 0 invalid, LEAD, or (unit + 1) of a one-byte character */
  first: Int32Array;
  /** per (lead << 8 | trail): 0 unmapped, STR, or (unit + 1) */
  pair: Int32Array;
  /** characters that are not a single UTF-16 unit (astral, or sequences of code points), by byte code */
  strings: Map<number, string>;
  /** GB18030: four-byte sequences lead, 0x30-0x39, 0x81-0xfe, 0x30-0x39 */
  fourByte: boolean;
}

const LEAD = -1;
const dbcsTables = new Map<string, DbcsTable>();

function unitOf(s: string): number {
  return s.length === 1 ? s.charCodeAt(0) + 1 : STR;
}

/**
 * Derive the byte structure and characters of a double-byte encoding from iconv-lite's mapping through its public
 * decode: a byte is a character if it decodes alone to something other than U+FFFD; a pair is mapped if it
 * decodes to a character. Pairs are probed in one decode call per lead byte, separated by newlines (never a valid
 * trail byte), so building a table takes a few milliseconds, once per encoding.
 */
function dbcsTable(id: string): DbcsTable {
  let t = dbcsTables.get(id);
  if (t) return t;
  const codec = DBCS_CODEC[id];
  const first = new Int32Array(256);
  const pair = new Int32Array(65536);
  const strings = new Map<number, string>();
  const TRAIL_FROM = 0x30;
  const probe = Buffer.alloc((256 - TRAIL_FROM) * 3);
  for (let b = 0; b < 256; b++) {
    const s = iconv.decode(Buffer.from([b]), codec, { stripBOM: false });
    if (s !== '\ufffd') {
      first[b] = unitOf(s);
      if (first[b] === STR) strings.set(b, s);
      continue;
    }
    for (let tr = TRAIL_FROM, k = 0; tr < 256; tr++, k += 3) {
      probe[k] = b;
      probe[k + 1] = tr;
      probe[k + 2] = 0x0a;
    }
    const pieces = iconv.decode(probe, codec, { stripBOM: false }).split('\n');
    let any = false;
    for (let tr = TRAIL_FROM; tr < 256; tr++) {
      const piece = pieces[tr - TRAIL_FROM];
      if (piece !== undefined && piece.length > 0 && piece.charCodeAt(0) !== 0xfffd) {
        const code = (b << 8) | tr;
        pair[code] = unitOf(piece);
        if (pair[code] === STR) strings.set(code, piece);
        any = true;
      }
    }
    if (any) first[b] = LEAD;
  }
  t = { codec, first, pair, strings, fourByte: id === 'gb18030' };
  if (t.fourByte) for (let b = 0x81; b <= 0xfe; b++) first[b] = LEAD;
  dbcsTables.set(id, t);
  return t;
}

/** GB18030 four-byte pointer ranges that map to characters (WHATWG Encoding: BMP part and U+10000–U+10FFFF). */
function gb18030Pointer(b1: number, b2: number, b3: number, b4: number): number {
  return (b1 - 0x81) * 12600 + (b2 - 0x30) * 1260 + (b3 - 0x81) * 10 + (b4 - 0x30);
}

function gb18030PointerValid(p: number): boolean {
  return p <= 39419 || (p >= 189000 && p <= 1237575);
}

/** Decoded GB18030 four-byte characters (computed by iconv-lite, cached). */
const gb18030Four = new Map<number, string>();

function gb18030FourByte(codec: string, buf: Buffer, i: number, p: number): string {
  let s = gb18030Four.get(p);
  if (s === undefined) {
    s = iconv.decode(buf.subarray(i, i + 4), codec, { stripBOM: false });
    if (gb18030Four.size < 65536) gb18030Four.set(p, s);
  }
  return s;
}

function makeDbcsDecoder(id: string): ChunkDecoder {
  let table: DbcsTable | undefined;
  return (buf, final) => {
    const t = (table ??= dbcsTable(id));
    const { first, pair, strings, fourByte, codec } = t;
    const n = buf.length;
    let text = '';
    let w = 0;
    let i = 0;
    const putString = (s: string): void => {
      for (let k = 0; k < s.length; k++) {
        if (w > SCRATCH_UNITS - SCRATCH_MARGIN) {
          text += scratchText(w);
          w = 0;
        }
        scratch[w++] = s.charCodeAt(k);
      }
    };
    while (i < n) {
      if (w > SCRATCH_UNITS - SCRATCH_MARGIN) {
        text += scratchText(w);
        w = 0;
      }
      const b = buf[i];
      const f = first[b];
      if (f > 0) {
        if (f === STR) putString(strings.get(b) ?? '');
        else scratch[w++] = f - 1;
        i++;
        continue;
      }
      if (f === LEAD) {
        if (i + 1 >= n) {
          if (!final) break;
        } else {
          const c = buf[i + 1];
          const code = (b << 8) | c;
          const u = pair[code];
          if (u > 0) {
            if (u === STR) putString(strings.get(code) ?? '');
            else scratch[w++] = u - 1;
            i += 2;
            continue;
          }
          if (fourByte && c >= 0x30 && c <= 0x39) {
            if (i + 2 >= n) {
              if (!final) break;
            } else {
              const d = buf[i + 2];
              if (d >= 0x81 && d <= 0xfe) {
                if (i + 3 >= n) {
                  if (!final) break;
                } else {
                  const e = buf[i + 3];
                  if (e >= 0x30 && e <= 0x39) {
                    const p = gb18030Pointer(b, c, d, e);
                    if (gb18030PointerValid(p)) putString(gb18030FourByte(codec, buf, i, p));
                    else for (let k = 0; k < 4; k++) w = putEscape(w, buf[i + k]); // well-formed but unassigned
                    i += 4;
                    continue;
                  }
                }
              }
            }
          } else if (c >= 0x80) {
            // an unmapped pair with a non-ASCII second byte is one bad character (as in the WHATWG decoders;
            // only an ASCII second byte is given back to the stream)
            w = putEscape(w, b);
            w = putEscape(w, c);
            i += 2;
            continue;
          }
        }
      }
      // an invalid byte (or a lead byte that cannot start a character here)
      w = putEscape(w, b);
      i++;
    }
    if (w > 0) text += scratchText(w);
    return { text, consumed: i };
  };
}

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

// ---------------------------------------------------------------------------------------------------------------
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
