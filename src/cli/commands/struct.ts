/**
 * `sockdbg struct pack [--] FMT VALUE...` and `sockdbg struct unpack [--] FMT HEX`: Python's struct
 * module on the command line. Values are typed by the format code they land on.
 */
import { calcsize, pack, unpack, StructError, type StructValue } from '../../core/codec/struct';
import { parseHexArg } from '../args';
import { UsageError, EXIT_OK } from '../errors';
import type { CommandContext } from '../context';
import { dispatchSubcommand, parseOrHelp } from '../dispatch';

const INTEGER_CODES = 'bBhHiIlLqQnNP';
const FLOAT_CODES = 'efd';

/** The format code each value of a pack/unpack corresponds to, in order (x pads take none). */
export function valueCodes(fmt: string): string[] {
  const codes: string[] = [];
  let i = 0;
  if (i < fmt.length && '@=<>!'.includes(fmt[i])) i++;
  while (i < fmt.length) {
    const ch = fmt[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    let digits = '';
    while (i < fmt.length && fmt[i] >= '0' && fmt[i] <= '9') digits += fmt[i++];
    const code = fmt[i++];
    if (code === undefined) break;
    const count = digits === '' ? 1 : Number(digits);
    if (code === 'x') continue;
    if (code === 's' || code === 'p') codes.push(code);
    else for (let k = 0; k < count; k++) codes.push(code);
  }
  return codes;
}

function bytesValue(text: string): Buffer {
  if (text.toLowerCase().startsWith('hex:')) return parseHexArg(text.slice(4), 'struct pack', `value`);
  return Buffer.from(text, 'utf8');
}

/** Converts one command-line word to the value `struct.pack` expects for `code`. */
export function convertValue(code: string, text: string): StructValue {
  if (INTEGER_CODES.includes(code)) {
    const t = text.trim().replace(/_/g, '');
    if (!/^[+-]?(\d+|0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+)$/.test(t)) {
      throw new UsageError(`value '${text}' for '${code}' is not an integer`, 'struct pack');
    }
    const neg = t.startsWith('-');
    const body = t.replace(/^[+-]/, '');
    const big = BigInt(body);
    const v = neg ? -big : big;
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  if (FLOAT_CODES.includes(code)) {
    const t = text.trim().toLowerCase();
    const special: Record<string, number> = { nan: NaN, '+nan': NaN, '-nan': NaN, inf: Infinity, '+inf': Infinity, infinity: Infinity, '+infinity': Infinity, '-inf': -Infinity, '-infinity': -Infinity };
    if (t in special) return special[t];
    const n = Number(t);
    if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t) || !Number.isFinite(n)) {
      throw new UsageError(`value '${text}' for '${code}' is not a number`, 'struct pack');
    }
    return n;
  }
  if (code === '?') {
    const t = text.trim().toLowerCase();
    if (t === 'true' || t === '1') return true;
    if (t === 'false' || t === '0') return false;
    throw new UsageError(`value '${text}' for '?' must be true, false, 1 or 0`, 'struct pack');
  }
  // c, s, p: text (UTF-8) or hex:…
  return bytesValue(text);
}

/** Formats unpacked values as a JSON array: bigints as plain numbers, bytes as "hex:…", NaN/±Infinity as strings. */
export function formatValues(values: StructValue[], codes: string[]): string {
  const parts = values.map((v, i) => {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return '"NaN"';
      if (!Number.isFinite(v)) return v > 0 ? '"Infinity"' : '"-Infinity"';
      if (Object.is(v, -0)) return FLOAT_CODES.includes(codes[i] ?? '') ? '-0.0' : '0';
      const s = String(v);
      if (FLOAT_CODES.includes(codes[i] ?? '') && /^-?\d+$/.test(s)) return `${s}.0`;
      return s;
    }
    return JSON.stringify(`hex:${Buffer.from(v).toString('hex')}`);
  });
  return `[${parts.join(', ')}]`;
}

function structFailure(err: unknown, command: string): never {
  if (err instanceof StructError) throw new UsageError(`struct.error: ${err.message}`, command);
  throw err;
}

export function runStruct(argv: string[], ctx: CommandContext): Promise<number> {
  return dispatchSubcommand('struct', argv, ctx, { pack: structPack, unpack: structUnpack });
}

function structPack(argv: string[], ctx: CommandContext): number {
  const args = parseOrHelp('struct pack', argv, {}, ctx);
  if (!args) return EXIT_OK;
  const [fmt, ...words] = args.positionals;
  if (fmt === undefined) throw new UsageError('missing FMT', 'struct pack');
  try {
    calcsize(fmt);
  } catch (err) {
    structFailure(err, 'struct pack');
  }
  const codes = valueCodes(fmt);
  if (codes.length !== words.length) {
    throw new UsageError(`struct.error: pack expected ${codes.length} items for packing (got ${words.length})`, 'struct pack');
  }
  const values = words.map((w, i) => convertValue(codes[i], w));
  let packed: Buffer;
  try {
    packed = pack(fmt, ...values);
  } catch (err) {
    structFailure(err, 'struct pack');
  }
  ctx.stdout.write(packed.toString('hex') + '\n');
  return EXIT_OK;
}

function structUnpack(argv: string[], ctx: CommandContext): number {
  const args = parseOrHelp('struct unpack', argv, {}, ctx);
  if (!args) return EXIT_OK;
  const [fmt, ...hexWords] = args.positionals;
  if (fmt === undefined) throw new UsageError('missing FMT', 'struct unpack');
  if (hexWords.length === 0) throw new UsageError('missing HEX', 'struct unpack');
  // "05 00 00 00" may arrive as one word or several
  const data = parseHexArg(hexWords.join(' '), 'struct unpack', 'HEX');
  let values: StructValue[];
  try {
    values = unpack(fmt, data);
  } catch (err) {
    structFailure(err, 'struct unpack');
  }
  ctx.stdout.write(formatValues(values, valueCodes(fmt)) + '\n');
  return EXIT_OK;
}
