import * as assert from 'node:assert/strict';
import { formatClockTime } from '../shared/format';
import { isBinary, printableText, formatHumanFrame, Reporter, jsonLine } from './output';
import { valueCodes, convertValue, formatValues } from './commands/struct';
import { UsageError } from './errors';

describe('cli output', () => {
  it('formats local time as HH:MM:SS.mmm', () => {
    const t = new Date(2024, 0, 2, 3, 4, 5, 67).getTime();
    assert.equal(formatClockTime(t), '03:04:05.067');
  });

  it('tells text from binary', () => {
    assert.equal(isBinary(Buffer.from('hello\r\n\tworld'), 'hello\r\n\tworld'), false);
    assert.equal(isBinary(Buffer.from('\x1b[34mblue\x1b[0m'), '\x1b[34mblue\x1b[0m'), false);
    assert.equal(isBinary(Buffer.from([5, 0, 0, 0, 0x68]), '\x05\x00\x00\x00h'), true);
    // undecodable bytes come back as \xhh from decodeText
    assert.equal(isBinary(Buffer.from([0xff, 0x41]), '\\xffA'), true);
    // …but a payload that really contains "\x" is text
    assert.equal(isBinary(Buffer.from('C:\\x64'), 'C:\\x64'), false);
  });

  it('escapes control characters for the terminal', () => {
    assert.equal(printableText('a\r\nb\x07\x1b'), 'a\nb\\x07\\x1b');
  });

  it('prints short text on one line and binary as an indented hexdump', () => {
    const t = new Date(2024, 0, 1, 12, 0, 0, 0).getTime();
    assert.equal(formatHumanFrame({ conn: 'c2', peer: '127.0.0.1:5555', payload: Buffer.from('hi\n'), text: 'hi\n', time: t }), '12:00:00.000 127.0.0.1:5555 < 3 bytes: hi');
    assert.equal(
      formatHumanFrame({ conn: 'c2', peer: 'p', payload: Buffer.from('a\nb'), text: 'a\nb', time: t }),
      '12:00:00.000 p < 3 bytes:\n  a\n  b',
    );
    const bin = formatHumanFrame({ conn: 'c2', peer: 'p', payload: Buffer.from([0, 16, 0, 0]), text: '\x00\x10\x00\x00', time: t });
    assert.match(bin, /^12:00:00\.000 p < 4 bytes\n {2}00000000 {2}00 10 00 00 /);
    const big = Buffer.alloc(5000);
    const lines = formatHumanFrame({ conn: 'c2', peer: 'p', payload: big, text: '', time: t }).split('\n');
    assert.equal(lines.length, 1 + 256 + 1);
    assert.equal(lines[lines.length - 1], '  … 904 more bytes');
  });

  it('writes JSON events one per line', () => {
    let out = '';
    const r = new Reporter({ json: true, quiet: false, stdout: { write: (s: string) => (out += s) }, stderr: { write: () => undefined } });
    r.listening('tcp', '127.0.0.1', 8080);
    r.frame({ conn: 'c2', peer: '127.0.0.1:5555', payload: Buffer.from('吃'), text: '吃' });
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines[0], { type: 'listening', proto: 'tcp', host: '127.0.0.1', port: 8080 });
    assert.deepEqual(lines[1], { type: 'frame', conn: 'c2', peer: '127.0.0.1:5555', len: 3, hex: 'e59083', text: '吃' });
    assert.equal(jsonLine({ n: 10n }), '{"n":"10"}');
  });

  it('--quiet drops frames but keeps other events', () => {
    let out = '';
    const r = new Reporter({ json: false, quiet: true, stdout: { write: (s: string) => (out += s) }, stderr: { write: () => undefined } });
    r.frame({ conn: 'c1', peer: 'p', payload: Buffer.from('x'), text: 'x' });
    r.open('c1', '127.0.0.1:1', new Date(2024, 0, 1).getTime());
    assert.equal(out, '00:00:00.000 127.0.0.1:1 connected\n');
  });
});

describe('cli struct values', () => {
  it('maps values to format codes', () => {
    assert.deepEqual(valueCodes('<2hx3s?'), ['h', 'h', 's', '?']);
    assert.deepEqual(valueCodes('! I 4p 2c'), ['I', 'p', 'c', 'c']);
    assert.deepEqual(valueCodes('i'), ['i']);
  });

  it('converts words by code', () => {
    assert.equal(convertValue('i', '-5'), -5);
    assert.equal(convertValue('Q', '18446744073709551615'), 18446744073709551615n);
    assert.equal(convertValue('B', '0xff'), 255);
    assert.equal(convertValue('d', '1e3'), 1000);
    assert.ok(Number.isNaN(convertValue('f', 'nan') as number));
    assert.equal(convertValue('?', 'False'), false);
    assert.deepEqual(convertValue('s', '吃'), Buffer.from('吃'));
    assert.deepEqual(convertValue('s', 'hex:00 ff'), Buffer.from([0, 255]));
    assert.throws(() => convertValue('i', '1.5'), UsageError);
    assert.throws(() => convertValue('d', 'abc'), UsageError);
    assert.throws(() => convertValue('?', 'yes'), UsageError);
  });

  it('formats unpacked values as JSON', () => {
    assert.equal(formatValues([1, 2n ** 64n - 1n, true, Buffer.from('AB'), 2, NaN, -0], ['i', 'Q', '?', 's', 'd', 'f', 'd']), '[1, 18446744073709551615, true, "hex:4142", 2.0, "NaN", -0.0]');
  });
});
