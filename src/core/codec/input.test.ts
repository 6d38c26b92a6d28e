import * as assert from 'node:assert/strict';
import { pythonJson } from '../test/python';
import * as fc from 'fast-check';
import { InputError, parseBase64, parseHex } from './binaryInput';
import { parseEscapes } from './input';

const inputError = (position: number, re: RegExp) => (e: unknown) =>
  e instanceof InputError && e.position === position && re.test(e.message);

describe('input parsing', () => {
  describe('parseHex', () => {
    it('accepts the usual ways of writing hex', () => {
      const forms = ['48 65 6c', '0x48,0x65,0x6c', '48656c', '48:65:6c', '48\n65\r\n6C', '0x48 0X65 0x6c', '\\x48\\x65\\x6c', '48-65-6c', '0x48656c', '  48, 65; 6c  '];
      for (const f of forms) assert.equal(parseHex(f).toString('hex'), '48656c', f);
      assert.equal(parseHex('').length, 0);
      assert.equal(parseHex(' \n ').length, 0);
      assert.equal(parseHex('DEADbeef').toString('hex'), 'deadbeef');
    });

    it('names the offending position', () => {
      assert.throws(() => parseHex('48 6g'), inputError(4, /^invalid hex digit 'g' at position 4$/));
      assert.throws(() => parseHex('486'), inputError(0, /^odd number of hex digits \(3\)$/));
      assert.throws(() => parseHex('48 5 6c'), inputError(3, /^odd number of hex digits in '5' at position 3$/));
      assert.throws(() => parseHex('0x'), inputError(0, /has no hex digits/));
      assert.throws(() => parseHex('48 0x,65'), inputError(3, /'0x' at position 3 has no hex digits/));
      assert.throws(() => parseHex('48\\65'), inputError(2, /invalid hex digit '\\' at position 2/));
      assert.throws(() => parseHex('48 中'), inputError(3, /invalid hex digit '中' at position 3/));
      assert.throws(() => parseHex('48\u000065'), inputError(2, /invalid hex digit U\+0000 at position 2/));
    });

    it('round-trips any bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom('', ' ', ',', ':', '\n'), (u, sep) => {
          const text = [...u].map((b) => b.toString(16).padStart(2, '0')).join(sep);
          assert.deepEqual(parseHex(text), Buffer.from(u));
        }),
      );
    });
  });

  describe('parseEscapes', () => {
    it('handles the escapes', () => {
      const cases: [string, string][] = [
        ['hello\\r\\n', '68656c6c6f0d0a'],
        ['a\\tb\\\\c', '6109625c63'],
        ['\\x00\\xff\\xAb', '00ffab'],
        ['\\0', '00'],
        ['\\012\\101\\7', '0a4107'],
        ['\\0a', '0061'],
        ['\\u4e2d', 'e4b8ad'],
        ['\\U0001F600', 'f09f9880'],
        ['\\ud83d\\ude00', 'f09f9880'],
        ["\\'\\\"\\a\\b\\f\\v\\e", '272207080c0b1b'],
        ['中文', 'e4b8ade69687'],
        ['', ''],
      ];
      for (const [s, hex] of cases) assert.equal(parseEscapes(s).toString('hex'), hex, s);
    });

    it('encodes text and \\u characters with the given encoding; \\x stays a raw byte', () => {
      assert.equal(parseEscapes('中\\u6587\\xff', 'gbk').toString('hex'), 'd6d0cec4ff');
      assert.equal(parseEscapes('A\\n\\x00', 'utf-16le').toString('hex'), '41000a0000');
      assert.equal(parseEscapes('a\\u00e9', 'latin1').toString('hex'), '61e9');
    });

    it('names the offending position', () => {
      assert.throws(() => parseEscapes('abc\\'), inputError(3, /^dangling backslash at position 3/));
      assert.throws(() => parseEscapes('a\\qb'), inputError(1, /^unknown escape '\\q' at position 1/));
      assert.throws(() => parseEscapes('ab\\x4'), inputError(2, /'\\x' at position 2 needs two hex digits, got '\\x4'/));
      assert.throws(() => parseEscapes('\\u12'), inputError(0, /needs 4 hex digits/));
      assert.throws(() => parseEscapes('x\\U00110000'), inputError(1, /beyond U\+10FFFF/));
      assert.throws(() => parseEscapes('x\\ud800y'), inputError(1, /lone surrogate/));
      assert.throws(() => parseEscapes('\\400'), inputError(0, /above \\377/));
      assert.throws(() => parseEscapes('ok 한', 'gbk'), inputError(3, /^character '한' \(U\+D55C\) at position 3 cannot be encoded in gbk$/));
      assert.throws(() => parseEscapes('ab\\u00e9\\u4e2d', 'latin1'), inputError(8, /U\+4E2D\) at position 8 cannot be encoded in latin1/));
      assert.throws(() => parseEscapes('x', 'nope'), /unknown encoding 'nope'/);
    });

    it("matches Python's bytes literals for ASCII text with escapes", () => {
      const piece = fc.oneof(
        fc.stringMatching(/^[ -[\]-~]{0,4}$/),
        fc.constantFrom('\\n', '\\r', '\\t', '\\\\', "\\'", '\\"', '\\a', '\\b', '\\f', '\\v', '\\0', '\\7'),
        fc.integer({ min: 0, max: 255 }).map((b) => '\\x' + b.toString(16).padStart(2, '0')),
        fc.integer({ min: 0, max: 255 }).map((b) => '\\' + b.toString(8)),
      );
      const samples = fc.sample(fc.array(piece, { maxLength: 8 }).map((p) => p.join('')), { numRuns: 200, seed: 3 });
      const expected = pythonJson(
        'import ast,json,sys\nprint(json.dumps([ast.literal_eval("b\'\'\'" + s + " \'\'\'")[:-1].hex() for s in json.load(sys.stdin)]))',
        samples,
      ) as string[];
      samples.forEach((s, i) => assert.equal(parseEscapes(s).toString('hex'), expected[i], s));
    });
  });

  describe('parseBase64', () => {
    it('decodes standard and URL-safe base64, with or without padding', () => {
      assert.equal(parseBase64('SGVsbG8=').toString(), 'Hello');
      assert.equal(parseBase64('SGVsbG8').toString(), 'Hello');
      assert.equal(parseBase64(' SGVs\nbG8= ').toString(), 'Hello');
      assert.equal(parseBase64('-_8=').toString('hex'), 'fbff');
      assert.equal(parseBase64('+/8=').toString('hex'), 'fbff');
      assert.equal(parseBase64('').length, 0);
    });

    it('names the offending position', () => {
      assert.throws(() => parseBase64('SGV!bG8='), inputError(3, /^invalid base64 character '!' at position 3$/));
      assert.throws(() => parseBase64('SGVsb'), inputError(5, /truncated base64/));
      assert.throws(() => parseBase64('SG=Vs'), inputError(3, /data after '=' padding at position 3/));
      assert.throws(() => parseBase64('SGVsbG8=='), inputError(7, /wrong base64 padding at position 7/));
    });

    it('round-trips any bytes', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (u) => assert.deepEqual(parseBase64(Buffer.from(u).toString('base64')), Buffer.from(u))));
    });
  });
});
