/** messageForm.ts: checking typed values against their field, and the Message-mode text written and read back. */
import * as assert from 'node:assert/strict';
import { checkFieldValue, defaultFieldValue, messageText, parseMessageText, utf8Length, type MessageFieldInfo, type MessageLayoutInfo } from './messageForm';

const B: MessageFieldInfo = { name: 'kind', code: 'B', kind: 'int', size: 1, min: '0', max: '255', match: '2' };
const h: MessageFieldInfo = { name: 'delta', code: 'h', kind: 'int', size: 2, min: '-32768', max: '32767' };
const Q: MessageFieldInfo = { name: 'big', code: 'Q', kind: 'int', size: 8, min: '0', max: '18446744073709551615' };
const f: MessageFieldInfo = { name: 'value', code: 'f', kind: 'float', size: 4 };
const e: MessageFieldInfo = { name: 'half', code: 'e', kind: 'float', size: 2 };
const s4: MessageFieldInfo = { name: 'tag', code: '4s', kind: 'bytes', size: 4 };
const p4: MessageFieldInfo = { name: 'pas', code: '4p', kind: 'bytes', size: 4 };
const c: MessageFieldInfo = { name: 'ch', code: 'c', kind: 'char', size: 1 };
const bool: MessageFieldInfo = { name: 'on', code: '?', kind: 'bool', size: 1 };

const problem = (fi: MessageFieldInfo, raw: string) => {
  const r = checkFieldValue(fi, raw);
  return r.ok ? undefined : r.problem;
};
const literal = (fi: MessageFieldInfo, raw: string) => {
  const r = checkFieldValue(fi, raw);
  return r.ok ? r.literal : undefined;
};

describe('shared/messageForm', () => {
  it('takes integers within the range of their code, in decimal, hex, octal or binary', () => {
    assert.equal(literal(B, '255'), '255');
    assert.equal(literal(B, ' 0x1f '), '31');
    assert.equal(literal(B, '0b101'), '5');
    assert.equal(literal(h, '-32768'), '-32768');
    assert.deepEqual(problem(B, '256'), { code: 'range', min: '0', max: '255' });
    assert.deepEqual(problem(B, '-1'), { code: 'range', min: '0', max: '255' });
    assert.deepEqual(problem(h, '32768'), { code: 'range', min: '-32768', max: '32767' });
    assert.deepEqual(problem(B, '1.5'), { code: 'notInteger' });
    assert.deepEqual(problem(B, 'abc'), { code: 'notInteger' });
    assert.deepEqual(problem(B, '  '), { code: 'empty' });
  });

  it('keeps every digit of a 64-bit integer (quoted beyond 2^53, so YAML does not round it)', () => {
    assert.equal(literal(Q, '18446744073709551615'), '"18446744073709551615"');
    assert.equal(literal(Q, '9007199254740991'), '9007199254740991');
    assert.deepEqual(problem(Q, '18446744073709551616'), { code: 'range', min: '0', max: '18446744073709551615' });
  });

  it('takes floats as Python reads them, refusing what overflows f (float32) and e (half) like CPython', () => {
    assert.equal(literal(f, '101.5'), '101.5');
    assert.equal(literal(f, '-2e3'), '-2000');
    assert.equal(literal(f, 'inf'), '.inf');
    assert.equal(literal(f, '-Infinity'), '-.inf');
    assert.equal(literal(f, 'nan'), '.nan');
    assert.equal(literal(f, '3.4028234663852886e38'), '3.4028234663852886e+38');
    assert.deepEqual(problem(f, '3.5e38'), { code: 'floatRange', format: 'f' });
    assert.equal(literal(e, '65519'), '65519');
    assert.deepEqual(problem(e, '65520'), { code: 'floatRange', format: 'e' });
    assert.deepEqual(problem(f, '1,5'), { code: 'notNumber' });
  });

  it('measures bytes fields in UTF-8: s N takes N bytes, p N takes N-1, c exactly one', () => {
    assert.equal(utf8Length('吃包子'), 9);
    assert.equal(utf8Length('a😀'), 5);
    assert.equal(literal(s4, 'wyb'), '"wyb"');
    assert.equal(literal(s4, 'a"b\n'), '"a\\"b\\n"');
    assert.deepEqual(problem(s4, '吃包'), { code: 'tooLong', bytes: 6, max: 4 });
    assert.deepEqual(problem(p4, 'abcd'), { code: 'tooLong', bytes: 4, max: 3 });
    assert.equal(literal(c, 'x'), '"x"');
    assert.deepEqual(problem(c, ''), { code: 'notOneByte', bytes: 0 });
    assert.deepEqual(problem(c, 'é'), { code: 'notOneByte', bytes: 2 });
    assert.equal(literal(bool, 'true'), 'true');
    assert.equal(literal(bool, '0'), 'false');
    assert.deepEqual(problem(bool, 'yes'), { code: 'notBool' });
  });

  it('prefills match values, else 0 / false / empty', () => {
    assert.deepEqual([B, h, f, s4, bool].map(defaultFieldValue), ['2', '0', '0', '', 'false']);
  });

  const reading: MessageLayoutInfo = {
    name: 'reading',
    size: 12,
    fields: [B, { ...B, name: 'unit', match: undefined }, { name: 'seq', code: 'H', kind: 'int', size: 2, min: '0', max: '65535' }, f, s4, { name: 'sum', code: 'B', kind: 'int', size: 1, checksum: true }],
    checksum: { algorithm: 'xor8', field: 'sum', from: 0, to: 11 },
  };

  it('writes the Message-mode text of a form (the checksum field left to the host), or names the first bad field', () => {
    assert.deepEqual(messageText(reading, { kind: '2', unit: '1', seq: '7', value: '101.5', tag: 'ab', sum: 'ignored' }), { ok: true, text: 'reading {kind: 2, unit: 1, seq: 7, value: 101.5, tag: "ab"}' });
    assert.deepEqual(messageText(reading, { seq: '70000' }), { ok: false, index: 2, problem: { code: 'range', min: '0', max: '65535' } });
    const odd: MessageLayoutInfo = { name: 'm', size: 1, fields: [{ ...B, name: 'a b' }] };
    assert.deepEqual(messageText(odd, {}), { ok: true, text: 'm {"a b": 2}' });
  });

  it('reads back what it writes, and the flow maps people type; anything else is undefined', () => {
    const text = 'reading {kind: 2, unit: 1, seq: 7, value: .inf, tag: "a,\\"b:"}';
    assert.deepEqual(parseMessageText(text), { name: 'reading', values: { kind: '2', unit: '1', seq: '7', value: 'inf', tag: 'a,"b:' } });
    assert.deepEqual(parseMessageText("ack {seq: 7, note: 'it''s'}"), { name: 'ack', values: { seq: '7', note: "it's" } });
    assert.deepEqual(parseMessageText('ack'), { name: 'ack', values: {} });
    assert.deepEqual(parseMessageText('ack {}'), { name: 'ack', values: {} });
    assert.equal(parseMessageText('ack {seq: {a: 1}}'), undefined);
    assert.equal(parseMessageText('ack {seq 7}'), undefined);
    assert.equal(parseMessageText('{seq: 7}'), undefined);
    assert.equal(parseMessageText('ack {tag: "open}'), undefined);
  });
});
