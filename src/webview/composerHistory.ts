/** The composer's history of sent frames: the History select, and ↑/↓ in an editor to step through it. */
import type { Draft, InputMode } from '../shared/protocol';
import { MAX_SENT_HISTORY, type App } from './app';
import { t } from './l10n';
import { h, oneLine } from './util';

/** the composer's editor fields, named as their values are in the persisted state */
export type FieldKey = 'text' | 'hex' | 'escapes' | 'message' | 'structFormat' | 'structValues' | 'jsonHeader' | 'jsonBody';
export type EditorField = HTMLTextAreaElement | HTMLInputElement;

export interface SentHistory {
  /** the History select */
  element: HTMLSelectElement;
  /** records a sent draft (unless it repeats the last one) and goes back to editing the draft */
  push(draft: Draft): void;
  /** rebuilds the History select from the state */
  fill(): void;
  /** the draft was edited: ↑ starts again from the newest entry */
  resetPosition(): void;
}

/**
 * `fields` are the editors (their ↑/↓ step through the history); `onRecalled(mode)` runs after an entry was put
 * back into the state and the fields, to show its framing and mode.
 */
export function createSentHistory(app: App, fields: Map<FieldKey, EditorField>, modeLabels: Record<InputMode, string>, onRecalled: (mode: InputMode) => void): SentHistory {
  const s = app.state;
  let historyPos = -1; // -1 = editing the draft; k = showing s.sent[len-1-k]
  const historySel = h('select', { id: 'history', 'aria-label': t('Sent history: pick one to recall') });

  function pushHistory(draft: Draft): void {
    const last = s.sent[s.sent.length - 1];
    if (!last || JSON.stringify(last.draft) !== JSON.stringify(draft) || JSON.stringify(last.framing) !== JSON.stringify(s.framing)) {
      s.sent.push({ draft, framing: s.framing, time: Date.now() });
      if (s.sent.length > MAX_SENT_HISTORY) s.sent.splice(0, s.sent.length - MAX_SENT_HISTORY);
    }
    historyPos = -1;
    fillHistory();
    app.saveState();
  }

  function summarize(d: Draft): string {
    switch (d.mode) {
      case 'text':
      case 'escapes':
      case 'hex':
      case 'message':
        return `${modeLabels[d.mode]}: ${oneLine(d.text, 60)}`;
      case 'struct':
        return `Struct ${d.format}: ${oneLine(d.values, 50)}`;
      case 'json':
        return `JSON ${oneLine(d.header, 40)} + ${oneLine(d.body, 20)}`;
    }
  }

  function fillHistory(): void {
    historySel.replaceChildren(h('option', { value: '', text: s.sent.length ? t('History ({0})', s.sent.length) : t('History (empty)') }));
    for (let i = s.sent.length - 1; i >= 0; i--) historySel.append(h('option', { value: String(i), text: summarize(s.sent[i].draft) }));
    historySel.value = '';
  }

  function recall(i: number): void {
    const e = s.sent[i];
    if (!e) return;
    const d = e.draft;
    s.mode = d.mode;
    switch (d.mode) {
      case 'text':
        s.text = d.text;
        break;
      case 'hex':
        s.hex = d.text;
        break;
      case 'escapes':
        s.escapes = d.text;
        break;
      case 'message':
        s.message = d.text;
        break;
      case 'struct':
        s.structFormat = d.format;
        s.structValues = d.values;
        break;
      case 'json':
        s.jsonHeader = d.header;
        s.jsonBody = d.body;
        break;
    }
    s.framing = e.framing;
    syncFields();
    onRecalled(d.mode);
  }

  function syncFields(): void {
    for (const [k, f] of fields) if (f.value !== s[k]) f.value = s[k];
  }

  function onEditorKey(e: KeyboardEvent, f: EditorField): void {
    if (e.key !== 'ArrowUp' && e.key !== 'ArrowDown') return;
    if (e.altKey || e.shiftKey || e.ctrlKey || e.metaKey || s.sent.length === 0) return;
    const caret = f.selectionStart ?? 0;
    const v = f.value;
    const onFirstLine = !v.slice(0, caret).includes('\n');
    const onLastLine = !v.slice(f.selectionEnd ?? caret).includes('\n');
    if (e.key === 'ArrowUp' && onFirstLine && (historyPos >= 0 || caret === 0 || !v.includes('\n'))) {
      if (historyPos + 1 >= s.sent.length) return;
      historyPos++;
      recall(s.sent.length - 1 - historyPos);
      e.preventDefault();
      const g = fields.get(activeFieldKey());
      g?.focus();
    } else if (e.key === 'ArrowDown' && onLastLine && historyPos >= 0) {
      historyPos--;
      if (historyPos >= 0) recall(s.sent.length - 1 - historyPos);
      e.preventDefault();
      fields.get(activeFieldKey())?.focus();
    }
  }

  function activeFieldKey(): FieldKey {
    switch (s.mode) {
      case 'struct':
        return 'structValues';
      case 'json':
        return 'jsonBody';
      default:
        return s.mode;
    }
  }

  for (const f of fields.values()) f.addEventListener('keydown', (e) => onEditorKey(e as KeyboardEvent, f));
  historySel.addEventListener('change', () => {
    if (historySel.value !== '') recall(Number(historySel.value));
    historySel.value = '';
  });

  return {
    element: historySel,
    push: pushHistory,
    fill: fillHistory,
    resetPosition: () => {
      historyPos = -1;
    },
  };
}
