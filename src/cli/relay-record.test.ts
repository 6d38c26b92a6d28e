// Recording, replay with a frame-by-frame diff, and pcapng export read back with tshark (dist/cli.js, Python peers).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, runCli, python, listeningPort, peerPort, killAll, cleanupTemp, tempDir, CLI, type Proc } from './test/harness';
import { JSON_HEADER_SERVER, UDP_CLIENT } from './test/peers';
import { TIME_SERVER } from './test/tutorial';
import { JSON_HEADER_CLIENT, NAIVE_CLIENT, NAIVE_SERVER } from './test/relay-peers';
import { ensureTool } from './test/system';
import { readRecording, laneData } from '../core/relay';

/** The tutorial's first server over IPv6 (AF_INET6 on ::1): one recv(1024), answers with what it got. */
const NAIVE_SERVER_V6 = NAIVE_SERVER.replace('socket.socket()', 'socket.socket(socket.AF_INET6)').replace("('127.0.0.1', 0)", "('::1', 0)");
const NAIVE_CLIENT_V6 = NAIVE_CLIENT.replace('socket.socket()', 'socket.socket(socket.AF_INET6)').replace("('127.0.0.1', int(sys.argv[1]))", "('::1', int(sys.argv[1]))");

/** records one json-header session (the tutorial's command server and client) through the relay */
async function recordJsonSession(dir: string, name: string, commands: string[], extra: string[] = []): Promise<{ rec: string; relay: Proc }> {
  const rec = join(dir, `${name}.jsonl`);
  const server = python(JSON_HEADER_SERVER);
  const relay = cli(['relay', '--listen', '0', '--to', `127.0.0.1:${await peerPort(server)}`, '--s2c-framing', 'json-header', '--record', rec, '--once', '--json', ...extra]);
  const client = python(JSON_HEADER_CLIENT, [String(await listeningPort(relay)), ...commands]);
  const c = await client.exit(15000);
  assert.equal(c.code, 0, c.stderr);
  assert.equal((await relay.exit(10000)).code, 0, relay.stderr);
  await server.exit();
  return { rec, relay };
}

/** the bytes of each direction of TCP stream 0 as tshark's Follow TCP Stream shows them */
function tsharkFollow(pcap: string): { c2s: Buffer; s2c: Buffer } {
  const out = execFileSync('tshark', ['-r', pcap, '-q', '-z', 'follow,tcp,raw,0'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const body = out.split('\n').filter((l) => /^\t?[0-9a-f]+$/.test(l));
  const c2s = body.filter((l) => !l.startsWith('\t')).join('');
  const s2c = body.filter((l) => l.startsWith('\t')).map((l) => l.slice(1)).join('');
  return { c2s: Buffer.from(c2s, 'hex'), s2c: Buffer.from(s2c, 'hex') };
}

function tsharkFields(pcap: string, fields: string[], filter?: string): string[] {
  const args = ['-r', pcap, '-T', 'fields', ...fields.flatMap((f) => ['-e', f]), ...(filter ? ['-Y', filter] : [])];
  return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n');
}

describe('sockdbg relay --record, replay, pcap', function () {
  this.timeout(60000);
  before(function () {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  });
  afterEach(() => killAll());
  after(() => cleanupTemp());

  it('records both lanes with timestamps and the exact chunk boundaries the relay read', async () => {
    const dir = tempDir();
    const { rec, relay } = await recordJsonSession(dir, 'a', ['echo hello', 'echo 吃包子啊']);
    const r = readRecording(rec);
    assert.equal(r.header.proto, 'tcp');
    assert.equal(r.header.laneFraming?.s2c, 'json-header');
    // the chunks as the relay printed them (--json carries every chunk, framed lane or not)
    const data = r.entries.filter((e) => e.type === 'data');
    const chunks = relay.events.filter((e) => e.type === 'chunk');
    assert.deepEqual(
      data.map((d) => (d.type === 'data' ? [d.lane, d.offset, d.len] : [])),
      chunks.map((c) => [c.lane, c.offset, c.len]),
    );
    const close = relay.events.find((e) => e.type === 'close');
    assert.equal(Buffer.concat(laneData(r, 'p1', 's2c')).length, (close?.s2c as { bytesIn: number }).bytesIn);
    assert.equal(Buffer.concat(laneData(r, 'p1', 'c2s')).toString(), 'echo helloecho 吃包子啊');
    const times = r.entries.map((e) => e.t);
    assert.deepEqual([...times].sort((a, b) => a - b), times);
    assert.deepEqual(r.entries.map((e) => e.type).filter((t) => t !== 'data'), ['open', 'end', 'end', 'close']);
  });

  it('replays a recording against a server: no difference → exit 0; a changed answer → exit 4 with the frame and byte', async () => {
    const dir = tempDir();
    const same = await recordJsonSession(dir, 'same', ['echo hello', 'echo 吃包子啊']);
    const s1 = python(JSON_HEADER_SERVER);
    const r1 = await runCli(['replay', same.rec, '--to', `127.0.0.1:${await peerPort(s1)}`, '--diff'], undefined, 15000);
    assert.equal(r1.code, 0, r1.stdout + r1.stderr);
    assert.match(r1.stdout, /^replayed p1 as the client: sent 27 bytes \(c2s\), got \d+ bytes \(s2c\)/);
    assert.match(r1.stdout, /frame 1 \(s2c offset 0\): same/);
    assert.match(r1.stdout, /no difference \(2 frames\)/);

    // $PPID is the server's process id: another server answers otherwise
    const differs = await recordJsonSession(dir, 'differs', ['echo hello', 'echo pid $PPID']);
    const s2 = python(JSON_HEADER_SERVER);
    const r2 = await runCli(['replay', differs.rec, '--to', `127.0.0.1:${await peerPort(s2)}`, '--diff', '--json'], undefined, 15000);
    assert.equal(r2.code, 4, r2.stdout + r2.stderr);
    const ev = r2.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const diffs = ev.filter((e) => e.type === 'diff');
    assert.deepEqual(diffs.map((d) => d.status), ['same', 'differs']);
    assert.equal(diffs[1].lane, 's2c');
    assert.ok((diffs[1].at as number) >= 4, 'the difference is after "pid "');
    assert.deepEqual(ev[ev.length - 1], { type: 'diff-summary', same: false, frames: 2, different: 1 });
  });

  it('replays as the server (--listen) to the tutorial client, diffing what the client sent', async () => {
    const dir = tempDir();
    const rec = join(dir, 'naive.jsonl');
    const server = python(NAIVE_SERVER);
    const relay = cli(['relay', '--listen', '0', '--to', `127.0.0.1:${await peerPort(server)}`, '--record', rec, '--once', '--quiet']);
    const c = python(NAIVE_CLIENT, [String(await listeningPort(relay)), 'hello, world!']);
    assert.equal((await c.exit()).stdout.trim(), 'client got:you said hello, world!');
    await relay.exit();
    const replay = cli(['replay', rec, '--listen', '0', '--diff']);
    const port = await listeningPort(replay);
    const c2 = python(NAIVE_CLIENT, [String(port), 'hello, world!']);
    assert.equal((await c2.exit()).stdout.trim(), 'client got:you said hello, world!');
    const done = await replay.exit(15000);
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.match(done.stdout, /replayed p1 as the server: sent 22 bytes \(s2c\), got 13 bytes \(c2s\)/);
    assert.match(done.stdout, /no difference \(1 frames\)/);
  });

  it('replays a UDP recording as the server (--listen): answers the client in order, diffs what it sent', async () => {
    // the tutorial's UDP client (一.2 client.py), sending each argv message and printing each answer
    const client = `
import socket, sys
ip_port = ('127.0.0.1', int(sys.argv[1]))
sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sk.settimeout(5)
for msg in sys.argv[2:]:
    sk.sendto(msg.encode('utf-8'), ip_port)
    data, addr = sk.recvfrom(1024)
    print('reply:' + data.decode('utf-8'))
sk.close()
`;
    const dir = tempDir();
    const rec = join(dir, 'udp-turns.jsonl');
    // the time server answers a text without % codes with the text itself: a deterministic conversation
    const server = python(TIME_SERVER, ['0']);
    const relay = cli(['relay', '--udp', '--listen', '0', '--to', `127.0.0.1:${await peerPort(server)}`, '--record', rec, '--quiet']);
    const c = python(client, [String(await listeningPort(relay)), 'hello', 'world', '吃包子啊']);
    assert.equal((await c.exit()).stdout, 'reply:hello\nreply:world\nreply:吃包子啊\n');
    relay.child.kill('SIGTERM');
    await relay.exit();

    const replay = cli(['replay', rec, '--listen', '0', '--diff']);
    const again = python(client, [String(await listeningPort(replay)), 'hello', 'world', '吃包子啊']);
    assert.equal((await again.exit()).stdout, 'reply:hello\nreply:world\nreply:吃包子啊\n');
    const done = await replay.exit(15000);
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.match(done.stdout, /replayed p1 as the server \(udp, to 127\.0\.0\.1:\d+\): sent 22 bytes, got 3 datagrams \(22 bytes\), the recording had 3/);
    assert.match(done.stdout, /no difference \(3 frames\)/);

    // a client that says something else: the answers still come in order, the diff names the datagram (exit 4)
    const replay2 = cli(['replay', rec, '--listen', '0', '--diff', '--json']);
    const other = python(client, [String(await listeningPort(replay2)), 'hello', 'WORLD', '吃包子啊']);
    assert.equal((await other.exit()).stdout, 'reply:hello\nreply:world\nreply:吃包子啊\n');
    const d2 = await replay2.exit(15000);
    assert.equal(d2.code, 4, d2.stdout + d2.stderr);
    const diffs = replay2.events.filter((e) => e.type === 'diff');
    assert.deepEqual(diffs.map((e) => [e.lane, e.status]), [['c2s', 'same'], ['c2s', 'differs'], ['c2s', 'same']]);
    assert.equal(diffs[1].got, Buffer.from('WORLD').toString('hex'));
  });

  describe('pcapng read back with tshark', function () {
    before(function () {
      // installed with apt-get when missing and we are root; an install that fails fails these tests
      if (!ensureTool('tshark', 'tshark')) {
        console.warn('    (tshark is not installed and we are not root to install it: skipping the pcapng read-back)');
        this.skip();
      }
    });

    it('Follow TCP Stream shows the recorded bytes of both lanes; --pcap live equals sockdbg pcap of the recording', async () => {
      const dir = tempDir();
      const live = join(dir, 'live.pcapng');
      const { rec } = await recordJsonSession(dir, 'p', ['echo hello', 'printf "%070000d" 5'], ['--pcap', live]);
      const out = join(dir, 'conv.pcapng');
      const conv = await runCli(['pcap', rec, out]);
      assert.equal(conv.code, 0, conv.stderr);
      assert.match(conv.stdout, /^wrote \d+ packets to /);
      assert.ok(readFileSync(out).equals(readFileSync(live)), 'the live and converted pcapng files are byte-identical');
      const r = readRecording(rec);
      const follow = tsharkFollow(out);
      assert.ok(follow.c2s.equals(Buffer.concat(laneData(r, 'p1', 'c2s'))));
      const s2c = Buffer.concat(laneData(r, 'p1', 's2c'));
      assert.ok(s2c.length > 70000);
      assert.ok(follow.s2c.equals(s2c), `s2c ${follow.s2c.length} vs ${s2c.length} bytes`);
      // one packet per chunk, handshake and FINs, checksums right, the recorded timestamps
      const flags = tsharkFields(out, ['tcp.flags.str']);
      assert.ok(flags[0].includes('S') && flags[1].includes('S') && flags[1].includes('A'));
      assert.equal(flags.filter((f) => f.includes('F')).length, 2);
      const data = r.entries.filter((e) => e.type === 'data');
      const dataPackets = tsharkFields(out, ['tcp.len'], 'tcp.len > 0').length;
      const expected = data.reduce((n, e) => n + (e.type === 'data' ? Math.ceil(e.len / 65000) : 0), 0);
      assert.equal(dataPackets, expected);
      const status = execFileSync('tshark', ['-r', out, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-T', 'fields', '-e', 'ip.checksum.status', '-e', 'tcp.checksum.status'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      assert.ok(status.trim().split('\n').every((l) => l === '1\t1'), status);
      const first = tsharkFields(out, ['frame.time_epoch'], 'tcp.len > 0')[0];
      const firstData = data[0];
      assert.ok(Math.abs(Number(first) * 1000 - (r.header.startMs + firstData.t)) < 1, 'timestamps as recorded');
    });

    it('IPv6 pairs become IPv6 packets, and Follow TCP Stream still shows the bytes', async () => {
      const dir = tempDir();
      const pcap = join(dir, 'v6.pcapng');
      const server = python(NAIVE_SERVER_V6);
      const relay = cli(['relay', '--listen', '[::1]:0', '--to', `[::1]:${await peerPort(server)}`, '--pcap', pcap, '--once', '--quiet']);
      const c = python(NAIVE_CLIENT_V6, [String(await listeningPort(relay)), 'hello over v6']);
      assert.equal((await c.exit()).stdout.trim(), 'client got:you said hello over v6');
      assert.equal((await relay.exit()).code, 0, relay.stderr);
      assert.deepEqual([...new Set(tsharkFields(pcap, ['ipv6.src']))].sort(), ['::1']);
      const follow = tsharkFollow(pcap);
      assert.equal(follow.c2s.toString(), 'hello over v6');
      assert.equal(follow.s2c.toString(), 'you said hello over v6');
    });

    it('UDP relays become UDP packets, one per datagram, both ways', async () => {
      const dir = tempDir();
      const rec = join(dir, 'udp.jsonl');
      const server = python(TIME_SERVER, ['0']);
      const relay = cli(['relay', '--udp', '--listen', '0', '--to', `127.0.0.1:${await peerPort(server)}`, '--record', rec, '--quiet']);
      const rp = await listeningPort(relay);
      for (const fmt of ['%Y', 'year %Y']) {
        const c = python(UDP_CLIENT, [String(rp), fmt]);
        assert.match((await c.exit()).stdout, /^reply:(year )?\d{4}$/m);
      }
      relay.child.kill('SIGTERM');
      await relay.exit();
      // pair p1 ('%Y', one client socket) replayed against a fresh time server: the same year comes back
      const server2 = python(TIME_SERVER, ['0']);
      const replay = await runCli(['replay', rec, '--to', `127.0.0.1:${await peerPort(server2)}`, '--diff', '--json'], undefined, 15000);
      const rev = replay.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(replay.code, 0, replay.stdout + replay.stderr);
      assert.equal(rev[0].datagrams, 1);
      assert.deepEqual(rev.filter((e) => e.type === 'diff').map((e) => e.status), ['same']);
      const out = join(dir, 'udp.pcapng');
      assert.equal((await runCli(['pcap', rec, out])).code, 0);
      const payloads = tsharkFields(out, ['udp.payload']).map((h) => Buffer.from(h, 'hex').toString());
      assert.equal(payloads.length, 4);
      assert.equal(payloads[0], '%Y');
      assert.match(payloads[1], /^\d{4}$/);
      assert.equal(payloads[2], 'year %Y');
      assert.match(payloads[3], /^year \d{4}$/);
    });
  });
});
