/**
 * Value conversion for the CPython-exact `struct` (see struct.ts): Python's int/float/bool coercions and range checks
 * with CPython's messages, and half-precision (`e`) packing. Pure Node, no `vscode`.
 */

import { INT64_MAX, INT64_MIN, StructError, UINT64_MAX, type CodeSpec } from './structFormat';

/** CPython's message for an int out of 64-bit range (`>`/`!` q Q, native P) or too big to pack as e/f. */
export const INT_TOO_LARGE = 'int too large to convert';

/** The Python type name CPython would print for a wrongly typed argument. */
export function typeName(v: unknown): string {
  if (v === null) return 'None';
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return 'bytes';
  return typeof v;
}

/** An integer argument as number (safe integers) or bigint; throws like CPython for non-integers. */
export function toInt(v: unknown): number | bigint {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new StructError('required argument is not an integer');
    return Number.isSafeInteger(v) ? v : BigInt(v);
  }
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new StructError('required argument is not an integer');
}

export function checkInt(spec: CodeSpec, x: number | bigint): void {
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

export function toFloat(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new StructError('required argument is not a float');
    return n;
  }
  throw new StructError('required argument is not a float');
}

export function truthy(v: unknown): boolean {
  if (typeof v === 'number') return v !== 0; // NaN is truthy in Python
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) return v.length > 0;
  return Boolean(v);
}

export function asBytes(v: unknown): Uint8Array | undefined {
  return v instanceof Uint8Array ? v : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// half precision (CPython's PyFloat_Pack2 / PyFloat_Unpack2)

const HALF_OVERFLOW = 'float too large to pack with e format';

export function packHalf(x: number): number {
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

export function unpackHalf(h: number): number {
  const sign = h >> 15 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0x1f) return f === 0 ? sign * Infinity : NaN;
  if (e === 0) return sign * f * Math.pow(2, -24);
  return sign * (1 + f / 1024) * Math.pow(2, e - 15);
}
