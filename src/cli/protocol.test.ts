// End-to-end tests of protocol files in `sockdbg` (dist/cli.js): --rules, run, decode — against Python peers on 127.0.0.1.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PY_MODBUS, READING_MESSAGES } from '../core/test/protocol';
import { cli, runCli, python, listeningPort, killAll, cleanupTemp, tempDir, freePort, CLI } from './test/harness';

const DEVICE = `framing: raw
vars: {logins: 0}
${READING_MESSAGES}  ack:
    format: '<BBH'
    fields: [kind, unit, seq]
    match: {kind: 3}
    checksum: {algorithm: crc16-modbus, append: '<H'}
rules:
  - name: echo
    when: {regex: '^echo (.*)$'}
    reply: {text: 'ECHO {{1}} #{{seq}}'}
  - name: hot reading
    when: {message: reading, where: {value: {gt: 100}}}
    reply: {message: ack, values: {kind: 3, unit: '{{unit}}', seq: '{{seq}}'}}
  - name: login
    when: {text: login}
    reply: {text: 'welcome {{logins|inc}}'}
    set: {logins: '{{logins|inc}}'}
  - name: bye
    when: {text: bye}
    reply: {text: bye}
    close: true
`;

/** A tutorial-style client: send, recv, print — here the bytes as hex, one line per reply. */
const DEVICE_CLIENT = `
import socket, struct, sys

${PY_MODBUS}

sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
body = struct.pack('<BBHf', 2, 5, 42, 101.5)
for msg in [b'echo hi', body + struct.pack('<H', modbus(body)), b'login', b'login', b'bye']:
    sk.send(msg)
    print(sk.recv(1024).hex())
ack = struct.pack('<BBH', 3, 5, 42)
print('expected-ack', (ack + struct.pack('<H', modbus(ack))).hex())
print('eof', sk.recv(1024) == b'')
sk.close()
`;

describe('sockdbg protocol files (--rules, run, decode)', function () {
  this.timeout(20000);
  let dir: string;
  before(function () {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    dir = tempDir();
  });
  afterEach(() => killAll());
  after(() => cleanupTemp());

  function file(name: string, text: string): string {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  }

  it('tcp listen --rules answers a Python client: captures, seq, message reply with its CRC, variables, close', async () => {
    const rules = file('device.sockdbg.yaml', DEVICE);
    const srv = cli(['tcp', 'listen', '--port', '0', '--rules', rules, '--json']);
    const port = await listeningPort(srv);
    const client = python(DEVICE_CLIENT, [String(port)]);
    const out = await client.exit();
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trim().split('\n');
    assert.equal(Buffer.from(lines[0], 'hex').toString(), 'ECHO hi #1');
    assert.equal(lines[1], lines[5].split(' ')[1], 'the ack is packed like Python with its Modbus CRC');
    assert.equal(Buffer.from(lines[2], 'hex').toString(), 'welcome 1');
    assert.equal(Buffer.from(lines[3], 'hex').toString(), 'welcome 2');
    assert.equal(Buffer.from(lines[4], 'hex').toString(), 'bye');
    assert.equal(lines[6], 'eof True', 'close: true closed the connection');
    await srv.waitLine((l) => l.includes('"type":"close"'));
    srv.child.kill('SIGINT');
    await srv.exit();
    const ev = srv.events;
    assert.deepEqual(ev.filter((e) => e.type === 'rule').map((e) => e.rule), ['echo', 'hot reading', 'login', 'login', 'bye']);
    const msg = ev.find((e) => e.type === 'message');
    assert.deepEqual(msg?.fields, { kind: 2, unit: 5, seq: 42, value: 101.5 });
    assert.deepEqual((msg?.checksum as { ok: boolean }).ok, true);
  });

  it('udp bind --rules: the tutorial time server as a rule (strftime of the format the client sends)', async () => {
    const rules = file('time.sockdbg.yaml', `rules:\n  - when: {regex: '^(.+)$', flags: s}\n    reply: {text: '{{1|strftime}}'}\n  - when: {any: true}\n    reply: {text: '{{now:%Y-%m-%d %X}}'}\n`);
    const srv = cli(['udp', 'bind', '--port', '0', '--rules', rules]);
    const port = await listeningPort(srv);
    const client = python(
      `
import socket, sys
ip_port = ('127.0.0.1', int(sys.argv[1]))
udp_client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for msg in ['%Y', '%H:%M', '']:
    udp_client.sendto(msg.encode('utf-8'), ip_port)
    data = udp_client.recv(1024)
    print(data.decode('utf-8'))
udp_client.close()
`,
      [String(port)],
    );
    const out = await client.exit();
    assert.equal(out.code, 0, out.stderr);
    const [year, hm, full] = out.stdout.trim().split('\n');
    assert.equal(year, String(new Date().getFullYear()));
    assert.match(hm, /^\d\d:\d\d$/);
    assert.match(full, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('a bad rules file: exit 1, every problem with file:line:col, nothing listens', async () => {
    const bad = file('bad.sockdbg.yaml', "rules:\n  - when: {regex: '(x'}\n    reply: {text: '{{1}}'}\n");
    const r = await runCli(['tcp', 'listen', '--port', '0', '--rules', bad]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `sockdbg: ${bad}:2:19: bad regex: /(x/: Unterminated group\n`);
    const schema = file('schema.sockdbg.yaml', 'rules:\n  - when: {regex: a}\n    replly: 1\n  - when: {regex: b}\n    delai: 1\n');
    const s = await runCli(['udp', 'bind', '--port', '0', '--rules', schema]);
    assert.equal(s.code, 1);
    assert.deepEqual(s.stderr.trim().split('\n').map((l) => l.split(': ')[1]), [`${schema}:3:5`, `${schema}:5:5`]);
  });

  it('a rule that answers every frame, facing a peer that echoes everything: the loop is bounded and reported', async () => {
    const rules = file('loop.sockdbg.yaml', 'limits: {replies-per-second: 20}\nrules:\n  - when: {any: true}\n    reply: {text: again}\n');
    const srv = cli(['tcp', 'listen', '--port', '0', '--rules', rules, '--quiet']);
    const port = await listeningPort(srv);
    const echo = python(
      `
import socket, sys, time
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
sk.settimeout(0.2)
sk.send(b'start')
n = 0
end = time.time() + 1.5
while time.time() < end:
    try:
        data = sk.recv(1024)
    except socket.timeout:
        continue
    if not data:
        break
    n += data.count(b'again')
    sk.send(data)
print(n)
sk.close()
`,
      [String(port)],
    );
    const out = await echo.exit();
    assert.equal(out.code, 0, out.stderr);
    const n = Number(out.stdout.trim());
    assert.ok(n >= 20 && n <= 20 * 3, `replies: ${n}`);
    srv.child.kill('SIGINT');
    const e = await srv.exit();
    assert.match(e.stderr, /rules paused on 127\.0\.0\.1:\d+ for the rest of this second: over 20 auto-replies per second/);
  });

  describe('sockdbg run', () => {
    it('exit 0 when all pass, 1 with the failing step (expected/actual), 2 on a network error; --junit, --json, --scenario', async () => {
      const rules = file('srv.sockdbg.yaml', DEVICE);
      const srv = cli(['tcp', 'listen', '--port', '0', '--rules', rules, '--quiet']);
      const port = await listeningPort(srv);
      const closed = await freePort();
      const scn = file(
        'scn.sockdbg.yaml',
        `${DEVICE.split('rules:')[0]}scenarios:
  - name: echo answers
    connect: tcp 127.0.0.1:${port}
    steps:
      - send: {text: 'echo hi'}
      - expect: {regex: '^ECHO hi #1$', timeout: 2s}
      - send: {message: reading, values: {kind: 2, unit: 1, seq: 7, value: 101.5}}
      - expect: {message: ack, where: {seq: 7}}
  - name: wrong greeting
    connect: tcp 127.0.0.1:${port}
    steps:
      - send: {text: login}
      - expect: {text: 'hello', timeout: 2s}
  - name: nobody home
    connect: tcp 127.0.0.1:${closed}
    steps:
      - send: {text: x}
`,
      );
      const pass = await runCli(['run', scn, '--scenario', 'echo answers']);
      assert.equal(pass.code, 0, pass.stdout + pass.stderr);
      assert.match(pass.stdout, /^PASS {2}echo answers \(\d+ ms\)/m);
      assert.match(pass.stdout, /^1 scenario: 1 passed, 0 failed$/m);

      const junit = join(dir, 'out.xml');
      const fail = await runCli(['run', scn, '-s', 'echo answers', '-s', 'wrong greeting', '--junit', junit]);
      assert.equal(fail.code, 1);
      assert.match(fail.stdout, /^FAIL {2}wrong greeting .*\n {6}step 2 \(line \d+\): text hello\n {6}expected: text hello\n {6}actual: {3}"welcome 1"$/m);
      assert.match(readFileSync(junit, 'utf8'), /<testcase [^>]*name="wrong greeting"[^>]*>\n\s*<failure message="step 2/);

      const all = await runCli(['run', scn, '--json']);
      assert.equal(all.code, 2);
      const ev = all.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(ev.map((e) => e.status ?? e.type), ['passed', 'failed', 'error', 'summary']);
      assert.match(String(ev[2].message), /cannot connect to 127\.0\.0\.1:\d+: .*ECONNREFUSED/);

      const unknown = await runCli(['run', scn, '-s', 'nope']);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /no scenario named 'nope' \(scenarios: 'echo answers', 'wrong greeting', 'nobody home'\)/);
      srv.child.kill('SIGINT');
      await srv.exit();
    });
  });

  describe('sockdbg decode', () => {
    it('prints messages and fields from --hex or stdin; an unfinished frame is an error', async () => {
      const f = file('dec.sockdbg.yaml', `framing: length:>H\n${DEVICE.slice(DEVICE.indexOf('messages:'), DEVICE.indexOf('rules:'))}`);
      // 00 0a + a reading; 00 02 + 'hi'
      const r = await runCli(['decode', f, '--hex', '000a 0201070000 00cb42 07a4  0002 6869']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '@0 10 bytes: message reading {"kind":2,"unit":1,"seq":7,"value":101.5} crc16-modbus ✓\n@12 2 bytes: "hi" (no message fits)\n');
      const bad = await runCli(['decode', f, '--json'], Buffer.from('000a' + '02010700000000000000' + '00056162', 'hex'));
      assert.equal(bad.code, 1);
      const ev = JSON.parse(bad.stdout.trim()) as { checksum: { ok: boolean } };
      assert.equal(ev.checksum.ok, false);
      assert.equal(bad.stderr, 'sockdbg: unfinished frame: 4 bytes at stream offset 12 (00 05 61 62)\n');
    });
  });
});
