/**
 * Parsing hex (`48 65 6c`, `0x48,0x65`, `48656c`, `48:65`, several lines) and base64 that people type into bytes,
 * and InputError, the error of every typed-input parser: it carries the 0-based character `position` of the problem.
 * Imports nothing of the codec, so encoding.ts (the hex and base64 pseudo-encodings) and input.ts (escaped text)
 * both build on it.
 */

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
