/**
 * The received log: every frame (both directions) with time, direction, connection, length and text/hex;
 * filter by connection and text; pause the view while recording continues; details with hexdump and copy.
 * Virtualized: only visible rows exist in the DOM.
 */
import { byteLiteral, toHex } from '../shared/bytes';
import { formatByteSize, formatClockTime, formatTimestamp } from '../shared/format';
import type { CopyFormat } from '../shared/protocol';
import type { App } from './app';
import { frameData, type StoredFrame } from './store';
import { dirClass, dirIcon, dirMeta, dirTitle, rowLabelTemplate } from './lanes';
import { t } from './l10n';
import { h, icon, iconButton, oneLine } from './util';
import { VirtualList } from './virtualList';
import { hexdumpFitter, showBoth } from './logFit';

export const LOG_ROW_HEIGHT = 22;

export interface LogView {
  element: HTMLElement;
  details: HTMLElement;
  list: VirtualList;
  /** the frames main.ts just stored */
  onAdded(added: StoredFrame[]): void;
  rebuild(): void;
  /** selects a frame and scrolls the list to it (from the stream inspector) */
  selectAndReveal(f: StoredFrame): void;
}

export function createLog(app: App): LogView {
  const s = app.state;

  // ---- toolbar
  const filter = h('input', { id: 'filter', type: 'search', placeholder: t('Filter text or hex'), 'aria-label': t('Filter frames by text or hex'), value: s.filterText });
  const connSel = h('select', { id: 'filter-conn', 'aria-label': t('Filter by connection') });
  const viewGroup = h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': t('Show payload as') });
  const viewButtons = new Map<string, HTMLButtonElement>();
  for (const [v, label] of [
    ['text', 'Text'],
    ['hex', 'Hex'],
    ['both', 'Both'],
  ] as const) {
    const b = h('button', { type: 'button', role: 'radio', id: `view-${v}`, text: t(label) });
    b.addEventListener('click', () => {
      s.view = v;
      s.viewSet = true;
      syncView();
      app.saveState();
      list.refresh();
    });
    viewGroup.append(b);
    viewButtons.set(v, b);
  }
  const pauseBtn = iconButton('debug-pause', t('Pause the view (recording continues)'), 'pause');
  pauseBtn.setAttribute('aria-pressed', 'false');
  const behind = h('button', { type: 'button', class: 'badge behind', id: 'behind', hidden: true, title: t('Resume and jump to the newest frame') });
  // not following the newest frame (scrolled up, or a frame selected): how many arrived since, and a way back
  const newer = h('button', { type: 'button', class: 'badge behind', id: 'log-newer', hidden: true, title: t('Follow the newest frames (End)') });
  const clearBtn = iconButton('clear-all', t('Clear the view'), 'clear-log');
  const counter = h('span', { class: 'muted counter', id: 'log-count' });
  const toolbar = h(
    'div',
    { class: 'toolbar log-toolbar' },
    h('span', { class: 'section-title', text: t('Frames') }),
    counter,
    h('span', { class: 'spacer' }),
    filter,
    connSel,
    viewGroup,
    newer,
    behind,
    pauseBtn,
    clearBtn,
  );

  const listEl = h('div', { id: 'log', class: 'log-list', role: 'listbox', tabindex: 0, 'aria-label': t('Frames received and sent') });
  const details = h('section', { id: 'details', class: 'details', 'aria-label': t('Selected frame') });
  const element = h('section', { class: 'log', 'aria-label': t('Frames') }, toolbar, listEl);

  // ---- view model
  /** absolute store indexes shown, or null = every kept frame */
  let rows: number[] | null = null;
  let paused = false;
  let pausedCount = 0;
  let pausedTotal = 0;
  let pausedSkipped = 0;
  let pausedFirst = 0; // with rows === null: absolute index of row 0 while paused
  let hiddenBefore = 0; // frames hidden with "clear view"
  let generation = app.store.generation;

  function matches(f: StoredFrame): boolean {
    if (f.idx < hiddenBefore) return false;
    if (s.filterConn && f.conn !== s.filterConn && app.conns.get(f.conn)?.parentId !== s.filterConn) return false;
    const q = s.filterText.trim().toLowerCase();
    if (!q) return true;
    if (f.text.toLowerCase().includes(q)) return true;
    const hexq = q.replace(/[\s,]|0x/g, '');
    return /^[0-9a-f]+$/.test(hexq) && hexq.length >= 2 && toHex(frameData(f)).includes(hexq);
  }

  function filterActive(): boolean {
    return s.filterText.trim() !== '' || s.filterConn !== '' || hiddenBefore > app.store.base;
  }

  function rebuild(): void {
    generation = app.store.generation;
    rows = filterActive() ? app.store.frames.filter(matches).map((f) => f.idx) : null;
    if (paused) {
      pausedCount = count();
      pausedFirst = app.store.base;
    }
    list.setCount(paused ? pausedCount : count());
    updateCounter();
  }

  function count(): number {
    return rows ? rows.length : app.store.frames.length;
  }

  function idxAt(i: number): number {
    if (rows) return rows[i];
    return (paused ? pausedFirst : app.store.base) + i;
  }

  function updateCounter(): void {
    const n = app.store.frames.length;
    const shown = rows ? rows.length : n;
    const dropped = app.store.dropped + app.skipped;
    counter.textContent = (rows ? t('{0} of {1}', shown.toLocaleString(), n.toLocaleString()) : n.toLocaleString()) + (dropped ? ' ' + t('({0} older dropped)', dropped.toLocaleString()) : '');
    if (paused) {
      const nBehind = app.store.total - pausedTotal + (app.skipped - pausedSkipped);
      behind.hidden = false;
      behind.replaceChildren(icon('debug-continue'), ' ' + t('{0} behind', nBehind.toLocaleString()));
      behind.setAttribute('aria-label', t('{0} frames behind. Resume', nBehind));
    } else behind.hidden = true;
    updateNewer();
  }

  /** frames (kept or skipped) seen when the list stopped following */
  let followLostAt = 0;
  function updateNewer(): void {
    if (paused || list.follow) {
      newer.hidden = true;
      listEl.dataset.follow = paused ? 'paused' : 'following';
      return;
    }
    listEl.dataset.follow = 'not-following';
    const n = app.store.total + app.skipped - followLostAt;
    newer.hidden = false;
    newer.replaceChildren(icon('arrow-down'), ' ' + (n > 0 ? t('{0} new', n.toLocaleString()) : t('Follow')));
    newer.setAttribute('aria-label', n > 0 ? t('{0} new frames below. Follow the newest', n) : t('Follow the newest frames'));
  }

  // ---- rendering
  function renderRow(el: HTMLElement, i: number): void {
    const idx = idxAt(i);
    const f = app.store.get(idx);
    if (el.childElementCount === 0) {
      el.append(
        h('span', { class: 'c-time' }),
        h('span', { class: 'c-dir codicon' }),
        h('span', { class: 'c-conn' }),
        h('span', { class: 'c-len' }),
        h('span', { class: 'c-text' }),
      );
    }
    const [time, dir, conn, len, text] = el.children as unknown as HTMLElement[];
    el.dataset.idx = String(idx);
    if (!f) {
      time.textContent = '';
      dir.className = 'c-dir codicon';
      conn.textContent = '';
      len.textContent = '';
      text.textContent = t('(dropped: older than what the view keeps)');
      el.className = 'vrow log-row dropped';
      el.setAttribute('aria-selected', 'false');
      return;
    }
    time.textContent = formatTimestamp(f.time, app.timestampFormat, app.origin);
    dir.className = `c-dir codicon codicon-${dirIcon(f)}`;
    dir.title = dirTitle(f);
    conn.textContent = app.shortId(f.conn);
    const c = app.conns.get(f.conn);
    conn.title = c ? app.describe(c) : f.conn;
    len.textContent = `${f.length} B`;
    const view = s.view;
    const textPart = (f.note ? `[${f.note}] ` : '') + (f.header ? f.header + ' ' : '') + oneLine(f.text, 300);
    // Both: the text first, so a narrow log cuts the hex (which the details pane shows whole), never the words
    if (view === 'both') showBoth(text, textPart, toHex(frameData(f), ' ', 32));
    else text.textContent = view === 'text' ? textPart : toHex(frameData(f), ' ', 64);
    const sel = app.selectedFrame?.idx === idx;
    const linked = !sel && app.selectedChunk !== undefined && chunkCarries(f);
    el.className = `vrow log-row ${dirClass(f)}${f.incomplete ? ' incomplete' : ''}${sel ? ' selected' : ''}${linked ? ' linked' : ''}`;
    el.setAttribute('aria-selected', String(sel));
    // screen readers follow the selection while focus stays on the list
    if (sel) {
      el.id = 'log-active';
      listEl.setAttribute('aria-activedescendant', 'log-active');
    } else if (el.id) el.removeAttribute('id');
    el.setAttribute(
      'aria-label',
      t(
        rowLabelTemplate(f),
        f.length,
        conn.title,
        time.textContent ?? '',
        oneLine(f.text, 80),
      ),
    );
  }

  function chunkCarries(f: StoredFrame): boolean {
    const c = app.selectedChunk;
    if (c?.injected || f.injected) return !!c && !!c.injected && !!f.injected && c.conn === f.conn && c.dir === f.dir && c.offset === f.start;
    return !!c && c.conn === f.conn && c.dir === f.dir && f.start < c.offset + c.length && f.end > c.offset;
  }

  const list = new VirtualList(listEl, {
    rowHeight: LOG_ROW_HEIGHT,
    renderRow,
    rowRole: 'option',
    onFollowChange: (following) => {
      if (!following) followLostAt = app.store.total + app.skipped;
      updateNewer();
    },
  });

  // ---- details
  const hexdumpFit = hexdumpFitter();
  function renderDetails(): void {
    const f = app.selectedFrame;
    if (!f) listEl.removeAttribute('aria-activedescendant');
    if (!f) {
      details.replaceChildren(h('div', { class: 'muted empty', text: t('Select a frame to see its bytes. Click a bar in the stream inspector to see how it arrived.') }));
      return;
    }
    const c = app.conns.get(f.conn);
    const copyBar = h('div', { class: 'toolbar' });
    for (const [fmt, label] of [
      ['hex', 'Copy hex'],
      ['python', 'Copy as Python bytes'],
      ['c', 'Copy as C array'],
      ['text', 'Copy text'],
    ] as const) {
      const b = h('button', { type: 'button', class: 'secondary', id: `copy-${fmt}`, text: t(label) });
      b.addEventListener('click', () => copy(f, fmt));
      copyBar.append(b);
    }
    const meta = `${dirMeta(f)} · ${app.shortId(f.conn)} ${c ? app.describe(c) : ''} · ${t('frame {0}', f.seq + 1)} · ${formatClockTime(f.time)} · ${formatByteSize(f.length)} · ${f.injected ? t('injected before stream byte {0}', f.start) : t('stream bytes {0}–{1}', f.start, f.end)}` + (f.remote ? ` · ${f.remote}` : '') + (f.incomplete ? ` · ${t('unfinished frame: the stream ended inside it')}` : '');
    const dump = h('pre', { class: 'hexdump', 'aria-label': t('Hexdump') });
    details.replaceChildren(
      h('div', { class: 'details-head' }, h('span', { class: 'meta', text: meta }), copyBar),
      f.note ? h('pre', { class: 'header-json', 'aria-label': t('Message'), text: f.note }) : '',
      f.header ? h('pre', { class: 'header-json', 'aria-label': t('JSON header'), text: f.header }) : '',
      h('pre', { class: 'text', 'aria-label': t('Decoded text'), text: f.text.length > 20000 ? f.text.slice(0, 20000) + '…' : f.text }),
      dump,
    );
    hexdumpFit.show(dump, frameData(f), f.dataLength < f.length ? '\n… ' + t('the view keeps the first {0} of {1} bytes; copy fetches all of them', f.dataLength, f.length) : '');
  }

  function copy(f: StoredFrame, fmt: CopyFormat): void {
    if (f.dataLength < f.length || fmt === 'text') {
      app.post({ type: 'copy', conn: f.conn, dir: f.dir, seq: f.seq, format: fmt });
      return;
    }
    app.post({ type: 'copyText', text: byteLiteral(frameData(f), fmt === 'hexdump' ? 'hex' : fmt, `frame_${f.seq}`) });
  }

  // ---- interaction
  listEl.addEventListener('click', (e) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>('.log-row');
    if (!row || row.dataset.idx === undefined) return;
    const f = app.store.get(Number(row.dataset.idx));
    if (f) {
      app.selectFrame(f);
      // a chosen frame stays in view: stop following (the "N new" badge says what arrives meanwhile)
      if (Number(row.dataset.index) < list.length - 1) list.follow = false;
    }
    listEl.focus();
  });
  listEl.addEventListener('keydown', (e) => {
    const n = list.length;
    if (n === 0) return;
    let i = positionOf(app.selectedFrame?.idx);
    const page = list.visibleRows();
    switch (e.key) {
      case 'ArrowDown':
        i = i < 0 ? list.firstVisible() : Math.min(n - 1, i + 1);
        break;
      case 'ArrowUp':
        i = i < 0 ? list.firstVisible() : Math.max(0, i - 1);
        break;
      case 'PageDown':
        i = Math.min(n - 1, Math.max(0, i) + page);
        break;
      case 'PageUp':
        i = Math.max(0, i - page);
        break;
      case 'Home':
        i = 0;
        break;
      case 'End':
        // the newest frame, and follow the ones that arrive after it
        if (n > 0) {
          const last = app.store.get(idxAt(n - 1));
          if (last) app.selectFrame(last);
        }
        e.preventDefault();
        list.scrollToEnd();
        return;
      case 'c':
        if ((e.ctrlKey || e.metaKey) && app.selectedFrame) {
          copy(app.selectedFrame, 'hex');
          e.preventDefault();
        }
        return;
      default:
        return;
    }
    e.preventDefault();
    const f = app.store.get(idxAt(i));
    if (f) {
      app.selectFrame(f);
      list.follow = false;
      list.scrollToIndex(i);
    }
  });

  /** the row position of an absolute index in the current view, or -1 */
  function positionOf(idx: number | undefined): number {
    if (idx === undefined) return -1;
    if (!rows) {
      const p = idx - (paused ? pausedFirst : app.store.base);
      return p >= 0 && p < list.length ? p : -1;
    }
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rows[mid] < idx) lo = mid + 1;
      else hi = mid;
    }
    return lo < rows.length && rows[lo] === idx ? lo : -1;
  }

  function setPaused(p: boolean): void {
    paused = p;
    pauseBtn.setAttribute('aria-pressed', String(p));
    pauseBtn.replaceChildren(icon(p ? 'debug-continue' : 'debug-pause'));
    const label = p ? t('Resume the live view') : t('Pause the view (recording continues)');
    pauseBtn.title = label;
    pauseBtn.setAttribute('aria-label', label);
    if (p) {
      pausedCount = count();
      pausedTotal = app.store.total;
      pausedSkipped = app.skipped;
      pausedFirst = app.store.base;
      list.follow = false;
    } else {
      rebuild();
      list.scrollToEnd();
    }
    updateCounter();
  }

  pauseBtn.addEventListener('click', () => setPaused(!paused));
  behind.addEventListener('click', () => setPaused(false));
  newer.addEventListener('click', () => {
    list.scrollToEnd();
    listEl.focus();
  });
  clearBtn.addEventListener('click', () => {
    hiddenBefore = app.store.total;
    app.selectFrame(undefined);
    rebuild();
  });
  filter.addEventListener('input', () => {
    s.filterText = filter.value;
    app.saveState();
    rebuild();
  });
  connSel.addEventListener('change', () => {
    s.filterConn = connSel.value;
    app.saveState();
    rebuild();
  });

  function fillConns(): void {
    connSel.replaceChildren(h('option', { value: '', text: t('All connections') }));
    for (const c of app.connList) connSel.append(h('option', { value: c.id, text: `${app.shortId(c.id)} ${app.describe(c)}` }));
    connSel.value = s.filterConn;
    if (connSel.value !== s.filterConn) connSel.value = '';
  }

  function syncView(): void {
    for (const [v, b] of viewButtons) b.setAttribute('aria-checked', String(v === s.view));
    // Both: two lines a row, the text whole on the first, the hex below it
    listEl.classList.toggle('log-both', s.view === 'both');
    list.setRowHeight(s.view === 'both' ? 2 * LOG_ROW_HEIGHT : LOG_ROW_HEIGHT);
  }

  // ---- data flow
  app.on('reset', rebuild);
  app.on('connections', () => {
    fillConns();
    list.refresh();
  });
  app.on('selection', () => {
    renderDetails();
    list.refresh();
  });
  app.on('init', () => {
    if (!s.viewSet) s.view = app.settings.displayMode;
    syncView();
    fillConns();
    rebuild();
  });

  /** called by main with the frames just added */
  function onAdded(added: StoredFrame[]): void {
    if (app.store.generation !== generation) return rebuild();
    if (rows) {
      for (const f of added) if (matches(f)) rows.push(f.idx);
      const base = app.store.base;
      if (rows.length && rows[0] < base) {
        let k = 0;
        while (k < rows.length && rows[k] < base) k++;
        rows.splice(0, k);
      }
    }
    if (!paused) list.setCount(count());
    updateCounter();
  }

  function selectAndReveal(f: StoredFrame): void {
    app.selectFrame(f);
    const p = positionOf(f.idx);
    if (p >= 0) {
      list.follow = false;
      list.scrollToIndex(p, 'center');
    }
  }

  syncView();
  renderDetails();

  return { element, details, list, onAdded, rebuild, selectAndReveal };
}
