/**
 * The framing spec grammar: one string drives both the decoder and the encoder.
 *
 *   raw
 *   line
 *   delimiter:<escaped bytes>                     e.g. delimiter:\r\n   delimiter:\x00
 *   fixed:<n>
 *   length:<struct fmt>[,includes-header][,adjust=<n>][,max=<size>]      e.g. length:i   length:!I   length:>H,max=64K
 *   json-header[,length=<struct fmt>][,size-key=<key>][,max=<size>]
 *
 * Sizes take an optional binary suffix: K/KiB, M/MiB, G/GiB (`max=16M` is 16 MiB).
 */
import { constants as bufferConstants } from 'node:buffer';
import { parseFormat, type ParsedFormat } from '../codec/struct';
import { InputError } from '../codec/binaryInput';
import { parseEscapes } from '../codec/input';
import { hexByte } from '../../shared/bytes';
import { FramingSpecError } from './errors';
import { errorMessage } from '../../shared/errors';

export type FramingSpec =
  /** every chunk as it arrives is one frame */
  | { kind: 'raw' }
  /** `\n`-terminated; a `\r` before the `\n` is dropped from the payload */
  | { kind: 'line' }
  /** terminated by these bytes (not part of the payload) */
  | { kind: 'delimiter'; delimiter: Buffer }
  /** every `size` bytes */
  | { kind: 'fixed'; size: number }
  /** a struct-packed integer, then the payload */
  | LengthSpec
  /** the seed's scheme: struct-packed header length, a UTF-8 JSON header with the body size, the body */
  | JsonHeaderSpec;

export interface LengthSpec {
  kind: 'length';
  /** a struct format describing exactly one integer, e.g. `i`, `!I`, `<H`, `>Q` */
  format: string;
  /** the length value counts the header bytes too */
  includesHeader: boolean;
  /** added to the length value to get the payload size (may be negative) */
  adjust: number;
  /** frame limit in bytes for this spec (overrides the decoder option) */
  max?: number;
}

export interface JsonHeaderSpec {
  kind: 'json-header';
  /** struct format of the header length, default `i` */
  lengthFormat: string;
  /** the header key with the body size, default `total_size` */
  sizeKey: string;
  max?: number;
}

export type FramingKind = FramingSpec['kind'];

export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;
/** json-header: a header longer than this (or than the frame limit, if smaller) is refused */
export const MAX_JSON_HEADER_SIZE = 1024 * 1024;
/** Upper bound for any configured limit: the largest Buffer Node can allocate. */
export const MAX_LIMIT = Math.min(bufferConstants.MAX_LENGTH, Number.MAX_SAFE_INTEGER);

const GRAMMAR =
  'raw | line | delimiter:<escaped bytes> | fixed:<n> | length:<struct fmt>[,includes-header][,adjust=<n>][,max=<size>] | json-header[,length=<struct fmt>][,size-key=<key>][,max=<size>]';

/** Information about a one-integer struct format, for fast reading and writing of length prefixes. */
export interface IntFormat {
  format: string;
  /** calcsize(format) */
  size: number;
  /** byte offset of the integer within the packed bytes (pad bytes may precede it) */
  offset: number;
  /** width of the integer: 1, 2, 4 or 8 */
  width: number;
  signed: boolean;
  littleEndian: boolean;
  code: string;
}

const INT_CODES = 'bBhHiIlLqQnNP';

/** Check that `fmt` is a struct format with exactly one integer (pad bytes allowed) and describe it. */
export function intFormat(fmt: string, what: string): IntFormat {
  let parsed: ParsedFormat;
  try {
    parsed = parseFormat(fmt);
  } catch (e) {
    throw new FramingSpecError(`${what} '${fmt}' is not a valid struct format: ${errorMessage(e)}`);
  }
  const values = parsed.items.filter((it) => it.code !== 'x' && it.count > 0);
  const total = values.reduce((n, it) => n + (it.code === 's' || it.code === 'p' ? 1 : it.count), 0);
  const one = values[0];
  if (total !== 1 || !INT_CODES.includes(one.code)) {
    throw new FramingSpecError(
      `${what} '${fmt}' must describe exactly one integer (one of b B h H i I l L q Q n N, with an optional @ = < > ! prefix), e.g. 'i' or '!I'`,
    );
  }
  return {
    format: fmt,
    size: parsed.size,
    offset: one.offset,
    width: one.size,
    signed: one.code === one.code.toLowerCase(),
    littleEndian: parsed.littleEndian,
    code: one.code,
  };
}

/** Parse `123`, `64K`, `64KiB`, `16M`, `1G` (binary units) into bytes. */
export function parseSize(text: string, what: string): number {
  const m = /^(\d+)\s*(k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(text.trim());
  if (!m) throw new FramingSpecError(`${what} must be a byte count like 1048576, 64K or 16M, got '${text}'`);
  const unit = (m[2] ?? '').toLowerCase();
  const mult = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1 << 20 : unit.startsWith('g') ? 1 << 30 : 1;
  const n = Number(m[1]) * mult;
  if (n < 1) throw new FramingSpecError(`${what} must be at least 1 byte, got '${text}'`);
  if (n > MAX_LIMIT) throw new FramingSpecError(`${what} ${text} is above the largest possible buffer (${MAX_LIMIT} bytes)`);
  return n;
}

function formatSize(n: number): string {
  if (n % (1 << 30) === 0) return `${n / (1 << 30)}G`;
  if (n % (1 << 20) === 0) return `${n / (1 << 20)}M`;
  if (n % 1024 === 0) return `${n / 1024}K`;
  return String(n);
}

function parseInteger(text: string, what: string): number {
  if (!/^[+-]?\d+$/.test(text.trim())) throw new FramingSpecError(`${what} must be an integer, got '${text}'`);
  const n = Number(text.trim());
  if (Math.abs(n) > 2 ** 32) throw new FramingSpecError(`${what} ${text} is out of range (at most ±4294967296)`);
  return n;
}

interface Options {
  flags: Set<string>;
  values: Map<string, string>;
}

function splitOptions(parts: string[], mode: string, allowedFlags: string[], allowedValues: string[]): Options {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const allowed = [...allowedFlags, ...allowedValues.map((v) => `${v}=…`)].join(', ');
  for (const raw of parts) {
    const part = raw.trim();
    if (part === '') throw new FramingSpecError(`empty option in '${mode}' framing (stray comma?)`);
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase().replace(/_/g, '-');
    if (eq < 0 ? !allowedFlags.includes(name) : !allowedValues.includes(name)) {
      throw new FramingSpecError(`unknown option '${part}' for '${mode}' framing; options: ${allowed || 'none'}`);
    }
    if (flags.has(name) || values.has(name)) throw new FramingSpecError(`option '${name}' given twice in '${mode}' framing`);
    if (eq < 0) flags.add(name);
    else values.set(name, part.slice(eq + 1).trim());
  }
  return { flags, values };
}

/** Parse a framing spec string. Throws FramingSpecError with the reason. An empty string means `raw`. */
export function parseFramingSpec(spec: string): FramingSpec {
  if (typeof spec !== 'string') throw new FramingSpecError(`framing spec must be a string`);
  const s = spec.trim();
  if (s === '') return { kind: 'raw' };
  const colon = s.indexOf(':');
  const comma = s.indexOf(',');
  const headEnd = colon >= 0 && (comma < 0 || colon < comma) ? colon : comma >= 0 ? comma : s.length;
  const mode = s.slice(0, headEnd).trim().toLowerCase();
  const hasArg = headEnd === colon && colon >= 0;
  const rest = headEnd < s.length ? s.slice(headEnd + 1) : '';

  const noArgs = (): void => {
    if (headEnd < s.length) throw new FramingSpecError(`'${mode}' framing takes no arguments or options, got '${spec}'`);
  };

  switch (mode) {
    case 'raw':
      noArgs();
      return { kind: 'raw' };
    case 'line':
    case 'lines':
      noArgs();
      return { kind: 'line' };
    case 'delimiter':
    case 'delim': {
      if (!hasArg) throw new FramingSpecError(`'delimiter' framing needs the delimiter bytes, e.g. delimiter:\\r\\n or delimiter:\\x00`);
      // everything after the colon is the delimiter (a comma is part of it); no trim: spaces are bytes too
      const text = spec.slice(spec.indexOf(':') + 1).replace(/[\r\n]+$/, '');
      let delimiter: Buffer;
      try {
        delimiter = parseEscapes(text, 'utf-8');
      } catch (e) {
        const msg = e instanceof InputError ? e.message : String(e);
        throw new FramingSpecError(`bad delimiter '${text}': ${msg}`);
      }
      if (delimiter.length === 0) throw new FramingSpecError(`'delimiter' framing needs at least one byte, e.g. delimiter:\\r\\n`);
      if (delimiter.length > 64) throw new FramingSpecError(`delimiter is ${delimiter.length} bytes; at most 64 are supported`);
      return { kind: 'delimiter', delimiter };
    }
    case 'fixed': {
      if (!hasArg || rest.includes(',')) throw new FramingSpecError(`'fixed' framing needs one size, e.g. fixed:16, got '${spec}'`);
      const size = parseSize(rest, 'fixed frame size');
      return { kind: 'fixed', size };
    }
    case 'length': {
      if (!hasArg) throw new FramingSpecError(`'length' framing needs a struct format, e.g. length:i (Python's struct.pack('i', n)) or length:!I`);
      const parts = rest.split(',');
      const format = parts[0].trim();
      if (format === '') throw new FramingSpecError(`'length' framing needs a struct format, e.g. length:i or length:!I`);
      intFormat(format, 'length format');
      const o = splitOptions(parts.slice(1), 'length', ['includes-header', 'include-header'], ['adjust', 'max']);
      const out: LengthSpec = {
        kind: 'length',
        format,
        includesHeader: o.flags.has('includes-header') || o.flags.has('include-header'),
        adjust: o.values.has('adjust') ? parseInteger(o.values.get('adjust') ?? '', 'adjust') : 0,
      };
      if (o.flags.has('includes-header') && o.flags.has('include-header')) {
        throw new FramingSpecError(`option 'includes-header' given twice in 'length' framing`);
      }
      if (o.values.has('max')) out.max = parseSize(o.values.get('max') ?? '', 'max');
      return out;
    }
    case 'json-header':
    case 'jsonheader':
    case 'json': {
      if (hasArg) throw new FramingSpecError(`'json-header' framing takes options after commas, e.g. json-header,length=!I, got '${spec}'`);
      const o = splitOptions(rest === '' && headEnd === s.length ? [] : rest.split(','), 'json-header', [], ['length', 'size-key', 'max']);
      const lengthFormat = o.values.get('length') ?? 'i';
      if (lengthFormat === '') throw new FramingSpecError(`json-header option 'length=' needs a struct format, e.g. length=!I`);
      intFormat(lengthFormat, 'json-header length format');
      const sizeKey = o.values.get('size-key') ?? 'total_size';
      if (sizeKey === '') throw new FramingSpecError(`json-header option 'size-key=' needs a key name`);
      const out: JsonHeaderSpec = { kind: 'json-header', lengthFormat, sizeKey };
      if (o.values.has('max')) out.max = parseSize(o.values.get('max') ?? '', 'max');
      return out;
    }
    default:
      throw new FramingSpecError(`unknown framing '${mode || s}'; expected ${GRAMMAR}`);
  }
}

/** Escape delimiter bytes for a spec string: printable ASCII as is, \r \n \t \\, others \xhh. */
function escapeDelimiter(b: Uint8Array): string {
  let s = '';
  for (const c of b) {
    if (c === 0x0d) s += '\\r';
    else if (c === 0x0a) s += '\\n';
    else if (c === 0x09) s += '\\t';
    else if (c === 0x5c) s += '\\\\';
    else if (c > 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += '\\x' + hexByte(c);
  }
  return s;
}

/** The canonical spec string; `parseFramingSpec(formatFramingSpec(x))` gives back an equal spec. */
export function formatFramingSpec(spec: FramingSpec | string): string {
  const sp = typeof spec === 'string' ? parseFramingSpec(spec) : spec;
  switch (sp.kind) {
    case 'raw':
    case 'line':
      return sp.kind;
    case 'delimiter':
      return `delimiter:${escapeDelimiter(sp.delimiter)}`;
    case 'fixed':
      return `fixed:${sp.size}`;
    case 'length': {
      let s = `length:${sp.format}`;
      if (sp.includesHeader) s += ',includes-header';
      if (sp.adjust) s += `,adjust=${sp.adjust}`;
      if (sp.max !== undefined) s += `,max=${formatSize(sp.max)}`;
      return s;
    }
    case 'json-header': {
      let s = 'json-header';
      if (sp.lengthFormat !== 'i') s += `,length=${sp.lengthFormat}`;
      if (sp.sizeKey !== 'total_size') s += `,size-key=${sp.sizeKey}`;
      if (sp.max !== undefined) s += `,max=${formatSize(sp.max)}`;
      return s;
    }
    default:
      throw new FramingSpecError(`unknown framing kind '${(sp as { kind?: unknown }).kind}'`);
  }
}

/** A spec string in its canonical form ("length:!I", "line", …); throws FramingSpecError on a bad spec. */
export function normalizeFramingSpec(spec: string): string {
  return formatFramingSpec(parseFramingSpec(spec));
}

/** Validate a spec given as string or object; returns a checked spec object. */
export function toSpec(spec: FramingSpec | string): FramingSpec {
  if (typeof spec === 'string') return parseFramingSpec(spec);
  if (spec === null || typeof spec !== 'object') throw new FramingSpecError('framing spec must be a string or a spec object');
  // an object may come from anywhere (e.g. the webview): round-trip it through the grammar to validate it
  const checked = parseFramingSpec(formatFramingSpec(spec));
  if (checked.kind === 'delimiter' && spec.kind === 'delimiter') return { kind: 'delimiter', delimiter: Buffer.from(spec.delimiter) };
  return checked;
}
