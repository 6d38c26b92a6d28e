/**
 * The composer's Message input mode as a form built from the layout of the protocol file attached to the target:
 * a message picker, one input per field (its struct code, range, `match` value prefilled), the checksum computed and
 * read-only, each value checked as it is typed (src/shared/messageForm.ts). The form writes the Message-mode text
 * (`reading {kind: 2, …}`) into the state, so the preview, send, history and packet library work as for any draft;
 * "as text" shows and edits that text directly.
 */
import { checkFieldValue, defaultFieldValue, maxFieldBytes, messageText, parseMessageText, type FieldProblem, type MessageFieldInfo, type MessageLayoutInfo } from '../shared/messageForm';
import type { HostToWebview } from '../shared/protocol';
import type { App } from './app';
import { t } from './l10n';
import { h, icon } from './util';
import './messageForm.css';

export interface MessageForm {
  element: HTMLElement;
  /** false while a field of the form holds a value that does not check (its error is shown at the field) */
  valid(): boolean;
  /** puts the focus on the first field with an error */
  focusError(): void;
  /** the target or the state's text may have changed (a recalled draft): ask for layouts, reload the values */
  refresh(): void;
  onHost(m: HostToWebview): void;
  /** the preview's computed checksum */
  showChecksum(c: { algorithm: string; value: number } | undefined): void;
}

/** the most message names whose typed values are kept */
const MAX_KEPT = 50;

function problemText(p: FieldProblem, f: MessageFieldInfo): string {
  switch (p.code) {
    case 'empty':
      return t('Enter a value.');
    case 'notInteger':
      return t('{0} takes an integer (e.g. 7, -3, 0x1f).', f.code);
    case 'notNumber':
      return t('{0} takes a number (e.g. 1.5, -2e3, inf).', f.code);
    case 'range':
      return t('Out of range for {0}: {1} … {2}.', f.code, p.min, p.max);
    case 'floatRange':
      return t('Too large for {0}.', p.format);
    case 'notBool':
      return t('Enter true or false.');
    case 'tooLong':
      return t('{0} bytes in UTF-8; {1} takes at most {2}.', p.bytes, f.code, p.max);
    case 'notOneByte':
      return t('{0} takes exactly one byte ({1} in UTF-8).', f.code, p.bytes);
  }
}

function hintOf(f: MessageFieldInfo, encoding: string): string {
  if (f.kind === 'int' && f.min !== undefined) return `${f.min} … ${f.max}`;
  if (f.kind === 'float') return t('number');
  if (f.kind === 'bytes' || f.kind === 'char') return t('text, {0}, at most {1} bytes', encoding, maxFieldBytes(f));
  return '';
}

export function createMessageForm(app: App, textArea: HTMLTextAreaElement, onChange: () => void): MessageForm {
  const s = app.state;
  let conn: string | undefined;
  let asked: string | undefined;
  let file: string | undefined;
  let layouts: MessageLayoutInfo[] = [];
  /** the text the form wrote last (a different s.message was typed or recalled: read it back) */
  let written = s.message;
  const inputs = new Map<string, { input: HTMLInputElement; error: HTMLElement; field: MessageFieldInfo }>();
  let checksumInput: HTMLInputElement | undefined;
  let checksumValue: { algorithm: string; value: number } | undefined;

  const nameSel = h('select', { id: 'msg-name', 'aria-label': t('Message to send') });
  const fileNote = h('span', { class: 'muted msg-file', id: 'msg-file' });
  const asText = h('button', { type: 'button', id: 'msg-as-text', class: 'secondary', 'aria-pressed': 'false', title: t('Edit the message as text: name {field: value, …}') }, icon('code'), h('span', { text: t('as text') }));
  const grid = h('div', { class: 'msg-fields', id: 'msg-fields', role: 'group' });
  const empty = h('div', { class: 'msg-empty muted', id: 'msg-empty' });
  const head = h('div', { class: 'row msg-head' }, h('label', { for: 'msg-name', text: t('Message') }), nameSel, fileNote, asText);
  const element = h('div', { class: 'msg-form' }, head, empty, grid, textArea);

  function layout(): MessageLayoutInfo | undefined {
    return layouts.find((l) => l.name === s.messageName) ?? layouts[0];
  }

  /** the values typed for a message (its defaults where none were typed) */
  function valuesOf(l: MessageLayoutInfo): Record<string, string> {
    const kept = s.messageValues[l.name] ?? {};
    return Object.fromEntries(l.fields.map((f) => [f.name, kept[f.name] ?? defaultFieldValue(f)]));
  }

  function keep(name: string, values: Record<string, string>): void {
    const all = { ...s.messageValues, [name]: values };
    const names = Object.keys(all);
    if (names.length > MAX_KEPT) for (const n of names.slice(0, names.length - MAX_KEPT)) delete all[n];
    s.messageValues = all;
  }

  /** No file attached: a note; otherwise the form, or the text area in the text view. */
  function render(): void {
    const l = layout();
    const textView = s.messageView === 'text';
    asText.setAttribute('aria-pressed', String(textView));
    head.hidden = !l;
    textArea.hidden = !l || !textView;
    grid.hidden = !l || textView;
    empty.hidden = !!l;
    empty.textContent = conn === undefined ? t('Pick a target to send its protocol file’s messages.') : asked === conn && !file ? t('No protocol file is attached to this connection: attach one (Connections view, Attach Protocol File…) to send its messages.') : '';
    if (!l) return;
    fileNote.textContent = t('{0} · {1} bytes', file ?? '', l.size);
    nameSel.replaceChildren(...layouts.map((m) => h('option', { value: m.name, text: m.name })));
    nameSel.value = l.name;
    buildFields(l);
  }

  function buildFields(l: MessageLayoutInfo): void {
    inputs.clear();
    checksumInput = undefined;
    grid.setAttribute('aria-label', t('Fields of {0}', l.name));
    const values = valuesOf(l);
    const rows: HTMLElement[] = [];
    const head = (text: string) => h('span', { class: 'msg-col-head', 'aria-hidden': 'true', text });
    rows.push(head(t('Field')), head(t('Type')), head(t('Value')), head(''));
    for (const f of l.fields) {
      const id = `msg-f-${f.name.replace(/[^\w-]/g, '_')}`;
      if (f.checksum) {
        rows.push(...checksumRow(id, f.name, f.code, l));
        continue;
      }
      const input = f.kind === 'bool' ? h('input', { type: 'checkbox', id, class: 'msg-input' }) : h('input', { type: 'text', id, class: 'msg-input', spellcheck: 'false', autocomplete: 'off', inputmode: f.kind === 'int' || f.kind === 'float' ? 'decimal' : undefined });
      if (f.kind === 'bool') input.checked = checkFieldValue(f, values[f.name]).ok && /^(true|1)$/i.test(values[f.name].trim());
      else input.value = values[f.name];
      const error = h('div', { class: 'msg-error', id: `${id}-error`, role: 'alert', hidden: true });
      input.setAttribute('aria-describedby', `${id}-error ${id}-hint`);
      const hint = [hintOf(f, 'UTF-8'), f.match !== undefined ? t('match: {0}', f.match) : ''].filter(Boolean).join(' · ');
      rows.push(h('label', { for: id, class: 'msg-name', text: f.name }), h('code', { class: 'msg-code', title: t('struct code'), text: f.code }), h('div', { class: 'msg-value' }, input, error), h('span', { class: 'muted msg-hint', id: `${id}-hint`, text: hint }));
      inputs.set(f.name, { input, error, field: f });
      input.addEventListener(f.kind === 'bool' ? 'change' : 'input', () => edited(l));
    }
    const c = l.checksum;
    if (c?.append !== undefined) rows.push(...checksumRow('msg-checksum', t('checksum'), c.append, l));
    grid.replaceChildren(...rows);
    check(l);
  }

  function checksumRow(id: string, name: string, code: string, l: MessageLayoutInfo): HTMLElement[] {
    const input = h('input', { type: 'text', id, class: 'msg-input msg-checksum', readonly: true, tabindex: -1, 'aria-readonly': 'true' });
    checksumInput = input;
    showChecksum(checksumValue);
    return [h('label', { for: id, class: 'msg-name', text: name }), h('code', { class: 'msg-code', text: code }), h('div', { class: 'msg-value' }, input), h('span', { class: 'muted msg-hint', text: t('computed over bytes {0}…{1}', l.checksum?.from ?? 0, (l.checksum?.to ?? 0) - 1) })];
  }

  function showChecksum(c: { algorithm: string; value: number } | undefined): void {
    checksumValue = c;
    if (!checksumInput) return;
    checksumInput.value = c ? `0x${c.value.toString(16).toUpperCase()} (${c.algorithm})` : t('computed on send');
  }

  /** the form's values as typed */
  function typed(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, { input, field }] of inputs) out[name] = field.kind === 'bool' ? String(input.checked) : input.value;
    return out;
  }

  function edited(l: MessageLayoutInfo): void {
    keep(l.name, typed());
    check(l);
    app.saveState();
    onChange();
  }

  /** marks every field that does not check; when all do, writes the Message-mode text into the state */
  function check(l: MessageLayoutInfo): boolean {
    let ok = true;
    for (const { input, error, field } of inputs.values()) {
      const c = checkFieldValue(field, field.kind === 'bool' ? String(input.checked) : input.value);
      error.hidden = c.ok;
      error.textContent = c.ok ? '' : problemText(c.problem, field);
      if (c.ok) input.removeAttribute('aria-invalid');
      else input.setAttribute('aria-invalid', 'true');
      ok &&= c.ok;
    }
    const r = messageText(l, { ...valuesOf(l), ...typed() });
    if (ok && r.ok && s.message !== r.text && s.messageView !== 'text') {
      s.message = r.text;
      textArea.value = r.text;
      written = r.text;
    }
    return ok && r.ok;
  }

  /** text typed (or recalled) that names a message: its values go into the form */
  function readText(): void {
    const p = parseMessageText(s.message);
    const l = p && layouts.find((m) => m.name === p.name);
    if (!p || !l) return;
    s.messageName = l.name;
    keep(l.name, { ...valuesOf(l), ...Object.fromEntries(Object.entries(p.values).filter(([k]) => l.fields.some((f) => f.name === k))) });
  }

  nameSel.addEventListener('change', () => {
    s.messageName = nameSel.value;
    const l = layout();
    if (l) buildFields(l);
    if (l) check(l);
    app.flushState();
    onChange();
  });
  asText.addEventListener('click', () => {
    const toForm = s.messageView === 'text';
    if (toForm) readText();
    s.messageView = toForm ? 'form' : 'text';
    written = s.message;
    render();
    app.flushState();
    onChange();
    (toForm ? grid.querySelector<HTMLInputElement>('input:not([readonly])') : textArea)?.focus();
  });

  function refresh(): void {
    const target = s.targetIds[0];
    if (target !== conn) {
      conn = target;
      layouts = [];
      file = undefined;
      if (target !== undefined) app.post({ type: 'messageLayouts', conn: target });
      render();
      return;
    }
    if (s.message !== written && s.messageView === 'form' && layouts.length) {
      readText();
      written = s.message;
      render();
    }
  }

  return {
    element,
    valid: () => {
      const l = layout();
      return s.messageView === 'text' || !l || check(l);
    },
    focusError: () => grid.querySelector<HTMLInputElement>('input[aria-invalid="true"]')?.focus(),
    refresh,
    showChecksum,
    onHost(m) {
      if (m.type !== 'messageLayouts' || m.conn !== conn) return;
      asked = m.conn;
      layouts = m.messages;
      file = m.file;
      if (s.message !== written) readText();
      written = s.message;
      render();
      const l = layout();
      if (l && s.messageView === 'form' && check(l) && s.mode === 'message') onChange();
    },
  };
}
