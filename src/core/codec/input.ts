/**
 * Parsing what people type into bytes: hex (`48 65 6c`, `0x48,0x65`, `48656c`, `48:65`, several lines),
 * escaped text (`hello\r\n`, `\x00`, `\u4e2d`, `\U0001F600`, octal `\0`), and base64.
 * Errors are InputError with the 0-based character `position` of the problem in the input string.
 */
import { EncodingError, encodeText, normalizeEncoding } from './encoding';

export class InputError extends Error {
  /** 0-based index (UTF-16 code units) in the input where the problem is */
  readonly position: number;
  constructor(message: string, position: number) {
    super(message);
    this.name = 'InputError';
    this.position = position;
  }
}

function showChar(s: string, i: number): string {
  const cp = s.codePointAt(i) ?? 0;
  if (cp < 0x20 || cp === 0x7f) return 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
  return `'${String.fromCodePoint(cp)}'`;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function isHexSeparator(c: number): boolean {
  // space, tab, CR, LF, comma, colon, semicolon, hyphen
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2c || c === 0x3a || c === 0x3b || c === 0x2d;
}

/**
 * Parse hex bytes. Groups are separated by whitespace, `,`, `:`, `;` or `-`; a group may start with `0x`/`0X`
 * (or `\x`) and holds an even number of digits (`48656c` is three bytes). Empty input gives an empty buffer.
 */
export function parseHex(s: string): Buffer {
  const out = Buffer.allocUnsafe(s.length >> 1);
  let n = 0;
  let i = 0;
  const len = s.length;
  while (i < len) {
    const c = s.charCodeAt(i);
    if (isHexSeparator(c)) {
      i++;
      continue;
    }
    // one group
    const groupStart = i;
    if ((c === 0x30 || c === 0x5c) && i + 1 < len && (s.charCodeAt(i + 1) | 0x20) === 0x78) {
      i += 2; // 0x / \x
      if (i >= len || isHexSeparator(s.charCodeAt(i)) || s.charCodeAt(i) === 0x5c) {
        throw new InputError(`'${s.slice(groupStart, i)}' at position ${groupStart} has no hex digits after it`, groupStart);
      }
    } else if (c === 0x5c) {
      throw new InputError(`invalid hex digit '\\' at position ${i}`, i);
    }
    const digitsStart = i;
    while (i < len && !isHexSeparator(s.charCodeAt(i)) && s.charCodeAt(i) !== 0x5c) {
      if (hexValue(s.charCodeAt(i)) < 0) {
        throw new InputError(`invalid hex digit ${showChar(s, i)} at position ${i}`, i);
      }
      i++;
    }
    const count = i - digitsStart;
    if (count % 2 !== 0) {
      const group = s.slice(groupStart, i);
      throw new InputError(
        group.length === s.trim().length
          ? `odd number of hex digits (${count})`
          : `odd number of hex digits in '${group}' at position ${groupStart}`,
        groupStart,
      );
    }
    for (let k = digitsStart; k < i; k += 2) {
      out[n++] = (hexValue(s.charCodeAt(k)) << 4) | hexValue(s.charCodeAt(k + 1));
    }
  }
  return out.subarray(0, n);
}

/** Parse base64 (standard or URL-safe alphabet, padding optional, whitespace ignored). */
export function parseBase64(s: string): Buffer {
  let data = 0; // significant characters seen
  let padAt = -1;
  let pads = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    if (c === 0x3d) {
      if (padAt < 0) padAt = i;
      pads++;
      continue;
    }
    const ok =
      (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f || c === 0x2d || c === 0x5f;
    if (!ok) throw new InputError(`invalid base64 character ${showChar(s, i)} at position ${i}`, i);
    if (padAt >= 0) throw new InputError(`base64 data after '=' padding at position ${i}`, i);
    data++;
  }
  if (data % 4 === 1) {
    throw new InputError(`truncated base64: ${data} characters (a multiple of 4 is expected, minus at most 2)`, s.length);
  }
  if (pads > 0 && (pads > 2 || (data + pads) % 4 !== 0)) {
    throw new InputError(`wrong base64 padding at position ${padAt}`, padAt);
  }
  return Buffer.from(s, 'base64');
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  '\\': 0x5c,
  "'": 0x27,
  '"': 0x22,
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  v: 0x0b,
  e: 0x1b,
};

/**
 * Parse text with escapes into bytes. Text (and `\u`/`\U` characters) is encoded with `enc` (default utf-8);
 * `\xhh` and octal `\ooo` (1–3 digits, ≤ \377) are raw bytes, as in a Python bytes literal. Known escapes:
 * `\n \r \t \\ \' \" \a \b \f \v \e \0`, `\xhh`, `\uhhhh` (a `\ud83d\ude00` pair is joined), `\Uhhhhhhhh`.
 */
export function parseEscapes(s: string, enc = 'utf-8'): Buffer {
  const id = normalizeEncoding(enc);
  const parts: Buffer[] = [];
  let text = '';
  /** source position of each UTF-16 unit of `text` */
  let textPos: number[] = [];
  let raw: number[] = [];

  const flushText = (): void => {
    if (text.length === 0) return;
    try {
      parts.push(encodeText(text, id));
    } catch (e) {
      if (e instanceof EncodingError && e.index >= 0) {
        const pos = textPos[e.index] ?? 0;
        throw new InputError(e.message.replace(/ at index \d+ /, ` at position ${pos} `), pos);
      }
      throw e;
    }
    text = '';
    textPos = [];
  };
  const flushRaw = (): void => {
    if (raw.length === 0) return;
    parts.push(Buffer.from(raw));
    raw = [];
  };
  const pushByte = (b: number): void => {
    flushText();
    raw.push(b);
  };
  const pushText = (t: string, pos: number): void => {
    flushRaw();
    text += t;
    for (let k = 0; k < t.length; k++) textPos.push(pos);
  };

  const len = s.length;
  let i = 0;
  while (i < len) {
    const c = s.charCodeAt(i);
    if (c !== 0x5c) {
      // a run of plain text
      let j = i + 1;
      while (j < len && s.charCodeAt(j) !== 0x5c) j++;
      flushRaw();
      text += s.slice(i, j);
      for (let k = i; k < j; k++) textPos.push(k);
      i = j;
      continue;
    }
    const at = i;
    if (i + 1 >= len) throw new InputError(`dangling backslash at position ${at} (write \\\\ for a backslash)`, at);
    const e = s[i + 1];
    if (e in SIMPLE_ESCAPES) {
      // control characters and quotes are ASCII in every supported encoding except utf-16: encode them as text
      pushText(String.fromCharCode(SIMPLE_ESCAPES[e]), at);
      i += 2;
      continue;
    }
    if (e >= '0' && e <= '7') {
      let j = i + 1;
      let v = 0;
      while (j < len && j < i + 4 && s[j] >= '0' && s[j] <= '7') v = v * 8 + (s.charCodeAt(j++) - 0x30);
      if (v > 0xff) throw new InputError(`octal escape '${s.slice(at, j)}' at position ${at} is above \\377`, at);
      pushByte(v);
      i = j;
      continue;
    }
    if (e === 'x') {
      const h = s.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) {
        throw new InputError(`'\\x' at position ${at} needs two hex digits, got '${s.slice(at, i + 4)}'`, at);
      }
      pushByte(parseInt(h, 16));
      i += 4;
      continue;
    }
    if (e === 'u' || e === 'U') {
      const digits = e === 'u' ? 4 : 8;
      const h = s.slice(i + 2, i + 2 + digits);
      if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(h)) {
        throw new InputError(`'\\${e}' at position ${at} needs ${digits} hex digits, got '${s.slice(at, i + 2 + digits)}'`, at);
      }
      let cp = parseInt(h, 16);
      let end = i + 2 + digits;
      if (cp > 0x10ffff) throw new InputError(`'${s.slice(at, end)}' at position ${at} is beyond U+10FFFF`, at);
      if (cp >= 0xd800 && cp <= 0xdbff) {
        // join an escaped surrogate pair (\ud83d\ude00)
        const m = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(s.slice(end, end + 6));
        if (m) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (parseInt(m[1], 16) - 0xdc00);
          end += 6;
        }
      }
      if (cp >= 0xd800 && cp <= 0xdfff) {
        throw new InputError(`'${s.slice(at, end)}' at position ${at} is a lone surrogate`, at);
      }
      pushText(String.fromCodePoint(cp), at);
      i = end;
      continue;
    }
    throw new InputError(`unknown escape '\\${e}' at position ${at} (write \\\\ for a backslash)`, at);
  }
  flushText();
  flushRaw();
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}
