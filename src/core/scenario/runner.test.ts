import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProtocolFile } from '../protocol/load';
import { startPython, type PythonPeer } from '../test/python';
import { PY_MODBUS, READING_MESSAGES } from '../test/protocol';
import { junitXml } from './junit';
import { runScenario, type ScenarioResult } from './runner';

/** A tutorial-style TCP server: replies to each recv with the upper-cased text, and packs a reading on 'read'. */
const UPPER_SERVER = `
import socket, struct
${PY_MODBUS}

sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1])

conn, addr = sk.accept()
while True:
    res = conn.recv(1024)
    if not res:
        break
    if res == b'read':
        body = struct.pack('<BBHf', 3, 1, 7, 0.5)
        conn.send(body + struct.pack('<H', modbus(body)))
    elif res == b'bye':
        conn.send(b'bye')
        break
    else:
        conn.send(res.decode('utf-8').upper().encode('utf-8'))
conn.close()
sk.close()
`;

/** The tutorial's UDP server shape: recvfrom, answer with sendto. */
const UDP_SERVER = `
import socket

sk = socket.socket(type=socket.SOCK_DGRAM)
sk.bind(('127.0.0.1', 0))
print(sk.getsockname()[1])
while True:
    msg, addr = sk.recvfrom(1024)
    sk.sendto(b'got ' + msg, addr)
`;

/** A client under test: connects to the port in argv, sends hello, prints what it gets, says bye. */
const CLIENT = `
import socket, sys

sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
sk.send(b'hello')
res = sk.recv(1024)
print(res.decode('utf-8'))
sk.send(b'bye')
sk.close()
`;

// the reading of kind 3 that the server packs: the shared layout without its match
const MESSAGES = READING_MESSAGES.replace('    match: {kind: 2}\n', '');

describe('scenarios over loopback', function () {
  this.timeout(20_000);
  const peers: PythonPeer[] = [];
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'sockdbg-scn-'))));
  afterEach(() => peers.splice(0).forEach((p) => p.kill()));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function serve(code: string): Promise<string> {
    const p = startPython(code);
    peers.push(p);
    return String(await p.port());
  }

  function run(text: string, env: NodeJS.ProcessEnv = {}): Promise<ScenarioResult[]> {
    const file = join(dir, 't.sockdbg.yaml');
    writeFileSync(file, text);
    const f = parseProtocolFile(text, file, { ...process.env, ...env });
    return Promise.all(f.scenarios.map((s) => runScenario(s, { env })));
  }

  it('connect: send text, expect regex / text / message with checksum, expect-close — passes', async () => {
    const PORT = await serve(UPPER_SERVER);
    const [r] = await run(
      `${MESSAGES}
scenarios:
  - name: upper
    connect: tcp 127.0.0.1:\${PORT}
    steps:
      - send: {text: 'hello'}
      - expect: {regex: '^HEL+O$'}
      - send: {text: 'read'}
      - expect: {message: reading, where: {kind: 3, value: {lt: 1}}}
      - send: {text: 'bye'}
      - expect: {text: 'bye'}
      - expect-close: true
`,
      { PORT },
    );
    assert.equal(r.status, 'passed', r.message);
    assert.deepEqual(r.steps.map((s) => s.status), Array(7).fill('passed'));
    assert.match(r.steps[3].actual ?? '', /message reading \{"kind":3,"unit":1,"seq":7,"value":0.5\} crc16-modbus ✓/);
  });

  it('a failing expectation reports the step, what was expected and what arrived', async () => {
    const PORT = await serve(UPPER_SERVER);
    const [r] = await run(
      `scenarios:
  - name: wrong
    connect: tcp 127.0.0.1:\${PORT}
    steps:
      - send: {text: 'hello'}
      - expect: {text: 'hello', timeout: 2s}
      - send: {text: 'never sent'}
`,
      { PORT },
    );
    assert.equal(r.status, 'failed');
    assert.equal(r.steps[1].status, 'failed');
    assert.equal(r.steps[1].expected, 'text hello');
    assert.equal(r.steps[1].actual, '"HELLO"');
    assert.equal(r.steps[2].status, 'skipped');
    assert.match(r.message ?? '', /^step 2 \(line 6\): expected text hello, got "HELLO"$/);
    const xml = junitXml([r]);
    assert.match(xml, /<testcase classname="[^"]+t\.sockdbg\.yaml" name="wrong" [^>]*line="2"/);
    assert.match(xml, /<failure message="step 2 \(line 6\): expected text hello, got &quot;HELLO&quot;">step 2 \(line 6\): text hello\nexpected: text hello\nactual: {3}&quot;HELLO&quot;<\/failure>/);
  });

  it('an expectation that times out says so; a refused connection is an error (not a failure)', async () => {
    const PORT = await serve(UPPER_SERVER);
    const [r] = await run(`scenarios:\n  - name: silent\n    connect: tcp 127.0.0.1:\${PORT}\n    steps:\n      - expect: {text: x, timeout: 200ms}\n`, { PORT });
    assert.equal(r.status, 'failed');
    assert.equal(r.steps[0].actual, 'nothing within 0.2 s');
    // a port nobody listens on: take a free one and close it
    const srv = net.createServer();
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
    const free = String((srv.address() as net.AddressInfo).port);
    await new Promise((res) => srv.close(res));
    const [e] = await run(`scenarios:\n  - name: refused\n    connect: tcp 127.0.0.1:\${FREE}\n    steps: [{send: {text: x}}]\n`, { FREE: free });
    assert.equal(e.status, 'error');
    assert.match(e.message ?? '', /cannot connect to 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });

  it('listen + spawn: the program under test connects to us; it is stopped afterwards', async () => {
    writeFileSync(join(dir, 'client.py'), CLIENT);
    const [r] = await run(`scenarios:
  - name: client says hello
    listen: tcp 0
    spawn: python3 client.py \${PORT}
    steps:
      - expect: {text: hello}
      - send: {hex: '48 49'}
      - expect: {text: bye}
      - expect-close: {timeout: 3s}
`);
    assert.equal(r.status, 'passed', `${r.message} ${r.output}`);
    assert.match(r.output ?? '', /^HI$/m);
  });

  it('udp connect: datagrams to a tutorial-style UDP server', async () => {
    const PORT = await serve(UDP_SERVER);
    const [r] = await run(`scenarios:\n  - name: udp\n    connect: udp 127.0.0.1:\${PORT}\n    steps:\n      - send: {text: ping}\n      - expect: {text: got ping}\n      - send: {json: {a: [1, 2]}}\n      - expect: {starts-with: 'got {'}\n`, { PORT });
    assert.equal(r.status, 'passed', r.message);
  });
});
