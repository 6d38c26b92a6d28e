/**
 * Reply templates: text with {{macros}}. Built-ins {{seq}} {{now:%H:%M:%S}} {{rand:N}} {{len}} {{hex}} {{text}},
 * checksums {{crc16-modbus}} (of the reply bytes before the macro), regex captures {{1}} {{name}}, the received
 * message's fields and per-connection variables; filters |upper |lower |trim |hex |inc |dec |strftime.
 * Every name is checked when the file loads: an unknown macro is an error with its line and column.
 */
import { encodeText } from '../codec/encoding';
import { parseHex } from '../codec/binaryInput';
import { toHex } from '../../shared/bytes';
import { checksumAlgorithm, type ChecksumAlgorithm } from '../protocol/checksum';
import { fieldText, type FieldValue } from '../protocol/values';
import type { YamlPath, YamlSource } from '../protocol/yaml';
import { strftime } from './strftime';

/** What a template may name, known when the file loads. */
export interface TemplateScope {
  /** number of numbered regex groups */
  groups: number;
  /** named regex groups */
  named: readonly string[];
  /** fields of the received message */
  fields: readonly string[];
  /** per-connection variables */
  vars: readonly string[];
}

export type VarValue = string | number | boolean;

/** What a template is rendered against. */
export interface RenderContext {
  seq: number;
  frame: Buffer;
  /** the frame as text (decoded once, on demand) */
  text(): string;
  match?: RegExpExecArray | null;
  fields?: Record<string, FieldValue>;
  vars: Map<string, VarValue>;
  now?: Date;
}

type Value = string | number;
type Getter = (ctx: RenderContext) => Value;
type Part = { kind: 'lit'; text: string } | { kind: 'val'; get: Getter } | { kind: 'sum'; alg: ChecksumAlgorithm; le: boolean };

export const TEMPLATE_BUILTINS = ['seq', 'now', 'rand', 'len', 'hex', 'text'] as const;
const FILTERS = ['upper', 'lower', 'trim', 'hex', 'inc', 'dec', 'strftime'] as const;
const MACRO = /\{\{\s*([^{}]*?)\s*\}\}/g;

export type TemplateMode = 'text' | 'hex' | 'value';

export class Template {
  private constructor(
    private readonly parts: Part[],
    private readonly mode: TemplateMode,
    /** the template has no macros */
    readonly constant: boolean,
  ) {}

  /** Compiles `text` found at `path`; `mode` says what it renders to (text bytes, hex bytes, or a field value). */
  static compile(src: YamlSource, path: YamlPath, text: string, scope: TemplateScope, mode: TemplateMode): Template {
    const parts: Part[] = [];
    let last = 0;
    for (const m of text.matchAll(MACRO)) {
      if (m.index > last) parts.push({ kind: 'lit', text: text.slice(last, m.index) });
      parts.push(compileMacro(src, path, m[1], scope, mode));
      last = m.index + m[0].length;
    }
    if (last < text.length) parts.push({ kind: 'lit', text: text.slice(last) });
    const t = new Template(parts, mode, parts.every((p) => p.kind === 'lit'));
    if (mode === 'hex' && t.constant) {
      try {
        parseHex(text);
      } catch (err) {
        throw src.error('EPROTO_VALUE', path, `bad hex '${text}': ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return t;
  }

  /** Renders a text or hex template to bytes. */
  render(ctx: RenderContext, encoding: string): Buffer {
    if (this.mode === 'hex') {
      const out: Buffer[] = [];
      let pending = '';
      for (const p of this.parts) {
        if (p.kind === 'sum') {
          out.push(parseHex(pending));
          pending = '';
          out.push(checksumBytes(p.alg, Buffer.concat(out), p.le));
        } else pending += p.kind === 'lit' ? p.text : String(p.get(ctx));
      }
      out.push(parseHex(pending));
      return Buffer.concat(out);
    }
    let s = '';
    for (const p of this.parts) {
      if (p.kind === 'sum') s += p.alg.compute(encodeText(s, encoding)).toString(16).toUpperCase().padStart(p.alg.width / 4, '0');
      else s += p.kind === 'lit' ? p.text : String(p.get(ctx));
    }
    return encodeText(s, encoding);
  }

  /** Renders a field value: a template that is exactly one macro keeps its type (a number stays a number). */
  value(ctx: RenderContext): Value {
    if (this.parts.length === 1) {
      const p = this.parts[0];
      if (p.kind === 'val') return p.get(ctx);
      if (p.kind === 'lit') return p.text;
    }
    let s = '';
    for (const p of this.parts) if (p.kind !== 'sum') s += p.kind === 'lit' ? p.text : String(p.get(ctx));
    return s;
  }
}

function checksumBytes(alg: ChecksumAlgorithm, data: Buffer, le: boolean): Buffer {
  const n = alg.width / 8;
  const b = Buffer.alloc(n);
  if (le) b.writeUIntLE(alg.compute(data), 0, n);
  else b.writeUIntBE(alg.compute(data), 0, n);
  return b;
}

function compileMacro(src: YamlSource, path: YamlPath, body: string, scope: TemplateScope, mode: TemplateMode): Part {
  const [head, ...filterNames] = body.split('|').map((s) => s.trim());
  const colon = head.indexOf(':');
  const name = colon < 0 ? head : head.slice(0, colon);
  const arg = colon < 0 ? undefined : head.slice(colon + 1);
  const fail = (why: string) => src.error('EPROTO_MACRO', path, `{{${body}}}: ${why}`);
  for (const f of filterNames) {
    if (!(FILTERS as readonly string[]).includes(f)) throw fail(`unknown filter '${f}' (known: ${FILTERS.join(', ')})`);
  }
  const base = macroGetter(name, arg, scope, fail);
  if (base === 'checksum') {
    if (filterNames.length > 0 || mode === 'value' || (arg !== undefined && arg !== 'le' && arg !== 'be')) {
      throw fail(mode === 'value' ? 'a checksum macro belongs in a text or hex reply; message checksums are computed from the layout' : "a checksum macro takes ':le' or ':be' and no filters");
    }
    return { kind: 'sum', alg: checksumAlgorithm(name) as ChecksumAlgorithm, le: arg === 'le' };
  }
  let get = base;
  for (const f of filterNames) get = applyFilter(get, f);
  return { kind: 'val', get };
}

function macroGetter(name: string, arg: string | undefined, scope: TemplateScope, fail: (why: string) => Error): Getter | 'checksum' {
  if (/^\d+$/.test(name)) {
    const i = Number(name);
    if (i > scope.groups) throw fail(scope.groups === 0 ? 'no regex captures here (a capture needs when: {regex: …} with a group)' : `the regex has ${scope.groups} group${scope.groups === 1 ? '' : 's'}`);
    return (ctx) => ctx.match?.[i] ?? '';
  }
  if (scope.named.includes(name)) return (ctx) => ctx.match?.groups?.[name] ?? '';
  if (scope.fields.includes(name)) return (ctx) => {
    const v = ctx.fields?.[name];
    return v === undefined ? '' : typeof v === 'number' ? v : fieldText(v);
  };
  if (scope.vars.includes(name)) return (ctx) => {
    const v = ctx.vars.get(name);
    return typeof v === 'number' ? v : v === undefined ? '' : String(v);
  };
  switch (name) {
    case 'seq':
      return (ctx) => ctx.seq;
    case 'now': {
      const fmt = arg ?? '%Y-%m-%d %H:%M:%S';
      return (ctx) => strftime(fmt, ctx.now ?? new Date());
    }
    case 'rand': {
      const n = arg === undefined ? 100 : Number(arg);
      if (!Number.isSafeInteger(n) || n < 1) throw fail(`rand takes a whole number above 0, e.g. {{rand:100}}`);
      return () => Math.floor(Math.random() * n);
    }
    case 'len':
      return (ctx) => ctx.frame.length;
    case 'hex':
      return (ctx) => toHex(ctx.frame);
    case 'text':
      return (ctx) => ctx.text();
  }
  if (checksumAlgorithm(name)) return 'checksum';
  const known = [...TEMPLATE_BUILTINS, ...scope.named, ...scope.fields, ...scope.vars, ...(scope.groups > 0 ? ['1'] : [])];
  return ((): never => {
    throw fail(`unknown macro '${name}' (known here: ${known.join(', ')}, or a checksum such as crc16-modbus)`);
  })();
}

function applyFilter(get: Getter, f: string): Getter {
  switch (f) {
    case 'upper':
      return (ctx) => String(get(ctx)).toUpperCase();
    case 'lower':
      return (ctx) => String(get(ctx)).toLowerCase();
    case 'trim':
      return (ctx) => String(get(ctx)).trim();
    case 'hex':
      return (ctx) => {
        const v = get(ctx);
        if (typeof v === 'number') return v.toString(16).toUpperCase().padStart(2, '0');
        return toHex(Buffer.from(v, 'utf8'));
      };
    case 'inc':
      return (ctx) => Number(get(ctx)) + 1;
    case 'dec':
      return (ctx) => Number(get(ctx)) - 1;
    default:
      return (ctx) => strftime(String(get(ctx)), ctx.now ?? new Date());
  }
}
