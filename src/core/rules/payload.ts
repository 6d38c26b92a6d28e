/** What rules reply and scenarios send: text, hex, a message with values, or JSON — each a template. */
import { ProtocolValueError } from '../protocol/message';
import type { ProtocolModel } from '../protocol/model';
import type { YamlPath, YamlSource } from '../protocol/yaml';
import { Template, type RenderContext, type TemplateScope } from './template';

export interface PayloadSpec {
  text?: string;
  hex?: string;
  message?: string;
  values?: Record<string, unknown>;
  json?: unknown;
}

export type PayloadRenderer = (ctx: RenderContext) => Buffer;

/** Compiles a payload at `path`; every template, field name and value is checked now. */
export function compilePayload(src: YamlSource, path: YamlPath, spec: PayloadSpec, model: ProtocolModel, scope: TemplateScope): PayloadRenderer {
  const kinds = (['text', 'hex', 'message', 'json'] as const).filter((k) => spec[k] !== undefined);
  if (kinds.length !== 1) {
    throw src.error('EPROTO_VALUE', kinds.length ? [...path, kinds[1]] : path, kinds.length ? `give one of text, hex, message, json — not both '${kinds[0]}' and '${kinds[1]}'` : 'say what to send: text, hex, message (with values) or json', kinds.length > 0);
  }
  if (spec.values !== undefined && spec.message === undefined) throw src.error('EPROTO_VALUE', [...path, 'values'], `'values' needs 'message'`, true);
  const enc = model.encoding;
  if (spec.text !== undefined) {
    const t = Template.compile(src, [...path, 'text'], spec.text, scope, 'text');
    return (ctx) => t.render(ctx, enc);
  }
  if (spec.hex !== undefined) {
    const t = Template.compile(src, [...path, 'hex'], spec.hex, scope, 'hex');
    return (ctx) => t.render(ctx, enc);
  }
  if (spec.json !== undefined) {
    const render = compileJson(src, [...path, 'json'], spec.json, scope);
    return (ctx) => Buffer.from(JSON.stringify(render(ctx)), 'utf8');
  }
  const name = spec.message ?? '';
  const layout = model.messages.get(name);
  if (!layout) throw src.error('EPROTO_NAME', [...path, 'message'], `unknown message '${name}'${model.messages.size ? ` (messages: ${[...model.messages.keys()].join(', ')})` : ''}`);
  const values: Array<[string, Template | unknown]> = [];
  for (const [field, v] of Object.entries(spec.values ?? {})) {
    if (!layout.fields.includes(field)) throw src.error('EPROTO_FIELD', [...path, 'values', field], `message '${name}' has no field '${field}' (fields: ${layout.fields.join(', ')})`, true);
    values.push([field, typeof v === 'string' ? Template.compile(src, [...path, 'values', field], v, scope, 'value') : v]);
  }
  const render = (ctx: RenderContext): Buffer => {
    const vals: Record<string, unknown> = {};
    for (const [f, v] of values) vals[f] = v instanceof Template ? v.value(ctx) : v;
    return layout.encode(vals);
  };
  // constant values: a value that cannot be packed is an error now, with its position
  if (values.every(([, v]) => !(v instanceof Template) || v.constant)) {
    try {
      render({ seq: 0, frame: Buffer.alloc(0), text: () => '', vars: new Map() });
    } catch (err) {
      if (err instanceof ProtocolValueError) throw src.error('EPROTO_VALUE', [...path, 'values'], err.message);
      throw err;
    }
  }
  return render;
}

function compileJson(src: YamlSource, path: YamlPath, v: unknown, scope: TemplateScope): (ctx: RenderContext) => unknown {
  if (typeof v === 'string') {
    const t = Template.compile(src, path, v, scope, 'value');
    return (ctx) => t.value(ctx);
  }
  if (Array.isArray(v)) {
    const items = v.map((x, i) => compileJson(src, [...path, i], x, scope));
    return (ctx) => items.map((f) => f(ctx));
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v).map(([k, x]) => [k, compileJson(src, [...path, k], x, scope)] as const);
    return (ctx) => Object.fromEntries(entries.map(([k, f]) => [k, f(ctx)]));
  }
  return () => v;
}
