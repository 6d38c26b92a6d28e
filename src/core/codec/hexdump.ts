/**
 * Hex views of bytes, shared by the CLI and the UI. Works on plain Uint8Array (no Node APIs), so the webview
 * bundle can import it too.
 *
 *   00000000  48 65 6c 6c 6f 2c 20 e4  b8 96 e7 95 8c 0a        |Hello, .......|
 */

const HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => (b < 16 ? '0' : '') + b.toString(16));

/** Bytes as hex digits, `sep` between bytes (default none, like Python's `bytes.hex()`). */
export function toHex(buf: Uint8Array, sep = ''): string {
  const n = buf.length;
  if (n === 0) return '';
  if (sep === '') {
    let s = '';
    for (let i = 0; i < n; i++) s += HEX[buf[i]];
    return s;
  }
  let s = HEX[buf[0]];
  for (let i = 1; i < n; i++) s += sep + HEX[buf[i]];
  return s;
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
 * Classic hexdump: 8-digit hex offset (more if needed), 16 bytes per line with an extra space after 8, and the
 * printable ASCII column (`.` for everything else) between bars. Lines are joined with `\n`, no trailing newline;
 * an empty buffer gives ''.
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
        line += upper ? HEX[b].toUpperCase() : HEX[b];
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else {
        line += '  ';
      }
    }
    if (showAscii) line += '  |' + ascii + '|';
    else line = line.trimEnd();
    lines.push(line);
  }
  if (shown < total) lines.push(`… ${total - shown} more byte${total - shown === 1 ? '' : 's'}`);
  return lines.join('\n');
}
