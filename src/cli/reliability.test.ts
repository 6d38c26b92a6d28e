// `sockdbg` under hostile or careless peers (dist/cli.js against Python peers on 127.0.0.1): bounded memory when a
// peer never reads, unfinished frames and unprintable headers reported and saved, UDP drops reported, and what
// `tcp connect` does when the peer sends FIN or stops reading.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { cli, python, listeningPort, peerPort, killAll, cleanupTemp, tempDir, CLI, type Proc } from './test/harness';
import * as peers from './test/reliabilityPeers';
import { SILENT_SERVER } from './test/peers';
import { Session } from './commands/session';

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

async function waitStderr(p: Proc, re: RegExp, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!re.test(p.stderr)) {
    if (Date.now() > deadline || p.child.exitCode !== null) throw new Error(`stderr never matched ${re}: ${JSON.stringify(p.stderr)} stdout=${JSON.stringify(p.stdout)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('sockdbg CLI: nothing lost, memory bounded', function () {
  this.timeout(30000);

  before(function () {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  });
  afterEach(() => killAll());
  after(() => cleanupTemp());

  it('tcp listen --echo: a client that sends 128 MiB without reading does not grow the server; it gets every byte back in order', async function () {
    if (!existsSync('/proc/self/status')) this.skip(); // RSS is read from /proc
    const srv = cli(['tcp', 'listen', '-p', '0', '--echo', '--quiet', '--once']);
    const port = await listeningPort(srv);
    const total = 128 * 1024 * 1024;
    const client = python(peers.FLOOD_NO_READ_CLIENT, [String(port), String(total)]);
    const stalled = await client.waitLine((l) => l.startsWith('stalled '), 20000);
    const sent = Number(stalled.split(' ')[1]);
    const rss = rssKiB(srv.child.pid!);
    assert.ok(sent < total / 4, `the server took ${sent} of ${total} bytes while the client read nothing`);
    assert.ok(rss < 110 * 1024, `server RSS ${rss} KiB while the client was not reading`);
    client.child.stdin?.write('go\n');
    const back = await client.waitLine((l) => l.startsWith('back '), 25000);
    assert.equal(back, `back ${total} ok`);
    assert.equal((await srv.exit()).code, 0);
  });

  it('an unfinished last line at FIN is shown, saved to --output and reported with its offset (human and --json)', async () => {
    const out = join(tempDir(), 'in.bin');
    const srv = cli(['tcp', 'listen', '-p', '0', '--framing', 'line', '--once', '--json', '-o', out]);
    const port = await listeningPort(srv);
    python(peers.SEND_AND_CLOSE_CLIENT, [String(port), 'hello\n半截']);
    const r = await srv.exit();
    assert.equal(r.code, 0);
    const ev = srv.events;
    const frame = ev.find((e) => e.type === 'frame');
    const unfinished = ev.find((e) => e.type === 'unfinished');
    assert.equal(frame?.text, 'hello');
    assert.deepEqual(
      { offset: unfinished?.offset, len: unfinished?.len, text: unfinished?.text, hex: unfinished?.hex },
      { offset: 6, len: 6, text: '半截', hex: Buffer.from('半截').toString('hex') },
    );
    const err = ev.find((e) => e.type === 'error' && e.code === 'INCOMPLETE_FRAME');
    assert.equal(err?.offset, 6);
    assert.equal(err?.conn, unfinished?.conn);
    assert.equal(readFileSync(out, 'utf8'), 'hello半截');

    const human = cli(['tcp', 'listen', '-p', '0', '--framing', 'line', '--once']);
    python(peers.SEND_AND_CLOSE_CLIENT, [String(await listeningPort(human)), 'hello\nrest']);
    const h = await human.exit();
    assert.match(h.stdout, / < 4 bytes of an unfinished frame at stream offset 6: rest\n/);
    assert.match(h.stderr, /4 bytes of an unfinished "line" frame at stream offset 6 when the peer closed its side \(FIN\)/);
  });

  it('a json-header frame nested 20,000 deep is printed (header named unprintable) and saved; nothing is lost after it', async () => {
    const out = join(tempDir(), 'deep.bin');
    const srv = cli(['tcp', 'listen', '-p', '0', '--framing', 'json-header', '--once', '--json', '-o', out]);
    python(peers.DEEP_HEADER_CLIENT, [String(await listeningPort(srv))]);
    const r = await srv.exit();
    assert.equal(r.code, 0);
    const frames = srv.events.filter((e) => e.type === 'frame');
    assert.deepEqual(
      frames.map((f) => f.text),
      ['abc', 'xy'],
    );
    assert.match(String(frames[0].headerError), /cannot be printed as JSON/);
    assert.deepEqual(frames[1].header, { total_size: 2 });
    assert.ok(!srv.events.some((e) => e.type === 'error'), r.stdout);
    assert.equal(readFileSync(out, 'utf8'), 'abcxy');

    const human = cli(['tcp', 'listen', '-p', '0', '--framing', 'json-header', '--once']);
    python(peers.DEEP_HEADER_CLIENT, [String(await listeningPort(human))]);
    const h = await human.exit();
    assert.match(h.stdout, / < 3 bytes( \[sticky: [^\]]*\])? header \(not printable: .*\): abc\n/);
    assert.equal(h.stderr, '');
  });

  it('--output is written before the frame is shown: a frame whose report fails is saved and named by connection and offset', async () => {
    const out = join(tempDir(), 'first.bin');
    const stdout = new PassThrough();
    stdout.write = () => {
      throw new Error('stdout is gone');
    };
    let stderr = '';
    const errStream = new PassThrough();
    errStream.on('data', (d: Buffer) => (stderr += d.toString()));
    const s = new Session(
      { stdout, stderr: errStream, stdin: new PassThrough(), onSignal: () => () => undefined },
      { command: 'tcp listen', json: false, quiet: false, encoding: 'utf-8', framing: 'line', output: out },
    );
    await s.openOutput();
    s.received('c7', Buffer.from('saved'), { peer: '127.0.0.1:5000', offset: 42 });
    s.finish(0);
    await s.done;
    assert.equal(readFileSync(out, 'utf8'), 'saved');
    assert.match(stderr, /c7 \(127\.0\.0\.1:5000\): cannot show the 5-byte frame at stream offset 42: stdout is gone/);
  });

  it('udp bind: datagrams dropped while it was not reading are reported (--recv-buffer)', async function () {
    if (!existsSync('/proc/net/udp')) this.skip(); // the drop counter is Linux's
    const b = cli(['udp', 'bind', '-p', '0', '--recv-buffer', '4K', '--json']);
    const port = await listeningPort(b);
    b.child.kill('SIGSTOP');
    try {
      await python(peers.UDP_FLOOD, [String(port), '2000']).waitLine((l) => l === 'done', 15000);
    } finally {
      b.child.kill('SIGCONT');
    }
    const line = await b.waitLine((l) => l.includes('UDP_RECEIVE_DROPS'), 8000);
    const ev = JSON.parse(line) as { type: string; conn: string; message: string };
    assert.equal(ev.type, 'error');
    const n = Number(/dropped (\d+) datagram/.exec(ev.message)?.[1]);
    assert.ok(n > 0 && n <= 2000, ev.message);
    assert.match(ev.message, /--recv-buffer/);
    b.child.kill('SIGTERM');
    assert.equal((await b.exit()).code, 0);
  });

  it('udp bind --recv-buffer refuses a bad size with exit 1', async () => {
    const r = await cli(['udp', 'bind', '-p', '0', '--recv-buffer', 'lots']).exit();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--recv-buffer must be a byte count/);
  });

  it('tcp connect: input after the peer\'s FIN is still sent (the peer can read), with a notice', async () => {
    const srv = python(peers.FIN_FIRST_SERVER);
    const port = await peerPort(srv);
    const c = cli(['tcp', 'connect', '127.0.0.1', String(port), '--json']);
    c.child.stdin?.write('first\n');
    await srv.waitLine((l) => l === 'fin');
    await c.waitLine((l) => l.includes('"PEER_FIN"'));
    c.child.stdin?.end('second\n');
    const got = await srv.waitLine((l) => l.startsWith('got:'));
    assert.equal(Buffer.from(got.slice(4), 'hex').toString(), 'first\nsecond\n');
    const r = await c.exit();
    assert.equal(r.code, 0);
    assert.ok(!/not sent/.test(r.stderr), r.stderr);
  });

  it('tcp connect: a peer that never reads gets a warning after a stall, and the unsent input is reported at exit', async () => {
    const srv = python(SILENT_SERVER);
    const port = await peerPort(srv);
    const c = cli(['tcp', 'connect', '127.0.0.1', String(port)]);
    c.child.stdin?.on('error', () => undefined);
    c.child.stdin?.write(Buffer.alloc(32 * 1024 * 1024, 0x61));
    await waitStderr(c, /has read nothing for \d+ s: \d+ bytes of input wait to be sent/, 15000);
    c.child.kill('SIGTERM');
    const r = await c.exit(10000);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /\d+ bytes of input were not sent to 127\.0\.0\.1:\d+ \(\d+ bytes were\)/);
  });
});
