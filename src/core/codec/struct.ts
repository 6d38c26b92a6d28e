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
 * The format parser and calcsize live in structFormat.ts, value conversion and half floats in structValues.ts;
 * this module packs and unpacks, and re-exports the public API of both. Pure Node, no `vscode`.
 */

import { compile, StructError, type Compiled, type CodeSpec } from './structFormat';
import {
  asBytes, INT_TOO_LARGE, packHalf, toFloat, toInt, checkInt, truthy, typeName, unpackHalf,
} from './structValues';

export { calcsize, parseFormat, StructError } from './structFormat';
export type { ParsedFormat, StructItem, StructPrefix } from './structFormat';

export type StructValue = number | bigint | boolean | Buffer;
/** What pack() accepts: a StructValue, or any Uint8Array for c/s/p. */
export type StructInput = StructValue | Uint8Array;

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
