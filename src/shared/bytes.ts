/**
 * Bytes shown as text: hex digits, a hexdump identical to `hexdump -C`, and Python/C byte literals. Pure (plain
 * Uint8Array, no Node, no DOM), so core, the CLI, the extension and the webview all use these same functions.
 *
 *   00000000  48 65 6c 6c 6f 2c 20 e4  b8 96 e7 95 8c 0a        |Hello, .......|
 */

/** Two lowercase hex digits for every byte value: HEX_BYTES[0x0a] === '0a'. */
export const HEX_BYTES: readonly string[] = Array.from({ length: 256 }, (_, b) => (b < 16 ? '0' : '') + b.toString(16));

/** One byte as two lowercase hex digits. */
export function hexByte(b: number): string {
  return HEX_BYTES[b & 0xff];
}

/**
 * Bytes as hex digits, `sep` between bytes (default none, like Python's `bytes.hex()`). With `max`, at most that many
 * bytes are shown and ` …` marks that more follow.
 */
export function toHex(buf: Uint8Array, sep = '', max = Infinity): string {
  const n = Math.min(buf.length, max);
  let s = '';
  if (n > 0) {
    s = HEX_BYTES[buf[0]];
    if (sep === '') for (let i = 1; i < n; i++) s += HEX_BYTES[buf[i]];
    else for (let i = 1; i < n; i++) s += sep + HEX_BYTES[buf[i]];
  }
  return n < buf.length ? s + ' …' : s;
}

export interface HexdumpOptions {
  /** offset shown for the first byte (default 0), e.g. the stream offset of a chunk */
  offset?: number;
  /** bytes per line (default 16); a gap is put after every 8 */
  width?: number;
  /** show the ASCII column (default true) */
  ascii?: boolean;
  /** uppercase hex digits (default false) */
  uppercase?: boolean;
  /** at most this many bytes are shown; a last line `… N more bytes` follows (default: all) */
  maxBytes?: number;
}

/**
 * Classic hexdump, line for line what `hexdump -C -v` prints: 8-digit hex offset (more if needed), 16 bytes per line
 * with an extra space after 8, and the printable ASCII column (`.` for everything else) between bars. Lines are joined
 * with `\n`, no trailing newline and no final total-length line; an empty buffer gives ''.
 */
export function hexdump(buf: Uint8Array, opts: HexdumpOptions = {}): string {
  const width = Math.max(1, Math.floor(opts.width ?? 16));
  const base = Math.max(0, Math.floor(opts.offset ?? 0));
  const showAscii = opts.ascii ?? true;
  const upper = opts.uppercase ?? false;
  const total = buf.length;
  const shown = opts.maxBytes !== undefined ? Math.min(total, Math.max(0, Math.floor(opts.maxBytes))) : total;
  if (total === 0) return '';
  const offDigits = Math.max(8, (base + Math.max(shown - 1, 0)).toString(16).length);
  const lines: string[] = [];
  for (let start = 0; start < shown; start += width) {
    const end = Math.min(start + width, shown);
    let off = (base + start).toString(16);
    if (upper) off = off.toUpperCase();
    let line = off.padStart(offDigits, '0') + '  ';
    let ascii = '';
    for (let k = 0; k < width; k++) {
      if (k > 0) line += k % 8 === 0 ? '  ' : ' ';
      if (start + k < end) {
        const b = buf[start + k];
        line += upper ? HEX_BYTES[b].toUpperCase() : HEX_BYTES[b];
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else {
        line += '  ';
      }
    }
    if (showAscii) line += '  |' + ascii + '|';
    else line = line.trimEnd();
    lines.push(line);
  }
  if (shown < total) lines.push(`… ${total - shown} more ${total - shown === 1 ? 'byte' : 'bytes'}`);
  return lines.join('\n');
}

/**
 * A Python bytes literal, exactly as Python's `repr(bytes)` writes it: printable ASCII as is, `\\` and the quote
 * escaped, `\t \n \r`, others `\xHH`; double quotes when the bytes hold ' but no ".
 */
export function pythonBytesLiteral(data: Uint8Array): string {
  const q = data.includes(0x27) && !data.includes(0x22) ? '"' : "'";
  let s = 'b' + q;
  for (const b of data) {
    if (b === 0x5c) s += '\\\\';
    else if (b === 0x27 && q === "'") s += "\\'";
    else if (b === 0x09) s += '\\t';
    else if (b === 0x0a) s += '\\n';
    else if (b === 0x0d) s += '\\r';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += '\\x' + HEX_BYTES[b];
  }
  return s + q;
}

/** A C array definition, 12 bytes a line: `const unsigned char name[6] = {\n    0x09, …\n};` (`name` must be a C identifier, else "frame"). */
export function cArrayLiteral(data: Uint8Array, name = 'frame'): string {
  const safe = /^[A-Za-z_]\w*$/.test(name) ? name : 'frame';
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += 12) {
    const row: string[] = [];
    for (let j = i; j < Math.min(i + 12, data.length); j++) row.push('0x' + HEX_BYTES[data[j]]);
    lines.push('    ' + row.join(', ') + (i + 12 < data.length ? ',' : ''));
  }
  return `const unsigned char ${safe}[${data.length}] = {\n${lines.join('\n')}${lines.length ? '\n' : ''}};`;
}

/** The clipboard forms of a frame's bytes: spaced hex, a Python bytes literal, or a C array named `name`. */
export type ByteLiteralFormat = 'hex' | 'python' | 'c';

/** Bytes written in one of the clipboard forms (see ByteLiteralFormat). */
export function byteLiteral(data: Uint8Array, format: ByteLiteralFormat, name = 'frame'): string {
  if (format === 'hex') return toHex(data, ' ');
  if (format === 'python') return pythonBytesLiteral(data);
  return cArrayLiteral(data, name);
}
