/**
 * Turns a composer draft into the exact bytes `send` writes: payload from the input mode (text, hex, escapes,
 * struct, JSON header), then the framing encoder. The preview and the send both call `buildWire`, so what the
 * user sees is what goes on the wire. A draft's payload may be at most `maxBytes` (default: the registry's 16 MiB
 * maximum frame size); struct formats are measured (calcsize) before anything is allocated, and the other modes
 * produce at most a few bytes per input character (the protocol caps their fields), so they are checked once built.
 * Pure Node (no `vscode`), so it is unit-tested directly.
 */
import { parse as parseYaml } from 'yaml';
import type { ProtocolModel } from '../../core/protocol/model';
import { encodeText, EncodingError, normalizeEncoding } from '../../core/codec/encoding';
import { InputError, parseHex } from '../../core/codec/binaryInput';
import { parseEscapes } from '../../core/codec/input';
import { pack, parseFormat, StructError, type StructInput } from '../../core/codec/struct';
import { encodeFrame, parseFramingSpec, formatFramingSpec } from '../../core/framing';
import { DEFAULT_MAX_FRAME_SIZE } from '../../core/registry';
import type { SendOptions } from '../../core/types';
import { errorMessage } from '../../shared/errors';
import { formatExactSize, groupDigits } from '../../shared/format';
import type { Draft, DraftError, DraftField, FramingChoice } from '../../shared/protocol';

/** A draft problem with where it is; the composer shows it inline. */
export class DraftProblem extends Error {
  constructor(readonly detail: DraftError) {
    super(detail.message);
    this.name = 'DraftProblem';
  }
}

/** The draft would make a frame larger than the limit (the host shows it localized from `size` and `limit`). */
export class DraftTooLarge extends DraftProblem {
  constructor(
    field: DraftField,
    readonly size: number,
    readonly limit: number,
  ) {
    super({ field, message: tooLargeMessage(size, limit) });
    this.name = 'DraftTooLarge';
  }
}

export function tooLargeMessage(size: number, limit: number): string {
  return `The frame would be ${groupDigits(size)} bytes; the limit is ${formatExactSize(limit)}.`;
}

function checkSize(field: DraftField, size: number, limit: number): void {
  if (size > limit) throw new DraftTooLarge(field, size, limit);
}

export interface DraftOptions {
  /** largest payload a draft may produce (default DEFAULT_MAX_FRAME_SIZE, 16 MiB) */
  maxBytes?: number;
  /** Message mode: the layouts of the protocol file attached to the target (undefined: none attached) */
  messages?: ProtocolModel;
}

function problem(field: DraftField, message: string, position?: number, index?: number): DraftProblem {
  const d: DraftError = { field, message };
  if (position !== undefined) d.position = position;
  if (index !== undefined) d.index = index;
  return new DraftProblem(d);
}

export interface Payload {
  payload: Buffer;
  /** JSON header mode: the header fields (the framing fills in the size) */
  header?: Record<string, unknown>;
  /** Message mode: the checksum the layout computed */
  checksum?: { algorithm: string; value: number };
}

function encodingOf(name: string): string {
  try {
    return normalizeEncoding(name);
  } catch (e) {
    throw problem('encoding', errorMessage(e));
  }
}

function encode(text: string, enc: string, field: DraftField): Buffer {
  try {
    return encodeText(text, enc);
  } catch (e) {
    if (e instanceof EncodingError) throw problem(field, e.message, e.index >= 0 ? e.index : undefined);
    throw e;
  }
}

/**
 * The payload bytes of a draft (before framing). Throws DraftProblem, DraftTooLarge when the payload would be larger
 * than `opts.maxBytes`.
 */
export function draftPayload(draft: Draft, opts?: DraftOptions): Payload {
  const limit = opts?.maxBytes ?? DEFAULT_MAX_FRAME_SIZE;
  const p = buildPayload(draft, limit, opts?.messages);
  checkSize(draft.mode === 'json' ? 'body' : draft.mode === 'struct' ? 'format' : 'text', p.payload.length, limit);
  return p;
}

function buildPayload(draft: Draft, limit: number, messages: ProtocolModel | undefined): Payload {
  switch (draft.mode) {
    // text, hex and escapes give at most 4 bytes per input character (the protocol caps fields at 4 Mi characters),
    // so what they allocate is bounded by their input; draftPayload checks the result
    case 'text':
      return { payload: encode(draft.text, encodingOf(draft.encoding), 'text') };
    case 'hex':
      try {
        return { payload: parseHex(draft.text) };
      } catch (e) {
        if (e instanceof InputError) throw problem('text', e.message, e.position);
        throw e;
      }
    case 'escapes': {
      const enc = encodingOf(draft.encoding);
      try {
        return { payload: parseEscapes(draft.text, enc) };
      } catch (e) {
        if (e instanceof InputError) throw problem('text', e.message, e.position);
        if (e instanceof EncodingError) throw problem('text', e.message, e.index >= 0 ? e.index : undefined);
        throw e;
      }
    }
    case 'struct':
      return { payload: packStruct(draft.format, draft.values, limit) };
    case 'json': {
      const header = parseHeader(draft.header);
      return { payload: encode(draft.body, encodingOf(draft.encoding), 'body'), header };
    }
    case 'message':
      return packMessage(draft.text, messages);
  }
}

/** Message mode: `name {field: value, …}` (a YAML flow map) packed with the attached file's layout, checksum filled in. */
function packMessage(text: string, model: ProtocolModel | undefined): Payload {
  if (!model) throw problem('text', 'No protocol file is attached to this connection: attach one (Connections view, Attach Protocol File…) to send its messages.');
  const m = /^\s*([A-Za-z_][\w.-]*)\s*/.exec(text);
  const names = [...model.messages.keys()].join(', ') || 'none';
  if (!m) throw problem('text', `Start with a message name (${names}), then its values: reading {kind: 2, seq: 7}`, 0);
  const layout = model.messages.get(m[1]);
  if (!layout) throw problem('text', `Unknown message '${m[1]}' (messages: ${names})`, text.indexOf(m[1]));
  const rest = text.slice(m[0].length);
  let values: unknown = {};
  if (rest.trim() !== '') {
    try {
      values = parseYaml(rest);
    } catch (e) {
      throw problem('text', `Values: ${errorMessage(e).split('\n')[0]}`, m[0].length);
    }
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) throw problem('text', 'The values must be a map, e.g. {kind: 2, seq: 7}', m[0].length);
  const unknown = Object.keys(values).find((k) => !layout.fields.includes(k));
  if (unknown !== undefined) throw problem('text', `Message '${m[1]}' has no field '${unknown}' (fields: ${layout.fields.join(', ')})`, text.indexOf(unknown, m[0].length));
  let payload: Buffer;
  try {
    payload = layout.encode(values as Record<string, unknown>);
  } catch (e) {
    throw problem('text', errorMessage(e), m[0].length);
  }
  const checksum = layout.checksumOf(payload);
  return checksum ? { payload, checksum } : { payload };
}

function parseHeader(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    const msg = errorMessage(e);
    // V8 names the position ("… at position 12"), except for text that ends too early: that is at the end
    const m = /position (\d+)/.exec(msg);
    throw problem('header', `Invalid JSON: ${msg}`, m ? Number(m[1]) : /end of JSON input/i.test(msg) ? text.length : undefined);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw problem('header', 'The header must be a JSON object, e.g. {"cmd": "dir"}', 0);
  return v as Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------------------
// struct values: Python-like literals separated by commas

export interface ParsedValue {
  value: StructInput;
  /** character position of the literal in the values text */
  position: number;
}

/**
 * Parses `1, -2, 0x10, 3.5, True, b'ab\x00', 'text', hex:0a0b` into struct values. Integers too large for a
 * double become bigint; quoted text becomes UTF-8 bytes; b'…' takes escapes; hex:… takes hex bytes.
 */
export function parseStructValues(text: string): ParsedValue[] {
  const out: ParsedValue[] = [];
  let i = 0;
  const n = text.length;
  const skipWs = (): void => {
    while (i < n && /\s/.test(text[i])) i++;
  };
  skipWs();
  if (i >= n) return out;
  for (;;) {
    skipWs();
    const start = i;
    const index = out.length;
    if (i >= n) throw problem('values', `value ${index + 1} is missing after ','`, start, index);
    const c = text[i];
    let value: StructInput;
    if (c === "'" || c === '"' || ((c === 'b' || c === 'B') && (text[i + 1] === "'" || text[i + 1] === '"'))) {
      const isBytes = c === 'b' || c === 'B';
      if (isBytes) i++;
      const q = text[i];
      let j = i + 1;
      while (j < n && text[j] !== q) j += text[j] === '\\' ? 2 : 1;
      if (j >= n) throw problem('values', `value ${index + 1}: unterminated string literal`, start, index);
      const inner = text.slice(i + 1, j);
      try {
        value = parseEscapes(inner, isBytes ? 'latin1' : 'utf-8');
      } catch (e) {
        if (e instanceof InputError) throw problem('values', `value ${index + 1}: ${e.message}`, i + 1 + e.position, index);
        if (e instanceof EncodingError) throw problem('values', `value ${index + 1}: bytes can only contain ASCII literal characters`, i + 1 + Math.max(0, e.index), index);
        throw e;
      }
      i = j + 1;
    } else {
      let j = i;
      while (j < n && text[j] !== ',') j++;
      const raw = text.slice(i, j).trim();
      value = parseScalar(raw, start, index);
      i = j;
    }
    out.push({ value, position: start });
    skipWs();
    if (i >= n) return out;
    if (text[i] !== ',') throw problem('values', `value ${index + 1}: expected ',' after it`, i, index);
    i++;
    skipWs();
    if (i >= n) return out; // trailing comma, as Python allows
  }
}

function parseScalar(raw: string, position: number, index: number): StructInput {
  const where = `value ${index + 1}`;
  if (raw === '') throw problem('values', `${where} is empty`, position, index);
  if (/^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
  if (/^hex:/i.test(raw)) {
    try {
      return parseHex(raw.slice(4));
    } catch (e) {
      if (e instanceof InputError) throw problem('values', `${where}: ${e.message}`, position + 4 + e.position, index);
      throw e;
    }
  }
  const cleaned = raw.replace(/_/g, '');
  const int = /^([+-]?)(0x[0-9a-f]+|0o[0-7]+|0b[01]+|\d+)$/i.exec(cleaned);
  if (int) {
    let big: bigint;
    const body = int[2].toLowerCase();
    if (/^0\d/.test(body) && !/^0+$/.test(body)) throw problem('values', `${where}: leading zeros in decimal integer literals are not permitted (as in Python); use 0o for octal`, position, index);
    big = BigInt(body);
    if (int[1] === '-') big = -big;
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  if (/^[+-]?(inf|infinity)$/i.test(cleaned)) return cleaned.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(cleaned)) return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(cleaned)) return Number(cleaned);
  throw problem('values', `${where}: cannot read ${JSON.stringify(raw)} (numbers, True/False, 'text', b'bytes' or hex:0a0b)`, position, index);
}

function packStruct(format: string, valuesText: string, limit: number): Buffer {
  if (format.trim() === '') throw problem('format', 'Enter a struct format, e.g. i or !IH', 0);
  let parsed;
  try {
    parsed = parseFormat(format);
  } catch (e) {
    if (e instanceof StructError) throw problem('format', `struct.error: ${e.message}`);
    throw e;
  }
  // calcsize before pack: '1000000000x' must not allocate a gigabyte on every preview keystroke
  checkSize('format', parsed.size, limit);
  const values = parseStructValues(valuesText);
  if (values.length !== parsed.valueCount) {
    throw problem('values', `struct.error: pack expected ${parsed.valueCount} items for packing (got ${values.length})`, values[parsed.valueCount]?.position);
  }
  try {
    return pack(format, ...values.map((v) => v.value));
  } catch (e) {
    if (!(e instanceof StructError)) throw e;
    // Find which value Python would have complained about: pack each value alone with its own code.
    const index = culprit(parsed.prefix, parsed.items, values);
    const where = index !== undefined ? `value ${index + 1} (${JSON.stringify(codeOfValue(parsed.items, index))}): ` : '';
    throw problem('values', `struct.error: ${where}${e.message}`, index !== undefined ? values[index].position : undefined, index);
  }
}

type Item = { code: string; count: number };

function codeOfValue(items: Item[], index: number): string {
  let k = 0;
  for (const it of items) {
    const n = it.code === 'x' ? 0 : it.code === 's' || it.code === 'p' ? 1 : it.count;
    if (index < k + n) return it.code === 's' || it.code === 'p' ? `${it.count}${it.code}` : it.code;
    k += n;
  }
  return '?';
}

function culprit(prefix: string, items: Item[], values: ParsedValue[]): number | undefined {
  for (let i = 0; i < values.length; i++) {
    try {
      pack(prefix + codeOfValue(items, i), values[i].value);
    } catch {
      return i;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// framing and the wire

/** The framing spec a send uses: the connection's, none, or the user's; JSON-header drafts need json-header. */
export function resolveFraming(choice: FramingChoice, connectionFraming: string, draft: Draft): string {
  let spec = choice.kind === 'connection' ? connectionFraming : choice.kind === 'raw' ? 'raw' : choice.spec;
  if (draft.mode === 'json' && !spec.trim().startsWith('json-header')) spec = 'json-header';
  try {
    return formatFramingSpec(parseFramingSpec(spec));
  } catch (e) {
    throw problem('framing', errorMessage(e));
  }
}

export interface Wire {
  wire: Buffer;
  payloadLength: number;
  framing: string;
  /** what `registry.send(id, payload, {framing, header})` takes to write exactly `wire` */
  payload: Buffer;
  header?: Record<string, unknown>;
  /** Message mode: the checksum the layout computed */
  checksum?: { algorithm: string; value: number };
}

/**
 * The registry send options that write exactly `w.wire`: the registry frames the payload with the same encoder
 * (core/framing encodeFrame) the preview used, and records the payload (not the framed bytes) as the outgoing frame.
 */
export function wireSendOptions(w: Wire, to?: { host: string; port: number }): SendOptions {
  const opts: SendOptions = { framed: true, framing: w.framing };
  if (w.header) opts.header = w.header;
  if (to) opts.to = { address: to.host, port: to.port };
  return opts;
}

/** The exact bytes a send writes for this draft on a connection with this framing. Throws DraftProblem. */
export function buildWire(draft: Draft, choice: FramingChoice, connectionFraming: string, opts?: DraftOptions): Wire {
  const framing = resolveFraming(choice, connectionFraming, draft);
  const { payload, header, checksum } = draftPayload(draft, opts);
  try {
    const wire = encodeFrame(framing, payload, header ? { header } : undefined);
    return { wire, payloadLength: payload.length, framing, payload, ...(header ? { header } : {}), ...(checksum ? { checksum } : {}) };
  } catch (e) {
    throw problem(draft.mode === 'json' ? 'header' : 'framing', errorMessage(e));
  }
}

/** Turns any error from draft handling into the protocol's DraftError. */
export function toDraftError(e: unknown, field: DraftField = 'text'): DraftError {
  if (e instanceof DraftProblem) return e.detail;
  return { field, message: errorMessage(e) };
}
