/**
 * How the log fits narrow panels without cutting text: the Both view's two lines a row, and the details hexdump
 * with as many bytes a row as fit (its ASCII column stays in view).
 */
import { hexdump } from '../shared/bytes';
import { h } from './util';

/** Both view: the text on the first line (whole unless wider than the row), the hex below it */
export function showBoth(cell: HTMLElement, text: string, hex: string): void {
  const [words, bytes] = cell.children as unknown as Array<HTMLElement | undefined>;
  if (cell.childElementCount === 2 && words && bytes) {
    words.textContent = text;
    bytes.textContent = hex;
  } else cell.replaceChildren(h('span', { class: 'c-words', text }), h('span', { class: 'c-hex', text: hex }));
}

/** characters one hexdump row of `width` bytes takes: offset, hex (an extra space every 8), |ascii| */
export function hexdumpRowChars(width: number): number {
  return 8 + 2 + (3 * width - 1) + Math.floor((width - 1) / 8) + 2 + width + 2;
}

/**
 * The details hexdump with as many bytes a row as fit its width (16, 8, 4 or 2), so the ASCII column is always in
 * view; it is laid out again when the pane is resized.
 */
export function hexdumpFitter(): { show(pre: HTMLElement, data: Uint8Array, tail: string): void } {
  let cur: { pre: HTMLElement; data: Uint8Array; tail: string; width: number } | undefined;
  const layout = (): void => {
    const c = cur;
    if (!c || !c.pre.isConnected) return;
    // out of the flow and unwrapped, so the text already there cannot wrap it
    const probe = h('span', { text: '0'.repeat(40) });
    probe.style.position = 'absolute';
    probe.style.visibility = 'hidden';
    probe.style.whiteSpace = 'pre';
    c.pre.append(probe);
    const ch = probe.getBoundingClientRect().width / 40;
    probe.remove();
    const cs = getComputedStyle(c.pre);
    const room = c.pre.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    const width = ch > 0 && room > 0 ? ([16, 8, 4, 2].find((w) => hexdumpRowChars(w) * ch <= room) ?? 1) : 16;
    if (width === c.width) return;
    c.width = width;
    c.pre.textContent = hexdump(c.data, { width, maxBytes: 64 * 1024 }) + c.tail;
  };
  const ro = new ResizeObserver(layout);
  return {
    show(pre, data, tail) {
      ro.disconnect();
      cur = { pre, data, tail, width: 0 };
      layout();
      ro.observe(pre);
    },
  };
}
