/**
 * Parsing escaped text that people type into bytes (`hello\r\n`, `\x00`, `\u4e2d`, `\U0001F600`, octal `\0`), the
 * text parts in a chosen encoding. Hex and base64 input are in ./binaryInput (which encoding.ts uses too, so
 * neither imports the other in a cycle). Errors are InputError with the 0-based character `position` of the problem.
 */
import { EncodingError, encodeText, normalizeEncoding } from './encoding';
import { InputError } from './binaryInput';

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
