import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { createFrameDecoder, encodeFrame, FramingError, FramingSpecError, type DecodedFrame } from './index';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Feed `stream` cut at `cuts` (sorted, deduplicated inside) and collect frames and the error, if any. */
function decodeChunked(spec: string, stream: Buffer, cuts: number[], opts?: { maxFrameSize?: number }) {
  const d = createFrameDecoder(spec, opts);
  const points = [...new Set(cuts.map((c) => Math.min(Math.max(c, 0), stream.length)))].sort((x, y) => x - y);
  const frames: DecodedFrame[] = [];
  let error: FramingError | undefined;
  let prev = 0;
  for (const p of [...points, stream.length]) {
    const chunk = stream.subarray(prev, p);
    prev = p;
    if (error) {
      assert.deepEqual(d.push(chunk), [], 'a failed decoder returns []');
      continue;
    }
    try {
      frames.push(...d.push(chunk));
    } catch (e) {
      assert.ok(e instanceof FramingError, String(e));
      frames.push(...e.frames);
      error = e;
      assert.equal(d.failed, true);
      assert.equal(d.error, e);
    }
  }
  return { frames, error, decoder: d };
}

const plain = (fs: DecodedFrame[]) => fs.map((f) => ({ payload: f.payload.toString('hex'), start: f.start, end: f.end, header: f.header }));

describe('framing decoders', () => {
  describe('raw', () => {
    it('returns each chunk as a frame with stream offsets', () => {
      const d = createFrameDecoder('raw');
      assert.deepEqual(plain(d.push(b('abc'))), [{ payload: '616263', start: 0, end: 3, header: undefined }]);
      assert.deepEqual(d.push(Buffer.alloc(0)), []);
      assert.deepEqual(plain(d.push(b('de'))), [{ payload: '6465', start: 3, end: 5, header: undefined }]);
      assert.equal(d.buffered, 0);
      assert.equal(d.flush().length, 0);
    });
  });

  describe('line', () => {
    it('splits on \\n and drops a trailing \\r', () => {
      const d = createFrameDecoder('line');
      const f = d.push(b('one\r\ntwo\nthr'));
      assert.deepEqual(f.map((x) => x.payload.toString()), ['one', 'two']);
      assert.deepEqual(f.map((x) => [x.start, x.end]), [[0, 5], [5, 9]]);
      assert.equal(d.buffered, 3);
      const g = d.push(b('ee\r'));
      assert.deepEqual(g, []);
      const h = d.push(b('\n\n'));
      assert.deepEqual(h.map((x) => x.payload.toString()), ['three', '']);
      assert.deepEqual(h.map((x) => [x.start, x.end]), [[9, 16], [16, 17]]);
    });

    it('keeps a \\r that is not right before the \\n', () => {
      const d = createFrameDecoder('line');
      assert.deepEqual(d.push(b('a\rb\n')).map((x) => x.payload.toString('latin1')), ['a\rb']);
    });

    it('flush returns an unterminated last line', () => {
      const d = createFrameDecoder('line');
      d.push(b('abc\nde'));
      d.push(b('f'));
      assert.equal(d.flush().toString(), 'def');
      assert.equal(d.buffered, 0);
      assert.deepEqual(d.push(b('x\n')).map((x) => [x.payload.toString(), x.start]), [['x', 7]]);
    });

    it('refuses a line longer than the limit, at the offset of the line', () => {
      const d = createFrameDecoder('line', { maxFrameSize: 8 });
      assert.deepEqual(d.push(b('12345678\r\n')).map((x) => x.payload.toString()), ['12345678']);
      d.push(b('123456789'));
      assert.throws(
        () => d.push(b('0')),
        (e: unknown) => e instanceof FramingError && e.code === 'FRAME_TOO_LARGE' && e.offset === 10 && /line at offset 10 exceeds the 8-byte frame limit/.test(e.message),
      );
      assert.equal(d.failed, true);
      assert.deepEqual(d.push(b('\n')), []);
    });
  });

  describe('delimiter', () => {
    it('finds a multi-byte delimiter split across chunks', () => {
      const d = createFrameDecoder('delimiter:\\r\\n');
      assert.deepEqual(d.push(b('ab\r')), []);
      const f = d.push(b('\ncd\r\nef'));
      assert.deepEqual(f.map((x) => [x.payload.toString(), x.start, x.end]), [['ab', 0, 4], ['cd', 4, 8]]);
      assert.deepEqual(d.push(b('\r')), []);
      assert.deepEqual(d.push(b('\n')).map((x) => [x.payload.toString(), x.start, x.end]), [['ef', 8, 12]]);
    });

    it('handles a NUL delimiter and an empty frame', () => {
      const d = createFrameDecoder('delimiter:\\x00');
      assert.deepEqual(d.push(hex('41 00 00 42 00')).map((x) => x.payload.toString('hex')), ['41', '', '42']);
    });

    it('handles a self-overlapping delimiter cut at every point', () => {
      const stream = b('a\r\n\r\nbb\r\n\r\n\r\n\r\nc');
      for (let i = 0; i <= stream.length; i++) {
        for (let j = i; j <= stream.length; j++) {
          const r = decodeChunked('delimiter:\\r\\n\\r\\n', stream, [i, j]);
          assert.deepEqual(r.frames.map((x) => x.payload.toString()), ['a', 'bb', ''], `cuts ${i},${j}`);
          assert.equal(r.decoder.flush().toString(), 'c');
        }
      }
    });

    it('refuses a frame over the limit', () => {
      const r = decodeChunked('delimiter:||', b('ok||0123456789||'), [3], { maxFrameSize: 5 });
      assert.deepEqual(r.frames.map((x) => x.payload.toString()), ['ok']);
      assert.equal(r.error?.code, 'FRAME_TOO_LARGE');
      assert.equal(r.error?.offset, 4);
    });
  });

  describe('fixed', () => {
    it('cuts every n bytes', () => {
      const d = createFrameDecoder('fixed:3');
      assert.deepEqual(d.push(b('abcdefgh')).map((x) => [x.payload.toString(), x.start, x.end]), [['abc', 0, 3], ['def', 3, 6]]);
      assert.equal(d.buffered, 2);
      assert.deepEqual(d.push(b('i')).map((x) => x.payload.toString()), ['ghi']);
    });

    it('is not limited by maxFrameSize (the size is the user\'s choice)', () => {
      const d = createFrameDecoder('fixed:100', { maxFrameSize: 10 });
      assert.equal(d.push(new Uint8Array(250)).length, 2);
      assert.equal(d.buffered, 50);
      assert.equal(d.maxFrameSize, 100);
    });
  });

  describe('length', () => {
    it('decodes the seed\'s struct.pack("i", n) frames', () => {
      const d = createFrameDecoder('length:i');
      const f = d.push(hex('05000000 68656c6c6f 00000000 02000000 6869'));
      assert.deepEqual(f.map((x) => [x.payload.toString(), x.start, x.end]), [['hello', 0, 9], ['', 9, 13], ['hi', 13, 19]]);
    });

    it('reads big-endian, 1-, 2- and 8-byte and padded formats', () => {
      const cases: [string, string, string][] = [
        ['length:!I', '00000003 616263', '616263'],
        ['length:>H', '0002 6869', '6869'],
        ['length:<H', '0200 6869', '6869'],
        ['length:B', '02 6869', '6869'],
        ['length:b', '02 6869', '6869'],
        ['length:>Q', '0000000000000002 6869', '6869'],
        ['length:<q', '0200000000000000 6869', '6869'],
        ['length:q', '0200000000000000 6869', '6869'],
        ['length:l', '0200000000000000 6869', '6869'], // native long: 8 bytes on x86-64 Linux
        ['length:=l', '02000000 6869', '6869'],
        ['length:2xH', '0000 0200 6869', '6869'],
        ['length:>Hxx', '0002 0000 6869', '6869'],
      ];
      for (const [spec, wire, payload] of cases) {
        const d = createFrameDecoder(spec);
        const f = d.push(hex(wire));
        assert.equal(f.length, 1, spec);
        assert.equal(f[0].payload.toString('hex'), payload, spec);
        assert.equal(f[0].end, hex(wire).length, spec);
      }
    });

    it('applies includes-header and adjust', () => {
      let d = createFrameDecoder('length:!H,includes-header');
      assert.deepEqual(d.push(hex('0005 616263')).map((x) => x.payload.toString()), ['abc']);
      d = createFrameDecoder('length:!H,adjust=-2');
      assert.deepEqual(d.push(hex('0005 616263')).map((x) => x.payload.toString()), ['abc']);
      d = createFrameDecoder('length:B,adjust=2');
      assert.deepEqual(d.push(hex('01 616263')).map((x) => x.payload.toString()), ['abc']);
      d = createFrameDecoder('length:<I,includes-header,adjust=1');
      assert.deepEqual(d.push(hex('05000000 6162')).map((x) => x.payload.toString()), ['ab']);
    });

    it('refuses a 2 GB length prefix without allocating it', () => {
      const d = createFrameDecoder('length:i');
      assert.throws(
        () => d.push(hex('ffffff7f 41')),
        (e: unknown) =>
          e instanceof FramingError &&
          e.code === 'FRAME_TOO_LARGE' &&
          e.offset === 0 &&
          e.message === 'length prefix 2147483647 at offset 0 exceeds the 16 MiB frame limit',
      );
      assert.ok(d.buffered <= 5);
      assert.deepEqual(d.push(hex('00')), []);
    });

    it('reports the offset of the offending prefix after good frames, and keeps those frames', () => {
      const d = createFrameDecoder('length:i');
      let err: FramingError | undefined;
      try {
        d.push(hex('01000000 41 feffffff 42'));
      } catch (e) {
        err = e as FramingError;
      }
      assert.ok(err);
      assert.equal(err.code, 'NEGATIVE_LENGTH');
      assert.equal(err.offset, 5);
      assert.equal(err.message, 'negative length prefix -2 at offset 5');
      assert.deepEqual(err.frames.map((x) => x.payload.toString()), ['A']);
      assert.equal(d.error, err);
    });

    it('refuses a prefix smaller than the header it includes', () => {
      assert.throws(
        () => createFrameDecoder('length:!I,includes-header').push(hex('00000002')),
        (e: unknown) => e instanceof FramingError && e.code === 'BAD_LENGTH' && /smaller than the 4-byte header/.test(e.message),
      );
      assert.throws(
        () => createFrameDecoder('length:B,adjust=-3').push(hex('02')),
        (e: unknown) => e instanceof FramingError && e.code === 'BAD_LENGTH' && /adjust=-3 gives a negative payload size \(-1\)/.test(e.message),
      );
    });

    it('prints an exact 8-byte prefix and honours max= and maxFrameSize', () => {
      assert.throws(
        () => createFrameDecoder('length:>Q').push(hex('ffffffffffffffff')),
        (e: unknown) => e instanceof FramingError && e.message === 'length prefix 18446744073709551615 at offset 0 exceeds the 16 MiB frame limit',
      );
      assert.throws(
        () => createFrameDecoder('length:>q').push(hex('8000000000000000')),
        (e: unknown) => e instanceof FramingError && e.message === 'negative length prefix -9223372036854775808 at offset 0',
      );
      assert.throws(
        () => createFrameDecoder('length:B,max=4').push(hex('05')),
        (e: unknown) => e instanceof FramingError && e.message === 'length prefix 5 at offset 0 exceeds the 4-byte frame limit',
      );
      assert.equal(createFrameDecoder('length:B,max=5', { maxFrameSize: 2 }).push(hex('05 0102030405')).length, 1);
      assert.throws(() => createFrameDecoder('length:B', { maxFrameSize: 2 }).push(hex('03')), FramingError);
      assert.equal(createFrameDecoder('length:i', { maxFrameSize: 2 }).maxFrameSize, 2);
    });

    it('flush returns the unfinished frame with its prefix', () => {
      const d = createFrameDecoder('length:i');
      d.push(hex('05000000 6865'));
      d.push(hex('6c'));
      assert.equal(d.buffered, 7);
      assert.equal(d.flush().toString('hex'), '05000000' + '68656c');
      assert.equal(d.buffered, 0);
      assert.deepEqual(d.push(hex('01000000 41')).map((x) => [x.payload.toString(), x.start]), [['A', 7]]);
      d.push(hex('0100'));
      assert.equal(d.flush().toString('hex'), '0100');
    });

    it('returns frames inside one chunk as views of it (no copy)', () => {
      const chunk = hex('03000000 616263 02000000 6465');
      const f = createFrameDecoder('length:i').push(chunk);
      assert.equal(f.length, 2);
      for (const x of f) assert.equal(x.payload.buffer, chunk.buffer);
    });
  });

  describe('json-header', () => {
    const seedFrame = (body: string, header = `{"total_size": ${Buffer.byteLength(body)}}`): Buffer => {
      const h = Buffer.from(header);
      const len = Buffer.alloc(4);
      len.writeInt32LE(h.length);
      return Buffer.concat([len, h, Buffer.from(body)]);
    };

    it('decodes the seed server\'s frames and exposes the header', () => {
      const d = createFrameDecoder('json-header');
      const stream = Buffer.concat([seedFrame('hello'), seedFrame('')]);
      const f = d.push(stream);
      assert.equal(f.length, 2);
      assert.equal(f[0].payload.toString(), 'hello');
      assert.deepEqual(f[0].header, { total_size: 5 });
      assert.deepEqual([f[0].start, f[0].end], [0, 4 + 17 + 5]);
      assert.equal(f[1].payload.length, 0);
      assert.equal(f[1].end, stream.length);
    });

    it('supports length= and size-key= options', () => {
      const h = Buffer.from('{"size": 2, "name": "x"}');
      const wire = Buffer.concat([Buffer.from([0, h.length]), h, Buffer.from('hi')]);
      const f = createFrameDecoder('json-header,length=!H,size-key=size').push(wire);
      assert.deepEqual(f.map((x) => [x.payload.toString(), x.header]), [['hi', { size: 2, name: 'x' }]]);
    });

    const bad: [string, Buffer, string, RegExp][] = [
      ['invalid JSON', seedFrame('', '{"total_size": '), 'BAD_HEADER', /header at offset \d+ \(15 bytes\) is not valid JSON/],
      ['not an object', seedFrame('', '[1, 2]'), 'BAD_HEADER', /is not a JSON object/],
      ['missing key', seedFrame('', '{"size": 1}'), 'BAD_HEADER', /has no 'total_size' key/],
      ['string size', seedFrame('', '{"total_size": "5"}'), 'BAD_HEADER', /non-integer 'total_size': "5"/],
      ['float size', seedFrame('', '{"total_size": 1.5}'), 'BAD_HEADER', /non-integer 'total_size': 1.5/],
      ['invalid UTF-8', Buffer.concat([hex('02000000 ff7b')]), 'BAD_HEADER', /not valid UTF-8/],
      ['a BOM (json.loads refuses it too)', seedFrame('', '\ufeff{"total_size": 0}'), 'BAD_HEADER', /not valid JSON/],
      ['empty header', hex('00000000'), 'BAD_HEADER', /header length 0/],
      ['negative size', seedFrame('', '{"total_size": -1}'), 'NEGATIVE_LENGTH', /'total_size' -1 at offset \d+ is negative/],
      ['negative header length', hex('ffffffff'), 'NEGATIVE_LENGTH', /negative header length -1 at offset 23$/],
      ['huge header length', Buffer.from('dir\n'), 'HEADER_TOO_LARGE', /header length 175270244 at offset 23 exceeds the 1 MiB header limit/],
      ['huge body', seedFrame('', '{"total_size": 99999999999}'), 'FRAME_TOO_LARGE', /'total_size' 99999999999 at offset 27 exceeds the 16 MiB frame limit/],
    ];
    for (const [name, wire, code, re] of bad) {
      it(`refuses ${name} (${code}) at the frame's offset, after a good frame`, () => {
        const stream = Buffer.concat([seedFrame('ok'), wire]);
        for (let cut = 0; cut <= stream.length; cut++) {
          const r = decodeChunked('json-header', stream, [cut]);
          assert.deepEqual(r.frames.map((x) => x.payload.toString()), ['ok'], `cut ${cut}`);
          assert.equal(r.error?.code, code, `cut ${cut}`);
          assert.equal(r.error?.offset, seedFrame('ok').length, `cut ${cut}`);
          assert.match(r.error?.message ?? '', re);
        }
      });
    }

    it('flush returns length, header and partial body', () => {
      const d = createFrameDecoder('json-header');
      const w = seedFrame('hello');
      d.push(w.subarray(0, 2));
      assert.equal(d.buffered, 2);
      d.push(w.subarray(2, 10));
      d.push(w.subarray(10, w.length - 2));
      assert.equal(d.buffered, w.length - 2);
      assert.equal(d.flush().toString('hex'), w.subarray(0, w.length - 2).toString('hex'));
    });
  });

  describe('any chunking yields the same frames (property)', () => {
    const payload = fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u));
    const noByte = (x: number) => payload.map((p) => Buffer.from(p.filter((c) => c !== x)));
    const modes: [string, fc.Arbitrary<Buffer>][] = [
      // a line's trailing '\r' is stripped with the '\n', so a payload cannot end in '\r' (strip them all: [\r, \r] too)
      ['line', noByte(0x0a).map((p) => {
        let n = p.length;
        while (n > 0 && p[n - 1] === 0x0d) n--;
        return p.subarray(0, n);
      })],
      ['delimiter:\\x00', noByte(0x00)],
      ['delimiter:\\r\\n', payload.filter((p) => !p.toString('latin1').includes('\r\n') && p[p.length - 1] !== 0x0d)],
      ['delimiter:abab', payload.filter((p) => !(p.toString('latin1') + 'abab').slice(0, -1).includes('abab') && !p.toString('latin1').endsWith('a') && !p.toString('latin1').endsWith('aba'))],
      ['fixed:5', fc.uint8Array({ minLength: 5, maxLength: 5 }).map((u) => Buffer.from(u))],
      ['length:i', payload],
      ['length:!I,includes-header', payload],
      ['length:>H,adjust=-3', payload],
      ['length:B,adjust=2', payload.filter((p) => p.length >= 2)],
      ['length:<Q', payload],
      ['length:xxh', payload],
      ['json-header', payload],
      ['json-header,length=!I,size-key=len', payload],
    ];
    for (const [spec, arb] of modes) {
      it(spec, () => {
        fc.assert(
          fc.property(
            fc.array(arb, { maxLength: 8 }),
            fc.array(fc.nat(), { maxLength: 12 }),
            fc.array(fc.string({ maxLength: 6 }), { maxLength: 8 }),
            (payloads, cutSeeds, names) => {
              const wires = payloads.map((p, i) => encodeFrame(spec, p, names[i] !== undefined ? { header: { name: names[i] } } : undefined));
              const stream = Buffer.concat(wires);
              const cuts = cutSeeds.map((c) => (stream.length ? c % (stream.length + 1) : 0));
              const r = decodeChunked(spec, stream, cuts);
              assert.equal(r.error, undefined);
              assert.deepEqual(r.frames.map((f) => f.payload.toString('hex')), payloads.map((p) => p.toString('hex')));
              let off = 0;
              r.frames.forEach((f, i) => {
                assert.equal(f.start, off);
                off += wires[i].length;
                assert.equal(f.end, off);
                if (spec.startsWith('json-header') && names[i] !== undefined) assert.equal(f.header?.name, names[i]);
              });
              assert.equal(r.decoder.buffered, 0);
              assert.equal(r.decoder.offset, stream.length);
            },
          ),
          { numRuns: 150 },
        );
      });
    }

    it('raw: the frames are the chunks, contiguous, and together the stream', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 12 }), (u, cutSeeds) => {
          const stream = Buffer.from(u);
          const r = decodeChunked('raw', stream, cutSeeds.map((c) => c % (stream.length + 1)));
          assert.ok(Buffer.concat(r.frames.map((f) => f.payload)).equals(stream));
          let off = 0;
          for (const f of r.frames) {
            assert.ok(f.payload.length > 0);
            assert.equal(f.start, off);
            off = f.end;
          }
          assert.equal(off, stream.length);
        }),
      );
    });

    it('an error is found at the same offset, after the same frames, however the stream is cut', () => {
      const specs = [
        'length:i',
        'length:!H,max=30',
        'length:>q',
        'length:B,adjust=-3',
        'length:!I,includes-header',
        'json-header',
        'json-header,length=>H',
        'line',
        'delimiter:\\r\\n',
        'delimiter:\\x00',
        'fixed:7',
      ];
      fc.assert(
        fc.property(
          fc.constantFrom(...specs),
          fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 5 }),
          fc.uint8Array({ minLength: 1, maxLength: 60 }),
          fc.array(fc.nat(), { maxLength: 10 }),
          (spec, payloads, garbage, cutSeeds) => {
            const prep = (p: Uint8Array): Buffer => {
              const b = Buffer.from(Buffer.from(p).filter((c) => c !== 0x0a && c !== 0x0d && c !== 0x00));
              return spec === 'fixed:7' ? Buffer.concat([b, Buffer.alloc(7)]).subarray(0, 7) : b;
            };
            const stream = Buffer.concat([...payloads.map((p) => encodeFrame(spec, prep(p))), garbage]);
            const opts = { maxFrameSize: 32 };
            const whole = decodeChunked(spec, stream, [], opts);
            const cuts = cutSeeds.map((c) => c % (stream.length + 1));
            const parts = decodeChunked(spec, stream, cuts, opts);
            assert.deepEqual(plain(parts.frames), plain(whole.frames));
            assert.equal(parts.error?.code, whole.error?.code);
            assert.equal(parts.error?.offset, whole.error?.offset);
            assert.equal(parts.error?.message, whole.error?.message);
            if (!whole.error) assert.equal(parts.decoder.flush().toString('hex'), whole.decoder.flush().toString('hex'));
          },
        ),
        { numRuns: 600 },
      );
    });
  });

  it('accepts any Uint8Array, not only Buffers', () => {
    const d = createFrameDecoder('length:>H');
    const u = new Uint8Array([9, 9, 0, 2, 0x68, 0x69, 9]).subarray(2, 6);
    assert.deepEqual(d.push(u).map((x) => x.payload.toString()), ['hi']);
    assert.equal(encodeFrame('line', new Uint8Array([0x61])).toString(), 'a\n');
  });

  it('accepts a spec object and refuses a bad one', () => {
    const d = createFrameDecoder({ kind: 'length', format: '!H', includesHeader: false, adjust: 0 });
    assert.equal(d.push(hex('0001 41'))[0].payload.toString(), 'A');
    assert.throws(() => createFrameDecoder({ kind: 'length', format: 'ff', includesHeader: false, adjust: 0 }), FramingSpecError);
    assert.throws(() => createFrameDecoder('length:i', { maxFrameSize: 0 }), FramingSpecError);
  });
});
