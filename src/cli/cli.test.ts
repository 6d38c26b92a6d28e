// End-to-end tests of `sockdbg` (dist/cli.js, built before mocha) against Python peers on 127.0.0.1.
import * as dgram from 'node:dgram';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { cli, runCli, python, listeningPort, peerPort, killAll, cleanupTemp, tempDir, freePort, CLI } from './test/harness';
import * as peers from './test/peers';
import { TIME_SERVER } from './test/tutorial';

/** Runs a program to completion; its stdout, or undefined when it cannot be run or fails. */
function runProgram(cmd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 5000 }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}

function frames(events: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return events.filter((e) => e.type === 'frame');
}

describe('sockdbg CLI (against Python peers)', function () {
  this.timeout(20000);

  before(function () {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  });
  afterEach(() => killAll());
  after(() => cleanupTemp());

  describe('usage, help, exit code 1', () => {
    it('prints help and version with exit 0', async () => {
      const h = await runCli(['--help']);
      assert.equal(h.code, 0);
      assert.match(h.stdout, /sockdbg tcp listen/);
      const v = await runCli(['--version']);
      assert.equal(v.code, 0);
      assert.match(v.stdout, /^sockdbg \d+\.\d+\.\d+/);
      const c = await runCli(['tcp', 'connect', '--help']);
      assert.equal(c.code, 0);
      assert.match(c.stdout, /--send-framing/);
    });

    it('udp help does not describe framing specs: the udp commands take no --framing', async () => {
      for (const cmd of ['bind', 'send']) {
        const h = await runCli(['udp', cmd, '--help']);
        assert.equal(h.code, 0);
        assert.doesNotMatch(h.stdout, /framing/i);
        assert.match(h.stdout, /Encodings:/);
      }
    });

    for (const [name, args, pattern] of [
      ['bad hex', ['tcp', 'connect', '127.0.0.1', '9', '--send-hex', 'zz'], /bad hex in --send-hex/],
      ['a bad framing spec', ['tcp', 'listen', '--port', '0', '--framing', 'length:z'], /bad --framing 'length:z'/],
      ['an unknown encoding', ['tcp', 'listen', '--port', '0', '--encoding', 'klingon'], /unknown encoding 'klingon' \(try utf-8, gbk, .*, hex, base64\)/],
      ['an unknown option', ['tcp', 'listen', '--port', '0', '--bogus'], /unknown option '--bogus'/],
      ['a bad port', ['tcp', 'listen', '--port', '70000'], /--port must be a port number/],
      ['a missing port', ['udp', 'send', '127.0.0.1'], /missing HOST and PORT/],
      ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
      ['--echo with --reply', ['tcp', 'listen', '--port', '0', '--echo', '--reply', 'x'], /cannot be used together/],
      ['a missing option value', ['tcp', 'connect', '127.0.0.1', '9', '--send'], /option '--send' needs a value/],
      ['a bad --reply-hex', ['tcp', 'listen', '--port', '0', '--reply-hex', '4g'], /bad hex in --reply-hex/],
      ['a bad --send-framing', ['tcp', 'connect', '127.0.0.1', '9', '--send-framing', 'fixed:0'], /bad --send-framing/],
      ['a bad --count', ['tcp', 'listen', '--port', '0', '--count', '0'], /--count must be a positive/],
    ] as Array<[string, string[], RegExp]>) {
      it(`exits 1 with a hint on ${name}, without a stack trace`, async () => {
        const r = await runCli(args);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, pattern);
        assert.match(r.stderr, /Run 'sockdbg .*--help' for usage/);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
        assert.equal(r.stdout, '');
      });
    }
  });

  describe('network errors, exit code 2', () => {
    it('refused: one clear line', async () => {
      const port = await freePort();
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--send', 'x']);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `sockdbg: connection to 127.0.0.1:${port} refused\n`);
    });

    it('port in use', async () => {
      const holder = python(peers.PORT_HOLDER);
      const port = await peerPort(holder);
      const r = await runCli(['tcp', 'listen', '--port', String(port)]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^sockdbg: .*in use \(another socket listens on it.*TIME_WAIT.*ss -ltnp 'sport = :\d+'.*\)\n$/);
    });

    it('timeout when nothing arrives', async () => {
      const srv = python(peers.SILENT_SERVER);
      const port = await peerPort(srv);
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--send', 'hi', '--timeout', '0.5']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^sockdbg: nothing received from 127\.0\.0\.1:\d+ within 0\.5 s\n$/);
    });

    it('a datagram over 65,507 bytes: exit 2, one line', async () => {
      const port = await freePort();
      const r = await runCli(['udp', 'send', '127.0.0.1', String(port)], Buffer.alloc(70000));
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^sockdbg: datagram too large for 127\.0\.0\.1:\d+ \(UDP payloads are limited to 65507 bytes\)\n$/);
    });

    it('udp send --wait times out with 2', async () => {
      const port = await freePort();
      const r = await runCli(['udp', 'send', '127.0.0.1', String(port), 'hi', '--wait', '--timeout', '0.5']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^sockdbg: /);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    });
  });

  describe('tcp listen', () => {
    it('splits two struct.pack(i) frames sent in one send into two frames (--json, --count)', async () => {
      const srv = cli(['tcp', 'listen', '--port', '0', '--framing', 'length:i', '--count', '2', '--json']);
      const port = await listeningPort(srv);
      python(peers.STRUCT_SENDER, [String(port)]);
      const r = await srv.exit();
      assert.equal(r.code, 0, r.stderr);
      const ev = srv.events;
      assert.equal(ev[0].type, 'listening');
      assert.equal(ev[0].port, port);
      const open = ev.find((e) => e.type === 'open');
      assert.ok(open);
      assert.match(String(open.peer), /^127\.0\.0\.1:\d+$/);
      const fs = frames(ev);
      assert.equal(fs.length, 2);
      assert.deepEqual(
        fs.map((f) => [f.len, f.text, f.hex]),
        [
          [5, 'hello', Buffer.from('hello').toString('hex')],
          [12, '吃包子啊', Buffer.from('吃包子啊').toString('hex')],
        ],
      );
      assert.equal(fs[0].conn, open.conn);
    });

    it('counts frames over many clients at once (--count)', async () => {
      const n = 20;
      const m = 5;
      const srv = cli(['tcp', 'listen', '--port', '0', '--framing', 'length:i', '--count', String(n * m), '--json']);
      const port = await listeningPort(srv);
      const clients = python(peers.MANY_CLIENTS, [String(port), String(n), String(m)]);
      const r = await srv.exit(15000);
      assert.equal(r.code, 0, r.stderr);
      const texts = frames(srv.events).map((f) => String(f.text));
      assert.equal(texts.length, n * m);
      const expected: string[] = [];
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) expected.push(`c${i}-${j}`);
      assert.deepEqual([...texts].sort(), expected.sort());
      assert.equal(new Set(srv.events.filter((e) => e.type === 'open').map((e) => e.conn)).size, n);
      const c = await clients.exit();
      assert.equal(c.code, 0, c.stderr);
    });

    it('--reply answers each frame, framed like the request', async () => {
      const srv = cli(['tcp', 'listen', '--port', '0', '--framing', 'length:i', '--reply', '收到', '--once']);
      const port = await listeningPort(srv);
      const client = python(peers.FRAMED_CLIENT, [String(port), 'one', 'two']);
      const c = await client.exit();
      assert.equal(c.stdout, 'reply:收到\nreply:收到\n', c.stderr);
      const r = await srv.exit();
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /127\.0\.0\.1:\d+ < 3 bytes: one\n/);
      assert.match(r.stdout, /127\.0\.0\.1:\d+ < 3 bytes: two\n/);
    });

    it('--reply-hex answers with raw bytes under raw framing; tcp connect --output saves what arrives', async () => {
      const srv = cli(['tcp', 'listen', '--port', '0', '--reply-hex', '0x4f,0x4b', '--count', '1']);
      const port = await listeningPort(srv);
      const out = join(tempDir(), 'reply.bin');
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--send', 'ping', '--count', '1', '--output', out, '--quiet']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(out, 'latin1'), 'OK');
      assert.equal((await srv.exit()).code, 0);
    });

    it('--echo sends frames back; --once exits when the client closes', async () => {
      const srv = cli(['tcp', 'listen', '--port', '0', '--framing', 'length:i', '--echo', '--once']);
      const port = await listeningPort(srv);
      const client = python(peers.FRAMED_CLIENT, [String(port), 'ping', '你好']);
      const c = await client.exit();
      assert.equal(c.stdout, 'reply:ping\nreply:你好\n', c.stderr);
      const r = await srv.exit();
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^listening on 127\.0\.0\.1:\d+ \(tcp\)\n/);
      assert.match(r.stdout, /connected\n/);
      assert.match(r.stdout, /closed by peer\n$/);
    });

    it('--output appends the payloads raw (1 MiB, --quiet)', async () => {
      const out = join(tempDir(), 'recv.bin');
      const size = 1024 * 1024 + 17;
      const srv = cli(['tcp', 'listen', '--port', '0', '--once', '--quiet', '--output', out]);
      const port = await listeningPort(srv);
      const client = python(peers.BULK_CLIENT, [String(port), String(size)]);
      const digest = (await client.exit()).stdout.trim();
      const r = await srv.exit();
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /bytes/); // --quiet: no frame lines
      const data = readFileSync(out);
      assert.equal(data.length, size);
      assert.equal(createHash('sha256').update(data).digest('hex'), digest);
    });

    it('reports a bad length prefix as an error event with the stream offset and lives on', async () => {
      const srv = cli(['tcp', 'listen', '--port', '0', '--framing', 'length:i', '--once', '--json']);
      const port = await listeningPort(srv);
      python(`
import socket, struct, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
sk.send(struct.pack('i', 2) + b'ok' + struct.pack('i', -1))
sk.close()
`, [String(port)]);
      const r = await srv.exit();
      assert.equal(r.code, 0, r.stderr);
      const ev = srv.events;
      assert.deepEqual(frames(ev).map((f) => f.text), ['ok']);
      const err = ev.find((e) => e.type === 'error');
      assert.ok(err, r.stdout);
      assert.equal(err.code, 'NEGATIVE_LENGTH');
      assert.match(String(err.message), /offset 6/);
      assert.equal(err.offset, 6);
      assert.equal(ev[ev.length - 1].type, 'close');
    });

    it('shows binary frames as a hexdump', async () => {
      const srv = cli(['tcp', 'listen', '--port', '0', '--once']);
      const port = await listeningPort(srv);
      python(`
import socket, struct, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
sk.send(struct.pack('i', 4096))
sk.close()
`, [String(port)]);
      const r = await srv.exit();
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /< 4 bytes\n {2}00000000 {2}00 10 00 00/);
    });
  });

  describe('tcp connect', () => {
    it("talks to the tutorial's JSON-header command server (--send-framing raw --framing json-header)", async () => {
      const srv = python(peers.JSON_HEADER_SERVER);
      const port = await peerPort(srv);
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--send', 'echo hi', '--send-framing', 'raw', '--framing', 'json-header', '--count', '1', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const [f] = frames(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>));
      assert.equal(f.text, 'hi\n');
      assert.equal(f.len, 3);
      assert.deepEqual(f.header, { total_size: 3 });
    });

    it('--send with --framing length:i sends 05000000 + hello', async () => {
      const srv = python(peers.READ_N_SERVER, ['9']);
      const port = await peerPort(srv);
      const c = cli(['tcp', 'connect', '127.0.0.1', String(port), '--send', 'hello', '--framing', 'length:i']);
      const line = await srv.waitLine((l) => l.startsWith('hex:'));
      assert.equal(line, 'hex:05000000' + Buffer.from('hello').toString('hex'));
      srv.child.kill();
      const r = await c.exit();
      assert.equal(r.code, 0, r.stderr);
    });

    it('keeps --send and --send-hex in command-line order', async () => {
      const srv = python(peers.READ_N_SERVER, ['5']);
      const port = await peerPort(srv);
      cli(['tcp', 'connect', '127.0.0.1', String(port), '--send-hex', '41 42', '--send', 'c', '--send-hex', '0x44,0x45']);
      assert.equal(await srv.waitLine((l) => l.startsWith('hex:')), 'hex:4142634445');
    });

    it('--encoding gbk shows what a GBK speaker says and encodes what is sent', async () => {
      const srv = python(peers.GBK_SERVER);
      const port = await peerPort(srv);
      // raw framing: the server's two sends may arrive as one chunk; the peer's close ends the command
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--encoding', 'gbk', '--send', '你好']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /127\.0\.0\.1:\d+ < \d+ bytes: 吃包子啊/);
      assert.match(r.stdout, /你说: 你好/);
      assert.match(r.stdout, /closed by peer\n$/);
      assert.equal(await srv.waitLine((l) => l.startsWith('got:')), 'got:你好');
    });

    it('--encoding base64 (raw framing) shows each chunk whole, not held back in 3-byte groups', async () => {
      const srv = python(peers.GBK_SERVER);
      const port = await peerPort(srv);
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--encoding', 'base64', '--send-hex', '68 69', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const fs = frames(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>));
      assert.ok(fs.length > 0);
      for (const f of fs) assert.equal(f.text, Buffer.from(String(f.hex), 'hex').toString('base64'));
    });

    it('sends stdin from a pipe as a stream and half-closes at the end', async () => {
      const srv = python(peers.SINK_SERVER);
      const port = await peerPort(srv);
      const input = 'hello\nworld\n\x00\xff';
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--json'], Buffer.from(input, 'latin1'));
      assert.equal(r.code, 0, r.stderr);
      const line = await srv.waitLine((l) => l.startsWith('hex:'));
      assert.equal(line, 'hex:' + Buffer.from(input, 'latin1').toString('hex'));
      const ev = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(frames(ev)[0].text, 'got 14 bytes');
      assert.equal(ev[ev.length - 1].type, 'close');
    });

    it('sends typed lines from a terminal one by one like input() (no line ending), encoded with --encoding, and FIN on Ctrl-D', async () => {
      const srv = python(peers.SINK_SERVER);
      const port = await peerPort(srv);
      // a terminal on stdin: Python's pty module plays the user
      const driver = python(`
import os, pty, subprocess, sys, time
master, slave = pty.openpty()
p = subprocess.Popen([sys.argv[1], sys.argv[2], 'tcp', 'connect', '127.0.0.1', sys.argv[3], '--encoding', 'gbk'],
                     stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
time.sleep(0.5)
os.write(master, "你好\\n".encode("utf-8"))
time.sleep(0.3)
os.write(master, b"q\\n")
time.sleep(0.3)
os.write(master, b"\\x04")
out, err = p.communicate(timeout=10)
print("rc:%d" % p.returncode)
sys.stdout.write(out.decode("utf-8"))
`, [process.execPath, CLI, String(port)]);
      const line = await srv.waitLine((l) => l.startsWith('hex:'), 10000);
      assert.equal(line, 'hex:' + Buffer.from([0xc4, 0xe3, 0xba, 0xc3]).toString('hex') + Buffer.from('q').toString('hex'));
      const d = await driver.exit(12000);
      assert.match(d.stdout, /^rc:0\n/, d.stderr);
      assert.match(d.stdout, /> 4 bytes: 你好\n/);
      assert.match(d.stdout, /< 11 bytes: got 5 bytes\n/);
    });

    it('with a framed --send-framing, each stdin line is one frame', async () => {
      const srv = python(peers.SINK_SERVER);
      const port = await peerPort(srv);
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--send-framing', 'length:i'], 'ab\nc\n');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await srv.waitLine((l) => l.startsWith('hex:')), 'hex:020000006162' + '0100000063');
    });

    it('--timeout ends quietly with 0 once frames arrived and the peer went idle', async () => {
      const srv = python(peers.JSON_HEADER_SERVER);
      const port = await peerPort(srv);
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--send', 'echo ok', '--framing', 'json-header', '--send-framing', 'raw', '--timeout', '1']);
      assert.equal(r.code, 0, r.stderr);
      // the server sends length, header and output apart: the frame may come split over chunks (marked)
      assert.match(r.stdout, /< 3 bytes( \[split over chunks \d+-\d+\])? header \{"total_size":3\}: ok\n/);
    });
  });

  describe('socket options (--reconnect, --no-delay, --keepalive, --broadcast)', () => {
    it('--reconnect: connects again after the server drops it, resends --send, receives on the new connection', async () => {
      const srv = python(peers.DROP_FIRST_SERVER);
      const port = await peerPort(srv);
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--send', 'hi', '--reconnect', '--count', '1', '--json'], undefined, 12000);
      assert.equal(r.code, 0, r.stderr);
      const ev = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(
        ev.map((e) => e.type),
        ['open', 'reconnecting', 'open', 'frame'],
      );
      assert.equal(ev[1].attempt, 1);
      assert.equal(ev[2].reconnected, true);
      assert.ok(ev.every((e) => e.conn === ev[0].conn), 'the connection keeps its id');
      assert.equal(ev[3].text, 'welcome back');
      assert.equal(await srv.waitLine((l) => l.startsWith('first:')), 'first:hi');
      assert.equal(await srv.waitLine((l) => l.startsWith('second:')), 'second:hi');
    });

    it('--reconnect reports each failed attempt in human output; --timeout ends it with 2', async () => {
      const srv = python(peers.DROP_FIRST_SERVER);
      const srvPort = await peerPort(srv);
      // the server drops us after the first recv; once it is gone every attempt is refused
      const c = cli(['tcp', 'connect', '127.0.0.1', String(srvPort), '--send', 'x', '--reconnect', '--timeout', '2.5']);
      await srv.waitLine((l) => l.startsWith('first:'));
      srv.child.kill('SIGKILL');
      const r = await c.exit(12000);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stdout, /connected\n/);
      assert.match(r.stdout, /connection lost; reconnecting \(attempt 1\)\n/);
      assert.match(r.stdout, /ECONNREFUSED|refused/);
      assert.match(r.stdout, /reconnecting \(attempt 2\)\n/);
      assert.match(r.stderr, /nothing received from 127\.0\.0\.1:\d+ within 2\.5 s/);
    });

    it('--keepalive and --no-delay are set on the socket (keep-alive timer seen with ss)', async function () {
      const srv = python(peers.HOLD_SERVER);
      const port = await peerPort(srv);
      const c = cli(['tcp', 'connect', '127.0.0.1', String(port), '--keepalive', '--no-delay', '--json']);
      await c.waitLine((l) => l.includes('"frame"'));
      assert.equal(frames(c.events)[0].text, 'ready');
      const ss = await runProgram('ss', ['-tnoH', 'state', 'established', 'dst', `127.0.0.1:${port}`]);
      c.child.kill('SIGTERM');
      assert.equal((await c.exit()).code, 0);
      if (ss === undefined) {
        console.log('      (ss is not available: only checked that the options are accepted and the connection works)');
        return;
      }
      assert.match(ss, /timer:\(keepalive,/, ss);
    });

    it('tcp listen --no-delay serves a client', async () => {
      const srv = cli(['tcp', 'listen', '--port', '0', '--no-delay', '--framing', 'length:i', '--echo', '--once', '--json']);
      const port = await listeningPort(srv);
      const c = python(peers.FRAMED_CLIENT, [String(port), 'nagle off']);
      assert.equal((await c.exit()).stdout, 'reply:nagle off\n');
      assert.equal((await srv.exit()).code, 0);
    });

    it('udp send --broadcast: a broadcast address is refused without it, delivered with it (127.255.255.255, on loopback)', async () => {
      // 127.255.255.255 is loopback's broadcast address: SO_BROADCAST is checked for it and the datagram stays on lo.
      const receiver = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => receiver.bind(0, '0.0.0.0', resolve));
      try {
        const port = receiver.address().port;
        const received: string[] = [];
        receiver.on('message', (m) => received.push(m.toString()));
        const without = await runCli(['udp', 'send', '127.255.255.255', String(port), 'hi']);
        assert.equal(without.code, 2);
        assert.match(without.stderr, /EACCES|permission|broadcast/i);
        const withIt = await runCli(['udp', 'send', '127.255.255.255', String(port), 'hi', '--broadcast']);
        assert.equal(withIt.code, 0, withIt.stderr);
        assert.match(withIt.stdout, /sent 2 bytes to 127\.255\.255\.255:\d+/);
        const deadline = Date.now() + 2000;
        while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.deepEqual(received, ['hi']);
      } finally {
        receiver.close();
      }
    });

    it('udp bind --broadcast still echoes over loopback', async () => {
      const b = cli(['udp', 'bind', '--port', '0', '--broadcast', '--echo', '--count', '1']);
      const port = await listeningPort(b);
      const c = python(peers.UDP_CLIENT, [String(port), 'bcast']);
      assert.equal((await c.exit()).stdout, 'reply:bcast\n');
      assert.equal((await b.exit()).code, 0);
    });
  });

  describe('signals', () => {
    it('SIGTERM stops a server cleanly with exit 0', async () => {
      const srv = cli(['tcp', 'listen', '--port', '0']);
      await listeningPort(srv);
      srv.child.kill('SIGTERM');
      const r = await srv.exit();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
    });
  });

  describe('udp', () => {
    it("asks the tutorial's UDP time server (udp send --wait)", async () => {
      const srv = python(TIME_SERVER, ['0']);
      const port = await peerPort(srv);
      const r = await runCli(['udp', 'send', '127.0.0.1', String(port), '%Y', '--wait', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const [f] = frames(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>));
      assert.equal(f.text, String(new Date().getFullYear()));
      assert.equal(f.peer, `127.0.0.1:${port}`);
    });

    it('udp send without TEXT sends stdin as one datagram', async () => {
      const srv = python(TIME_SERVER, ['0']);
      const port = await peerPort(srv);
      const r = await runCli(['udp', 'send', '127.0.0.1', String(port), '--wait'], 'year %Y');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`127\\.0\\.0\\.1:${port} < 9 bytes: year ${new Date().getFullYear()}\\n`));
    });

    it('udp bind --echo answers the sender; --count ends it', async () => {
      const b = cli(['udp', 'bind', '--port', '0', '--echo', '--count', '1', '--json']);
      const port = await listeningPort(b);
      const c = python(peers.UDP_CLIENT, [String(port), '老王: hi']);
      assert.equal((await c.exit()).stdout, 'reply:老王: hi\n');
      const r = await b.exit();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(frames(b.events)[0].text, '老王: hi');
    });
  });

  describe('struct', () => {
    it('packs like Python', async () => {
      for (const [fmt, values, py] of [
        ['i', ['4096'], "struct.pack('i', 4096)"],
        ['<hI?', ['-2', '7', 'true'], "struct.pack('<hI?', -2, 7, True)"],
        ['!Q', ['18446744073709551615'], "struct.pack('!Q', 18446744073709551615)"],
        ['>d4s', ['1.5', 'hex:00ff'], "struct.pack('>d4s', 1.5, b'\\x00\\xff')"],
        ['2c', ['a', 'b'], "struct.pack('2c', b'a', b'b')"],
      ] as Array<[string, string[], string]>) {
        const r = await runCli(['struct', 'pack', '--', fmt, ...values]);
        const p = python(`import struct\nprint(${py}.hex())\n`);
        const want = (await p.exit()).stdout.trim();
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.trim(), want, `${fmt} ${values.join(' ')}`);
      }
    });

    it('unpacks to JSON (bigints plain, bytes as hex:)', async () => {
      const r = await runCli(['struct', 'unpack', '<qI3s?d', 'ffffffffffffff7f 2a000000 414243 01 000000000000f83f']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '[9223372036854775807, 42, "hex:414243", true, 1.5]\n');
    });

    it('reports struct errors and bad values with exit 1', async () => {
      const r1 = await runCli(['struct', 'pack', 'i', '1', '2']);
      assert.equal(r1.code, 1);
      assert.match(r1.stderr, /pack expected 1 items for packing \(got 2\)/);
      const r2 = await runCli(['struct', 'pack', 'b', '300']);
      assert.equal(r2.code, 1);
      assert.match(r2.stderr, /struct\.error: /);
      const r3 = await runCli(['struct', 'pack', 'i', '-5']);
      assert.equal(r3.code, 1);
      assert.match(r3.stderr, /after '--'/);
      const r4 = await runCli(['struct', 'unpack', 'i', '0102']);
      assert.equal(r4.code, 1);
      assert.match(r4.stderr, /struct\.error: unpack requires a buffer of 4 bytes/);
    });
  });
});
