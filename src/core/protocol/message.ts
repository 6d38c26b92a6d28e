/**
 * Message layouts: a Python struct format with field names, the field values that recognise a received frame,
 * and a checksum computed on send and verified on receive (appended after the layout, or held in one of its
 * fields), over the whole frame or a byte range.
 */
import { Struct, StructError, parseFormat, type StructInput, type StructValue } from '../codec/struct';
import { compile, INT64_MAX, INT64_MIN, UINT64_MAX } from '../codec/structFormat';
import { intFormat } from '../framing/spec';
import { toHex } from '../../shared/bytes';
import type { MessageFieldInfo, MessageLayoutInfo } from '../../shared/messageForm';
import { CHECKSUM_NAMES, checksumAlgorithm, type ChecksumAlgorithm } from './checksum';
import { fieldJson, fieldText, type FieldValue } from './values';
import type { YamlPath, YamlSource } from './yaml';

type Kind = 'int' | 'float' | 'bool' | 'bytes' | 'char';

interface Slot {
  name: string;
  kind: Kind;
  code: string;
  offset: number;
  size: number;
  /** integers: the range the code packs */
  min?: bigint;
  max?: bigint;
}

interface ChecksumPlan {
  alg: ChecksumAlgorithm;
  /** covered bytes [from, to) of the whole frame */
  from: number;
  to: number;
  /** appended: the struct format of the trailer */
  append?: Struct;
  /** held in this field (index into slots) */
  field?: number;
}

export interface ChecksumResult {
  algorithm: string;
  ok: boolean;
  expected: number;
  actual: number;
}

export interface DecodedMessage {
  name: string;
  fields: Record<string, FieldValue>;
  checksum?: ChecksumResult;
}

export interface MessageSpec {
  format: string;
  fields?: string[];
  match?: Record<string, unknown>;
  checksum?: { algorithm: string; append?: string; field?: string; from?: number; to?: number };
}

export class MessageLayout {
  readonly fields: readonly string[];
  /** the whole frame's size: the layout plus an appended checksum */
  readonly size: number;
  private readonly body: Struct;
  private readonly slots: Slot[];
  private readonly match: Array<[number, unknown]>;
  private readonly checksum: ChecksumPlan | undefined;
  private readonly spec: MessageSpec;

  constructor(
    readonly name: string,
    spec: MessageSpec,
    src: YamlSource,
    path: YamlPath,
  ) {
    this.spec = spec;
    try {
      parseFormat(spec.format);
      this.body = new Struct(spec.format);
    } catch (err) {
      throw src.error('EPROTO_FORMAT', [...path, 'format'], `message '${name}': bad struct format '${spec.format}': ${err instanceof Error ? err.message : String(err)}`);
    }
    const codes: Array<Omit<Slot, 'name'>> = [];
    for (const it of compile(spec.format).compiled) {
      const kind = kindOf(it.code);
      if (kind === undefined) continue;
      if (kind === 'bytes') codes.push({ kind, code: `${it.count}${it.code}`, offset: it.offset, size: it.count });
      else {
        const s = it.spec;
        const range = kind === 'int' ? { min: s.min ?? (s.signed ? INT64_MIN : 0n), max: s.max ?? (s.signed ? INT64_MAX : UINT64_MAX) } : {};
        for (let i = 0; i < it.count; i++) codes.push({ kind, code: it.code, offset: it.offset + i * it.size, size: it.size, ...range });
      }
    }
    const names = spec.fields ?? codes.map((_, i) => `f${i + 1}`);
    if (names.length !== codes.length) {
      throw src.error('EPROTO_FIELD', [...path, spec.fields ? 'fields' : 'format'], `message '${name}': format '${spec.format}' has ${codes.length} value${codes.length === 1 ? '' : 's'} but ${names.length} field name${names.length === 1 ? '' : 's'} given`);
    }
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw src.error('EPROTO_FIELD', [...path, 'fields', names.lastIndexOf(dup)], `message '${name}': field '${dup}' named twice`);
    this.fields = names;
    this.slots = codes.map((c, i) => ({ ...c, name: names[i] }));
    this.match = Object.entries(spec.match ?? {}).map(([f, v]) => [this.fieldIndex(f, src, [...path, 'match', f]), v]);
    this.checksum = spec.checksum ? this.planChecksum(spec.checksum, src, [...path, 'checksum']) : undefined;
    this.size = this.body.size + (this.checksum?.append?.size ?? 0);
  }

  private fieldIndex(f: string, src: YamlSource, path: YamlPath): number {
    const i = this.fields.indexOf(f);
    if (i < 0) throw src.error('EPROTO_FIELD', path, `message '${this.name}' has no field '${f}' (fields: ${this.fields.join(', ')})`, true);
    return i;
  }

  private planChecksum(c: NonNullable<MessageSpec['checksum']>, src: YamlSource, path: YamlPath): ChecksumPlan {
    const alg = checksumAlgorithm(c.algorithm);
    if (!alg) throw src.error('EPROTO_CHECKSUM', [...path, 'algorithm'], `unknown checksum '${c.algorithm}' (known: ${CHECKSUM_NAMES.join(', ')}, or a reveng catalogue name)`);
    if ((c.append === undefined) === (c.field === undefined)) {
      throw src.error('EPROTO_CHECKSUM', path, `message '${this.name}': checksum needs either 'append' (a struct format) or 'field' (a field name)`);
    }
    let at: number;
    let bits: number;
    let append: Struct | undefined;
    let field: number | undefined;
    if (c.append !== undefined) {
      try {
        intFormat(c.append, 'checksum append');
      } catch {
        throw src.error('EPROTO_CHECKSUM', [...path, 'append'], `checksum 'append' must be a struct format of one integer such as '<H', got '${c.append}'`);
      }
      append = new Struct(c.append);
      at = this.body.size;
      bits = append.size * 8;
    } else {
      field = this.fieldIndex(c.field ?? '', src, [...path, 'field']);
      const slot = this.slots[field];
      if (slot.kind !== 'int') throw src.error('EPROTO_CHECKSUM', [...path, 'field'], `checksum field '${slot.name}' must be an integer field, not '${slot.code}'`);
      at = slot.offset;
      bits = slot.size * 8;
    }
    const where = c.append !== undefined ? `'${c.append}'` : `field '${this.slots[field ?? 0].name}' ('${this.slots[field ?? 0].code}')`;
    if (alg.width > bits) throw src.error('EPROTO_CHECKSUM', path, `checksum ${alg.shortName} is ${alg.width} bits and does not fit ${where} (${bits} bits)`);
    const total = this.bodySizeFor(append);
    const resolve = (v: number | undefined, dflt: number) => (v === undefined ? dflt : v < 0 ? total + v : v);
    const from = resolve(c.from, 0);
    const to = resolve(c.to, at);
    const end = at + bits / 8;
    if (from < 0 || to > total || from >= to) {
      throw src.error('EPROTO_CHECKSUM', path, `checksum range ${from}..${to} does not fit the ${total}-byte frame of '${this.name}'`);
    }
    if (from < end && to > at) throw src.error('EPROTO_CHECKSUM', path, `checksum range ${from}..${to} covers the checksum itself (bytes ${at}..${end})`);
    return { alg, from, to, append, field };
  }

  private bodySizeFor(append: Struct | undefined): number {
    return this.body.size + (append?.size ?? 0);
  }

  /** Packs values by field name (a missing one is 0, empty or false); the checksum is computed over its range. */
  encode(values: Record<string, unknown>): Buffer {
    const args: StructInput[] = this.slots.map((s, i) => {
      if (this.checksum?.field === i) return 0;
      if (!Object.hasOwn(values, s.name)) return s.kind === 'bytes' ? Buffer.alloc(0) : s.kind === 'char' ? Buffer.alloc(1) : s.kind === 'bool' ? false : 0;
      return toStructInput(values[s.name], s, this.name);
    });
    let body: Buffer;
    try {
      body = this.body.pack(...args);
    } catch (err) {
      if (err instanceof StructError) throw new ProtocolValueError(`message '${this.name}': ${err.message}`);
      throw err;
    }
    const c = this.checksum;
    if (!c) return body;
    if (c.append) {
      const frame = Buffer.concat([body, Buffer.alloc(c.append.size)]);
      c.append.packInto(frame, body.length, c.alg.compute(frame.subarray(c.from, c.to)));
      return frame;
    }
    const idx = c.field ?? 0;
    args[idx] = c.alg.compute(body.subarray(c.from, c.to));
    return this.body.pack(...args);
  }

  /** The frame as this message, or undefined when its size or `match` fields differ. */
  decode(frame: Uint8Array): DecodedMessage | undefined {
    if (frame.length !== this.size) return undefined;
    const buf = Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
    const vals = this.body.unpackFrom(buf, 0);
    for (const [i, want] of this.match) if (!matches(vals[i], want)) return undefined;
    const fields: Record<string, FieldValue> = {};
    this.slots.forEach((s, i) => (fields[s.name] = vals[i]));
    const c = this.checksum;
    if (!c) return { name: this.name, fields };
    const expected = c.alg.compute(buf.subarray(c.from, c.to));
    const actual = Number(c.append ? c.append.unpackFrom(buf, this.body.size)[0] : vals[c.field ?? 0]);
    return { name: this.name, fields, checksum: { algorithm: c.alg.shortName, ok: expected === actual, expected, actual } };
  }

  /** The layout as the composer's Message form shows it: each field's code, range and match value; the checksum. */
  info(): MessageLayoutInfo {
    const c = this.checksum;
    const fields = this.slots.map((s, i): MessageFieldInfo => {
      const f: MessageFieldInfo = { name: s.name, code: s.code, kind: s.kind, size: s.size };
      if (s.min !== undefined && s.max !== undefined) Object.assign(f, { min: s.min.toString(), max: s.max.toString() });
      const m = this.match.find(([k]) => k === i);
      if (m) f.match = s.kind === 'bool' ? String(m[1] === true || m[1] === 1 || m[1] === 'true') : String(m[1]);
      if (c?.field === i) f.checksum = true;
      return f;
    });
    const out: MessageLayoutInfo = { name: this.name, fields, size: this.size };
    if (c) {
      const cs = this.spec.checksum;
      out.checksum = { algorithm: c.alg.shortName, from: c.from, to: c.to, ...(cs?.append !== undefined ? { append: cs.append } : { field: this.slots[c.field ?? 0].name }) };
    }
    return out;
  }

  /** The checksum this layout computes for a frame of it (what encode wrote), undefined without one. */
  checksumOf(frame: Uint8Array): { algorithm: string; value: number } | undefined {
    const c = this.checksum;
    if (!c || frame.length !== this.size) return undefined;
    return { algorithm: c.alg.shortName, value: c.alg.compute(frame.subarray(c.from, c.to)) };
  }

  /** The kind of a field (for parsing template output). */
  kindOf(field: string): Kind | undefined {
    return this.slots.find((s) => s.name === field)?.kind;
  }
}

/** A value that cannot be packed: the caller adds where it came from. */
export class ProtocolValueError extends Error {
  readonly code = 'EPROTO_VALUE';
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolValueError';
  }
}

function kindOf(code: string): Kind | undefined {
  if (code === 'x') return undefined;
  if (code === 's' || code === 'p') return 'bytes';
  if (code === 'c') return 'char';
  if (code === '?') return 'bool';
  if (code === 'e' || code === 'f' || code === 'd') return 'float';
  return 'int';
}

function matches(actual: StructValue, want: unknown): boolean {
  if (Buffer.isBuffer(actual)) return fieldText(actual) === String(want);
  if (typeof actual === 'boolean') return actual === (want === true || want === 1 || want === 'true');
  return Number(actual) === Number(want);
}

/** A YAML or template value → what struct.pack takes for this slot. */
function toStructInput(v: unknown, slot: Slot, message: string): StructInput {
  const bad = () => new ProtocolValueError(`message '${message}': field '${slot.name}' ('${slot.code}') cannot take ${JSON.stringify(typeof v === 'bigint' ? v.toString() : Buffer.isBuffer(v) ? toHex(v) : v)}`);
  switch (slot.kind) {
    case 'bytes':
    case 'char':
      if (Buffer.isBuffer(v)) return v;
      return Buffer.from(String(v), 'utf8');
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'True' || v === 1 || v === '1') return true;
      if (v === 'false' || v === 'False' || v === 0 || v === '0') return false;
      throw bad();
    case 'float': {
      const n = typeof v === 'number' ? v : Number(v);
      if (typeof v === 'boolean' || Number.isNaN(n) && String(v).trim().toLowerCase() !== 'nan') throw bad();
      return n;
    }
    default: {
      if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return v;
      const s = String(v).trim();
      if (!/^[-+]?(0x[0-9a-f]+|\d+)$/i.test(s)) throw bad();
      const big = s.startsWith('-') ? -BigInt(s.slice(1)) : BigInt(s.replace(/^\+/, ''));
      return Number.isSafeInteger(Number(big)) ? Number(big) : big;
    }
  }
}

/** The fields as JSON-safe values (bigint beyond 2^53 as text, bytes as text). */
export function messageFieldsJson(m: DecodedMessage): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(m.fields).map(([k, v]) => [k, fieldJson(v)]));
}

/** One line for logs and reports: `message reading {"kind":2,…} checksum ✓` (✗ with the expected and received values). */
export function describeMessage(m: DecodedMessage): string {
  const c = m.checksum;
  const sum = c ? ` ${c.algorithm} ${c.ok ? '✓' : `✗ (expected 0x${c.expected.toString(16)}, got 0x${c.actual.toString(16)})`}` : '';
  return `message ${m.name} ${JSON.stringify(messageFieldsJson(m))}${sum}`;
}
