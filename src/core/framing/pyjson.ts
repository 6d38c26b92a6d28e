/**
 * `json.dumps(obj)` exactly as CPython writes it with default arguments: `", "` and `": "` separators,
 * `ensure_ascii=True` (everything outside space..~ as `\uXXXX`, lowercase hex, surrogate pairs for astral
 * characters), floats as `repr(float)` (`1e-05`, `1e+16`, `NaN`, `Infinity`), integers as digits.
 *
 * A JS number that is an integer below 1e21 is written as a Python int (`5`, not `5.0`): the JSON headers our
 * users' Python peers build carry ints (`{'total_size': len(data)}`); other numbers as Python floats (`repr`).
 */

const ESC: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

function pyString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const c = s.charCodeAt(i);
    const e = ESC[ch];
    if (e !== undefined) out += e;
    else if (c >= 0x20 && c <= 0x7e) out += ch;
    else out += '\\u' + c.toString(16).padStart(4, '0');
  }
  return out + '"';
}

/** Python's repr() of a float given as a JS number. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // shortest round-trip digits, e.g. "1.2345e-7"
  const [mant, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const sign = neg ? '-' : '';
  if (exp >= -5 && exp < 16) {
    // fixed notation (Python switches to exponent form below 1e-4 and from 1e16)
    if (exp < -4) return expForm();
    let intPart: string;
    let frac: string;
    if (exp >= 0) {
      const padded = digits.padEnd(exp + 1, '0');
      intPart = padded.slice(0, exp + 1);
      frac = padded.slice(exp + 1);
    } else {
      intPart = '0';
      frac = '0'.repeat(-exp - 1) + digits;
    }
    return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
  }
  return expForm();

  function expForm(): string {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const es = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${es}`;
  }
}

function pyNumber(x: number): string {
  // integers print as JSON.stringify prints them (digits below 1e21), i.e. as Python would after json.loads of that text
  if (Number.isInteger(x) && Math.abs(x) < 1e21) return String(x);
  return pyFloatRepr(x);
}

/** Serialize like Python's json.dumps(value). Throws TypeError for values JSON cannot hold. */
export function pythonJsonDumps(value: unknown, path = '$'): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return pyNumber(value);
    case 'bigint':
      return value.toString();
    case 'string':
      return pyString(value);
    case 'object': {
      if (Array.isArray(value)) {
        return '[' + value.map((v, i) => (v === undefined ? 'null' : pythonJsonDumps(v, `${path}[${i}]`))).join(', ') + ']';
      }
      if (value instanceof Uint8Array) throw new TypeError(`${path}: bytes are not JSON serializable`);
      const parts: string[] = [];
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined) continue;
        parts.push(`${pyString(k)}: ${pythonJsonDumps(v, `${path}.${k}`)}`);
      }
      return '{' + parts.join(', ') + '}';
    }
    default:
      throw new TypeError(`${path}: a ${typeof value} is not JSON serializable`);
  }
}
