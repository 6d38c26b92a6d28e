// Fault options on sockdbg's own senders (tcp connect, tcp listen, udp), end to end over real sockets (dist/cli.js):
// Python receivers written like the tutorial's count what their recv() calls return.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cli, runCli, python, listeningPort, peerPort, killAll, cleanupTemp, CLI } from './test/harness';
import { JSON_HEADER_CLIENT, LENGTH_PREFIXED_SERVER, NAIVE_CLIENT, NAIVE_SERVER } from './test/relay-peers';
import { RECV_SIZES_SERVER, type RecvReport } from '../core/test/python';

const EXAMPLES = join(__dirname, '../../../examples/tutorial');

/** `sockdbg tcp connect` to the recv-counting server, stdin piped in (FIN at its end); what the server got */
async function connectTo(input: string, faultArgs: string[]): Promise<{ got: RecvReport; stderr: string; code: number | null }> {
  const server = python(RECV_SIZES_SERVER);
  const port = await peerPort(server);
  const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), ...faultArgs], input, 15000);
  const line = await server.waitLine((l) => l.startsWith('{'));
  return { got: JSON.parse(line) as RecvReport, stderr: r.stderr, code: r.code };
}

describe('sockdbg tcp / udp: fault options on our own senders', function () {
  this.timeout(30000);
  before(function () {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  });
  afterEach(() => killAll());
  after(() => cleanupTemp());

  it('tcp connect --chunk 3: the receiver recv()s 3-byte pieces, apart', async () => {
    const text = 'abcdefghijklmnopqrstuvwxyz0123';
    const { got, code, stderr } = await connectTo(text, ['--chunk', '3', '--gap', '15']);
    assert.equal(code, 0, stderr);
    assert.equal(Buffer.from(got.hex, 'hex').toString(), text);
    assert.ok(got.sizes.every((n) => n % 3 === 0), `recv sizes ${got.sizes.join(',')}`);
    assert.ok(got.sizes.filter((n) => n === 3).length >= 6, `recv sizes ${got.sizes.join(',')}`);
  });

  it("tcp connect --chunk random:1-4 --seed 42: the tutorial's naive recv(1024) server breaks, the length-prefixed one holds", async () => {
    const naive = python(NAIVE_SERVER);
    const np = await peerPort(naive);
    // --delay holds the message until the server waits in recv(); its pieces then arrive 30 ms apart
    await runCli(['tcp', 'connect', '127.0.0.1', String(np), '--chunk', 'random:1-4', '--seed', '42', '--gap', '30', '--delay', '300'], 'hello naive server', 15000);
    const got = (await naive.waitLine((l) => l.startsWith('server got:'))).slice('server got:'.length);
    // its one recv() returns a piece or a few, never the whole message
    assert.ok(got.length >= 1 && got.length < 'hello naive server'.length && 'hello naive server'.startsWith(got), `the naive server got '${got}'`);

    const framed = python(LENGTH_PREFIXED_SERVER);
    const fp = await peerPort(framed);
    const lines = ['hello', '吃包子啊', `${'0'.repeat(299)}7`];
    const r = await runCli(['tcp', 'connect', '127.0.0.1', String(fp), '--send-framing', 'length:i', '--chunk', 'random:1-4', '--seed', '42', '--gap', '1'], lines.join('\n') + '\n', 20000);
    assert.equal(r.code, 0, r.stderr);
    const out = await framed.exit(10000);
    assert.deepEqual(out.stdout.trim().split('\n').slice(1), lines.map((l) => `got:${l}`));
  });

  it('tcp listen --chunk random:A-B: the json-header client holds, the naive client breaks; a drawn seed is reported', async () => {
    const server = cli(['tcp', 'listen', '--port', '0', '--rules', join(EXAMPLES, 'cmd-server.sockdbg.yaml'), '--chunk', 'random:1-7', '--seed', '42', '--gap', '1', '--once', '--no-stdin']);
    const port = await listeningPort(server);
    const client = python(JSON_HEADER_CLIENT, [String(port), 'echo hello', `echo ${'0'.repeat(299)}7`]);
    const out = await client.exit(20000);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(out.stdout.trim().split('\n'), ['result:hello', `result:${'0'.repeat(299)}7`]);

    const echo = cli(['tcp', 'listen', '--port', '0', '--echo', '--chunk', 'random:1-4', '--gap', '30', '--once', '--no-stdin']);
    const ep = await listeningPort(echo);
    const naive = python(NAIVE_CLIENT, [String(ep), 'hello naive client']);
    const got = (await naive.waitLine((l) => l.startsWith('client got:'))).slice('client got:'.length);
    assert.ok(got.length >= 1 && got.length < 'hello naive client'.length && 'hello naive client'.startsWith(got), `the naive client got '${got}'`);
    echo.child.kill('SIGTERM');
    const e = await echo.exit();
    assert.match(e.stderr, /fault seed \d+ \(repeat this run with --seed \d+\)/);
  });

  it('--reset-after N sends RST: the peer sees ECONNRESET; the fault is reported', async () => {
    const { got, stderr } = await connectTo('hello world, and more', ['--reset-after', '5']);
    assert.equal(got.err, 'reset');
    assert.ok('hello'.startsWith(Buffer.from(got.hex, 'hex').toString()));
    assert.match(stderr, /reset \(RST\) by its fault plan after 5 bytes sent/);
  });

  it('--half-close N sends FIN after N bytes; the rest is reported, not sent', async () => {
    const { got, stderr } = await connectTo('abcdefghij', ['--half-close', '4']);
    assert.equal(got.err, '');
    assert.equal(Buffer.from(got.hex, 'hex').toString(), 'abcd');
    assert.match(stderr, /half-closed \(FIN\) by its fault plan after 4 bytes sent; 6 bytes queued after that not sent/);
  });

  it('--chunk split:K and merge, --delay, --drip and --rate deliver every byte in order', async () => {
    const text = 'the quick brown fox jumps over the lazy dog';
    const cases: Array<[string[], (sizes: number[]) => boolean]> = [
      [['--chunk', 'split:5,20', '--gap', '40'], (s) => s[0] === 5],
      [['--chunk', 'merge:30'], () => true],
      [['--delay', '30:10', '--seed', '1'], () => true],
      [['--drip', '10/30'], (s) => s.length >= 2],
      [['--rate', '2000'], () => true],
    ];
    for (const [args, sizesOk] of cases) {
      const { got, code, stderr } = await connectTo(text, args);
      assert.equal(code, 0, `${args.join(' ')}: ${stderr}`);
      assert.equal(Buffer.from(got.hex, 'hex').toString(), text, args.join(' '));
      assert.ok(sizesOk(got.sizes), `${args.join(' ')}: recv sizes ${got.sizes.join(',')}`);
    }
  });

  it('udp send --delay and udp bind --rate send whole datagrams', async () => {
    const server = python(`
import socket
sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sk.bind(('127.0.0.1', 0))
print(sk.getsockname()[1])
msg, addr = sk.recvfrom(1024)
print('got:' + msg.decode('utf-8'))
sk.sendto(msg.upper(), addr)
`);
    const port = await peerPort(server);
    const r = await runCli(['udp', 'send', '127.0.0.1', String(port), 'hello udp', '--delay', '40:10', '--rate', '1000', '--wait'], undefined, 10000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /HELLO UDP/);
    assert.equal(await server.waitLine((l) => l.startsWith('got:')), 'got:hello udp');
  });

  it('rejects fault options that do not fit the sender, with exit 1 and a clear message', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['tcp', 'connect', '127.0.0.1', '9', '--lane', 'c2s'], /--lane names a relay's lanes; a connection's faults act on what it sends/],
      [['tcp', 'listen', '--port', '0', '--drop', 'c2s'], /--drop names a relay's lanes/],
      [['udp', 'bind', '--port', '0', '--chunk', '3'], /--chunk acts on TCP streams, not on UDP/],
      [['udp', 'send', '127.0.0.1', '9', 'x', '--reset-after', '1'], /--reset-after acts on TCP streams, not on UDP/],
      [['tcp', 'connect', '127.0.0.1', '9', '--chunk', 'random:9-2'], /bad --chunk 'random:9-2': in random:A-B, B must be ≥ A/],
      [['tcp', 'connect', '127.0.0.1', '9', '--half-close', 'c2s:3'], /bad --half-close 'c2s:3'/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
  });
});
