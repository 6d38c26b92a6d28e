// Decoders for the double-byte encodings (gbk, gb18030, big5, shift_jis, euc-kr): lookup tables of single bytes
// and byte pairs derived from iconv-lite's own mapping, built lazily; GB18030 four-byte sequences checked against
// their valid pointer ranges. Bytes that are not a character come out as `\xhh`.
import * as iconv from 'iconv-lite';
import { DBCS_CODEC } from './encodingNames';
import { putEscape, scratch, scratchText, SCRATCH_MARGIN, SCRATCH_UNITS, type ChunkDecoder } from './decodeScratch';

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

export function makeDbcsDecoder(id: string): ChunkDecoder {
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
