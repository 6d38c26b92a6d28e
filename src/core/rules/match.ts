/**
 * Frame matchers shared by rules (`when:`) and scenario expectations (`expect:`): regex with captures, text,
 * text-contains, starts-with, hex with ?? wildcards, message + where, JSON containment; plus variable conditions.
 */
import { decodeText } from '../codec/encoding';
import type { DecodedMessage } from '../protocol/message';
import type { ProtocolModel } from '../protocol/model';
import { compileRegex, compileWhere, jsonContains } from '../protocol/values';
import type { YamlPath, YamlSource } from '../protocol/yaml';
import type { TemplateScope, VarValue } from './template';

/** One frame under test; text and message are computed once, on demand. */
export class FrameView {
  private textCache: string | undefined;
  private messageCache: DecodedMessage | null | undefined;
  constructor(
    readonly payload: Buffer,
    private readonly encoding: string,
    private readonly model: ProtocolModel,
    /** json-header framing: the header */
    readonly header?: Record<string, unknown>,
  ) {}
  text(): string {
    return (this.textCache ??= decodeText(this.payload, this.encoding));
  }
  message(): DecodedMessage | undefined {
    if (this.messageCache === undefined) this.messageCache = this.model.decode(this.payload) ?? null;
    return this.messageCache ?? undefined;
  }
}

export interface MatchResult {
  match?: RegExpExecArray | null;
  message?: DecodedMessage;
}

export type Matcher = (frame: FrameView, vars: Map<string, VarValue>) => MatchResult | undefined;

export interface MatchSpec {
  regex?: string;
  flags?: string;
  text?: string;
  'text-contains'?: string;
  'starts-with'?: string;
  hex?: string;
  message?: string;
  where?: Record<string, unknown>;
  vars?: Record<string, unknown>;
  json?: unknown;
  header?: Record<string, unknown>;
  any?: boolean;
}

const FRAME_KEYS = ['regex', 'text', 'text-contains', 'starts-with', 'hex', 'message', 'json', 'any'] as const;

/** Compiles a `when:`/`expect:` block at `path`; returns the matcher and what a reply template may name. */
export function compileMatcher(src: YamlSource, path: YamlPath, spec: MatchSpec, model: ProtocolModel, vars: readonly string[], allowVars: boolean): { matcher: Matcher; scope: TemplateScope } {
  const present = FRAME_KEYS.filter((k) => spec[k] !== undefined);
  if (present.length > 1) throw src.error('EPROTO_VALUE', [...path, present[1]], `use one of ${FRAME_KEYS.join(', ')} here, not both '${present[0]}' and '${present[1]}'`, true);
  if (present.length === 0 && !spec.vars && !spec.header) throw src.error('EPROTO_VALUE', path, `say what to match: one of ${FRAME_KEYS.join(', ')}`);
  if (spec.where && spec.message === undefined) throw src.error('EPROTO_VALUE', [...path, 'where'], `'where' needs 'message'`, true);
  if (spec.flags !== undefined && spec.regex === undefined) throw src.error('EPROTO_VALUE', [...path, 'flags'], `'flags' needs 'regex'`, true);
  if (spec.vars && !allowVars) throw src.error('EPROTO_VALUE', [...path, 'vars'], `'vars' conditions belong in rules`, true);
  const scope: { -readonly [K in keyof TemplateScope]: TemplateScope[K] } = { groups: 0, named: [], fields: [], vars };
  const tests: Matcher[] = [];
  if (spec.regex !== undefined) {
    const re = compileRegex(src, [...path, 'regex'], spec.regex, spec.flags ?? '');
    scope.groups = countGroups(spec.regex, spec.flags ?? '');
    scope.named = Object.keys(new RegExp(`${spec.regex}|`, spec.flags ?? '').exec('')?.groups ?? {});
    tests.push((f) => {
      re.lastIndex = 0;
      const m = re.exec(f.text());
      return m ? { match: m } : undefined;
    });
  }
  if (spec.text !== undefined) {
    const t = spec.text;
    tests.push((f) => (f.text() === t ? {} : undefined));
  }
  if (spec['text-contains'] !== undefined) {
    const t = spec['text-contains'];
    tests.push((f) => (f.text().includes(t) ? {} : undefined));
  }
  if (spec['starts-with'] !== undefined) {
    const t = spec['starts-with'];
    tests.push((f) => (f.text().startsWith(t) ? {} : undefined));
  }
  if (spec.hex !== undefined) {
    const pat = compileHexPattern(src, [...path, 'hex'], spec.hex);
    tests.push((f) => (pat(f.payload) ? {} : undefined));
  }
  if (spec.any === true) tests.push(() => ({}));
  if (spec.message !== undefined) {
    const layout = model.messages.get(spec.message);
    if (!layout) throw src.error('EPROTO_NAME', [...path, 'message'], `unknown message '${spec.message}'${model.messages.size ? ` (messages: ${[...model.messages.keys()].join(', ')})` : ' (the file has no messages:)'}`);
    const name = spec.message;
    const where = compileWhere(src, [...path, 'where'], spec.where, layout.fields, `field of message '${name}'`);
    scope.fields = layout.fields;
    tests.push((f) => {
      const m = f.message();
      return m && m.name === name && where(m.fields) ? { message: m } : undefined;
    });
  }
  if (spec.json !== undefined) {
    const want = spec.json;
    tests.push((f) => {
      try {
        return jsonContains(JSON.parse(f.text()), want) ? {} : undefined;
      } catch {
        return undefined;
      }
    });
  }
  if (spec.header !== undefined) {
    const want = spec.header;
    tests.push((f) => (f.header && jsonContains(f.header, want) ? {} : undefined));
  }
  const varTest = spec.vars ? compileWhere(src, [...path, 'vars'], spec.vars, vars, 'variable (declare it under vars:)') : undefined;
  // one test and no variable conditions (most rules): that test is the matcher, no result to merge
  if (tests.length === 1 && !varTest) return { matcher: tests[0], scope };
  const matcher: Matcher = (f, v) => {
    if (varTest && !varTest(Object.fromEntries(v))) return undefined;
    let result: MatchResult = {};
    for (const t of tests) {
      const r = t(f, v);
      if (!r) return undefined;
      result = { ...result, ...r };
    }
    return result;
  };
  return { matcher, scope };
}

function countGroups(pattern: string, flags: string): number {
  const m = new RegExp(`${pattern}|`, flags).exec('');
  return m ? m.length - 1 : 0;
}

/** Hex with ?? for any byte; a trailing * lets more bytes follow. */
function compileHexPattern(src: YamlSource, path: YamlPath, text: string): (b: Buffer) => boolean {
  let s = text.replace(/0x/gi, '').replace(/[\s,:;-]/g, '');
  const prefix = s.endsWith('*');
  if (prefix) s = s.slice(0, -1);
  if (s.length % 2 !== 0 || !/^([0-9a-fA-F]{2}|\?\?)*$/.test(s)) {
    throw src.error('EPROTO_VALUE', path, `bad hex pattern '${text}': give bytes as two hex digits or ?? (any byte), optionally ending with *`);
  }
  const want: number[] = [];
  for (let i = 0; i < s.length; i += 2) want.push(s[i] === '?' ? -1 : parseInt(s.slice(i, i + 2), 16));
  return (b) => {
    if (prefix ? b.length < want.length : b.length !== want.length) return false;
    for (let i = 0; i < want.length; i++) if (want[i] >= 0 && b[i] !== want[i]) return false;
    return true;
  };
}
