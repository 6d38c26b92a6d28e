import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  calcsize, pack, parseFormat, Struct, StructError, StructValue, unpack, unpackFrom,
} from './struct';

/** The repo root: the nearest directory above this file holding package.json (works from src/ and out/src/). */
function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'src', 'core'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('repo root not found above ' + __dirname);
    dir = up;
  }
}

type Tagged = ['int', string] | ['float', string] | ['bool', boolean] | ['bytes', string];
interface VectorCase {
  op: 'calcsize' | 'pack' | 'unpack' | 'unpack_from';
  fmt: string;
  args?: Tagged[];
  hex?: string;
  values?: Tagged[];
  offset?: number;
  size?: number;
  error?: string;
  etype?: string;
}
interface Vectors {
  python: string;
  seed: number;
  cases: VectorCase[];
}

function loadVectors(): Vectors {
  const script = path.join(repoRoot(), 'src', 'core', 'codec', 'struct_vectors.py');
  const out = execFileSync('python3', [script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  return JSON.parse(out) as Vectors;
}

function parseFloatTag(s: string): number {
  if (s === 'nan') return NaN;
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  return Number(s);
}

/** A tagged Python value as an argument; small ints alternate between number and bigint to exercise both. */
function toArg(t: Tagged, i: number): StructValue {
  switch (t[0]) {
    case 'int': {
      const big = BigInt(t[1]);
      const n = Number(big);
      return Number.isSafeInteger(n) && i % 2 === 0 ? n : big;
    }
    case 'float':
      return parseFloatTag(t[1]);
    case 'bool':
      return t[1];
    case 'bytes':
      return Buffer.from(t[1], 'hex');
  }
}

/** The expected JS value of an unpacked Python value for format code `code` (8-byte integers as bigint). */
function expectedValue(t: Tagged, intSize: number): StructValue {
  switch (t[0]) {
    case 'int':
      return intSize === 8 ? BigInt(t[1]) : Number(t[1]);
    case 'float':
      return parseFloatTag(t[1]);
    case 'bool':
      return t[1];
    case 'bytes':
      return Buffer.from(t[1], 'hex');
  }
}

/** The byte size of each integer value unpack(fmt) yields, in order (0 for non-integers). */
function valueIntSizes(fmt: string): number[] {
  const sizes: number[] = [];
  for (const it of parseFormat(fmt).items) {
    if (it.code === 'x') continue;
    if (it.code === 's' || it.code === 'p') {
      sizes.push(0);
      continue;
    }
    const isInt = 'bBhHiIlLqQnNP'.includes(it.code);
    for (let r = 0; r < it.count; r++) sizes.push(isInt ? it.size : 0);
  }
  return sizes;
}

function sameValues(actual: StructValue[], expected: StructValue[], label: string): void {
  assert.equal(actual.length, expected.length, `${label}: value count`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (typeof e === 'number' && Number.isNaN(e)) {
      assert.ok(typeof a === 'number' && Number.isNaN(a), `${label}[${i}]: expected NaN, got ${String(a)}`);
    } else if (typeof e === 'number') {
      assert.ok(Object.is(a, e), `${label}[${i}]: expected ${String(e)} (${typeof e}), got ${String(a)} (${typeof a})`);
    } else {
      assert.deepEqual(a, e, `${label}[${i}]`);
    }
  }
}

function call(c: VectorCase): unknown {
  switch (c.op) {
    case 'calcsize':
      return calcsize(c.fmt);
    case 'pack':
      return pack(c.fmt, ...(c.args ?? []).map(toArg));
    case 'unpack':
      return unpack(c.fmt, Buffer.from(c.hex ?? '', 'hex'));
    case 'unpack_from':
      return unpackFrom(c.fmt, Buffer.from(c.hex ?? '', 'hex'), c.offset ?? 0);
  }
}

describe('core/codec/struct', () => {
  describe('against python3 struct (generated vectors)', function () {
    this.timeout(120_000);
    let vectors: Vectors;
    before(() => {
      vectors = loadVectors();
    });

    it('has hundreds of cases of every kind', () => {
      assert.ok(vectors.cases.length > 1000, `only ${vectors.cases.length} cases`);
      for (const op of ['calcsize', 'pack', 'unpack', 'unpack_from']) {
        assert.ok(vectors.cases.some((c) => c.op === op && c.error === undefined), `no ${op} case`);
        assert.ok(vectors.cases.some((c) => c.op === op && c.error !== undefined), `no ${op} error case`);
      }
    });

    it('matches every case (values, bytes, sizes, and errors)', () => {
      // CPython's messages changed in 3.12; match them exactly on the version they were written against.
      const exactMessages = vectors.python.startsWith('3.11.');
      const failures: string[] = [];
      for (const [n, c] of vectors.cases.entries()) {
        const label = `#${n} ${c.op}(${JSON.stringify(c.fmt)}${c.args ? ', ' + JSON.stringify(c.args) : ''}${c.hex !== undefined ? ', ' + c.hex : ''}${c.offset !== undefined ? ', ' + c.offset : ''})`;
        try {
          if (c.error !== undefined) {
            assert.throws(() => call(c), (err: unknown) => {
              assert.ok(err instanceof StructError, `${label}: expected StructError, got ${String(err)}`);
              if (exactMessages) assert.equal(err.message, c.error, `${label}: message`);
              return true;
            }, `${label}: expected error ${JSON.stringify(c.error)}`);
            continue;
          }
          const result = call(c);
          switch (c.op) {
            case 'calcsize':
              assert.equal(result, c.size, label);
              break;
            case 'pack': {
              assert.ok(Buffer.isBuffer(result));
              assert.equal(result.toString('hex'), c.hex, label);
              const sizes = valueIntSizes(c.fmt);
              const expected = (c.values ?? []).map((t, i) => expectedValue(t, sizes[i]));
              sameValues(unpack(c.fmt, result), expected, label + ' round trip');
              break;
            }
            default: {
              const sizes = valueIntSizes(c.fmt);
              const expected = (c.values ?? []).map((t, i) => expectedValue(t, sizes[i]));
              sameValues(result as StructValue[], expected, label);
            }
          }
        } catch (err) {
          failures.push(err instanceof Error ? err.message : String(err));
        }
      }
      assert.equal(failures.length, 0, `${failures.length} of ${vectors.cases.length} cases differ from python3 ${vectors.python}:\n` + failures.slice(0, 25).join('\n'));
    });
  });

  describe('API details', () => {
    it("packs the seed's length prefix struct.pack('i', n)", () => {
      assert.equal(pack('i', 5).toString('hex'), '05000000');
      assert.deepEqual(unpack('i', Buffer.from('05000000', 'hex')), [5]);
      assert.equal(calcsize('i'), 4);
    });

    it('unpacks 8-byte integers as bigint and the rest as number', () => {
      const buf = pack('<qQhI', -2n, 3, -1, 7);
      assert.deepEqual(unpack('<qQhI', buf), [-2n, 3n, -1, 7]);
      assert.deepEqual(unpack('lLnNP', pack('lLnNP', 1, 2, 3, 4, 5)), [1n, 2n, 3n, 4n, 5n]);
      assert.deepEqual(unpack('<lL', pack('<lL', 1, 2)), [1, 2]);
    });

    it('accepts Uint8Array and subarrays for bytes values and buffers', () => {
      const u = new Uint8Array([0, 9, 1, 2]);
      assert.equal(pack('3s', u.subarray(1)).toString('hex'), '090102');
      assert.deepEqual(unpack('>H', u.subarray(2)), [0x0102]);
      assert.deepEqual(unpackFrom('>H', u, 1), [0x0901]);
      assert.deepEqual(unpackFrom('>H', u, -2), [0x0102]);
    });

    it('Struct compiles once and packs into a buffer', () => {
      const s = new Struct('!HH');
      assert.equal(s.size, 4);
      const target = Buffer.alloc(6);
      s.packInto(target, 1, 0x0102, 0x0304);
      assert.equal(target.toString('hex'), '000102030400');
      assert.deepEqual(s.unpackFrom(target, 1), [0x0102, 0x0304]);
      assert.throws(() => s.packInto(target, 3, 1, 2), StructError);
    });

    it('reports the parsed layout', () => {
      const p = parseFormat('ci');
      assert.equal(p.prefix, '@');
      assert.equal(p.size, 8);
      assert.deepEqual(p.items.map((i) => [i.code, i.offset]), [['c', 0], ['i', 4]]);
      assert.equal(parseFormat('<ci').size, 5);
    });

    it('rejects non-bytes for c/s/p and non-numbers for integers with struct errors', () => {
      assert.throws(() => pack('i', Buffer.from('a')), /required argument is not an integer/);
      assert.throws(() => pack('s', 5), /argument for 's' must be a bytes object/);
      assert.throws(() => pack('i', NaN), /required argument is not an integer/);
      assert.throws(() => pack('i', 2 ** 31), /'i' format requires -2147483648 <= number <= 2147483647/);
      assert.throws(() => unpack('i', Buffer.alloc(3)), /unpack requires a buffer of 4 bytes/);
    });
  });
});
