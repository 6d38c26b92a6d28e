/**
 * The format-string half of the CPython-exact `struct` (see struct.ts): parses and caches a format — prefix, codes,
 * repeat counts, native alignment, calcsize, CPython's format errors — and defines StructError. Pure Node, no `vscode`.
 */

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

export type IntCheck = 'GL' | 'GUL' | 'BA' | 'BAU' | 'PV';
/** How one format code packs and unpacks under a given prefix. */
export interface CodeSpec {
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

export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;
export const UINT64_MAX = (1n << 64n) - 1n;

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

export interface CompiledItem extends StructItem {
  spec: CodeSpec;
}

/** A parsed format plus each item's CodeSpec, for pack/unpack. */
export interface Compiled extends ParsedFormat {
  compiled: CompiledItem[];
}

const cache = new Map<string, Compiled>();
const CACHE_LIMIT = 512;

/** Parses (or returns the cached parse of) a format; throws StructError like CPython. */
export function compile(fmt: string): Compiled {
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
