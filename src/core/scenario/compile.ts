/**
 * Scenarios: a transport (connect to or listen for the program under test, TCP or UDP), an optional program to
 * spawn, and steps — send, expect (with a timeout), sleep, close, expect-close — checked when the file loads.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import type { ProtocolModel } from '../protocol/model';
import { checkEncodingAt, checkFramingAt } from '../protocol/model';
import { parseDuration } from '../protocol/values';
import type { YamlPath, YamlSource } from '../protocol/yaml';
import { compileMatcher, type Matcher, type MatchSpec } from '../rules/match';
import { compilePayload, type PayloadRenderer, type PayloadSpec } from '../rules/payload';
import type { TemplateScope } from '../rules/template';

export const DEFAULT_EXPECT_TIMEOUT_MS = 5000;

export interface ScenarioSpec {
  name: string;
  connect?: string;
  listen?: string;
  spawn?: string | { command: string; cwd?: string; env?: Record<string, string>; stdin?: string; ready?: string };
  framing?: string;
  'send-framing'?: string;
  encoding?: string;
  timeout?: number | string;
  steps: Array<{ send?: PayloadSpec; expect?: MatchSpec & { timeout?: number | string }; sleep?: number | string; close?: boolean; 'expect-close'?: boolean | { timeout?: number | string } }>;
}

export type Step =
  | { kind: 'send'; line: number; render: PayloadRenderer; describe: string }
  | { kind: 'expect'; line: number; matcher: Matcher; timeoutMs: number; describe: string }
  | { kind: 'sleep'; line: number; ms: number; describe: string }
  | { kind: 'close'; line: number; describe: string }
  | { kind: 'expect-close'; line: number; timeoutMs: number; describe: string };

export interface Scenario {
  name: string;
  index: number;
  file: string;
  line: number;
  transport: 'tcp' | 'udp';
  role: 'connect' | 'listen';
  host: string;
  port: number;
  /** the command as written: ${PORT} (the port in use, known once listening), ${HOST} and the environment are replaced when it runs */
  spawn?: { command: string; cwd: string; env?: Record<string, string>; stdin?: string; ready?: RegExp };
  framing: string;
  sendFraming: string;
  encoding: string;
  /** default timeout of expectations, and of connecting/accepting */
  timeoutMs: number;
  steps: Step[];
  model: ProtocolModel;
}

const NO_SCOPE: TemplateScope = { groups: 0, named: [], fields: [], vars: [] };

/** `${NAME}` and `${NAME:-default}` from the environment. */
export function substituteEnv(s: string, env: NodeJS.ProcessEnv): string {
  return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, dflt: string | undefined) => env[name] || dflt || '');
}

export function compileScenarios(model: ProtocolModel, specs: readonly ScenarioSpec[], env: NodeJS.ProcessEnv = process.env): Scenario[] {
  const src = model.src;
  const names = new Set<string>();
  return specs.map((spec, index) => {
    const path = ['scenarios', index];
    if (names.has(spec.name)) throw src.error('EPROTO_NAME', [...path, 'name'], `two scenarios are named '${spec.name}'`);
    names.add(spec.name);
    return compileScenario(src, model, spec, index, path, env);
  });
}

function compileScenario(src: YamlSource, model: ProtocolModel, spec: ScenarioSpec, index: number, path: YamlPath, env: NodeJS.ProcessEnv): Scenario {
  if ((spec.connect === undefined) === (spec.listen === undefined)) {
    throw src.error('EPROTO_VALUE', path, `scenario '${spec.name}' needs either 'connect: tcp HOST:PORT' or 'listen: tcp PORT' (udp alike)`);
  }
  const role = spec.connect !== undefined ? 'connect' : 'listen';
  const endpoint = parseEndpoint(src, [...path, role], substituteEnv(spec.connect ?? spec.listen ?? '', env), role);
  const timeoutMs = spec.timeout !== undefined ? parseDuration(spec.timeout) : DEFAULT_EXPECT_TIMEOUT_MS;
  const framing = spec.framing !== undefined ? checkFramingAt(src, [...path, 'framing'], spec.framing) : model.framing;
  const sendFraming = spec['send-framing'] !== undefined ? checkFramingAt(src, [...path, 'send-framing'], spec['send-framing']) : spec.framing !== undefined ? framing : model.sendFraming;
  const encoding = spec.encoding !== undefined ? checkEncodingAt(src, [...path, 'encoding'], spec.encoding) : model.encoding;
  const baseDir = dirname(resolve(src.file));
  let spawn: Scenario['spawn'];
  if (spec.spawn !== undefined) {
    const s = typeof spec.spawn === 'string' ? { command: spec.spawn } : spec.spawn;
    const cwd = s.cwd === undefined ? baseDir : isAbsolute(s.cwd) ? s.cwd : resolve(baseDir, s.cwd);
    let ready: RegExp | undefined;
    if (s.ready !== undefined) {
      try {
        ready = new RegExp(s.ready);
      } catch (err) {
        throw src.error('EPROTO_REGEX', [...path, 'spawn', 'ready'], `bad regex: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    spawn = { command: s.command, cwd, ...(s.env ? { env: s.env } : {}), ...(s.stdin !== undefined ? { stdin: s.stdin } : {}), ...(ready ? { ready } : {}) };
  }
  const steps: Step[] = spec.steps.map((st, i) => compileStep(src, model, [...path, 'steps', i], st, timeoutMs));
  return { name: spec.name, index, file: src.file, line: src.pos(path).line, transport: endpoint.transport, role, host: endpoint.host, port: endpoint.port, spawn, framing, sendFraming, encoding, timeoutMs, steps, model };
}

function compileStep(src: YamlSource, model: ProtocolModel, path: YamlPath, st: ScenarioSpec['steps'][number], timeoutMs: number): Step {
  const keys = Object.keys(st);
  if (keys.length !== 1) throw src.error('EPROTO_VALUE', path, keys.length === 0 ? 'an empty step: use send, expect, sleep, close or expect-close' : `one action per step, not ${keys.join(' and ')}`);
  const line = src.pos(path).line;
  if (st.send !== undefined) return { kind: 'send', line, render: compilePayload(src, [...path, 'send'], st.send, model, NO_SCOPE), describe: `send ${describe(st.send)}` };
  if (st.expect !== undefined) {
    const { timeout, ...spec } = st.expect;
    const { matcher } = compileMatcher(src, [...path, 'expect'], spec, model, [], false);
    return { kind: 'expect', line, matcher, timeoutMs: timeout !== undefined ? parseDuration(timeout) : timeoutMs, describe: describe(spec) };
  }
  if (st.sleep !== undefined) return { kind: 'sleep', line, ms: parseDuration(st.sleep), describe: `sleep ${String(st.sleep)}` };
  if (st.close !== undefined) return { kind: 'close', line, describe: 'close' };
  const ec = st['expect-close'];
  const t = typeof ec === 'object' && ec.timeout !== undefined ? parseDuration(ec.timeout) : timeoutMs;
  return { kind: 'expect-close', line, timeoutMs: t, describe: 'the peer closes the connection' };
}

/** A short human form of a match or payload spec: `regex ^ECHO hi`, `message reading where {"kind":3}`. */
function describe(spec: object): string {
  return Object.entries(spec)
    .map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

function parseEndpoint(src: YamlSource, path: YamlPath, text: string, role: 'connect' | 'listen'): { transport: 'tcp' | 'udp'; host: string; port: number } {
  const m = /^\s*(tcp|udp)\s+(?:(\[[^\]]+\]|[^\s:]+):)?(\d{1,5})\s*$/i.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535 || (role === 'connect' && (port === 0 || m[2] === undefined))) {
    throw src.error('EPROTO_VALUE', path, role === 'connect' ? `'${text}' should read 'tcp HOST:PORT' or 'udp HOST:PORT'` : `'${text}' should read 'tcp PORT' or 'udp HOST:PORT'`);
  }
  const host = m[2] !== undefined ? m[2].replace(/^\[|\]$/g, '') : '127.0.0.1';
  return { transport: m[1].toLowerCase() as 'tcp' | 'udp', host, port };
}
