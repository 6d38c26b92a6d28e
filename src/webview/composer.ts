/**
 * The composer, assembled: the target bar (composerTargets.ts), input modes, live wire-bytes preview (computed by
 * the host with the same code that sends), send once or repeatedly, and the sent history (composerHistory.ts).
 */
import { INPUT_MODES, PREVIEW_WIRE_BYTES, type Draft, type DraftError, type FramingChoice, type HostToWebview, type InputMode } from '../shared/protocol';
import { capabilities, framesPerSend } from '../shared/connections';
import type { App, Persisted } from './app';
import { t } from './l10n';
import { toHex } from '../shared/bytes';
import { formatClockTime } from '../shared/format';
import { debounce, h, icon } from './util';
import { createSentHistory, type EditorField, type FieldKey } from './composerHistory';
import { createTargetBar } from './composerTargets';
import { createMessageForm } from './messageForm';

const MODE_LABELS: Record<InputMode, string> = { text: t('Text'), hex: t('Hex'), escapes: t('Escapes'), struct: t('Struct'), json: t('JSON header'), message: t('Message') };

export function createComposer(app: App): { element: HTMLElement; onHost(m: HostToWebview): void } {
  const s = app.state;
  let reqId = 0;
  let lastPreviewReq = 0;
  let repeatRunning = false;

  // ---- target
  const targets = createTargetBar(
    app,
    () => {
      fillEncodings();
      fillFramings();
      app.saveState();
      requestPreview();
    },
    () => requestPreview(),
  );
  const { targetConns, currentTarget, fillTargets } = targets;

  // ---- mode tabs
  const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('Input mode') });
  const tabButtons = new Map<InputMode, HTMLButtonElement>();
  for (const m of INPUT_MODES) {
    const b = h('button', { type: 'button', role: 'tab', id: `mode-${m}`, class: 'tab', 'aria-controls': `editor-${m}`, text: MODE_LABELS[m] });
    b.addEventListener('click', () => setMode(m));
    tabs.append(b);
    tabButtons.set(m, b);
  }
  // the ARIA tabs pattern: ←/→ move (wrapping), Home/End jump to the first/last mode
  tabs.addEventListener('keydown', (e) => {
    const n = INPUT_MODES.length;
    const i = INPUT_MODES.indexOf(s.mode);
    const moves: Partial<Record<string, number>> = { ArrowRight: (i + 1) % n, ArrowLeft: (i + n - 1) % n, Home: 0, End: n - 1 };
    const next = moves[e.key];
    if (next === undefined) return;
    setMode(INPUT_MODES[next]);
    tabButtons.get(s.mode)?.focus();
    e.preventDefault();
  });

  // ---- editors
  const fields = new Map<FieldKey, EditorField>();
  function area(key: FieldKey, label: string, placeholder: string, rows = 4): HTMLTextAreaElement {
    const t = h('textarea', { id: `f-${key}`, rows, 'aria-label': label, placeholder, spellcheck: 'false' });
    t.value = s[key];
    fields.set(key, t);
    return t;
  }
  const encodingSel = h('select', { id: 'encoding', 'aria-label': t('Text encoding') });
  const encodingRow = h('div', { class: 'row enc-row' }, h('label', { for: 'encoding', text: t('Encoding') }), encodingSel);
  const structFormat = h('input', { id: 'f-structFormat', 'aria-label': t('Struct format'), placeholder: t('e.g. i, !IH, <h4s'), spellcheck: 'false', value: s.structFormat });
  fields.set('structFormat', structFormat);

  const messageForm = createMessageForm(app, area('message', t('Message to send (attach a protocol file to the connection)'), 'reading {kind: 2, unit: 1, seq: 7, value: 101.5}'), () => requestPreview());
  const editors: Record<InputMode, HTMLElement> = {
    text: h('div', { id: 'editor-text', role: 'tabpanel', 'aria-labelledby': 'mode-text' }, area('text', t('Text to send'), t('Type text… (Ctrl+Enter sends, ↑ recalls history)'))),
    hex: h('div', { id: 'editor-hex', role: 'tabpanel', 'aria-labelledby': 'mode-hex' }, area('hex', t('Hex bytes to send'), t('48 65 6c 6c 6f   or 0x48,0x65   or 48656c6c6f'))),
    escapes: h('div', { id: 'editor-escapes', role: 'tabpanel', 'aria-labelledby': 'mode-escapes' }, area('escapes', t('Text with escapes to send'), 'hello\\x00wyb\\r\\n   (\\n \\r \\t \\xHH \\uHHHH)')),
    message: h('div', { id: 'editor-message', role: 'tabpanel', 'aria-labelledby': 'mode-message' }, messageForm.element),
    struct: h(
      'div',
      { id: 'editor-struct', role: 'tabpanel', 'aria-labelledby': 'mode-struct' },
      h('div', { class: 'row' }, h('label', { for: 'f-structFormat', text: t('Format') }), structFormat),
      h('label', { for: 'f-structValues', class: 'block-label', text: t('Values') }),
      area('structValues', t('Struct values'), t("comma-separated, as in Python: 1, -2, 3.5, True, b'ab\\x00', 'text'"), 2),
    ),
    json: h(
      'div',
      { id: 'editor-json', role: 'tabpanel', 'aria-labelledby': 'mode-json' },
      h('label', { for: 'f-jsonHeader', class: 'block-label', text: t('Header (JSON object; total_size is filled in)') }),
      area('jsonHeader', t('JSON header'), '{"cmd": "dir"}', 2),
      h('label', { for: 'f-jsonBody', class: 'block-label', text: t('Body') }),
      area('jsonBody', t('Body text'), t('body text'), 3),
    ),
  };

  // ---- sent history (↑/↓ in the editors, the History select)
  const history = createSentHistory(app, fields, MODE_LABELS, (mode) => {
    fillFramings();
    setMode(mode);
  });

  // ---- framing for the send
  const framingSel = h('select', { id: 'send-framing', 'aria-label': t('Framing applied when sending') });
  const framingSpec = h('input', { id: 'send-framing-spec', 'aria-label': t('Custom framing spec'), placeholder: 'length:!I', hidden: true, spellcheck: 'false' });
  const framingRow = h('div', { class: 'row' }, h('label', { for: 'send-framing', text: t('Framing') }), framingSel, framingSpec);

  // ---- preview and errors
  const previewTitle = h('div', { class: 'preview-title', id: 'preview-title' });
  const wire = h('pre', { class: 'wire', id: 'wire', tabindex: 0, 'aria-labelledby': 'preview-title' });
  const errorBox = h('div', { class: 'draft-error', id: 'draft-error', role: 'alert', hidden: true });
  const preview = h('div', { class: 'preview', 'aria-live': 'polite' }, previewTitle, wire, errorBox);

  // ---- actions
  const sendBtn = h('button', { type: 'button', id: 'send', class: 'primary', title: t('Send (Ctrl+Enter)') }, icon('send'), h('span', { text: t('Send') }));
  const saveBtn = h('button', { type: 'button', id: 'save-packet', class: 'secondary', title: t('Save this packet in the workspace library (sockdbg.packets.json)') }, icon('bookmark'), h('span', { text: t('Save…') }));
  const fileBtn = h('button', { type: 'button', id: 'send-file', class: 'secondary', title: t('Send a file on the first target: raw, as one frame, or with a JSON header (name and size)') }, icon('file'), h('span', { text: t('Send File…') }));
  const repeatOn = h('input', { type: 'checkbox', id: 'repeat-on' });
  repeatOn.checked = s.repeatOn;
  const repeatInterval = h('input', { type: 'number', id: 'repeat-interval', min: 1, 'aria-label': t('Repeat interval in milliseconds'), value: s.repeatInterval });
  const repeatCount = h('input', { type: 'number', id: 'repeat-count', min: 1, 'aria-label': t('Number of times to send'), value: s.repeatCount });
  const repeatProgress = h('span', { id: 'repeat-progress', class: 'muted' });
  const status = h('div', { id: 'send-status', class: 'status', role: 'status', 'aria-live': 'polite' });
  const actions = h(
    'div',
    { class: 'toolbar actions' },
    sendBtn,
    saveBtn,
    fileBtn,
    h('label', { class: 'check' }, repeatOn, t('every')),
    repeatInterval,
    h('span', { text: t('ms ×') }),
    repeatCount,
    repeatProgress,
    h('span', { class: 'spacer' }),
    history.element,
  );

  const element = h(
    'section',
    { class: 'composer', 'aria-label': t('Packet composer') },
    targets.element,
    tabs,
    ...INPUT_MODES.map((m) => editors[m]),
    encodingRow,
    framingRow,
    preview,
    actions,
    status,
  );

  // ---------------------------------------------------------------------------------------------

  function effectiveEncoding(): string {
    return s.encoding || targetConns()[0]?.encoding || 'utf-8';
  }

  function currentDraft(): Draft {
    switch (s.mode) {
      case 'text':
        return { mode: 'text', text: s.text, encoding: effectiveEncoding() };
      case 'hex':
        return { mode: 'hex', text: s.hex };
      case 'escapes':
        return { mode: 'escapes', text: s.escapes, encoding: effectiveEncoding() };
      case 'message':
        return { mode: 'message', text: s.message };
      case 'struct':
        return { mode: 'struct', format: s.structFormat, values: s.structValues };
      case 'json':
        return { mode: 'json', header: s.jsonHeader, body: s.jsonBody, encoding: effectiveEncoding() };
    }
  }

  function setMode(m: InputMode): void {
    s.mode = m;
    for (const [k, b] of tabButtons) {
      b.setAttribute('aria-selected', String(k === m));
      b.tabIndex = k === m ? 0 : -1;
    }
    for (const k of INPUT_MODES) editors[k].hidden = k !== m;
    encodingRow.hidden = !(m === 'text' || m === 'escapes' || m === 'json');
    app.saveState();
    requestPreview();
  }


  function fillEncodings(): void {
    const connEnc = targetConns()[0]?.encoding;
    encodingSel.replaceChildren(h('option', { value: '', text: connEnc ? t("Connection's ({0})", connEnc) : t("Connection's") }));
    for (const e of app.encodings) encodingSel.append(h('option', { value: e.id, text: e.label }));
    encodingSel.value = s.encoding;
    if (encodingSel.value !== s.encoding) encodingSel.value = '';
  }

  function fillFramings(): void {
    const connFraming = targetConns()[0]?.framing;
    framingSel.replaceChildren(
      h('option', { value: 'connection', text: connFraming ? t("Connection's ({0})", connFraming) : t("Connection's") }),
      h('option', { value: 'raw', text: t('None: bytes as typed') }),
    );
    for (const f of app.framings) if (f.spec !== 'raw') framingSel.append(h('option', { value: 'spec:' + f.spec, text: f.label }));
    framingSel.append(h('option', { value: 'custom', text: t('Custom spec…') }));
    const fc = s.framing;
    const v = fc.kind === 'spec' ? 'spec:' + fc.spec : fc.kind;
    framingSel.value = v;
    if (framingSel.value !== v) framingSel.value = fc.kind === 'spec' ? 'custom' : 'connection';
    framingSpec.hidden = framingSel.value !== 'custom';
    if (fc.kind === 'spec') framingSpec.value = fc.spec;
  }

  function framingChoice(): FramingChoice {
    const v = framingSel.value;
    if (v === 'raw') return { kind: 'raw' };
    if (v.startsWith('spec:')) return { kind: 'spec', spec: v.slice(5) };
    if (v === 'custom') return { kind: 'spec', spec: framingSpec.value.trim() };
    return { kind: 'connection' };
  }

  // ---- preview
  const requestPreview = debounce(() => {
    messageForm.refresh();
    if (s.mode === 'message' && !messageForm.valid()) {
      previewTitle.textContent = t('Wire bytes: fix the input below');
      wire.hidden = true;
      return showError(undefined);
    }
    if (status.textContent === t('Fix the marked field first.')) setStatus('');
    if (s.targetIds.length === 0) {
      previewTitle.textContent = t('Wire bytes: pick a target to see the framed bytes');
      wire.textContent = '';
      showError(undefined);
      return;
    }
    lastPreviewReq = ++reqId;
    app.post({ type: 'preview', reqId: lastPreviewReq, draft: currentDraft(), target: currentTarget(), framing: s.framing });
  }, 120);

  function showError(err: DraftError | undefined): void {
    for (const f of fields.values()) f.removeAttribute('aria-invalid');
    if (!err) {
      errorBox.hidden = true;
      errorBox.replaceChildren();
      return;
    }
    errorBox.hidden = false;
    const field = fieldFor(err);
    if (field) field.setAttribute('aria-invalid', 'true');
    errorBox.replaceChildren(icon('error'), h('span', { class: 'msg', text: err.message }));
    if (field && err.position !== undefined && err.position >= 0) {
      const v = field.value;
      const p = Math.min(err.position, v.length);
      // a struct value is marked whole (up to its comma), anything else by its one character
      let end = p + 1;
      if (err.field === 'values' && err.index !== undefined) {
        const comma = v.indexOf(',', p);
        const stop = comma < 0 ? v.length : comma;
        end = Math.max(p + 1, p + v.slice(p, stop).trimEnd().length);
      }
      const from = Math.max(0, p - 24);
      const snippet = h(
        'code',
        { class: 'snippet', title: t('Click to jump to the error') },
        (from > 0 ? '…' : '') + v.slice(from, p),
        h('mark', { text: v.slice(p, end) || ' ' }),
        v.slice(end, end + 24) + (end + 24 < v.length ? '…' : ''),
      );
      snippet.addEventListener('click', () => {
        field.focus();
        field.setSelectionRange(p, end);
      });
      errorBox.append(h('div', { class: 'where', text: t('at position {0}:', p) + ' ' }, snippet));
    }
  }

  function fieldFor(err: DraftError): EditorField | undefined {
    switch (err.field) {
      case 'text':
        return fields.get(s.mode === 'hex' ? 'hex' : s.mode === 'escapes' ? 'escapes' : s.mode === 'message' ? 'message' : 'text');
      case 'format':
        return fields.get('structFormat');
      case 'values':
        return fields.get('structValues');
      case 'header':
        return fields.get('jsonHeader');
      case 'body':
        return fields.get('jsonBody');
      case 'framing':
        return framingSel.value === 'custom' ? framingSpec : undefined;
      default:
        return undefined;
    }
  }

  /** bytes: the first wire bytes (the host sends at most PREVIEW_WIRE_BYTES); total: how many there are in all */
  function showWire(bytes: Uint8Array, total: number, payloadLength: number, framing: string, note?: string): void {
    const extra = total - payloadLength;
    previewTitle.textContent = t('Wire bytes ({0})', total) + (extra > 0 ? ' = ' + t('{0} framing + {1} payload', extra, payloadLength) : '') + ` · ${framing}` + (note ? ` · ${note}` : '');
    const shown = Math.min(bytes.length, PREVIEW_WIRE_BYTES);
    const lines: string[] = [];
    for (let i = 0; i < shown; i += 16) lines.push(toHex(bytes.subarray(i, Math.min(i + 16, shown)), ' '));
    if (total > shown) lines.push('… ' + t('showing the first {0} of {1} bytes', shown, total));
    wire.textContent = lines.join('\n');
    wire.hidden = total === 0;
  }

  // ---- send
  function send(): void {
    if (repeatRunning) {
      app.post({ type: 'stopRepeat' });
      return;
    }
    if (s.targetIds.length === 0) {
      setStatus(t('Pick a target first.'), 'error');
      return;
    }
    if (formBlocks()) return;
    const server = targetConns().find((c) => capabilities(c.kind).sendsToChildren && framesPerSend(c, app.connList.filter((k) => k.parentId === c.id)) === 0);
    if (server) {
      setStatus(t('No client is connected to {0}.', server.local ?? server.label), 'error');
      return;
    }
    const draft = currentDraft();
    const id = ++reqId;
    const repeat = repeatOn.checked ? { intervalMs: clampInt(repeatInterval.value, 1, 86_400_000, 500), count: clampInt(repeatCount.value, 1, 1_000_000, 10) } : undefined;
    app.post({ type: 'send', reqId: id, draft, target: currentTarget(), framing: s.framing, ...(repeat ? { repeat } : {}) });
    history.push(draft);
    setStatus(t('Sending…'));
  }


  /** the Message form has a value that does not check: say so, and go to it */
  function formBlocks(): boolean {
    if (s.mode !== 'message' || messageForm.valid()) return false;
    setStatus(t('Fix the marked field first.'), 'error');
    messageForm.focusError();
    return true;
  }

  function setStatus(text: string, level: 'info' | 'error' = 'info'): void {
    status.textContent = text;
    status.className = 'status' + (level === 'error' ? ' error' : '');
  }

  function setRepeat(running: boolean, done: number, total: number): void {
    repeatRunning = running;
    sendBtn.replaceChildren(icon(running ? 'debug-stop' : 'send'), h('span', { text: running ? t('Stop') : t('Send') }));
    sendBtn.title = running ? t('Stop repeating (Ctrl+Enter)') : t('Send (Ctrl+Enter)');
    repeatProgress.textContent = total > 1 || running ? `${done}/${total}` : '';
  }

  // ---- wiring
  for (const [k, f] of fields) {
    f.addEventListener('input', () => {
      (s as Persisted)[k] = f.value;
      history.resetPosition();
      app.saveState();
      requestPreview();
    });
  }

  encodingSel.addEventListener('change', () => {
    s.encoding = encodingSel.value;
    app.saveState();
    requestPreview();
  });
  framingSel.addEventListener('change', () => {
    framingSpec.hidden = framingSel.value !== 'custom';
    if (framingSel.value === 'custom') framingSpec.focus();
    s.framing = framingChoice();
    app.saveState();
    requestPreview();
  });
  framingSpec.addEventListener('input', () => {
    s.framing = framingChoice();
    app.saveState();
    requestPreview();
  });
  sendBtn.addEventListener('click', send);
  fileBtn.addEventListener('click', () => {
    if (currentTarget().ids.length > 0) app.post({ type: 'sendFile', target: currentTarget() });
  });
  saveBtn.addEventListener('click', () => {
    if (formBlocks()) return;
    const to = currentTarget().to;
    app.post({ type: 'savePacket', draft: currentDraft(), framing: s.framing, ...(to ? { to } : {}) });
  });
  for (const inp of [repeatOn, repeatInterval, repeatCount]) {
    inp.addEventListener('change', () => {
      s.repeatOn = repeatOn.checked;
      s.repeatInterval = clampInt(repeatInterval.value, 1, 86_400_000, 500);
      s.repeatCount = clampInt(repeatCount.value, 1, 1_000_000, 10);
      app.saveState();
    });
  }
  // Ctrl+Enter sends from anywhere in the panel; Escape stops a running repeat.
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey) {
      e.preventDefault();
      send();
    } else if (e.key === 'Escape' && repeatRunning) {
      e.preventDefault();
      app.post({ type: 'stopRepeat' });
    }
  });

  app.on('init', () => {
    fillTargets();
    history.fill();
    setMode(s.mode);
  });
  app.on('connections', fillTargets);
  history.fill();
  setMode(s.mode);

  function onHost(m: HostToWebview): void {
    messageForm.onHost(m);
    if (m.type === 'preview') {
      if (m.reqId !== lastPreviewReq) return; // stale
      messageForm.showChecksum(m.result.ok ? m.result.checksum : undefined);
      if (m.result.ok) {
        showError(undefined);
        showWire(m.result.wire, m.result.wireLength ?? m.result.wire.length, m.result.payloadLength, m.result.framing, m.result.note);
      } else {
        previewTitle.textContent = t('Wire bytes: fix the input below');
        wire.textContent = '';
        wire.hidden = true;
        showError(m.result.error);
      }
    } else if (m.type === 'sendResult') {
      if (m.ok) setStatus(m.sent === 1 ? t('Sent 1 frame at {0}', formatClockTime(Date.now())) : t('Sent {0} frames at {1}', m.sent, formatClockTime(Date.now())));
      else if (m.error) {
        setStatus(m.error.message, 'error');
        if (m.error.field !== 'target') showError(m.error);
      }
    } else if (m.type === 'repeat') {
      setRepeat(m.running, m.done, m.total);
    } else if (m.type === 'focus') {
      targets.focus(m.target);
    }
  }

  return { element, onHost };
}

function clampInt(v: string, min: number, max: number, def: number): number {
  const n = Math.round(Number(v));
  if (!Number.isFinite(n)) return def;
  return Math.min(max, Math.max(min, n));
}
