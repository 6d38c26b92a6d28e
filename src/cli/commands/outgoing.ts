/**
 * What `tcp connect` and `tcp listen` send: the ordered --send/--send-hex/--send-file/--expect steps (turns),
 * --header for json-header messages, --send-encoding, and --eol for typed lines (`udp bind` uses --eol).
 */
import { statSync } from 'node:fs';
import { optString, optFlag, parseEncoding, parseSeconds, parseHexArg, encodeTextArg, type OptionDefs, type ParsedArgs } from '../args';
import { errorMessage } from '../../shared/errors';
import { UsageError } from '../errors';
import { parseFramingSpec } from '../../core/framing';
import type { SendOptions } from '../../core/types';

/** how long an --expect step waits without --expect-timeout */
export const DEFAULT_EXPECT_MS = 10_000;

/** The options of the step list, shared by `tcp connect` and `tcp listen`. */
export const STEP_OPTIONS: OptionDefs = {
  send: { type: 'string', multiple: true, short: 's' },
  'send-hex': { type: 'string', multiple: true },
  'send-file': { type: 'string', multiple: true },
  expect: { type: 'string', multiple: true },
  turns: { type: 'boolean' },
  'expect-timeout': { type: 'string' },
  header: { type: 'string' },
  'send-encoding': { type: 'string' },
  eol: { type: 'string' },
};

export type Eol = 'none' | 'lf' | 'crlf';

export type Step =
  | { kind: 'send'; payload: Buffer; what: string }
  /** --send-file: streamed from disk when its turn comes (src/cli/commands/fileStep.ts), never read whole */
  | FileStep
  /** wait for `frames` frames, or (with `pattern`) for the text received since the last turn to match */
  | { kind: 'expect'; frames: number; pattern?: RegExp; what: string };

export interface FileStep {
  kind: 'send-file';
  path: string;
  what: string;
}

export interface Outgoing {
  steps: Step[];
  /** the framing of what is sent (--send-framing, else --framing) */
  sendFraming: string;
  /** encoding of --send TEXT and typed lines (default: --encoding) */
  sendEncoding: string;
  /** what each send passes to the registry: --send-framing when it differs, --header */
  sendOptions: SendOptions;
  expectTimeoutMs: number;
  eol: Eol;
  /** --eol was given: stdin is read as lines even from a pipe */
  eolGiven: boolean;
}

export function parseEol(value: string | undefined, command: string): Eol {
  if (value === undefined) return 'none';
  if (value === 'none' || value === 'lf' || value === 'crlf') return value;
  throw new UsageError(`--eol must be none, lf or crlf, got '${value}'`, command);
}

export function eolBytes(eol: Eol): string {
  return eol === 'lf' ? '\n' : eol === 'crlf' ? '\r\n' : '';
}

/** `--expect N` waits for N frames; `--expect /re/flags` or `--expect TEXT` for a match of the received text. */
export function parseExpect(value: string, command: string): Step {
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    if (n < 1 || !Number.isSafeInteger(n)) throw new UsageError(`--expect ${value}: the number of frames must be at least 1`, command);
    return { kind: 'expect', frames: n, what: `${n} frame${n === 1 ? '' : 's'}` };
  }
  const slashed = /^\/(.*)\/([a-z]*)$/s.exec(value);
  try {
    const pattern = slashed ? new RegExp(slashed[1], slashed[2]) : new RegExp(value);
    return { kind: 'expect', frames: 1, pattern, what: `/${pattern.source}/${pattern.flags}` };
  } catch (err) {
    throw new UsageError(`bad --expect pattern '${value}': ${errorMessage(err)}`, command);
  }
}

function parseHeader(value: string | undefined, command: string, sendFraming: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw new UsageError(`--header is not valid JSON: ${errorMessage(err)}`, command);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`--header must be a JSON object, e.g. '{"filename": "a.txt"}'`, command);
  if (parseFramingSpec(sendFraming).kind !== 'json-header') {
    throw new UsageError(`--header needs json-header framing for what is sent (--send-framing json-header), not '${sendFraming}'`, command);
  }
  return parsed as Record<string, unknown>;
}

/** The size of --send-file's FILE, checked before anything connects (the bytes are read when the step runs). */
function sendFileSize(path: string, command: string): number {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw new UsageError(`cannot read --send-file '${path}': ${errorMessage(err)}`, command);
  }
  if (!st.isFile()) throw new UsageError(`--send-file '${path}' is not a file`, command);
  return st.size;
}

/**
 * The steps in command-line order. An --expect before any --send waits first (the peer speaks first); --turns
 * adds `--expect 1` after every send that has no --expect of its own. `stream` (TCP): a raw send of nothing is
 * refused, since TCP cannot carry an empty message.
 */
export function parseOutgoing(args: ParsedArgs, command: string, opts: { encoding: string; framing: string; sendFraming: string; stream: boolean }): Outgoing {
  const sendEncoding = optString(args, 'send-encoding') !== undefined ? parseEncoding(optString(args, 'send-encoding'), command) : opts.encoding;
  const header = parseHeader(optString(args, 'header'), command, opts.sendFraming);
  const rawSend = parseFramingSpec(opts.sendFraming).kind === 'raw';
  const steps: Step[] = [];
  for (const o of args.ordered) {
    const v = o.value ?? '';
    let payload: Buffer | undefined;
    let size = 0;
    let what = '';
    if (o.name === 'send') {
      payload = encodeTextArg(v, sendEncoding, command, '--send');
      what = `--send '${v}'`;
      size = payload.length;
    } else if (o.name === 'send-hex') {
      payload = parseHexArg(v, command, '--send-hex');
      what = `--send-hex '${v}'`;
      size = payload.length;
    } else if (o.name === 'send-file') {
      size = sendFileSize(v, command);
      what = `--send-file '${v}'`;
    } else if (o.name === 'expect') {
      steps.push(parseExpect(v, command));
      continue;
    } else continue;
    if (size === 0 && rawSend && opts.stream) {
      throw new UsageError(
        `${what}: TCP cannot carry an empty message (a raw send of 0 bytes sends nothing, and the peer's recv() keeps waiting); send at least one byte, or use a framing such as length:i`,
        command,
      );
    }
    steps.push(payload !== undefined ? { kind: 'send', payload, what } : { kind: 'send-file', path: v, what });
  }
  if (optFlag(args, 'turns')) {
    for (let i = steps.length - 1; i >= 0; i--) {
      if (steps[i].kind !== 'expect' && steps[i + 1]?.kind !== 'expect') steps.splice(i + 1, 0, { kind: 'expect', frames: 1, what: '1 frame' });
    }
  }
  const sendOptions: SendOptions = {
    ...(opts.sendFraming !== opts.framing ? { framing: opts.sendFraming } : {}),
    ...(header !== undefined ? { header } : {}),
  };
  return {
    steps,
    sendFraming: opts.sendFraming,
    sendEncoding,
    sendOptions,
    expectTimeoutMs: parseSeconds(optString(args, 'expect-timeout'), command, '--expect-timeout') ?? DEFAULT_EXPECT_MS,
    eol: parseEol(optString(args, 'eol'), command),
    eolGiven: optString(args, 'eol') !== undefined,
  };
}

/** Whether any step sends (an --expect alone only waits). */
export function hasSends(steps: Step[]): boolean {
  return steps.some((s) => s.kind !== 'expect');
}
