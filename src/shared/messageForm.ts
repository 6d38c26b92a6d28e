/**
 * The composer's Message form, pure: what a protocol file's message layout looks like to the webview (fields with
 * their struct code, range and match value, the checksum), the check of one typed value against its field (integer
 * range of its code, float overflow of e/f, byte length of s/p/c), and the Message-mode text the host packs
 * (`reading {kind: 2, seq: 7}`), written from and read back into the form's values.
 */

export type MessageFieldKind = 'int' | 'float' | 'bool' | 'bytes' | 'char';

/** One value of a message layout, as the form shows it. */
export interface MessageFieldInfo {
  name: string;
  /** the struct code as the format writes it: 'B', 'H', 'f', '10s' */
  code: string;
  kind: MessageFieldKind;
  /** bytes the value takes (s/p: the count) */
  size: number;
  /** integers: the range the code packs, in decimal */
  min?: string;
  max?: string;
  /** the value `match` gives it (how a received frame is recognised), as text */
  match?: string;
  /** this field holds the checksum: computed on send, not typed */
  checksum?: true;
}

export interface MessageLayoutInfo {
  name: string;
  fields: MessageFieldInfo[];
  /** the frame's size in bytes (with an appended checksum) */
  size: number;
  /** `append`: the struct format of a checksum packed after the layout; `field`: the field that holds it */
  checksum?: { algorithm: string; append?: string; field?: string; from: number; to: number };
}

/** What is wrong with a typed value; the webview words it (localized). */
export type FieldProblem =
  | { code: 'empty' }
  | { code: 'notInteger' }
  | { code: 'notNumber' }
  | { code: 'range'; min: string; max: string }
  | { code: 'floatRange'; format: string }
  | { code: 'notBool' }
  | { code: 'tooLong'; bytes: number; max: number }
  | { code: 'notOneByte'; bytes: number };

export type FieldCheck = { ok: true; literal: string } | { ok: false; problem: FieldProblem };

/** The value a new form shows for a field: its `match` value, or 0 / false / empty. */
export function defaultFieldValue(f: MessageFieldInfo): string {
  if (f.match !== undefined) return f.match;
  if (f.kind === 'bool') return 'false';
  if (f.kind === 'bytes' || f.kind === 'char') return '';
  return '0';
}

const INT_RE = /^([+-]?)(0x[0-9a-f]+|0o[0-7]+|0b[01]+|\d+)$/i;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** UTF-8 byte length of text (bytes fields take UTF-8 text). */
export function utf8Length(text: string): number {
  let n = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

/** The most bytes a bytes/char field takes: s N → N, p N → N−1 (at most 255), c → 1. */
export function maxFieldBytes(f: MessageFieldInfo): number {
  if (f.kind === 'char') return 1;
  return f.code.endsWith('p') ? Math.max(0, Math.min(f.size - 1, 255)) : f.size;
}

/**
 * Checks one typed value against its field. `literal` is the value as the Message-mode text writes it (YAML): an
 * exact decimal integer (quoted beyond 2^53, so no digit is lost), a float (`.inf`, `.nan`), true/false, or a
 * double-quoted string.
 */
export function checkFieldValue(f: MessageFieldInfo, raw: string): FieldCheck {
  const v = raw.trim();
  switch (f.kind) {
    case 'int': {
      if (v === '') return { ok: false, problem: { code: 'empty' } };
      const m = INT_RE.exec(v.replace(/_/g, ''));
      if (!m) return { ok: false, problem: { code: 'notInteger' } };
      const n = (m[1] === '-' ? -1n : 1n) * BigInt(m[2].toLowerCase());
      if ((f.min !== undefined && n < BigInt(f.min)) || (f.max !== undefined && n > BigInt(f.max))) {
        return { ok: false, problem: { code: 'range', min: f.min ?? '-∞', max: f.max ?? '∞' } };
      }
      return { ok: true, literal: n >= -SAFE && n <= SAFE ? n.toString() : JSON.stringify(n.toString()) };
    }
    case 'float': {
      if (v === '') return { ok: false, problem: { code: 'empty' } };
      const x = parseFloatText(v);
      if (x === undefined) return { ok: false, problem: { code: 'notNumber' } };
      // CPython: OverflowError "float too large to pack with f/e format" for a finite value beyond the format
      const tooLarge = Number.isFinite(x) && ((f.size === 4 && !Number.isFinite(Math.fround(x))) || (f.size === 2 && Math.abs(x) >= 65520));
      if (tooLarge) return { ok: false, problem: { code: 'floatRange', format: f.code } };
      return { ok: true, literal: Number.isNaN(x) ? '.nan' : x === Infinity ? '.inf' : x === -Infinity ? '-.inf' : String(x) };
    }
    case 'bool':
      if (/^(true|1)$/i.test(v)) return { ok: true, literal: 'true' };
      if (/^(false|0)$/i.test(v)) return { ok: true, literal: 'false' };
      return { ok: false, problem: { code: 'notBool' } };
    case 'char':
    case 'bytes': {
      const bytes = utf8Length(raw);
      if (f.kind === 'char' && bytes !== 1) return { ok: false, problem: { code: 'notOneByte', bytes } };
      const max = maxFieldBytes(f);
      if (bytes > max) return { ok: false, problem: { code: 'tooLong', bytes, max } };
      return { ok: true, literal: JSON.stringify(raw) };
    }
  }
}

/** 1.5, -2e3, inf, -inf, nan (as Python's float() reads them); undefined when it is not a number */
function parseFloatText(v: string): number | undefined {
  const s = v.replace(/_/g, '');
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(s)) return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return Number(s);
  if (/^[+-]?0x[0-9a-f]+$/i.test(s)) return Number(BigInt(s.replace(/^[+-]/, ''))) * (s.startsWith('-') ? -1 : 1);
  return undefined;
}

const PLAIN_KEY = /^[A-Za-z_][\w-]*$/;

/**
 * The Message-mode text of a filled-in form, `reading {kind: 2, unit: 1, seq: 7, value: 101.5}` (the checksum
 * field left out: the host computes it), or the index of the first field whose value does not check.
 */
export function messageText(layout: MessageLayoutInfo, values: Readonly<Record<string, string>>): { ok: true; text: string } | { ok: false; index: number; problem: FieldProblem } {
  const parts: string[] = [];
  for (let i = 0; i < layout.fields.length; i++) {
    const f = layout.fields[i];
    if (f.checksum) continue;
    const c = checkFieldValue(f, values[f.name] ?? defaultFieldValue(f));
    if (!c.ok) return { ok: false, index: i, problem: c.problem };
    parts.push(`${PLAIN_KEY.test(f.name) ? f.name : JSON.stringify(f.name)}: ${c.literal}`);
  }
  return { ok: true, text: `${layout.name} {${parts.join(', ')}}` };
}

/**
 * Reads Message-mode text back into form values: `name {key: value, …}` with plain, single- or double-quoted
 * scalars (what messageText writes, and what people type). Undefined for anything else (nested maps, anchors, …).
 */
export function parseMessageText(text: string): { name: string; values: Record<string, string> } | undefined {
  const m = /^\s*([A-Za-z_][\w.-]*)\s*(?:\{([\s\S]*)\})?\s*$/.exec(text);
  if (!m) return undefined;
  const values: Record<string, string> = {};
  const body = m[2] ?? '';
  let i = 0;
  const skip = (): void => {
    while (i < body.length && /\s/.test(body[i])) i++;
  };
  const scalar = (stops: string): string | undefined => {
    skip();
    const q = body[i];
    if (q === '"') {
      let j = i + 1;
      while (j < body.length && body[j] !== '"') j += body[j] === '\\' ? 2 : 1;
      if (j >= body.length) return undefined;
      try {
        const s = JSON.parse(body.slice(i, j + 1)) as string;
        i = j + 1;
        return s;
      } catch {
        return undefined;
      }
    }
    if (q === "'") {
      let s = '';
      let j = i + 1;
      for (;;) {
        if (j >= body.length) return undefined;
        if (body[j] === "'") {
          if (body[j + 1] !== "'") break;
          j++;
        }
        s += body[j++];
      }
      i = j + 1;
      return s;
    }
    let j = i;
    while (j < body.length && !stops.includes(body[j])) j++;
    const s = body.slice(i, j).trim();
    if (/[{}[\]&*!|>'"%@`]/.test(s[0] ?? '')) return undefined;
    i = j;
    return s;
  };
  skip();
  while (i < body.length) {
    const key = scalar(':');
    skip();
    if (key === undefined || key === '' || body[i] !== ':') return undefined;
    i++;
    const raw = scalar(',');
    if (raw === undefined) return undefined;
    values[key] = raw === '.inf' || raw === '+.inf' ? 'inf' : raw === '-.inf' ? '-inf' : raw === '.nan' ? 'nan' : raw;
    skip();
    if (i < body.length && body[i] !== ',') return undefined;
    i++;
    skip();
  }
  return { name: m[1], values };
}
