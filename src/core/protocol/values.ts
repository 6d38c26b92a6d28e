/**
 * Values in protocol files: durations (50ms, 2s), field values as they appear in YAML, conditions
 * (`gt`, `lt`, `eq`, … on fields and variables) and JSON containment for expectations.
 */
import type { StructValue } from '../codec/struct';
import type { YamlPath, YamlSource } from './yaml';

/** A decoded field: numbers stay numbers; 8-byte integers beyond 2^53 are bigint; bytes fields are Buffers. */
export type FieldValue = StructValue | string;

/** Milliseconds from 50, '50ms', '2s', '1.5s', '1m'. The schema has already checked the form. */
export function parseDuration(v: unknown): number {
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(String(v));
  if (!m) return NaN;
  const n = Number(m[1]);
  return Math.round(m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n);
}

/** A field value as text: bytes fields as UTF-8 without trailing NULs (like a C string), the rest as Python prints them. */
export function fieldText(v: FieldValue): string {
  if (Buffer.isBuffer(v)) return v.toString('utf8').replace(/\0+$/, '');
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

/** A field value for JSON output (bigint as a number when exact, else a string; bytes as text). */
export function fieldJson(v: FieldValue): string | number | boolean {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Buffer.isBuffer(v)) return fieldText(v);
  return v;
}

function asNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (Buffer.isBuffer(v)) return Number(fieldText(v));
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}

function same(actual: unknown, expected: unknown): boolean {
  if (typeof expected === 'number' || typeof expected === 'boolean') return asNumber(actual) === asNumber(expected);
  const a = Buffer.isBuffer(actual) ? fieldText(actual) : typeof actual === 'boolean' ? (actual ? 'true' : 'false') : String(actual);
  return a === String(expected);
}

export type Predicate = (value: unknown) => boolean;

/** Compiles one condition (a scalar means eq) at `path`; a bad regex is an error with its position. */
export function compileCondition(src: YamlSource, path: YamlPath, cond: unknown): Predicate {
  if (typeof cond !== 'object' || cond === null) return (v) => same(v, cond);
  const tests: Predicate[] = [];
  for (const [op, x] of Object.entries(cond as Record<string, unknown>)) {
    switch (op) {
      case 'eq':
        tests.push((v) => same(v, x));
        break;
      case 'ne':
        tests.push((v) => !same(v, x));
        break;
      case 'gt':
        tests.push((v) => asNumber(v) > Number(x));
        break;
      case 'ge':
        tests.push((v) => asNumber(v) >= Number(x));
        break;
      case 'lt':
        tests.push((v) => asNumber(v) < Number(x));
        break;
      case 'le':
        tests.push((v) => asNumber(v) <= Number(x));
        break;
      case 'in': {
        const list = x as unknown[];
        tests.push((v) => list.some((e) => same(v, e)));
        break;
      }
      case 'regex': {
        const re = compileRegex(src, [...path, 'regex'], String(x), '');
        tests.push((v) => re.test(Buffer.isBuffer(v) ? fieldText(v) : String(v)));
        break;
      }
    }
  }
  return (v) => tests.every((t) => t(v));
}

/** Compiles a `where:` map into a test over named values; `known` lists the names allowed (error otherwise). */
export function compileWhere(src: YamlSource, path: YamlPath, where: Record<string, unknown> | undefined, known: readonly string[], what: string): (values: Record<string, unknown>) => boolean {
  if (!where) return () => true;
  const tests: Array<[string, Predicate]> = [];
  for (const [name, cond] of Object.entries(where)) {
    if (!known.includes(name)) {
      throw src.error('EPROTO_FIELD', [...path, name], `'${name}' is not a ${what}${known.length ? ` (known: ${known.join(', ')})` : ''}`, true);
    }
    tests.push([name, compileCondition(src, [...path, name], cond)]);
  }
  return (values) => tests.every(([n, t]) => t(values[n]));
}

export function compileRegex(src: YamlSource, path: YamlPath, pattern: string, flags: string): RegExp {
  try {
    return new RegExp(pattern, flags);
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : String(err);
    throw src.error('EPROTO_REGEX', path, `bad regex: ${why}`);
  }
}

/** `actual` contains `expected`: objects by their keys (recursively), arrays element-wise, scalars equal. */
export function jsonContains(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== 'object') return actual === expected;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => jsonContains(actual[i], e));
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
  const a = actual as Record<string, unknown>;
  return Object.entries(expected as Record<string, unknown>).every(([k, v]) => Object.hasOwn(a, k) && jsonContains(a[k], v));
}
