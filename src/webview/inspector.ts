/**
 * The stream inspector: one connection's raw `recv` chunks, each with its time and size, and bars showing
 * which frames (or parts of frames) it carried. A chunk carrying several frames is "sticky" (黏包); a frame
 * spread over several chunks is "split". Clicking a bar selects its frame (and highlights every chunk that
 * carried it); clicking a chunk highlights the frames it carried. Framing and encoding can be changed here and
 * the history re-decoded.
 */
import { baseDir, isInspStream, type App } from './app';
import { streamOptions } from './lanes';
import { inspectedStream, type Stream, type StoredChunk, type StoredFrame } from './store';
import { t } from './l10n';
import { formatTimestamp } from '../shared/format';
import { h, icon, iconButton } from './util';
import { VirtualList } from './virtualList';

export const INSPECTOR_ROW_HEIGHT = 26;
/** bars drawn per chunk; beyond that one bar stands for the rest ("+N frames") */
const MAX_SEGMENTS = 24;
const STREAM_KINDS = new Set(['tcp-peer', 'tcp-client', 'udp', 'udp-peer', 'relay-pair']);

export interface InspectorView {
  element: HTMLElement;
  list: VirtualList;
  /** re-render after new data (cheap; coalesced) */
  update(): void;
}

export function createInspector(app: App, reveal: (f: StoredFrame) => void): InspectorView {
  const s = app.state;
  const connSel = h('select', { id: 'insp-conn', 'aria-label': t('Connection to inspect') });
  const dirSel = h('select', { id: 'insp-dir', 'aria-label': t('Direction') }, ...streamOptions(undefined));
  const framingIn = h('input', { id: 'insp-framing', list: 'framing-presets', 'aria-label': t('Framing of this connection'), spellcheck: 'false', placeholder: 'length:i' });
  const presets = h('datalist', { id: 'framing-presets' });
  const encSel = h('select', { id: 'insp-encoding', 'aria-label': t('Encoding of this connection') });
  const applyBtn = h('button', { type: 'button', id: 'redecode', class: 'secondary', title: t('Set this framing and encoding on the connection and decode its recorded history again') }, icon('refresh'), h('span', { text: t('Re-decode') }));
  const saveBtn = iconButton('save', t('Save the data received on this connection…'), 'insp-save');
  const clearBtn = iconButton('trash', t("Clear this connection's recorded history"), 'insp-clear');
  const summary = h('span', { id: 'insp-summary', class: 'muted', 'aria-live': 'polite' });
  const foldBtn = iconButton(s.inspCollapsed ? 'chevron-up' : 'chevron-down', s.inspCollapsed ? t('Show the stream inspector') : t('Fold the stream inspector'), 'insp-fold');
  foldBtn.setAttribute('aria-expanded', String(!s.inspCollapsed));
  const legend = h(
    'span',
    { class: 'legend', 'aria-hidden': 'true' },
    h('span', { class: 'mark sticky', text: t('sticky') }),
    ' ' + t('several frames in one chunk') + ' ',
    h('span', { class: 'mark split', text: t('split') }),
    ' ' + t('one frame over several chunks'),
  );
  const toolbar = h(
    'div',
    { class: 'toolbar insp-toolbar' },
    h('span', { class: 'section-title', text: t('Stream inspector') }),
    connSel,
    dirSel,
    h('label', { for: 'insp-framing', text: t('Framing') }),
    framingIn,
    presets,
    h('label', { for: 'insp-encoding', text: t('Encoding') }),
    encSel,
    applyBtn,
    saveBtn,
    clearBtn,
    h('span', { class: 'spacer' }),
    summary,
    foldBtn,
  );
  const listEl = h('div', { id: 'inspector', class: 'insp-list', role: 'listbox', tabindex: 0, 'aria-label': t('Chunks as recv delivered them') });
  const empty = h('div', { class: 'muted empty insp-empty', text: t('No chunks yet for this connection. Raw chunks appear here exactly as recv delivered them.') });
  const element = h('section', { class: 'inspector', 'aria-label': t('Stream inspector') }, toolbar, h('div', { class: 'legend-row' }, legend), listEl, empty);
  /** folded: only the toolbar stays; the layout gives the room to the log (document class, read by the CSS) */
  function syncFold(): void {
    document.documentElement.classList.toggle('insp-collapsed', s.inspCollapsed);
    foldBtn.replaceChildren(icon(s.inspCollapsed ? 'chevron-up' : 'chevron-down'));
    const label = s.inspCollapsed ? t('Show the stream inspector') : t('Fold the stream inspector');
    foldBtn.title = label;
    foldBtn.setAttribute('aria-label', label);
    foldBtn.setAttribute('aria-expanded', String(!s.inspCollapsed));
  }
  foldBtn.addEventListener('click', () => {
    s.inspCollapsed = !s.inspCollapsed;
    syncFold();
    app.flushState();
  });
  syncFold();

  let current: Stream | undefined;
  let currentConn = '';
  let userEdited = false;

  function resolveConn(): string {
    if (s.inspConn && app.conns.has(s.inspConn)) return s.inspConn;
    const sel = app.selectedFrame ?? app.selectedChunk;
    if (sel) return sel.conn;
    for (const id of s.targetIds) {
      const c = app.conns.get(id);
      if (c && STREAM_KINDS.has(c.kind)) return id;
    }
    // the most recently active stream
    let best = '';
    let bestTime = -1;
    for (const [k, st] of app.store.streams) {
      const last = st.chunks[st.chunks.length - 1];
      if (last && last.time > bestTime) {
        bestTime = last.time;
        best = k.split('|')[0];
      }
    }
    return best;
  }

  function fillConns(): void {
    connSel.replaceChildren(h('option', { value: '', text: t('Follow selection') }));
    for (const c of app.connList) if (STREAM_KINDS.has(c.kind)) connSel.append(h('option', { value: c.id, text: `${app.shortId(c.id)} ${app.describe(c)}` }));
    connSel.value = s.inspConn;
    if (connSel.value !== s.inspConn) connSel.value = '';
  }

  /** the directions, or a relay pair's lanes as read and as written; keeps the choice where it still exists */
  function fillStreams(): void {
    dirSel.replaceChildren(...streamOptions(app.conns.get(currentConn)));
    dirSel.value = s.inspDir;
    if (dirSel.value !== s.inspDir) {
      s.inspDir = baseDir(s.inspDir);
      dirSel.value = s.inspDir;
    }
  }

  function fillEncodings(): void {
    encSel.replaceChildren();
    for (const e of app.encodings) encSel.append(h('option', { value: e.id, text: e.label }));
    presets.replaceChildren();
    for (const f of app.framings) presets.append(h('option', { value: f.spec, text: f.label }));
  }

  function syncConnFields(): void {
    const c = app.conns.get(currentConn);
    if (!c || userEdited) return;
    framingIn.value = c.framing;
    encSel.value = c.encoding;
  }

  function update(): void {
    const id = resolveConn();
    if (id !== currentConn) {
      currentConn = id;
      userEdited = false;
      syncConnFields();
      fillStreams();
    }
    current = id ? inspectedStream(app.store, id, s.inspDir) : undefined;
    const n = current?.chunks.length ?? 0;
    list.setCount(n);
    empty.hidden = n > 0;
    scheduleSummary();
  }

  let summaryTimer: ReturnType<typeof setTimeout> | undefined;
  function scheduleSummary(): void {
    if (summaryTimer !== undefined) return;
    summaryTimer = setTimeout(() => {
      summaryTimer = undefined;
      computeSummary();
    }, 200);
  }

  /** Sticky/split counts, accumulated over complete chunks so a flood costs O(new chunks) per update. */
  let acc = { key: '', done: 0, sticky: 0, split: 0 };
  function computeSummary(): void {
    const st = current;
    if (!st) {
      summary.textContent = '';
      return;
    }
    const key = `${currentConn}|${s.inspDir}|${app.store.generation}|${st.chunkBase}`;
    if (acc.key !== key) acc = { key, done: 0, sticky: 0, split: 0 };
    const lastEnd = st.frames.length ? st.frames[st.frames.length - 1].end : 0;
    const count = (c: StoredChunk): { sticky: boolean; split: number } => {
      if (c.injected) return { sticky: false, split: 0 };
      const end = c.offset + c.length;
      let n = 0;
      let split = 0;
      for (let i = st.firstFrameEndingAfter(c.offset); i < st.frames.length && st.frames[i].start < end; i++) {
        n++;
        // a split frame is counted once: in the chunk where it starts
        if (st.frames[i].start >= c.offset && st.frames[i].end > end) split++;
      }
      return { sticky: n > 1, split };
    };
    while (acc.done < st.chunks.length) {
      const c = st.chunks[acc.done];
      if (lastEnd < c.offset + c.length) break; // frames for it may still arrive
      const r = count(c);
      if (r.sticky) acc.sticky++;
      acc.split += r.split;
      acc.done++;
    }
    let sticky = acc.sticky;
    let split = acc.split;
    for (let i = acc.done; i < st.chunks.length; i++) {
      const r = count(st.chunks[i]);
      if (r.sticky) sticky++;
      split += r.split;
    }
    const dropped = st.chunkBase ? ' ' + t('({0} older not kept)', st.chunkBase) : '';
    const lostFrames = app.store.droppedFor(currentConn);
    const framesDropped = lostFrames ? ' ' + t('({0} older dropped: this connection outgrew its share of the view)', lostFrames.toLocaleString()) : '';
    summary.textContent = `${st.chunks.length === 1 ? t('1 chunk') : t('{0} chunks', st.chunks.length)}${dropped} · ${st.frames.length === 1 ? t('1 frame') : t('{0} frames', st.frames.length)}${framesDropped} · ${t('{0} sticky', sticky)} · ${t('{0} split', split)}`;
  }

  function renderRow(el: HTMLElement, i: number): void {
    const st = current;
    const c = st?.chunks[i];
    if (el.childElementCount === 0) {
      el.append(h('span', { class: 'k-seq' }), h('span', { class: 'k-time' }), h('span', { class: 'k-size' }), h('span', { class: 'k-bar' }), h('span', { class: 'k-marks' }));
    }
    const [seq, time, size, bar, marks] = el.children as unknown as HTMLElement[];
    if (!st || !c) return;
    const end = c.offset + c.length;
    // A chunk's bars only change while frames covering it are still arriving, on re-decode or on selection.
    const lastEnd = st.frames.length ? st.frames[st.frames.length - 1].end : 0;
    const key = `${currentConn}|${c.idx}|${app.store.generation}|${app.selectionVersion}|${lastEnd >= end ? 'done' : st.frames.length}|${maxChunkLength()}`;
    if (el.dataset.key === key) return;
    el.dataset.key = key;
    // bytes injected into a relay lane carry none of the sender's frames: one bar of their own
    const frames = c.injected ? [] : st.framesIn(c.offset, end);
    el.dataset.chunk = String(c.idx);
    seq.textContent = c.written ? t('piece {0}', c.seq + 1) : t('chunk {0}', c.seq + 1);
    time.textContent = formatTimestamp(c.time, app.timestampFormat, app.origin);
    size.textContent = `${c.length} B`;

    // bar: width by size (relative to the largest kept chunk, with a floor), segments by frame
    const segs: HTMLElement[] = [];
    let pos = c.offset;
    let sticky = frames.length > 1;
    let split = false;
    const span = Math.max(1, c.length);
    const pct = (n: number): string => `${((n / span) * 100).toFixed(3)}%`;
    const segFor = (from: number, to: number, f: StoredFrame | undefined): void => {
      if (segs.length >= MAX_SEGMENTS) return;
      const seg = document.createElement('span');
      seg.style.left = pct(from - c.offset);
      seg.style.width = pct(to - from);
      if (f) {
        const part = f.start < c.offset || f.end > end;
        if (part) split = true;
        seg.className = `seg seg-${f.seq % 2 ? 'b' : 'a'}${part ? ' part' : ''}${app.selectedFrame === f ? ' selected' : ''}${app.selectedChunk === c ? ' linked' : ''}`;
        seg.dataset.frame = String(f.idx);
        const label = part ? t(f.start < c.offset ? 'frame {0} (rest)' : 'frame {0} (part)', f.seq + 1) : t('frame {0}', f.seq + 1);
        seg.textContent = label;
        seg.title = t('{0}: stream bytes {1}–{2}, {3} B payload; this chunk carries bytes {4}–{5}', label, f.start, f.end, f.length, from, to);
      } else if (c.injected) {
        seg.className = 'seg injected';
        seg.textContent = t('injected');
        seg.title = t('{0} bytes injected into the lane here (not read from its sender)', c.length);
      } else {
        seg.className = 'seg gap';
        seg.textContent = '';
        seg.title = t('bytes {0}–{1}: not (yet) part of a decoded frame', from, to);
      }
      segs.push(seg);
    };
    let k = 0;
    for (; k < frames.length && segs.length < MAX_SEGMENTS - 2; k++) {
      const f = frames[k];
      const from = Math.max(f.start, c.offset);
      const to = Math.min(f.end, end);
      if (from > pos) segFor(pos, from, undefined);
      segFor(from, Math.max(to, from), f);
      pos = Math.max(pos, to);
    }
    if (k < frames.length) {
      // the rest of a very sticky chunk: one bar (its frames are in the log; the last one may be split)
      const last = frames[frames.length - 1];
      const restEnd = Math.min(last.end, end);
      const more = document.createElement('span');
      more.className = 'seg more';
      more.style.left = pct(pos - c.offset);
      more.style.width = pct(restEnd - pos);
      more.textContent = t('+{0} frames', frames.length - k);
      more.title = t('{0} more frames in this chunk', frames.length - k);
      if (last.end > end) split = true;
      segs.push(more);
      pos = restEnd;
    }
    if (pos < end) segFor(pos, end, undefined);
    bar.replaceChildren(...segs);
    const maxLen = maxChunkLength();
    bar.style.width = `${Math.max(12, Math.min(100, (c.length / maxLen) * 100)).toFixed(2)}%`;
    if (frames.length > MAX_SEGMENTS) sticky = true;

    marks.replaceChildren();
    if (sticky) marks.append(h('span', { class: 'mark sticky', title: t('{0} frames in one chunk', frames.length), text: `${t('sticky')} ×${frames.length}` }));
    if (split) marks.append(h('span', { class: 'mark split', title: t('carries part of a frame'), text: t('split') }));
    if (c.injected) marks.append(h('span', { class: 'mark injected', title: t('{0} bytes injected into the lane here (not read from its sender)', c.length), text: t('injected') }));
    const selected = app.selectedChunk === c;
    const f = app.selectedFrame;
    const linked = !selected && !!f && !c.injected && f.conn === c.conn && f.dir === c.dir && f.start < end && f.end > c.offset;
    el.className = `vrow insp-row${selected ? ' selected' : ''}${linked ? ' linked' : ''}${sticky ? ' is-sticky' : ''}${split ? ' is-split' : ''}`;
    el.dataset.frames = String(frames.length);
    el.setAttribute('aria-selected', String(selected));
    if (selected) {
      el.id = 'chunk-active';
      listEl.setAttribute('aria-activedescendant', 'chunk-active');
    } else if (el.id) el.removeAttribute('id');
    const label = c.injected ? t('piece {0}, {1} bytes injected at {2}', c.seq + 1, c.length, time.textContent ?? '') : t('chunk {0}, {1} bytes at {2}, carries {3} frame(s)', c.seq + 1, c.length, time.textContent ?? '', frames.length);
    el.setAttribute('aria-label', label + (sticky ? ', ' + t('sticky') : '') + (split ? ', ' + t('split') : ''));
  }

  let maxLenCache = { key: -1, value: 1 };
  function maxChunkLength(): number {
    const st = current;
    if (!st) return 1;
    const key = st.chunks.length + st.chunkBase * 1e9;
    if (maxLenCache.key !== key) {
      let m = 1;
      for (const c of st.chunks) if (c.length > m) m = c.length;
      maxLenCache = { key, value: m };
    }
    return maxLenCache.value;
  }

  const list = new VirtualList(listEl, { rowHeight: INSPECTOR_ROW_HEIGHT, renderRow, rowRole: 'option' });

  listEl.addEventListener('click', (e) => {
    const t = e.target as HTMLElement;
    const seg = t.closest<HTMLElement>('.seg');
    if (seg?.dataset.frame !== undefined) {
      const f = app.store.get(Number(seg.dataset.frame));
      if (f) reveal(f);
      return;
    }
    const row = t.closest<HTMLElement>('.insp-row');
    const c = row && current?.chunks.find((x) => String(x.idx) === row.dataset.chunk);
    if (c) app.selectChunk(c);
    listEl.focus();
  });
  listEl.addEventListener('keydown', (e) => {
    const st = current;
    if (!st || st.chunks.length === 0) return;
    let i = app.selectedChunk ? st.chunks.indexOf(app.selectedChunk) : -1;
    if (e.key === 'ArrowDown') i = Math.min(st.chunks.length - 1, i + 1);
    else if (e.key === 'ArrowUp') i = Math.max(0, i < 0 ? 0 : i - 1);
    else if (e.key === 'Enter' && app.selectedChunk) {
      const f = st.framesIn(app.selectedChunk.offset, app.selectedChunk.offset + app.selectedChunk.length)[0];
      if (f) reveal(f);
      e.preventDefault();
      return;
    } else return;
    e.preventDefault();
    app.selectChunk(st.chunks[i]);
    list.follow = false;
    list.scrollToIndex(i);
  });
  connSel.addEventListener('change', () => {
    s.inspConn = connSel.value;
    app.saveState();
    update();
    list.scrollToEnd();
  });
  dirSel.addEventListener('change', () => {
    s.inspDir = isInspStream(dirSel.value) ? dirSel.value : 'in';
    app.saveState();
    update();
  });
  framingIn.addEventListener('input', () => (userEdited = true));
  encSel.addEventListener('change', () => (userEdited = true));
  const apply = (): void => {
    const c = app.conns.get(currentConn);
    if (!c) return;
    const spec = framingIn.value.trim();
    if (spec && spec !== c.framing) app.post({ type: 'setFraming', conn: c.id, spec });
    if (encSel.value && encSel.value !== c.encoding) app.post({ type: 'setEncoding', conn: c.id, encoding: encSel.value });
    if ((!spec || spec === c.framing) && encSel.value === c.encoding) app.post({ type: 'requestHistory', conn: c.id });
    userEdited = false;
  };
  applyBtn.addEventListener('click', apply);
  saveBtn.addEventListener('click', () => {
    if (currentConn) app.post({ type: 'saveReceived', conn: currentConn });
  });
  clearBtn.addEventListener('click', () => {
    if (currentConn) app.post({ type: 'clearHistory', conn: currentConn });
  });
  framingIn.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      apply();
    }
  });

  app.on('selection', () => {
    const sel: StoredFrame | StoredChunk | undefined = app.selectedFrame ?? app.selectedChunk;
    if (sel && sel.dir !== baseDir(s.inspDir) && app.selectedFrame) {
      s.inspDir = sel.dir;
      dirSel.value = sel.dir;
    }
    update();
    list.refresh();
    const f = app.selectedFrame;
    if (f && current) {
      const cs = current.chunksIn(f.start, f.end);
      if (cs.length) {
        list.follow = false;
        list.scrollToIndex(current.chunks.indexOf(cs[0]));
      }
    }
  });
  app.on('connections', () => {
    fillConns();
    syncConnFields();
    fillStreams();
  });
  app.on('init', () => {
    fillEncodings();
    fillConns();
    dirSel.value = s.inspDir;
    update();
  });
  app.on('reset', update);
  dirSel.value = s.inspDir;

  return { element, list, update };
}
