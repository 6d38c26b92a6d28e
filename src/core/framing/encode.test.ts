import * as assert from 'node:assert/strict';
import { encodeFrame, FramingError, FramingSpecError, pythonJsonDumps } from './index';
import { pyFloatRepr } from './pyjson';

const notEncodable = (re: RegExp) => (e: unknown) => e instanceof FramingError && e.code === 'PAYLOAD_NOT_ENCODABLE' && re.test(e.message);

describe('framing encoders', () => {
  it('json-header: a "__proto__" key in the given header is sent as a key, not dropped', () => {
    const header = JSON.parse('{"__proto__": {"x": 1}, "cmd": "put"}') as Record<string, unknown>;
    const wire = encodeFrame('json-header', Buffer.from('hi'), { header });
    assert.equal(wire.subarray(4).toString('utf8'), '{"total_size": 2, "__proto__": {"x": 1}, "cmd": "put"}hi');
  });

  it('frames payloads for every mode', () => {
    const p = Buffer.from('hello');
    assert.equal(encodeFrame('raw', p).toString(), 'hello');
    assert.equal(encodeFrame('line', p).toString(), 'hello\n');
    assert.equal(encodeFrame('delimiter:\\r\\n', p).toString(), 'hello\r\n');
    assert.equal(encodeFrame('fixed:5', p).toString(), 'hello');
    assert.equal(encodeFrame('length:i', p).toString('hex'), '05000000' + p.toString('hex'));
    assert.equal(encodeFrame('length:!I,includes-header', p).toString('hex'), '00000009' + p.toString('hex'));
    assert.equal(encodeFrame('length:>H,adjust=-2', p).toString('hex'), '0007' + p.toString('hex'));
    assert.equal(encodeFrame('json-header', p).toString('latin1'), '\x11\x00\x00\x00{"total_size": 5}hello');
    assert.equal(encodeFrame({ kind: 'length', format: 'B', includesHeader: false, adjust: 0 }, new Uint8Array([1, 2])).toString('hex'), '020102');
  });

  it('keeps extra header fields after the size key, or around it when given', () => {
    const p = Buffer.from('ab');
    assert.equal(encodeFrame('json-header', p, { header: { cmd: 'ls' } }).subarray(4).toString(), '{"total_size": 2, "cmd": "ls"}ab');
    assert.equal(encodeFrame('json-header', p, { header: { cmd: 'ls', total_size: 99 } }).subarray(4).toString(), '{"cmd": "ls", "total_size": 2}ab');
    assert.equal(encodeFrame('json-header,size-key=len', p).subarray(4).toString(), '{"len": 2}ab');
  });

  it('refuses payloads the framing cannot carry', () => {
    assert.throws(() => encodeFrame('fixed:4', Buffer.from('hello')), notEncodable(/payload is 5 bytes but fixed:4 frames are exactly 4 bytes/));
    assert.throws(() => encodeFrame('length:B', Buffer.alloc(256)), notEncodable(/length prefix for a 256-byte payload, 256 does not fit the length format 'B' \(0\.\.255\)/));
    assert.throws(() => encodeFrame('length:b', Buffer.alloc(128)), notEncodable(/does not fit the length format 'b' \(-128\.\.127\)/));
    assert.throws(() => encodeFrame('length:B,adjust=3', Buffer.alloc(1)), notEncodable(/needs a negative length prefix \(-2\)/));
    assert.throws(() => encodeFrame('json-header,length=B', Buffer.alloc(1), { header: { pad: 'x'.repeat(300) } }), notEncodable(/header length 3\d\d does not fit/));
    assert.throws(() => encodeFrame('json-header', Buffer.alloc(1), { header: { f: () => 1 } }), notEncodable(/not JSON serializable/));
    assert.throws(() => encodeFrame('length:ii', Buffer.alloc(1)), FramingSpecError);
  });

  it("writes floats like Python's repr", () => {
    const cases: [number, string][] = [
      [0.1, '0.1'], [1.5, '1.5'], [1e-5, '1e-05'], [0.0001, '0.0001'], [1.5e16, '1.5e+16'], [1.2345e-7, '1.2345e-07'],
      [123456789.125, '123456789.125'], [1e300, '1e+300'], [5e-324, '5e-324'], [-2.5, '-2.5'], [0, '0.0'], [-0, '-0.0'],
      [NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'], [1e22, '1e+22'], [9999999999999998, '9999999999999998.0'],
    ];
    for (const [x, s] of cases) assert.equal(pyFloatRepr(x), s, String(x));
    assert.equal(pythonJsonDumps({ a: [1, 0.5, 'é\u2028'], b: { c: null } }), '{"a": [1, 0.5, "\\u00e9\\u2028"], "b": {"c": null}}');
  });
});
