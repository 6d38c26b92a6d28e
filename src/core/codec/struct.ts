/**
 * Python's `struct` module for TypeScript: `pack`, `unpack`, `unpackFrom`, `calcsize` and a compiled
 * `Struct`, matching CPython (3.11, x86-64 Linux) byte for byte — sizes, native alignment, rounding of
 * `e`/`f`, `?` truthiness, `s`/`p` padding and truncation, and the `struct.error` messages.
 *
 * Values (`StructValue`): integers as `number` (a JS number that is an integer counts as a Python int)
 * or `bigint`; booleans count as 0/1 like Python's bool. Integer codes of 8 bytes (q Q n N P, and native
 * l L) unpack as `bigint`, other integers as `number`; `?` unpacks as boolean; floats as number;
 * `c`/`s`/`p` take and give `Buffer` (packing also accepts any `Uint8Array`).
 *
 * Pure Node, no `vscode`.
 */

export type StructValue = number | bigint | boolean | Buffer;
/** What pack() accepts: a StructValue, or any Uint8Array for c/s/p. */
export type StructInput = StructValue | Uint8Array;

/** Raised wherever CPython raises `struct.error` (and for its OverflowErrors on `e`/`f`), with CPython's message. */
export class StructError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StructError';
  }
}

export type StructPrefix = '@' | '=' | '<' | '>' | '!';

/** One format code of a parsed format, with its repeat count and where it sits in the packed bytes. */
export interface StructItem {
  code: string;
  /** the repeat count (for `s`/`p`: the byte length of the one value) */
  count: number;
  /** byte offset of the first element (after native alignment) */
  offset: number;
  /** size of one element in bytes (for `s`/`p`/`x`: 1) */
  size: number;
}

export interface ParsedFormat {
  format: string;
  /** the byte-order/size/alignment prefix; `@` when the format has none */
  prefix: StructPrefix;
  /** native sizes and alignment (`@` or no prefix) */
  native: boolean;
  littleEndian: boolean;
  /** calcsize */
  size: number;
  /** how many values pack() takes and unpack() returns */
  valueCount: number;
  items: StructItem[];
}

type IntCheck = 'GL' | 'GUL' | 'BA' | 'BAU' | 'PV';
interface CodeSpec {
  /** size in bytes */
  size: number;
  kind: 'pad' | 'char' | 'bytes' | 'pascal' | 'bool' | 'int' | 'float';
  signed?: boolean;
  /** how an out-of-[-2^63, 2^64) integer is refused (CPython's conversion step) */
  conv?: IntCheck;
  /** the second, per-size range check and its message */
  min?: bigint;
  max?: bigint;
  rangeMessage?: string;
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

function fixed(kind: CodeSpec['kind'], size: number): CodeSpec {
  return { kind, size };
}

function quoted(code: string, min: bigint, max: bigint): string {
  return `'${code}' format requires ${min} <= number <= ${max}`;
}

function intSpec(code: string, size: number, signed: boolean, conv: IntCheck, named?: string): CodeSpec {
  const spec: CodeSpec = { kind: 'int', size, signed, conv };
  if (size < 8) {
    const bits = BigInt(size * 8);
    spec.min = signed ? -(1n << (bits - 1n)) : 0n;
    spec.max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
    spec.rangeMessage = named
      ? `${named} format requires ${spec.min} <= number <= ${spec.max}`
      : quoted(code, spec.min, spec.max);
  }
  return spec;
}

const COMMON: Record<string, CodeSpec> = {
  x: fixed('pad', 1),
  c: fixed('char', 1),
  s: fixed('bytes', 1),
  p: fixed('pascal', 1),
  '?': fixed('bool', 1),
  e: fixed('float', 2),
  f: fixed('float', 4),
  d: fixed('float', 8),
  b: intSpec('b', 1, true, 'GL', 'byte'),
  B: intSpec('B', 1, false, 'GL', 'ubyte'),
};

/** `@` (and no prefix): C types on x86-64 Linux. */
const NATIVE: Record<string, CodeSpec> = {
  ...COMMON,
  h: intSpec('h', 2, true, 'GL', 'short'),
  H: intSpec('H', 2, false, 'GL', 'ushort'),
  i: intSpec('i', 4, true, 'GL'),
  I: intSpec('I', 4, false, 'GUL'),
  l: intSpec('l', 8, true, 'GL'),
  L: intSpec('L', 8, false, 'GUL'),
  q: intSpec('q', 8, true, 'GL'),
  Q: intSpec('Q', 8, false, 'GUL'),
  n: intSpec('n', 8, true, 'GL'),
  N: intSpec('N', 8, false, 'GUL'),
  P: intSpec('P', 8, false, 'PV'),
};

/** `<` and `=` (CPython swaps in the native functions where the sizes agree, hence their messages). */
const LITTLE: Record<string, CodeSpec> = {
  ...COMMON,
  h: NATIVE.h,
  H: NATIVE.H,
  i: NATIVE.i,
  I: NATIVE.I,
  l: intSpec('l', 4, true, 'GL'),
  L: intSpec('L', 4, false, 'GUL'),
  q: NATIVE.q,
  Q: NATIVE.Q,
};

/** `>` and `!`. */
const BIG: Record<string, CodeSpec> = {
  ...COMMON,
  h: intSpec('h', 2, true, 'GL'),
  H: intSpec('H', 2, false, 'GUL'),
  i: intSpec('i', 4, true, 'GL'),
  I: intSpec('I', 4, false, 'GUL'),
  l: intSpec('l', 4, true, 'GL'),
  L: intSpec('L', 4, false, 'GUL'),
  q: intSpec('q', 8, true, 'BA'),
  Q: intSpec('Q', 8, false, 'BAU'),
};

const WHITESPACE = new Set([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
const PY_SSIZE_T_MAX = INT64_MAX;

interface CompiledItem extends StructItem {
  spec: CodeSpec;
}

interface Compiled extends ParsedFormat {
  compiled: CompiledItem[];
}

const cache = new Map<string, Compiled>();
const CACHE_LIMIT = 512;

function compile(fmt: string): Compiled {
  const hit = cache.get(fmt);
  if (hit) return hit;
  if (typeof fmt !== 'string') throw new StructError('Struct() argument 1 must be a str or bytes, not ' + typeof fmt);
  let pos = 0;
  let prefix: StructPrefix = '@';
  const first = fmt[0];
  if (first === '@' || first === '=' || first === '<' || first === '>' || first === '!') {
    prefix = first;
    pos = 1;
  }
  const native = prefix === '@';
  const littleEndian = prefix === '@' || prefix === '=' || prefix === '<';
  const table = native ? NATIVE : littleEndian ? LITTLE : BIG;
  const items: CompiledItem[] = [];
  let size = 0n;
  let valueCount = 0;
  for (let k = 0; k < fmt.length; k++) {
    const cc = fmt.charCodeAt(k);
    if (cc === 0) throw new StructError('embedded null character');
    if (cc > 127) throw new StructError(`bad char in struct format (non-ASCII character at position ${k})`);
  }
  while (pos < fmt.length) {
    let c = fmt[pos++];
    if (WHITESPACE.has(c)) continue;
    let num = 1n;
    if (c >= '0' && c <= '9') {
      num = 0n;
      while (c !== undefined && c >= '0' && c <= '9') {
        num = num * 10n + BigInt(c.charCodeAt(0) - 48);
        if (num > PY_SSIZE_T_MAX) throw new StructError('total struct size too long');
        c = fmt[pos++];
      }
      if (c === undefined) throw new StructError('repeat count given without format specifier');
    }
    const spec = Object.prototype.hasOwnProperty.call(table, c) ? table[c] : undefined;
    if (!spec) throw new StructError('bad char in struct format');
    if (spec.kind === 'bytes' || spec.kind === 'pascal') valueCount++;
    else if (spec.kind !== 'pad') valueCount += Number(num);
    // native alignment (applies even to a zero count, like CPython's "0l")
    if (native && spec.size > 1 && size > 0n) {
      const a = BigInt(spec.size);
      size += (a - 1n) - ((size - 1n) % a);
    }
    const itemSize = BigInt(spec.size);
    if (num > (PY_SSIZE_T_MAX - size) / itemSize) throw new StructError('total struct size too long');
    items.push({ code: c, count: Number(num), offset: Number(size), size: spec.size, spec });
    size += num * itemSize;
  }
  const result: Compiled = {
    format: fmt,
    prefix,
    native,
    littleEndian,
    size: Number(size),
    valueCount,
    items: items.map(({ code, count, offset, size: s }) => ({ code, count, offset, size: s })),
    compiled: items,
  };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(fmt, result);
  return result;
}

/** Parses a format (throws StructError like CPython's struct.calcsize would). The result is shared: don't mutate it. */
export function parseFormat(fmt: string): ParsedFormat {
  return compile(fmt);
}

export function calcsize(fmt: string): number {
  return compile(fmt).size;
}

// ---------------------------------------------------------------------------------------------------------------
// value conversion

function typeName(v: unknown): string {
  if (v === null) return 'None';
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return 'bytes';
  return typeof v;
}

/** An integer argument as number (safe integers) or bigint; throws like CPython for non-integers. */
function toInt(v: unknown): number | bigint {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new StructError('required argument is not an integer');
    return Number.isSafeInteger(v) ? v : BigInt(v);
  }
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new StructError('required argument is not an integer');
}

function checkInt(spec: CodeSpec, x: number | bigint): void {
  switch (spec.conv) {
    case 'GL':
      if (x < INT64_MIN || x > INT64_MAX) throw new StructError('argument out of range');
      break;
    case 'GUL':
      if (x < 0 || x > UINT64_MAX) throw new StructError('argument out of range');
      break;
    case 'BA':
      if (x < INT64_MIN || x > INT64_MAX) throw new StructError(INT_TOO_LARGE);
      break;
    case 'BAU':
      if (x < 0 || x > UINT64_MAX) throw new StructError(INT_TOO_LARGE);
      break;
    case 'PV':
      if (x < INT64_MIN || x > UINT64_MAX) throw new StructError(INT_TOO_LARGE);
      break;
  }
  if (spec.min !== undefined && spec.max !== undefined && (x < spec.min || x > spec.max)) {
    throw new StructError(spec.rangeMessage ?? 'argument out of range');
  }
}

function toFloat(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new StructError('required argument is not a float');
    return n;
  }
  throw new StructError('required argument is not a float');
}

function truthy(v: unknown): boolean {
  if (typeof v === 'number') return v !== 0; // NaN is truthy in Python
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) return v.length > 0;
  return Boolean(v);
}

function asBytes(v: unknown): Uint8Array | undefined {
  return v instanceof Uint8Array ? v : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// half precision (CPython's PyFloat_Pack2 / PyFloat_Unpack2)

const INT_TOO_LARGE = 'int too large to convert';
const HALF_OVERFLOW = 'float too large to pack with e format';

function packHalf(x: number): number {
  let sign: number;
  let e: number;
  let bits: number;
  if (x === 0) {
    sign = Object.is(x, -0) ? 1 : 0;
    e = 0;
    bits = 0;
  } else if (x === Infinity || x === -Infinity) {
    sign = x < 0 ? 1 : 0;
    e = 0x1f;
    bits = 0;
  } else if (Number.isNaN(x)) {
    sign = 0; // JS cannot carry a NaN's sign reliably
    e = 0x1f;
    bits = 512;
  } else {
    sign = x < 0 ? 1 : 0;
    if (sign) x = -x;
    // frexp: x = f * 2^e with f in [0.5, 1); then normalise to [1, 2)
    e = Math.floor(Math.log2(x));
    let f = x / Math.pow(2, e);
    // correct for log2 rounding at the edges
    while (f >= 2) { f /= 2; e++; }
    while (f < 1) { f *= 2; e--; }
    if (e >= 16) throw new StructError(HALF_OVERFLOW);
    if (e < -25) {
      f = 0;
      e = 0;
    } else if (e < -14) {
      f = f * Math.pow(2, 14 + e);
      e = 0;
    } else {
      e += 15;
      f -= 1;
    }
    f *= 1024;
    bits = Math.trunc(f);
    const rest = f - bits;
    if (rest > 0.5 || (rest === 0.5 && bits % 2 === 1)) {
      bits++;
      if (bits === 1024) {
        bits = 0;
        e++;
        if (e === 31) throw new StructError(HALF_OVERFLOW);
      }
    }
  }
  return bits | (e << 10) | (sign << 15);
}

function unpackHalf(h: number): number {
  const sign = h >> 15 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0x1f) return f === 0 ? sign * Infinity : NaN;
  if (e === 0) return sign * f * Math.pow(2, -24);
  return sign * (1 + f / 1024) * Math.pow(2, e - 15);
}

// ---------------------------------------------------------------------------------------------------------------
// pack / unpack

function toBuffer(buf: Uint8Array): Buffer {
  return Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}

function packInto(c: Compiled, out: Buffer, values: readonly unknown[]): void {
  if (values.length !== c.valueCount) {
    throw new StructError(`pack expected ${c.valueCount} items for packing (got ${values.length})`);
  }
  const le = c.littleEndian;
  let vi = 0;
  for (const it of c.compiled) {
    const spec = it.spec;
    let off = it.offset;
    switch (spec.kind) {
      case 'pad':
        break; // already zero
      case 'bytes': {
        const v = asBytes(values[vi++]);
        if (!v) throw new StructError("argument for 's' must be a bytes object");
        const n = Math.min(v.length, it.count);
        out.set(n === v.length ? v : v.subarray(0, n), off);
        break;
      }
      case 'pascal': {
        const v = asBytes(values[vi++]);
        if (!v) throw new StructError("argument for 'p' must be a bytes object");
        if (it.count === 0) break;
        let n = Math.min(v.length, it.count - 1);
        if (n > 0) out.set(v.subarray(0, n), off + 1);
        if (n > 255) n = 255;
        out[off] = n;
        break;
      }
      default:
        for (let r = 0; r < it.count; r++, off += spec.size) packOne(c, spec, out, off, values[vi++], le);
    }
  }
}

function packOne(c: Compiled, spec: CodeSpec, out: Buffer, off: number, v: unknown, le: boolean): void {
  switch (spec.kind) {
    case 'char': {
      const b = asBytes(v);
      if (!b || b.length !== 1) throw new StructError('char format requires a bytes object of length 1');
      out[off] = b[0];
      return;
    }
    case 'bool':
      out[off] = truthy(v) ? 1 : 0;
      return;
    case 'float': {
      const x = toFloat(v);
      if (spec.size === 8) {
        if (le) out.writeDoubleLE(x, off);
        else out.writeDoubleBE(x, off);
      } else if (spec.size === 4) {
        const y = Math.fround(x);
        if (!c.native && !Number.isFinite(y) && Number.isFinite(x)) {
          throw new StructError(typeof v === 'bigint' ? INT_TOO_LARGE : 'float too large to pack with f format');
        }
        if (le) out.writeFloatLE(y, off);
        else out.writeFloatBE(y, off);
      } else {
        let h: number;
        try {
          h = packHalf(x);
        } catch (err) {
          // CPython turns an OverflowError raised while packing a Python int into this struct.error
          throw typeof v === 'bigint' ? new StructError(INT_TOO_LARGE) : err;
        }
        if (le) out.writeUInt16LE(h, off);
        else out.writeUInt16BE(h, off);
      }
      return;
    }
    case 'int': {
      const x = toInt(v);
      checkInt(spec, x);
      if (spec.size === 8) {
        const big = BigInt.asUintN(64, BigInt(x));
        if (le) out.writeBigUInt64LE(big, off);
        else out.writeBigUInt64BE(big, off);
        return;
      }
      const n = Number(x);
      switch (spec.size) {
        case 1:
          out[off] = n & 0xff;
          return;
        case 2:
          if (le) out.writeUInt16LE(n & 0xffff, off);
          else out.writeUInt16BE(n & 0xffff, off);
          return;
        default:
          if (le) out.writeUInt32LE(n >>> 0, off);
          else out.writeUInt32BE(n >>> 0, off);
          return;
      }
    }
    default:
      return;
  }
}

function allocFor(c: Compiled): Buffer {
  if (c.size > 0x7fffffff) throw new StructError(`struct size ${c.size} is too large to allocate`);
  return Buffer.alloc(c.size);
}

function unpackAt(c: Compiled, b: Buffer, base: number): StructValue[] {
  const res: StructValue[] = [];
  const le = c.littleEndian;
  for (const it of c.compiled) {
    const spec = it.spec;
    let off = base + it.offset;
    switch (spec.kind) {
      case 'pad':
        continue;
      case 'bytes':
        res.push(Buffer.from(b.subarray(off, off + it.count)));
        continue;
      case 'pascal': {
        if (it.count === 0) {
          res.push(Buffer.alloc(0));
          continue;
        }
        let n = b[off];
        if (n >= it.count) n = it.count - 1;
        res.push(Buffer.from(b.subarray(off + 1, off + 1 + n)));
        continue;
      }
      default:
    }
    for (let r = 0; r < it.count; r++, off += spec.size) {
      switch (spec.kind) {
        case 'char':
          res.push(Buffer.from([b[off]]));
          break;
        case 'bool':
          res.push(b[off] !== 0);
          break;
        case 'float':
          if (spec.size === 8) res.push(le ? b.readDoubleLE(off) : b.readDoubleBE(off));
          else if (spec.size === 4) res.push(le ? b.readFloatLE(off) : b.readFloatBE(off));
          else res.push(unpackHalf(le ? b.readUInt16LE(off) : b.readUInt16BE(off)));
          break;
        case 'int':
          res.push(readInt(b, off, spec.size, spec.signed === true, le));
          break;
        default:
      }
    }
  }
  return res;
}

function readInt(b: Buffer, off: number, size: number, signed: boolean, le: boolean): number | bigint {
  switch (size) {
    case 1:
      return signed ? b.readInt8(off) : b[off];
    case 2:
      return signed ? (le ? b.readInt16LE(off) : b.readInt16BE(off)) : le ? b.readUInt16LE(off) : b.readUInt16BE(off);
    case 4:
      return signed ? (le ? b.readInt32LE(off) : b.readInt32BE(off)) : le ? b.readUInt32LE(off) : b.readUInt32BE(off);
    default:
      return signed
        ? le ? b.readBigInt64LE(off) : b.readBigInt64BE(off)
        : le ? b.readBigUInt64LE(off) : b.readBigUInt64BE(off);
  }
}

function doUnpackFrom(c: Compiled, buf: Uint8Array, offset: number): StructValue[] {
  const len = buf.length;
  if (!Number.isInteger(offset)) throw new StructError('offset must be an integer');
  if (offset < 0) {
    if (offset + len < 0) throw new StructError(`offset ${offset} out of range for ${len}-byte buffer`);
    if (-offset < c.size) throw new StructError(`not enough data to unpack ${c.size} bytes at offset ${offset}`);
    offset += len;
  } else if (len - offset < c.size) {
    throw new StructError(
      `unpack_from requires a buffer of at least ${c.size + offset} bytes for unpacking ${c.size} bytes at offset ${offset} (actual buffer size is ${len})`,
    );
  }
  return unpackAt(c, toBuffer(buf), offset);
}

/** struct.pack(fmt, *values) */
export function pack(fmt: string, ...values: StructInput[]): Buffer {
  const c = compile(fmt);
  if (values.length !== c.valueCount) {
    throw new StructError(`pack expected ${c.valueCount} items for packing (got ${values.length})`);
  }
  const out = allocFor(c);
  packInto(c, out, values);
  return out;
}

/** struct.unpack(fmt, buffer): the buffer must be exactly calcsize(fmt) bytes. */
export function unpack(fmt: string, buf: Uint8Array): StructValue[] {
  const c = compile(fmt);
  if (!(buf instanceof Uint8Array)) throw new StructError(`a bytes-like object is required, not '${typeName(buf)}'`);
  if (buf.length !== c.size) throw new StructError(`unpack requires a buffer of ${c.size} bytes`);
  return unpackAt(c, toBuffer(buf), 0);
}

/** struct.unpack_from(fmt, buffer, offset=0): reads calcsize(fmt) bytes at offset (negative counts from the end). */
export function unpackFrom(fmt: string, buf: Uint8Array, offset = 0): StructValue[] {
  const c = compile(fmt);
  if (!(buf instanceof Uint8Array)) throw new StructError(`a bytes-like object is required, not '${typeName(buf)}'`);
  return doUnpackFrom(c, buf, offset);
}

/** struct.Struct: a format compiled once. */
export class Struct {
  readonly format: string;
  readonly size: number;
  private readonly c: Compiled;
  constructor(fmt: string) {
    this.c = compile(fmt);
    this.format = fmt;
    this.size = this.c.size;
  }
  pack(...values: StructInput[]): Buffer {
    const out = allocFor(this.c);
    packInto(this.c, out, values);
    return out;
  }
  /** writes into `target` at `offset` (struct.pack_into) */
  packInto(target: Uint8Array, offset: number, ...values: StructInput[]): void {
    if (offset < 0) offset += target.length;
    if (offset < 0 || target.length - offset < this.size) {
      throw new StructError(
        `pack_into requires a buffer of at least ${this.size + offset} bytes for packing ${this.size} bytes at offset ${offset} (actual buffer size is ${target.length})`,
      );
    }
    const out = allocFor(this.c);
    packInto(this.c, out, values);
    target.set(out, offset);
  }
  unpack(buf: Uint8Array): StructValue[] {
    if (buf.length !== this.size) throw new StructError(`unpack requires a buffer of ${this.size} bytes`);
    return unpackAt(this.c, toBuffer(buf), 0);
  }
  unpackFrom(buf: Uint8Array, offset = 0): StructValue[] {
    return doUnpackFrom(this.c, buf, offset);
  }
}
