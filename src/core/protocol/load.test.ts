import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonJson } from '../test/python';
import { PY_MODBUS, READING_MESSAGES } from '../test/protocol';
import { ProtocolFileError } from './errors';
import { loadProtocolFile, parseProtocolFile } from './load';

const FILE = 'p.sockdbg.yaml';

/** The error a text gives, as "line:col: message". */
function errorOf(text: string): string {
  try {
    parseProtocolFile(text, FILE);
  } catch (err) {
    assert.ok(err instanceof ProtocolFileError, String(err));
    assert.equal(err.pos.file, FILE);
    return `${err.pos.line}:${err.pos.col}: ${err.detail}`;
  }
  assert.fail('no error');
}

const READING = READING_MESSAGES;

describe('protocol files: loading and errors', () => {
  it('accepts the example of the issue (messages, rules, scenarios)', () => {
    const f = parseProtocolFile(
      `framing: length:i
encoding: utf-8
${READING.trim()}
rules:
  - when: {regex: '^echo (.*)$'}
    reply: {text: 'ECHO {{1}} #{{seq}}'}
  - when: {message: reading, where: {value: {gt: 100}}}
    reply: {message: reading, values: {kind: 3, unit: '{{unit}}', seq: '{{seq}}', value: 0}}
    delay: 50ms
scenarios:
  - name: echo answers
    connect: tcp 127.0.0.1:9000
    steps:
      - send: {text: 'echo hi'}
      - expect: {regex: '^ECHO hi', timeout: 2s}
      - send: {message: reading, values: {kind: 2, unit: 1, seq: 7, value: 101.5}}
      - expect: {message: reading, where: {kind: 3}}
`,
      FILE,
    );
    assert.equal(f.model.framing, 'length:i');
    assert.equal(f.rules.rules.length, 2);
    assert.equal(f.rules.rules[1].delayMs, 50);
    assert.equal(f.scenarios[0].steps[1].kind, 'expect');
    assert.equal(f.scenarios[0].port, 9000);
  });

  it('names file, line and column for YAML, schema and compile errors', () => {
    assert.equal(errorOf('rules: [\n'), '2:1: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]');
    assert.equal(errorOf("rules:\n  - when: {regex: 'a'}\n    replly: {text: x}\n"), "3:5: unknown key 'replly' in 'rules[0]' (known: name, when, reply, delay, repeat, every, close, set)");
    assert.equal(errorOf("rules:\n  - when: {regex: '(unclosed'}\n    reply: {text: x}\n"), '2:19: bad regex: /(unclosed/: Unterminated group');
    assert.equal(errorOf("rules:\n  - when: {regex: 'a'}\n    reply: {text: 'hi {{nope}}'}\n"), "3:19: {{nope}}: unknown macro 'nope' (known here: seq, now, rand, len, hex, text, or a checksum such as crc16-modbus)");
    assert.equal(errorOf("rules:\n  - when: {regex: 'a'}\n    reply: {text: '{{2}}'}\n"), '3:19: {{2}}: no regex captures here (a capture needs when: {regex: …} with a group)');
    assert.equal(errorOf("rules:\n  - when: {regex: 'a'}\n    reply: {text: '{{len|shout}}'}\n"), "3:19: {{len|shout}}: unknown filter 'shout' (known: upper, lower, trim, hex, inc, dec, strftime)");
    assert.equal(errorOf("messages:\n  m:\n    format: '<BH'\n    fields: [a, b]\n    checksum: {algorithm: crc32, append: '<H'}\n"), "5:15: checksum crc32 is 32 bits and does not fit '<H' (16 bits)");
    assert.equal(errorOf("messages:\n  m:\n    format: '<BB'\n    fields: [a, b]\n    checksum: {algorithm: crc16-modbus, field: b}\n"), "5:15: checksum crc16-modbus is 16 bits and does not fit field 'b' ('B') (8 bits)");
    assert.equal(errorOf("messages:\n  m:\n    format: '<BBH'\n    fields: [a, b, c]\n    checksum: {algorithm: crc16-modbus, field: c, to: 4}\n"), '5:15: checksum range 0..4 covers the checksum itself (bytes 2..4)');
    assert.equal(errorOf("messages:\n  m:\n    format: '<BH'\n    checksum: {algorithm: crc-99, append: '<H'}\n"), "4:27: unknown checksum 'crc-99' (known: sum8, xor8, crc8, crc8-maxim, crc16-modbus, crc16-ccitt-false, crc16-xmodem, crc16-kermit, crc16-arc, crc24, crc32, crc32-jamcrc, or a reveng catalogue name)");
    assert.equal(errorOf("messages:\n  m: {format: '<BH', fields: [a]}\n"), "2:30: message 'm': format '<BH' has 2 values but 1 field name given");
    assert.equal(errorOf("messages:\n  m: {format: '<Bz', fields: [a]}\n"), "2:15: message 'm': bad struct format '<Bz': bad char in struct format");
    assert.equal(errorOf("messages:\n  m: {format: 'B', fields: [a]}\nrules:\n  - when: {message: m, where: {zz: 1}}\n"), "4:32: 'zz' is not a field of message 'm' (known: a)");
    assert.equal(errorOf("rules:\n  - when: {message: nope}\n"), "2:21: unknown message 'nope' (the file has no messages:)");
    assert.equal(errorOf("messages:\n  m: {format: 'B', fields: [a]}\nrules:\n  - when: {any: true}\n    reply: {message: m, values: {b: 1}}\n"), "5:34: message 'm' has no field 'b' (fields: a)");
    assert.equal(errorOf("messages:\n  m: {format: 'B', fields: [a]}\nrules:\n  - when: {any: true}\n    reply: {message: m, values: {a: 300}}\n"), "5:33: message 'm': ubyte format requires 0 <= number <= 255");
    assert.equal(errorOf("rules:\n  - when: {regex: 'a'}\n    delay: fast\n    reply: {text: x}\n"), "3:12: 'rules[0].delay' is not valid: Milliseconds, or a number with ms, s or m: 50ms, 2s, 1.5s");
    assert.equal(errorOf("rules:\n  - when: {regex: 'a', hex: '01'}\n"), "2:24: use one of regex, text, text-contains, starts-with, hex, message, json, any here, not both 'regex' and 'hex'");
    assert.equal(errorOf("rules:\n  - when: {hex: '01 0'}\n"), "2:17: bad hex pattern '01 0': give bytes as two hex digits or ?? (any byte), optionally ending with *");
    assert.equal(errorOf("rules:\n  - when: {any: true}\n    set: {n: 1}\n"), "3:11: unknown variable 'n': declare it under vars: with its initial value");
    assert.equal(errorOf('framing: length:z\n'), "1:10: bad framing 'length:z': length format 'z' is not a valid struct format: bad char in struct format");
    assert.equal(errorOf("scenarios:\n  - name: a\n    connect: tcp 9000\n    steps: [{sleep: 1}]\n"), "3:14: 'tcp 9000' should read 'tcp HOST:PORT' or 'udp HOST:PORT'");
    assert.equal(errorOf("scenarios:\n  - name: a\n    listen: tcp 0\n    steps: [{send: {text: x}, sleep: 1}]\n"), '4:13: one action per step, not send and sleep');
    assert.equal(errorOf(''), "1:1: the file is empty: give messages:, rules: or scenarios:");
  });

  it('reports every schema problem, each with its own position', () => {
    try {
      parseProtocolFile("rules:\n  - when: {regex: a}\n    replly: 1\n  - when: {regex: b}\n    delai: 1\n", FILE);
      assert.fail('no error');
    } catch (err) {
      assert.ok(err instanceof ProtocolFileError);
      assert.deepEqual(err.report.split('\n').map((l) => l.split(': ')[0]), [`${FILE}:3:5`, `${FILE}:5:5`]);
    }
  });

  it('a missing file is a clear error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockdbg-proto-'));
    try {
      assert.throws(() => loadProtocolFile(join(dir, 'none.sockdbg.yaml')), /none\.sockdbg\.yaml:1:1: cannot read protocol file: no such file/);
      writeFileSync(join(dir, 'ok.sockdbg.yaml'), READING);
      assert.equal(loadProtocolFile(join(dir, 'ok.sockdbg.yaml')).model.messages.size, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('protocol files: messages', () => {
  const PY = `
import sys, json, struct
${PY_MODBUS}
out = []
for case in json.load(sys.stdin):
    case['values'] = [v.encode('utf-8') if isinstance(v, str) else v for v in case['values']]
    body = struct.pack(case['fmt'], *case['values'])
    if case['mode'] == 'append':
        out.append((body + struct.pack('<H', modbus(body[case['from']:]))).hex())
    else:
        # checksum in the last field, over the bytes before it
        vals = case['values'][:-1] + [modbus(body[:-2])]
        out.append(struct.pack(case['fmt'], *vals).hex())
print(json.dumps(out))
`;

  it('packs like Python struct with the checksum appended or in a field, over the whole frame or a range', () => {
    const f = parseProtocolFile(
      `${READING}
  framed:
    format: '>BB8sH'
    fields: [addr, fn, name, crc]
    checksum: {algorithm: CRC-16/MODBUS, field: crc}
  ranged:
    format: '<BHI'
    fields: [stx, id, n]
    checksum: {algorithm: crc16-modbus, append: '<H', from: 1}
`,
      FILE,
    );
    const cases = [
      { msg: 'reading', fmt: '<BBHf', values: [2, 1, 7, 101.5], mode: 'append', from: 0 },
      { msg: 'framed', fmt: '>BB8sH', values: [17, 3, 'pump', 0], mode: 'field', from: 0 },
      { msg: 'ranged', fmt: '<BHI', values: [2, 513, 4000000000], mode: 'append', from: 1 },
    ];
    const want = pythonJson(PY, cases) as string[];
    cases.forEach((c, i) => {
      const layout = f.model.messages.get(c.msg);
      assert.ok(layout);
      const vals = Object.fromEntries(layout.fields.map((n, j) => [n, c.values[j]]));
      const frame = layout.encode(vals);
      assert.equal(frame.toString('hex'), want[i], c.msg);
      const back = f.model.decode(frame);
      assert.equal(back?.name, c.msg);
      assert.equal(back?.checksum?.ok, true);
      // one flipped bit: still this message (sizes and match fit) but the checksum mark is ✗ with both values
      const bad = Buffer.from(frame);
      bad[bad.length - 3] ^= 1;
      const d = layout.decode(bad);
      assert.equal(d?.checksum?.ok, false);
      assert.notEqual(d?.checksum?.expected, d?.checksum?.actual);
    });
  });

  it('match: recognises frames by field values and size', () => {
    const f = parseProtocolFile(READING, FILE);
    const m = f.model.messages.get('reading');
    assert.ok(m);
    assert.equal(f.model.decode(m.encode({ kind: 3, unit: 1, seq: 1, value: 0 })), undefined, 'kind 3 is not a reading');
    assert.equal(f.model.decode(Buffer.alloc(9)), undefined, 'wrong size');
    assert.deepEqual(f.model.decode(m.encode({ kind: 2, unit: 1, seq: 1, value: 0.5 }))?.fields, { kind: 2, unit: 1, seq: 1, value: 0.5 });
  });
});
