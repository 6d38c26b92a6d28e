/** Small DOM helpers for the webview (browser only); byte and time formatting is src/shared/bytes and src/shared/format. */
import { hexByte } from '../shared/bytes';

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
