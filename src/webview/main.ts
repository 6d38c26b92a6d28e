/** Webview entry: builds the composer, the frames log and the stream inspector, and talks to the host. */
import './style.css';
import type { HostToWebview } from '../shared/protocol';
import { App, type VsCodeApi } from './app';
import { createComposer } from './composer';
import { createInspector } from './inspector';
import { createLog } from './log';
import { h } from './util';

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = new App(vscode);

const composer = createComposer(app);
const log = createLog(app);
const inspector = createInspector(app, (f) => log.selectAndReveal(f));
const notice = h('div', { id: 'notice', class: 'notice', role: 'status', 'aria-live': 'polite', hidden: true });

document.body.append(
  h(
    'div',
    { class: 'layout' },
    h('div', { class: 'left' }, composer.element, log.details),
    h('div', { class: 'right' }, log.element),
    h('div', { class: 'bottom' }, inspector.element),
    notice,
  ),
);

let noticeTimer: ReturnType<typeof setTimeout> | undefined;
function showNotice(level: 'info' | 'warning' | 'error', message: string): void {
  notice.hidden = false;
  notice.className = `notice ${level}`;
  notice.textContent = message;
  if (noticeTimer !== undefined) clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (notice.hidden = true), level === 'error' ? 10000 : 4000);
}

function setConnections(list: HostToWebview & { type: 'connections' | 'init' }): void {
  app.connList = list.connections;
  app.conns = new Map(list.connections.map((c) => [c.id, c]));
}

/** Handles one message from the host. Exported on window for the benchmark and the local harness. */
function handle(m: HostToWebview): void {
  switch (m.type) {
    case 'init':
      app.settings = m.settings;
      app.store.limits = { ...app.store.limits, maxFrames: m.settings.maxFrames };
      app.encodings = m.encodings;
      app.framings = m.framings;
      app.initialTarget = m.target;
      setConnections(m);
      app.emit('init');
      app.emit('connections');
      break;
    case 'connections':
      setConnections(m);
      app.emit('connections');
      break;
    case 'data': {
      app.skipped += m.skipped;
      if (m.skippedBy) for (const [conn, n] of Object.entries(m.skippedBy)) app.store.noteDropped(conn, n);
      if (!app.origin && m.batch.frames.length) app.origin = m.batch.frames[0].time;
      const added = app.store.addBatch(m.batch, m.chunks);
      log.onAdded(added);
      inspector.update();
      break;
    }
    case 'history': {
      if (m.replace) app.store.replaceConnection(m.conn, m.batch, m.chunks);
      else app.store.addBatch(m.batch, m.chunks);
      if (!app.origin && m.batch.frames.length) app.origin = m.batch.frames[0].time;
      if (app.selectedFrame && app.selectedFrame.conn === m.conn) app.selectFrame(undefined);
      if (app.selectedChunk && app.selectedChunk.conn === m.conn) app.selectChunk(undefined);
      log.rebuild();
      inspector.update();
      inspector.list.refresh();
      break;
    }
    case 'notice':
      showNotice(m.level, m.message);
      break;
    case 'focus':
      break;
    default:
      break;
  }
  composer.onHost(m);
}

// the panel's page is torn down when it is hidden (no retainContextWhenHidden): save what a pending save holds
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') app.flushState();
});
window.addEventListener('pagehide', () => app.flushState());

window.addEventListener('message', (e: MessageEvent<HostToWebview>) => {
  const m = e.data;
  if (typeof m === 'object' && m !== null && typeof m.type === 'string') handle(m);
});

(window as unknown as { __sockdbg: unknown }).__sockdbg = { app, handle, log, inspector };

app.post({ type: 'ready' });
