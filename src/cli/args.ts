/**
 * Argument parsing for every `sockdbg` command: node:util parseArgs (strict) plus our own validation.
 * Every problem becomes a UsageError (exit code 1) with a one-line message; nothing here touches the network.
 */
import { parseArgs } from 'node:util';
import { errorMessage } from '../shared/errors';
import { UsageError } from './errors';
import { normalizeEncoding, encodeText, SUPPORTED_ENCODINGS } from '../core/codec/encoding';
import { parseHex } from '../core/codec/binaryInput';
import { normalizeFramingSpec } from '../core/framing';
import { parseSize } from '../core/framing/spec';

export interface OptionDef {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
}
export type OptionDefs = Record<string, OptionDef>;

export type OptionValue = string | boolean | Array<string | boolean> | undefined;

export interface ParsedArgs {
  values: Record<string, OptionValue>;
  positionals: string[];
  /** the options as they appeared on the command line, in order (for repeated --send/--send-hex) */
  ordered: Array<{ name: string; value: string | undefined }>;
  help: boolean;
}

interface RawToken {
  kind: 'option' | 'positional' | 'option-terminator';
  name?: string;
  value?: string;
}

/** Parses argv for one command; `command` names it in error messages ("tcp listen"). */
export function parseCommandArgs(command: string, argv: string[], options: OptionDefs): ParsedArgs {
  let result: { values: Record<string, OptionValue>; positionals: string[]; tokens?: RawToken[] };
  try {
    result = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
      tokens: true,
    }) as unknown as typeof result;
  } catch (err) {
    throw new UsageError(describeParseError(err), command);
  }
  const ordered: ParsedArgs['ordered'] = [];
  for (const t of result.tokens ?? []) {
    if (t.kind === 'option' && t.name !== undefined) ordered.push({ name: t.name, value: t.value });
  }
  return { values: result.values, positionals: result.positionals, ordered, help: result.values.help === true };
}

function describeParseError(err: unknown): string {
  const msg = errorMessage(err);
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  const quoted = /'([^']*)'/.exec(msg)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted !== undefined) {
    if (/^-\d/.test(quoted)) return `unknown option '${quoted}' (to pass a negative number, put it after '--')`;
    return `unknown option '${quoted}'`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = quoted !== undefined ? (/--[\w-]+/.exec(quoted)?.[0] ?? quoted.split(' ')[0]) : undefined;
    if (name !== undefined && /argument missing/.test(msg)) return `option '${name}' needs a value`;
    if (name !== undefined && /does not take an argument/.test(msg)) return `option '${name}' does not take a value`;
  }
  return msg.replace(/\.\s*$/, '').split('\n')[0];
}

// ---- typed accessors -------------------------------------------------------------------------------

export function optString(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  if (Array.isArray(v)) {
    const last = v[v.length - 1];
    return typeof last === 'string' ? last : undefined;
  }
  return typeof v === 'string' ? v : undefined;
}

export function optFlag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** Fails when more than one of the given options is present. */
export function exclusive(args: ParsedArgs, command: string, names: string[]): void {
  const present = names.filter((n) => args.values[n] !== undefined && args.values[n] !== false);
  if (present.length > 1) {
    throw new UsageError(`${present.map((n) => `--${n}`).join(' and ')} cannot be used together`, command);
  }
}

export function expectPositionals(args: ParsedArgs, command: string, min: number, max: number, names: string): void {
  const n = args.positionals.length;
  if (n < min) throw new UsageError(`missing ${names}`, command);
  if (n > max) throw new UsageError(`unexpected argument '${args.positionals[max]}'`, command);
}

// ---- validators -------------------------------------------------------------------------------------

export function parsePort(value: string | undefined, command: string, what = '--port'): number {
  if (value === undefined) throw new UsageError(`${what} is required`, command);
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new UsageError(`${what} must be a port number 0-65535, got '${value}'`, command);
  }
  return Number(value);
}

/** A port to connect/send to: 1-65535. */
export function parseRemotePort(value: string | undefined, command: string): number {
  const port = parsePort(value, command, 'PORT');
  if (port === 0) throw new UsageError(`PORT must be 1-65535, got '0'`, command);
  return port;
}

export function parseCount(value: string | undefined, command: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--count must be a positive whole number, got '${value}'`, command);
  }
  return Number(value);
}

/** A byte count: 212992, 64K, 4M (binary units). */
export function parseByteSize(value: string | undefined, command: string, what: string): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseSize(value, what);
  } catch (err) {
    throw new UsageError(errorMessage(err), command);
  }
}

/** Seconds (fractions allowed) → milliseconds. */
export function parseSeconds(value: string | undefined, command: string, what = '--timeout'): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 2_000_000) {
    throw new UsageError(`${what} must be a number of seconds greater than 0, got '${value}'`, command);
  }
  return Math.round(n * 1000);
}

export function parseEncoding(value: string | undefined, command: string): string {
  if (value === undefined) return normalizeEncoding('utf-8');
  try {
    return normalizeEncoding(value);
  } catch {
    throw new UsageError(`unknown encoding '${value}' (try ${SUPPORTED_ENCODINGS.map((e) => e.id).join(', ')})`, command);
  }
}

export function parseFraming(value: string | undefined, command: string, what = '--framing'): string {
  if (value === undefined) return 'raw';
  try {
    // the transports' own check: whatever passes here, the registry accepts
    return normalizeFramingSpec(value);
  } catch (err) {
    throw new UsageError(`bad ${what} '${value}': ${errorMessage(err)}`, command);
  }
}

export function parseHexArg(value: string, command: string, what: string): Buffer {
  try {
    return parseHex(value);
  } catch (err) {
    throw new UsageError(`bad hex in ${what} '${value}': ${errorMessage(err)}`, command);
  }
}

export function encodeTextArg(value: string, encoding: string, command: string, what: string): Buffer {
  try {
    return encodeText(value, encoding);
  } catch (err) {
    throw new UsageError(`cannot encode ${what} as ${encoding}: ${errorMessage(err)}`, command);
  }
}
