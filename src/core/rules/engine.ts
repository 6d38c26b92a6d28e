/**
 * Auto-reply rules: the first rule whose `when` matches a received frame replies (after `delay`, `repeat` times,
 * `every` apart), updates per-connection variables and may close the connection. Each connection has its own
 * session (sequence number, variables); the rule set counts hits. A connection whose rules reply more than
 * `limits.replies-per-second` times in a second is paused for the rest of that second: a reply that triggers
 * itself over a loopback pair cannot run away.
 */
import type { ProtocolModel } from '../protocol/model';
import { parseDuration } from '../protocol/values';
import type { YamlSource } from '../protocol/yaml';
import { FrameView, compileMatcher, type Matcher, type MatchSpec } from './match';
import { compilePayload, type PayloadRenderer, type PayloadSpec } from './payload';
import { Template, type RenderContext, type VarValue } from './template';

export interface RuleSpec {
  name?: string;
  when: MatchSpec;
  reply?: PayloadSpec;
  delay?: number | string;
  repeat?: number;
  every?: number | string;
  close?: boolean;
  set?: Record<string, VarValue>;
}

export interface CompiledRule {
  readonly index: number;
  /** its name, or "rule N" (1-based) */
  readonly name: string;
  /** 1-based line of the rule in its file */
  readonly line: number;
  readonly matcher: Matcher;
  readonly reply: PayloadRenderer | undefined;
  readonly delayMs: number;
  readonly repeat: number;
  readonly everyMs: number;
  readonly close: boolean;
  readonly set: ReadonlyArray<[string, Template | VarValue]>;
}

/** What a matched rule asks the host to do. */
export interface RuleAction {
  rule: CompiledRule;
  /** the reply bytes, one per repeat (before framing) */
  replies: Buffer[];
  delayMs: number;
  everyMs: number;
  close: boolean;
}

export class RuleSet {
  /** hits per rule, in file order */
  readonly hits: number[];
  private constructor(
    readonly model: ProtocolModel,
    readonly rules: readonly CompiledRule[],
  ) {
    this.hits = rules.map(() => 0);
  }

  static compile(model: ProtocolModel, specs: readonly RuleSpec[]): RuleSet {
    const src = model.src;
    const vars = [...model.vars.keys()];
    const rules = specs.map((spec, index) => compileRule(src, model, spec, index, vars));
    return new RuleSet(model, rules);
  }

  /** State for one connection. */
  session(): RuleSession {
    return new RuleSession(this);
  }
}

function compileRule(src: YamlSource, model: ProtocolModel, spec: RuleSpec, index: number, vars: string[]): CompiledRule {
  const path = ['rules', index];
  const { matcher, scope } = compileMatcher(src, [...path, 'when'], spec.when, model, vars, true);
  const reply = spec.reply ? compilePayload(src, [...path, 'reply'], spec.reply, model, scope) : undefined;
  if ((spec.repeat !== undefined || spec.every !== undefined || spec.delay !== undefined) && !reply) {
    const key = spec.repeat !== undefined ? 'repeat' : spec.every !== undefined ? 'every' : 'delay';
    throw src.error('EPROTO_VALUE', [...path, key], `'${key}' needs a 'reply'`, true);
  }
  const set: Array<[string, Template | VarValue]> = [];
  for (const [name, v] of Object.entries(spec.set ?? {})) {
    if (!vars.includes(name)) throw src.error('EPROTO_NAME', [...path, 'set', name], `unknown variable '${name}': declare it under vars: with its initial value`, true);
    set.push([name, typeof v === 'string' ? Template.compile(src, [...path, 'set', name], v, scope, 'value') : v]);
  }
  return {
    index,
    name: spec.name ?? `rule ${index + 1}`,
    line: src.pos(path).line,
    matcher,
    reply,
    delayMs: parseDuration(spec.delay ?? 0),
    repeat: spec.repeat ?? 1,
    everyMs: parseDuration(spec.every ?? 0),
    close: spec.close === true,
    set,
  };
}

export class RuleSession {
  /** auto-replies sent on this connection so far ({{seq}} is the next one's number) */
  seq = 0;
  readonly vars: Map<string, VarValue>;
  private windowStart = 0;
  private windowCount = 0;

  constructor(private readonly set: RuleSet) {
    this.vars = new Map(set.model.vars);
  }

  /**
   * The action for a received frame: undefined when no rule matches, 'limited' when the connection is over its
   * reply budget for this second (the frame gets no reply).
   */
  handle(payload: Buffer, header?: Record<string, unknown>, now = Date.now()): RuleAction | 'limited' | undefined {
    const model = this.set.model;
    const frame = new FrameView(payload, model.encoding, model, header);
    for (const rule of this.set.rules) {
      const m = rule.matcher(frame, this.vars);
      if (!m) continue;
      if (rule.reply) {
        if (now - this.windowStart >= 1000) {
          this.windowStart = now;
          this.windowCount = 0;
        }
        if (this.windowCount + rule.repeat > model.repliesPerSecond) return 'limited';
        this.windowCount += rule.repeat;
      }
      this.set.hits[rule.index]++;
      const ctx: RenderContext = { seq: this.seq + 1, frame: payload, text: () => frame.text(), match: m.match, fields: m.message?.fields, vars: this.vars };
      const replies: Buffer[] = [];
      if (rule.reply) {
        for (let i = 0; i < rule.repeat; i++) {
          ctx.seq = ++this.seq;
          replies.push(rule.reply(ctx));
        }
      }
      for (const [name, v] of rule.set) this.vars.set(name, v instanceof Template ? v.value(ctx) : v);
      return { rule, replies, delayMs: rule.delayMs, everyMs: rule.everyMs, close: rule.close };
    }
    return undefined;
  }
}

export interface ActionIO {
  send(payload: Buffer): Promise<void>;
  close(): Promise<void>;
  /** a send or close failed (the connection went away) */
  onError(err: unknown): void;
  /** everything was carried out (not called after a cancel or an error) */
  onDone?(): void;
}

/** Carries out an action: replies after `delayMs`, `everyMs` apart, in order; then closes if asked. Returns a cancel function. */
export function runAction(action: RuleAction, io: ActionIO): () => void {
  const timers = new Set<NodeJS.Timeout>();
  let cancelled = false;
  let chain: Promise<void> = Promise.resolve();
  const later = (ms: number, fn: () => void) => {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const fail = (err: unknown) => {
    if (cancelled) return;
    cancelled = true;
    io.onError(err);
  };
  const step = (i: number) => {
    if (cancelled) return;
    if (i < action.replies.length) {
      const payload = action.replies[i];
      chain = chain.then(() => (cancelled ? undefined : io.send(payload))).catch(fail);
      later(i + 1 < action.replies.length ? action.everyMs : 0, () => step(i + 1));
    } else {
      if (action.close) chain = chain.then(() => (cancelled ? undefined : io.close()));
      chain = chain.then(() => (cancelled ? undefined : io.onDone?.()), fail);
    }
  };
  later(action.delayMs, () => step(0));
  return () => {
    cancelled = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };
}
