/** Small DOM and formatting helpers for the webview (browser only, no dependencies). */

type Attrs = Record<string, string | number | boolean | undefined>;

/** Creates an element; attributes starting with "on" are not supported on purpose (use addEventListener). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Array<Node | string | undefined | false>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined && c !== false) el.append(c);
  return el;
}

export function icon(name: string, label?: string): HTMLSpanElement {
  const el = h('span', { class: `codicon codicon-${name}` });
  if (label) {
    el.setAttribute('role', 'img');
    el.setAttribute('aria-label', label);
  } else el.setAttribute('aria-hidden', 'true');
  return el;
}

/** A toolbar button showing only an icon, with a label for screen readers and a tooltip. */
export function iconButton(name: string, label: string, id?: string): HTMLButtonElement {
  const b = h('button', { class: 'icon-button', type: 'button', title: label, 'aria-label': label, id });
  b.append(icon(name));
  return b;
}

const HEX = '0123456789abcdef';

export function hexByte(b: number): string {
  return HEX[b >> 4] + HEX[b & 15];
}

export function toHex(data: Uint8Array, max = Infinity): string {
  const n = Math.min(data.length, max);
  const parts = new Array<string>(n);
  for (let i = 0; i < n; i++) parts[i] = HEX[data[i] >> 4] + HEX[data[i] & 15];
  return parts.join(' ') + (n < data.length ? ' …' : '');
}

/** offset, 16 hex bytes (8+8), ASCII column */
export function hexdump(data: Uint8Array, max = 64 * 1024): string {
  const n = Math.min(data.length, max);
  const lines: string[] = [];
  for (let off = 0; off < n; off += 16) {
    let hex = '';
    let ascii = '';
    for (let j = 0; j < 16; j++) {
      const i = off + j;
      if (i < n) {
        hex += HEX[data[i] >> 4] + HEX[data[i] & 15] + ' ';
        ascii += data[i] >= 0x20 && data[i] < 0x7f ? String.fromCharCode(data[i]) : '.';
      } else hex += '   ';
      if (j === 7) hex += ' ';
    }
    lines.push(off.toString(16).padStart(8, '0') + '  ' + hex + ' |' + ascii + '|');
  }
  if (n < data.length) lines.push(`… ${data.length - n} more bytes`);
  return lines.join('\n');
}

/** One-line form of decoded text: control characters made visible, long text cut. */
export function oneLine(text: string, max = 400): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  // eslint-disable-next-line no-control-regex
  const out = cut.replace(/[\x00-\x1f\x7f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return '\\x' + hexByte(c.charCodeAt(0));
  });
  return text.length > max ? out + '…' : out;
}

export type TimestampFormat = 'time' | 'iso' | 'relative';

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function formatTime(ms: number, fmt: TimestampFormat, origin = 0): string {
  if (fmt === 'relative') return '+' + ((ms - origin) / 1000).toFixed(3);
  const d = new Date(ms);
  if (fmt === 'iso') return d.toISOString();
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function debounce(fn: () => void, ms: number): () => void {
  let t: ReturnType<typeof setTimeout> | undefined;
  return () => {
    if (t !== undefined) clearTimeout(t);
    t = setTimeout(() => {
      t = undefined;
      fn();
    }, ms);
  };
}
