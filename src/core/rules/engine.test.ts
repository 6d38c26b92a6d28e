import * as assert from 'node:assert/strict';
import { parseProtocolFile } from '../protocol/load';
import { runAction, type RuleAction } from './engine';
import { strftime } from './strftime';
import { pythonJson } from '../test/python';
import { PY_MODBUS, READING_MESSAGES } from '../test/protocol';

function rules(text: string) {
  const f = parseProtocolFile(text, 'r.sockdbg.yaml');
  return { file: f, session: f.rules.session() };
}

function replyText(a: ReturnType<ReturnType<typeof rules>['session']['handle']>): string[] {
  assert.ok(a && a !== 'limited', 'a rule matched');
  return a.replies.map((b) => b.toString('utf8'));
}

describe('rules', () => {
  it('first match wins; regex captures, named groups and {{seq}} per connection', () => {
    const { file, session } = rules(`
rules:
  - when: {regex: '^echo (?<word>\\w+) (.*)$'}
    reply: {text: 'ECHO {{word}} {{2|upper}} #{{seq}}'}
  - when: {regex: '^echo'}
    reply: {text: 'second'}
  - when: {text-contains: 'ping'}
    reply: {text: 'pong {{len}}'}
  - when: {starts-with: 'Q'}
    reply: {text: '{{text|lower}}'}
`);
    assert.deepEqual(replyText(session.handle(Buffer.from('echo hi there'))), ['ECHO hi THERE #1']);
    assert.deepEqual(replyText(session.handle(Buffer.from('echo x y'))), ['ECHO x Y #2']);
    assert.deepEqual(replyText(session.handle(Buffer.from('echo'))), ['second']);
    assert.deepEqual(replyText(session.handle(Buffer.from('a ping!'))), ['pong 7']);
    assert.deepEqual(replyText(session.handle(Buffer.from('QUIT'))), ['quit']);
    assert.equal(session.handle(Buffer.from('nothing')), undefined);
    assert.deepEqual(file.rules.hits, [2, 1, 1, 1]);
    // another connection has its own sequence
    assert.deepEqual(replyText(file.rules.session().handle(Buffer.from('echo a b'))), ['ECHO a B #1']);
  });

  it('hex with ?? wildcards and a trailing *, hex replies with a checksum macro (Modbus RTU)', () => {
    const { session } = rules(`
rules:
  - when: {hex: '01 03 ?? ?? 00 01 *'}
    reply: {hex: '01 03 02 00 2A {{crc16-modbus:le}}'}
  - when: {hex: 'FF'}
    reply: {text: 'sum={{sum8}} xor={{xor8}}'}
`);
    const a = session.handle(Buffer.from('010300000001840a', 'hex'));
    assert.ok(a && a !== 'limited');
    // Modbus RTU: CRC low byte first
    const want = pythonJson(`import sys,json\n${PY_MODBUS}\nd=bytes.fromhex(json.load(sys.stdin))\nprint(json.dumps((d+modbus(d).to_bytes(2,'little')).hex()))`, '010302002a');
    assert.equal(a.replies[0].toString('hex'), want);
    assert.equal(session.handle(Buffer.from('0103', 'hex')), undefined, 'too short for the pattern');
    // text replies: the checksum of the text before the macro, as hex digits
    const head = `sum=${sum8Of('sum=')} xor=`;
    assert.deepEqual(replyText(session.handle(Buffer.from([0xff]))), [`${head}${xorOf(head)}`]);
  });

  it('message + where with comparisons; message replies from fields; variables', () => {
    const { session } = rules(`
vars: {count: 0, state: idle}
${READING_MESSAGES}  ack:
    format: '<BBHI'
    fields: [kind, unit, seq, count]
    match: {kind: 3}
rules:
  - when: {message: reading, where: {value: {gt: 100}, unit: {in: [1, 2]}}}
    reply: {message: ack, values: {kind: 3, unit: '{{unit}}', seq: '{{seq}}', count: '{{count|inc}}'}}
    set: {count: '{{count|inc}}', state: busy}
  - when: {vars: {state: busy}, text: reset}
    reply: {text: 'reset after {{count}}'}
    set: {count: 0, state: idle}
`);
    const reading = session.handle(Buffer.alloc(0));
    assert.equal(reading, undefined);
    const layout = rules(READING_MESSAGES).file.model.messages.get('reading');
    assert.ok(layout);
    const hot = layout.encode({ kind: 2, unit: 1, seq: 7, value: 101.5 });
    const cold = layout.encode({ kind: 2, unit: 1, seq: 8, value: 99 });
    const a = session.handle(hot);
    assert.ok(a && a !== 'limited');
    assert.equal(a.replies[0].toString('hex'), Buffer.from([3, 1, 7, 0, 1, 0, 0, 0]).toString('hex'));
    assert.equal(session.handle(cold), undefined, 'value 99 is not > 100');
    assert.deepEqual(replyText(session.handle(hot)), [Buffer.from([3, 1, 7, 0, 2, 0, 0, 0]).toString('utf8')]);
    assert.deepEqual(replyText(session.handle(Buffer.from('reset'))), ['reset after 2']);
    assert.equal(session.handle(Buffer.from('reset')), undefined, 'state is idle again');
    // a corrupted checksum is still the message (the checksum shows ✗ in the log), so rules see it
    assert.equal(session.vars.get('count'), 0);
  });

  it('a connection over its reply budget is paused for the rest of the second (rule loops are bounded)', () => {
    const { session } = rules(`
limits: {replies-per-second: 5}
rules:
  - when: {any: true}
    reply: {text: again}
`);
    const t0 = 1_000_000;
    const results = Array.from({ length: 8 }, () => session.handle(Buffer.from('x'), undefined, t0));
    assert.equal(results.filter((r) => r !== 'limited').length, 5);
    assert.equal(results[7], 'limited');
    assert.notEqual(session.handle(Buffer.from('x'), undefined, t0 + 1000), 'limited', 'a new second, a new budget');
  });

  it('runAction: delay, repeat every, close — in order; cancel stops what is pending', async () => {
    const { session } = rules(`
rules:
  - when: {any: true}
    reply: {text: 'n{{seq}}'}
    repeat: 3
    every: 5ms
    delay: 5ms
    close: true
`);
    const a = session.handle(Buffer.from('go')) as RuleAction;
    const log: string[] = [];
    await new Promise<void>((done) => {
      runAction(a, {
        send: async (p) => void log.push(p.toString()),
        close: async () => {
          log.push('close');
          done();
        },
        onError: (e) => assert.fail(String(e)),
      });
    });
    assert.deepEqual(log, ['n1', 'n2', 'n3', 'close']);
    const b = session.handle(Buffer.from('go')) as RuleAction;
    const sent: string[] = [];
    const cancel = runAction(b, { send: async (p) => void sent.push(p.toString()), close: async () => void sent.push('close'), onError: () => undefined });
    cancel();
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(sent, []);
  });

  it('{{now:…}} is Python strftime; {{rand:N}} stays below N', () => {
    const d = new Date(2024, 0, 5, 7, 8, 9);
    const fmt = '%Y-%m-%d %X|%H:%M:%S|%y %j %a %A %b %B %p %I|%c|%%';
    const py = pythonJson(`import sys, json, time\nprint(json.dumps(time.strftime(json.load(sys.stdin), (2024, 1, 5, 7, 8, 9, 4, 5, -1))))`, fmt);
    assert.equal(strftime(fmt, d), py);
    const { session } = rules(`rules:\n  - when: {any: true}\n    reply: {text: '{{rand:3}}'}\n`);
    for (let i = 0; i < 30; i++) assert.match(replyText(session.handle(Buffer.from('x')))[0], /^[012]$/);
  });
});

function xorOf(s: string): string {
  let x = 0;
  for (const b of Buffer.from(s)) x ^= b;
  return x.toString(16).toUpperCase().padStart(2, '0');
}

function sum8Of(s: string): string {
  let x = 0;
  for (const b of Buffer.from(s)) x = (x + b) & 0xff;
  return x.toString(16).toUpperCase().padStart(2, '0');
}
