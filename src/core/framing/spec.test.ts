import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { formatFramingSpec, FramingSpecError, parseFramingSpec, type FramingSpec } from './index';

describe('framing spec grammar', () => {
  it('parses every mode', () => {
    const cases: [string, FramingSpec][] = [
      ['raw', { kind: 'raw' }],
      ['', { kind: 'raw' }],
      ['  line ', { kind: 'line' }],
      ['LINE', { kind: 'line' }],
      ['delimiter:\\r\\n', { kind: 'delimiter', delimiter: Buffer.from('\r\n') }],
      ['delimiter:\\x00', { kind: 'delimiter', delimiter: Buffer.from([0]) }],
      ['delimiter:,', { kind: 'delimiter', delimiter: Buffer.from(',') }],
      ['delimiter:END', { kind: 'delimiter', delimiter: Buffer.from('END') }],
      ['fixed:16', { kind: 'fixed', size: 16 }],
      ['fixed:4K', { kind: 'fixed', size: 4096 }],
      ['length:i', { kind: 'length', format: 'i', includesHeader: false, adjust: 0 }],
      ['length:!I', { kind: 'length', format: '!I', includesHeader: false, adjust: 0 }],
      ['length:<H,includes-header', { kind: 'length', format: '<H', includesHeader: true, adjust: 0 }],
      ['length:>Q, adjust=-2, max=1M', { kind: 'length', format: '>Q', includesHeader: false, adjust: -2, max: 1 << 20 }],
      ['length:B,adjust=+3,max=200', { kind: 'length', format: 'B', includesHeader: false, adjust: 3, max: 200 }],
      ['json-header', { kind: 'json-header', lengthFormat: 'i', sizeKey: 'total_size' }],
      ['json-header,length=!I,size-key=size,max=64KiB', { kind: 'json-header', lengthFormat: '!I', sizeKey: 'size', max: 65536 }],
    ];
    for (const [text, spec] of cases) assert.deepEqual(parseFramingSpec(text), spec, text);
  });

  it('formats canonically and round-trips', () => {
    const cases: [string, string][] = [
      ['raw', 'raw'],
      ['delimiter:\\r\\n', 'delimiter:\\r\\n'],
      ['delimiter:\\x00\\xff\\x20\\\\', 'delimiter:\\x00\\xff\\x20\\\\'],
      ['delimiter:\\u4e2d', 'delimiter:\\xe4\\xb8\\xad'],
      ['length:>Q, adjust=-2, max=1048576', 'length:>Q,adjust=-2,max=1M'],
      ['length:i,include_header', 'length:i,includes-header'],
      ['json-header,length=i,size-key=total_size', 'json-header'],
      ['json-header,max=1000', 'json-header,max=1000'],
    ];
    for (const [text, canonical] of cases) {
      assert.equal(formatFramingSpec(parseFramingSpec(text)), canonical, text);
      assert.equal(formatFramingSpec(text), canonical, text);
      assert.deepEqual(parseFramingSpec(canonical), parseFramingSpec(text), text);
    }
  });

  it('round-trips generated specs', () => {
    const arb: fc.Arbitrary<FramingSpec> = fc.oneof(
      fc.constant<FramingSpec>({ kind: 'raw' }),
      fc.constant<FramingSpec>({ kind: 'line' }),
      fc.uint8Array({ minLength: 1, maxLength: 8 }).map((u): FramingSpec => ({ kind: 'delimiter', delimiter: Buffer.from(u) })),
      fc.integer({ min: 1, max: 1 << 24 }).map((size): FramingSpec => ({ kind: 'fixed', size })),
      fc
        .record({
          format: fc.constantFrom('i', '!I', '<H', '>Q', 'b', '=l', 'xxi', 'q'),
          includesHeader: fc.boolean(),
          adjust: fc.integer({ min: -100, max: 100 }),
          max: fc.option(fc.integer({ min: 1, max: 1 << 30 }), { nil: undefined }),
        })
        .map((r): FramingSpec => {
          const s: FramingSpec = { kind: 'length', format: r.format, includesHeader: r.includesHeader, adjust: r.adjust };
          if (r.max !== undefined) s.max = r.max;
          return s;
        }),
      fc
        .record({
          lengthFormat: fc.constantFrom('i', '!I', '>H'),
          sizeKey: fc.stringMatching(/^[A-Za-z_][\w-]{0,10}$/),
        })
        .map((r): FramingSpec => ({ kind: 'json-header', ...r })),
    );
    fc.assert(
      fc.property(arb, (spec) => {
        const text = formatFramingSpec(spec);
        assert.deepEqual(parseFramingSpec(text), spec, text);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses bad specs with a reason', () => {
    const bad: [string, RegExp][] = [
      ['frames', /unknown framing 'frames'; expected raw \| line/],
      ['raw:1', /'raw' framing takes no arguments/],
      ['line,max=3', /'line' framing takes no arguments/],
      ['delimiter', /needs the delimiter bytes/],
      ['delimiter:', /needs at least one byte/],
      ['delimiter:\\q', /bad delimiter '\\q': unknown escape/],
      ['fixed', /'fixed' framing needs one size/],
      ['fixed:0', /at least 1 byte/],
      ['fixed:abc', /byte count like/],
      ['fixed:-1', /byte count like/],
      ['length', /needs a struct format/],
      ['length:', /needs a struct format/],
      ['length:ii', /'ii' must describe exactly one integer/],
      ['length:d', /'d' must describe exactly one integer/],
      ['length:?', /'\?' must describe exactly one integer/],
      ['length:4s', /'4s' must describe exactly one integer/],
      ['length:z', /'z' is not a valid struct format/],
      ['length:!n', /'!n' is not a valid struct format/],
      ['length:i,adjust=x', /adjust must be an integer/],
      ['length:i,max=0', /at least 1 byte/],
      ['length:i,max=9999G', /above the largest possible buffer/],
      ['length:i,inclusive', /unknown option 'inclusive' for 'length' framing; options: includes-header/],
      ['length:i,max=1,max=2', /option 'max' given twice/],
      ['length:i,,max=1', /empty option/],
      ['json-header:i', /takes options after commas/],
      ['json-header,length=d', /json-header length format 'd' must describe exactly one integer/],
      ['json-header,size-key=', /needs a key name/],
      ['json-header,foo=1', /unknown option 'foo=1' for 'json-header'/],
    ];
    for (const [text, re] of bad) {
      assert.throws(() => parseFramingSpec(text), (e: unknown) => e instanceof FramingSpecError && re.test(e.message), text);
    }
  });
});
