/**
 * A virtualized list with a fixed row height: only the visible rows exist in the DOM (a small pool reused
 * on scroll), so 100,000 rows cost the same to render as 30. Rendering is coalesced into one
 * requestAnimationFrame.
 */
export interface VirtualListOptions {
  rowHeight: number;
  /** fills a pooled row element for item `index` */
  renderRow(el: HTMLElement, index: number): void;
  /** ARIA role of the rows ("option" for listbox, "row" for grid) */
  rowRole?: string;
  rowClass?: string;
  /** called when the list starts or stops following the newest row (the user scrolled, selected, or pressed End) */
  onFollowChange?(follow: boolean): void;
}

export class VirtualList {
  readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly pool: HTMLElement[] = [];
  private count = 0;
  private scheduled = false;
  private spacerHeight = -1;
  private following = true;

  constructor(
    container: HTMLElement,
    private readonly opts: VirtualListOptions,
  ) {
    this.viewport = container;
    this.viewport.classList.add('vlist');
    this.spacer = document.createElement('div');
    this.spacer.className = 'vlist-spacer';
    this.viewport.appendChild(this.spacer);
    this.viewport.addEventListener('scroll', () => {
      const top = this.viewport.scrollTop;
      if (top === this.lastSetTop) return; // our own scroll while following
      this.follow = top + this.height >= this.count * this.opts.rowHeight - this.opts.rowHeight;
      this.schedule();
    });
    new ResizeObserver((entries) => {
      for (const e of entries) this.height = e.contentRect.height;
      this.schedule();
    }).observe(this.viewport);
  }

  /** keep the view pinned to the newest row while the user is at the bottom */
  get follow(): boolean {
    return this.following;
  }

  set follow(v: boolean) {
    if (v === this.following) return;
    this.following = v;
    this.opts.onFollowChange?.(v);
  }

  /** viewport height, kept by the ResizeObserver (reading clientHeight per render would force a layout) */
  private height = 0;
  private lastSetTop = -1;

  get length(): number {
    return this.count;
  }

  setCount(n: number): void {
    this.count = n;
    this.schedule();
  }

  /** a new row height (e.g. two lines a row): the pooled rows take it, the view re-renders */
  setRowHeight(h: number): void {
    if (h === this.opts.rowHeight) return;
    this.opts.rowHeight = h;
    for (const el of this.pool) el.style.height = `${h}px`;
    this.spacerHeight = -1;
    this.schedule();
  }

  /** re-render visible rows (content changed, count unchanged) */
  refresh(): void {
    this.schedule();
  }

  scrollToIndex(i: number, align: 'nearest' | 'center' = 'nearest'): void {
    const h = this.opts.rowHeight;
    const top = i * h;
    const vh = this.viewport.clientHeight;
    if (align === 'center') this.viewport.scrollTop = Math.max(0, top - vh / 2 + h / 2);
    else if (top < this.viewport.scrollTop) this.viewport.scrollTop = top;
    else if (top + h > this.viewport.scrollTop + vh) this.viewport.scrollTop = top + h - vh;
    this.schedule();
  }

  scrollToEnd(): void {
    this.follow = true;
    this.schedule();
  }

  /** index of the first fully visible row */
  firstVisible(): number {
    return Math.ceil(this.viewport.scrollTop / this.opts.rowHeight);
  }

  visibleRows(): number {
    return Math.max(1, Math.floor(this.viewport.clientHeight / this.opts.rowHeight));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.render();
    });
  }

  /** renders now (used by tests and benchmarks; normal updates go through requestAnimationFrame) */
  render(): void {
    const h = this.opts.rowHeight;
    if (this.height === 0) this.height = this.viewport.clientHeight;
    const vh = this.height || h * 20;
    const total = this.count * h;
    if (this.spacerHeight !== total) {
      this.spacer.style.height = `${total}px`;
      this.spacerHeight = total;
    }
    let top: number;
    if (this.follow) {
      top = Math.max(0, total - vh);
      if (this.lastSetTop !== top) {
        this.lastSetTop = top;
        this.viewport.scrollTop = top;
      }
    } else {
      top = this.viewport.scrollTop;
      this.lastSetTop = -1;
    }
    const first = Math.max(0, Math.floor(top / h));
    const n = Math.min(this.count - first, Math.ceil(vh / h) + 1);
    while (this.pool.length < n) {
      const el = document.createElement('div');
      el.className = 'vrow' + (this.opts.rowClass ? ' ' + this.opts.rowClass : '');
      if (this.opts.rowRole) el.setAttribute('role', this.opts.rowRole);
      el.style.height = `${h}px`;
      this.viewport.appendChild(el);
      this.pool.push(el);
    }
    for (let k = 0; k < this.pool.length; k++) {
      const el = this.pool[k];
      if (k < n) {
        const i = first + k;
        el.hidden = false;
        el.style.transform = `translateY(${i * h}px)`;
        el.dataset.index = String(i);
        this.opts.renderRow(el, i);
      } else if (!el.hidden) {
        // a spare row: hidden, and stripped of what it showed (state classes, render cache, ARIA)
        el.hidden = true;
        el.className = 'vrow' + (this.opts.rowClass ? ' ' + this.opts.rowClass : '');
        el.removeAttribute('aria-selected');
        el.removeAttribute('id');
        delete el.dataset.index;
        delete el.dataset.key;
      }
    }
  }
}
