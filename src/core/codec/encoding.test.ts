import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { createStreamDecoder, decodeText, encodeText, EncodingError, isBinaryForm, normalizeEncoding, SUPPORTED_ENCODINGS } from './encoding';
import { InputError } from './binaryInput';
import { pythonJson } from '../test/python';

/** Python codec names for our ids. */
const PY: Record<string, string> = {
  'utf-8': 'utf-8',
  gbk: 'gbk',
  gb18030: 'gb18030',
  big5: 'big5',
  shift_jis: 'shift_jis',
  'euc-kr': 'euc_kr',
  'utf-16le': 'utf-16-le',
  'utf-16be': 'utf-16-be',
  latin1: 'latin-1',
};

/** Text each encoding can represent, with its multi-byte characters. */
const SAMPLES: Record<string, string> = {
  'utf-8': 'héllo 中文 日本語 한국어 😀 €\u0000\u007f\uffff',
  gbk: 'hello 你好，世界！中文编码测试 ·—',
  gb18030: 'hello 你好，世界！𠀀😀 é€ \u0080\uffff',
  big5: 'hello 你好，世界！繁體中文測試',
  shift_jis: 'hello こんにちは、世界！ｶﾀｶﾅ 日本語テスト',
  'euc-kr': 'hello 안녕하세요, 세계! 한국어 테스트',
  'utf-16le': 'hello 中文 😀 \u0000',
  'utf-16be': 'hello 中文 😀 \u0000',
  latin1: 'hello café ÿ\u0000\u0080',
};

/** Decode `buf` in pieces cut at `cuts`, through one stream decoder. */
function streamDecode(enc: string, buf: Buffer, cuts: number[]): string {
  const d = createStreamDecoder(enc);
  const points = [...new Set(cuts.map((c) => Math.min(c, buf.length)))].sort((a, b) => a - b);
  let out = '';
  let prev = 0;
  for (const p of [...points, buf.length]) {
    out += d.write(buf.subarray(prev, p));
    prev = p;
  }
  return out + d.end();
}

describe('encodings', () => {
  describe('names', () => {
    it('lists the supported encodings and display forms', () => {
      assert.deepEqual(
        SUPPORTED_ENCODINGS.map((e) => e.id),
        ['utf-8', 'gbk', 'gb18030', 'big5', 'shift_jis', 'euc-kr', 'utf-16le', 'utf-16be', 'latin1', 'hex', 'base64'],
      );
      assert.ok(SUPPORTED_ENCODINGS.every((e) => e.label.length > 0));
    });

    it('normalizes aliases', () => {
      const cases: [string, string][] = [
        ['UTF-8', 'utf-8'], ['utf8', 'utf-8'], ['Utf_8', 'utf-8'], ['cp936', 'gbk'], ['GB2312', 'gbk'], ['GBK', 'gbk'],
        ['gb18030', 'gb18030'], ['big5-hkscs', 'big5'], ['sjis', 'shift_jis'], ['Shift-JIS', 'shift_jis'], ['cp932', 'shift_jis'],
        ['euc_kr', 'euc-kr'], ['EUCKR', 'euc-kr'], ['cp949', 'euc-kr'], ['utf16le', 'utf-16le'], ['UTF-16-BE', 'utf-16be'],
        ['latin-1', 'latin1'], ['ISO-8859-1', 'latin1'], [' hex ', 'hex'], ['Base64', 'base64'],
      ];
      for (const [name, id] of cases) assert.equal(normalizeEncoding(name), id, name);
      assert.equal(isBinaryForm('HEX'), true);
      assert.equal(isBinaryForm('gbk'), false);
    });

    it('refuses an unknown encoding, naming it and the supported list', () => {
      assert.throws(
        () => normalizeEncoding('klingon'),
        (e: unknown) => e instanceof EncodingError && /unknown encoding 'klingon'; supported: utf-8, gbk, gb18030, big5, shift_jis, euc-kr, utf-16le, utf-16be, latin1, hex, base64/.test(e.message),
      );
      assert.throws(() => decodeText(Buffer.from('a'), 'utf-7'), EncodingError);
      assert.throws(() => createStreamDecoder(''), EncodingError);
    });
  });

  describe('against python3', () => {
    it('encodes and decodes the same bytes as Python for every encoding', () => {
      const cases = Object.entries(SAMPLES).map(([id, text]) => ({ py: PY[id], text }));
      const expected = pythonJson(
        'import json,sys\nprint(json.dumps([c["text"].encode(c["py"]).hex() for c in json.load(sys.stdin)]))',
        cases,
      ) as string[];
      Object.entries(SAMPLES).forEach(([id, text], i) => {
        assert.equal(encodeText(text, id).toString('hex'), expected[i], id);
        assert.equal(decodeText(Buffer.from(expected[i], 'hex'), id), text, id);
      });
    });

    it('every double-byte character Python decodes is decoded as a character (no escapes)', () => {
      // Python lists the valid lead/trail pairs; the scanner tables (derived from iconv-lite) must accept them all.
      // (The characters themselves differ in a few places: iconv-lite follows the Microsoft mappings.)
      const valid = pythonJson(
        String.raw`
import json, sys
out = {}
for enc, py in json.load(sys.stdin):
    ok = []
    for l in range(0x81, 0x100):
        for t in range(0x40, 0x100):
            try:
                bytes([l, t]).decode(py)
                ok.append(l << 8 | t)
            except UnicodeDecodeError:
                pass
    out[enc] = ok
print(json.dumps(out))
`,
        ['gbk', 'gb18030', 'big5', 'shift_jis', 'euc-kr'].map((id) => [id, PY[id]]),
      ) as Record<string, number[]>;
      for (const [enc, pairs] of Object.entries(valid)) {
        assert.ok(pairs.length > 8000, enc);
        const buf = Buffer.alloc(pairs.length * 3);
        pairs.forEach((p, i) => {
          buf[i * 3] = p >> 8;
          buf[i * 3 + 1] = p & 0xff;
          buf[i * 3 + 2] = 0x0a;
        });
        const lines = decodeText(buf, enc).split('\n');
        pairs.forEach((p, i) => {
          const ch = lines[i];
          assert.ok(ch.length > 0 && !ch.includes('\\x') && !ch.includes('\ufffd'), `${enc} ${p.toString(16)} → ${JSON.stringify(ch)}`);
        });
      }
    });

    it("shows invalid bytes like Python's backslashreplace (utf-8, utf-16)", () => {
      // random bytes biased towards the interesting ranges, plus valid text around them
      const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0x80, max: 0xbf }), fc.integer({ min: 0xc0, max: 0xf7 }), fc.integer({ min: 0xd8, max: 0xdf }));
      const samples = fc.sample(fc.array(byte, { maxLength: 24 }), { numRuns: 400, seed: 1 });
      const encs = ['utf-8', 'utf-16le', 'utf-16be'];
      const cases = samples.map((bytes, i) => ({ py: PY[encs[i % 3]], hex: Buffer.from(bytes).toString('hex') }));
      const expected = pythonJson(
        'import json,sys\nprint(json.dumps([bytes.fromhex(c["hex"]).decode(c["py"], "backslashreplace") for c in json.load(sys.stdin)]))',
        cases,
      ) as string[];
      cases.forEach((c, i) => {
        const enc = encs[i % 3];
        const buf = Buffer.from(c.hex, 'hex');
        assert.equal(decodeText(buf, enc), expected[i], `${enc} ${c.hex}`);
        // and the same through a stream decoder cut at every point
        for (let k = 0; k <= buf.length; k++) assert.equal(streamDecode(enc, buf, [k]), expected[i], `${enc} ${c.hex} cut ${k}`);
      });
    });
  });

  describe('split characters', () => {
    for (const [id, text] of Object.entries(SAMPLES)) {
      it(`${id}: a character split across chunks at every point renders right`, () => {
        const buf = encodeText(text, id);
        for (let i = 0; i <= buf.length; i++) {
          assert.equal(streamDecode(id, buf, [i]), text, `cut at ${i}`);
          for (let j = i; j <= Math.min(buf.length, i + 5); j++) assert.equal(streamDecode(id, buf, [i, j]), text, `cuts at ${i},${j}`);
        }
        // byte by byte
        assert.equal(streamDecode(id, buf, Array.from({ length: buf.length }, (_, k) => k)), text);
      });
    }

    it('the stream decoder can be reused after end()', () => {
      const d = createStreamDecoder('gbk');
      assert.equal(d.write(Buffer.from([0xd6])), '');
      assert.equal(d.end(), '\\xd6');
      assert.equal(d.write(Buffer.from([0xd6, 0xd0])), '中');
      assert.equal(d.end(), '');
    });
  });

  describe('invalid bytes', () => {
    const cases: [string, string, string][] = [
      ['utf-8', 'e4b8 41 ff e4b8ad', '\\xe4\\xb8A\\xff中'],
      ['utf-8', 'c0af eda080 f4908080', '\\xc0\\xaf\\xed\\xa0\\x80\\xf4\\x90\\x80\\x80'],
      ['utf-8', 'efbfbd', '\ufffd'],
      ['utf-8', 'f09f98', '\\xf0\\x9f\\x98'],
      ['gbk', '8120 ff d6d0 d6', '\\x81 \\xff中\\xd6'],
      ['gbk', '80', '€'],
      ['gbk', '817f', '\\x81\u007f'],
      ['gb18030', '8431a530 8130 81', '\\x84\\x31\\xa5\\x30\\x810\\x81'],
      ['gb18030', '81308130 9030 8130 e3329a35', '\u0080\u{10000}\u{10ffff}'],
      ['gb18030', '8130ff30', '\\x810\\xff0'],
      ['big5', 'a4a4 ff 80 a4', '中\\xff\\x80\\xa4'],
      ['shift_jis', '82a0 a0 fd 81', 'あ\\xa0\\xfd\\x81'],
      ['euc-kr', 'c7d1 ff c7', '한\\xff\\xc7'],
      ['utf-16le', '00d8 4100 41', '\\x00\\xd8A\\x41'],
      ['utf-16be', 'dc00 0041', '\\xdc\\x00A'],
      ['latin1', '00ff80', '\u0000ÿ\u0080'],
    ];
    for (const [enc, hex, text] of cases) {
      it(`${enc} ${hex} → ${JSON.stringify(text)}`, () => {
        const buf = Buffer.from(hex.replace(/ /g, ''), 'hex');
        assert.equal(decodeText(buf, enc), text);
        for (let k = 0; k <= buf.length; k++) assert.equal(streamDecode(enc, buf, [k]), text, `cut ${k}`);
      });
    }

    it('a non-ASCII byte after a lead byte is shown with it; an ASCII one is kept as text', () => {
      // 0xa1 0x30: not a GBK pair → \xa1 then "0"; 0x81 0xff → both escaped
      assert.equal(decodeText(Buffer.from([0xa1, 0x30, 0x81, 0xff]), 'gbk'), '\\xa10\\x81\\xff');
    });
  });

  describe('any chunking gives the same text (property)', () => {
    const ids = ['utf-8', 'gbk', 'gb18030', 'big5', 'shift_jis', 'euc-kr', 'utf-16le', 'utf-16be', 'latin1', 'hex', 'base64'];
    for (const id of ids) {
      it(id, () => {
        const sample = SAMPLES[id] ?? 'abc';
        const piece = fc.oneof(
          fc.uint8Array({ maxLength: 6 }).map((u) => Buffer.from(u)),
          fc.integer({ min: 0, max: sample.length - 1 }).map((i) => encodeText([...sample].slice(i % [...sample].length, (i % [...sample].length) + 3).join(''), id === 'hex' || id === 'base64' ? 'utf-8' : id)),
        );
        fc.assert(
          fc.property(fc.array(piece, { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 8 }), (pieces, cutSeeds) => {
            const buf = Buffer.concat(pieces);
            const whole = decodeText(buf, id);
            assert.equal(streamDecode(id, buf, cutSeeds.map((c) => c % (buf.length + 1))), whole);
          }),
          { numRuns: 200 },
        );
      });
    }

    it('valid text never shows escapes, whatever the chunking', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.array(fc.nat(), { maxLength: 6 }), (text, cutSeeds) => {
          for (const id of ['utf-8', 'gb18030', 'utf-16le', 'utf-16be']) {
            const buf = encodeText(text, id);
            assert.equal(streamDecode(id, buf, cutSeeds.map((c) => c % (buf.length + 1))), text, id);
          }
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('display forms', () => {
    it('hex and base64', () => {
      const buf = Buffer.from('Hello\x00\xff', 'latin1');
      assert.equal(decodeText(buf, 'hex'), '48 65 6c 6c 6f 00 ff');
      assert.equal(decodeText(buf, 'base64'), buf.toString('base64'));
      assert.equal(streamDecode('hex', buf, [2, 3]), '48 65 6c 6c 6f 00 ff');
      assert.equal(streamDecode('base64', buf, [1, 5]), buf.toString('base64'));
      assert.equal(decodeText(Buffer.alloc(0), 'hex'), '');
      assert.equal(encodeText('48 65', 'hex').toString(), 'He');
      assert.equal(encodeText('SGU=', 'base64').toString(), 'He');
      assert.throws(() => encodeText('4g', 'hex'), InputError);
    });
  });

  describe('encodeText', () => {
    it('refuses characters the encoding cannot represent, naming them', () => {
      assert.throws(
        () => encodeText('ok 한', 'gbk'),
        (e: unknown) => e instanceof EncodingError && e.index === 3 && e.message === "character '한' (U+D55C) at index 3 cannot be encoded in gbk",
      );
      assert.throws(() => encodeText('a😀', 'shift_jis'), (e: unknown) => e instanceof EncodingError && e.index === 1 && /U\+1F600/.test(e.message));
      assert.throws(() => encodeText('中', 'latin1'), (e: unknown) => e instanceof EncodingError && e.index === 0);
      assert.throws(() => encodeText('a\ud800b', 'utf-8'), (e: unknown) => e instanceof EncodingError && e.index === 1 && /lone surrogate U\+D800/.test(e.message));
      assert.throws(() => encodeText('\udc00', 'utf-16le'), EncodingError);
      assert.throws(() => encodeText('\udc00', 'gb18030'), EncodingError);
    });

    it("keeps real '?' characters", () => {
      assert.equal(encodeText('?中?', 'gbk').toString('hex'), '3fd6d03f');
    });

    it('encodes utf-16be', () => {
      assert.equal(encodeText('A中😀', 'utf-16be').toString('hex'), '00414e2dd83dde00');
    });
  });
});
