// Conversations (issue 8): the tutorial's programs, run as written (src/cli/test/tutorial.ts), against `sockdbg` in
// the other role over loopback: turns (--expect/--turns), speaking first, typed lines (stdin), --send-encoding,
// json-header messages (--header, --send-file), chunk boundaries, the check_conn HMAC programs.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { cli, runCli, python, listeningPort, peerPort, killAll, cleanupTemp, tempDir, CLI, type Proc } from './test/harness';
import * as peers from './test/peers';
import * as T from './test/tutorial';
import { ChunkTracker } from './commands/chunks';
import { printableText, formatHumanFrame } from './output';
import { pythonBytesRepr } from './commands/hmac';
import { parseCommandArgs } from './args';
import { parseOutgoing, STEP_OPTIONS } from './commands/outgoing';

type Ev = Record<string, unknown>;
const framesOf = (p: Proc | string): Ev[] =>
  (typeof p === 'string' ? p.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Ev) : p.events).filter((e) => e.type === 'frame');
const texts = (p: Proc | string): string[] => framesOf(p).map((f) => String(f.text));

/** Waits for a received frame (with --json) whose text satisfies `pred`. */
function waitFrame(p: Proc, pred: (text: string) => boolean, ms = 8000): Promise<string> {
  return p.waitLine((l) => l.startsWith('{') && (JSON.parse(l) as Ev).type === 'frame' && pred(String((JSON.parse(l) as Ev).text)), ms);
}

/** Types one line into a program's stdin. */
function type(p: Proc, line: string): void {
  p.child.stdin?.write(line + '\n');
}

describe('sockdbg conversations: the tutorial programs in both roles', function () {
  this.timeout(20000);
  before(function () {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  });
  afterEach(() => killAll());
  after(() => cleanupTemp());

  describe('一.1 the first client/server pair', () => {
    it('sockdbg as the client: --send wyb --expect 1 --send 中午吃什么 --expect 1 gets two separate replies, exits 0', async () => {
      const srv = python(T.TCP_SERVER, ['0']);
      const port = await peerPort(srv);
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--send', 'wyb', '--expect', '1', '--send', '中午吃什么', '--expect', '1', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(texts(r.stdout), ['hi!', '吃包子啊!']);
      const sent = r.stdout.split('\n').filter((l) => l.includes('"sent"')).map((l) => (JSON.parse(l) as Ev).text);
      assert.deepEqual(sent, ['wyb', '中午吃什么']);
      assert.deepEqual((await srv.exit()).stdout.split('\n').slice(1, 3), ["b'wyb'", '中午吃什么']);
    });

    it('sockdbg as the client with --turns (human transcript shows > and < lines)', async () => {
      const srv = python(T.TCP_SERVER, ['0']);
      const port = await peerPort(srv);
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--turns', '--send', 'wyb', '--send', '中午吃什么']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /> 3 bytes: wyb\n.*< 3 bytes: hi!\n.*> 15 bytes: 中午吃什么\n.*< 13 bytes: 吃包子啊!\n/s);
    });

    it('sockdbg as the server: --expect 1 --send hi! --expect 1 --send 吃包子啊! on each accepted client', async () => {
      const srv = cli(['tcp', 'listen', '--port', '0', '--once', '--json', '--expect', '1', '--send', 'hi!', '--expect', '1', '--send', '吃包子啊!']);
      const port = await listeningPort(srv);
      const c = await python(T.TCP_CLIENT, [String(port)]).exit();
      assert.equal(c.code, 0, c.stderr);
      assert.equal(c.stdout, "b'hi!'\n吃包子啊!\n");
      const r = await srv.exit();
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(texts(r.stdout), ['wyb', '中午吃什么']);
    });
  });

  describe('turns from scripts: exit codes', () => {
    it('an --expect that is not met in --expect-timeout exits 2 naming the turn', async () => {
      const srv = python(peers.SILENT_SERVER);
      const port = await peerPort(srv);
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--send', 'hi', '--expect', '/ok/', '--expect-timeout', '0.5']);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `sockdbg: turn 2: timed out after 0.5 s waiting for /ok/ from 127.0.0.1:${port} (nothing arrived)\n`);
    });

    it('a peer that closes during an --expect: exit 2', async () => {
      const srv = python(T.TCP_SERVER, ['0']);
      const port = await peerPort(srv);
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--send', 'wyb', '--expect', '1', '--send', 'x', '--expect', '2']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /closed the connection during turn 4 \(--expect 2 frames\)/);
    });

    it("--send '' on TCP is refused: TCP cannot carry an empty message; bad --expect, --eol, --header, --to are usage errors", async () => {
      const cases: Array<[string[], RegExp]> = [
        [['tcp', 'connect', '127.0.0.1', '9', '--send', ''], /--send '': TCP cannot carry an empty message/],
        [['tcp', 'connect', '127.0.0.1', '9', '--send', 'x', '--expect', '/(/'], /bad --expect pattern/],
        [['tcp', 'connect', '127.0.0.1', '9', '--eol', 'cr'], /--eol must be none, lf or crlf/],
        [['tcp', 'connect', '127.0.0.1', '9', '--send', 'x', '--header', '{"a":1}'], /--header needs json-header framing/],
        [['tcp', 'listen', '--port', '0', '--to', 'bob'], /--to must be newest, all or a connection id/],
        [['udp', 'bind', '--port', '0', '--to', 'nowhere'], /--to must be HOST:PORT/],
      ];
      for (const [args, re] of cases) {
        const r = await runCli(args);
        assert.equal(r.code, 1, args.join(' '));
        assert.match(r.stderr, re);
      }
      // with a framing, an empty payload is a frame: allowed
      const srv = python(peers.READ_N_SERVER, ['4']);
      const port = await peerPort(srv);
      cli(['tcp', 'connect', '127.0.0.1', String(port), '--send-framing', 'length:i', '--send', '']);
      assert.equal(await srv.waitLine((l) => l.startsWith('hex:')), 'hex:00000000');
    });
  });

  describe('typed lines with backpressure', () => {
    it('20 000 lines piped to a server before any client are all delivered, in order, once a client connects', async () => {
      const n = 20000;
      const lines = Array.from({ length: n }, (_, i) => `line ${i}`);
      const want = lines.join('\n') + '\n';
      const srv = cli(['tcp', 'listen', '--port', '0', '--quiet', '--eol', 'lf']);
      const port = await listeningPort(srv);
      srv.child.stdin?.end(want);
      const c = await python(
        `
import socket, sys, hashlib
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
want = int(sys.argv[2])
data = b''
while len(data) < want:
    d = sk.recv(65536)
    if not d:
        break
    data += d
print(len(data), hashlib.sha256(data).hexdigest())
sk.close()
`,
        [String(port), String(Buffer.byteLength(want))],
      ).exit(15000);
      const { createHash } = await import('node:crypto');
      assert.equal(c.stdout.trim(), `${Buffer.byteLength(want)} ${createHash('sha256').update(want).digest('hex')}`);
      srv.child.kill('SIGTERM');
      assert.equal((await srv.exit()).code, 0);
    });
  });

  describe('一.3(1) 话痨对话: typed lines arrive like input(), so "bye" ends the chat', () => {
    it('sockdbg as the client, lines typed on stdin (--eol none)', async () => {
      const srv = python(T.CHAT_SERVER);
      const port = await peerPort(srv);
      srv.child.stdin?.end('你好\n');
      const c = cli(['tcp', 'connect', '127.0.0.1', String(port), '--eol', 'none', '--json']);
      type(c, 'hello');
      await waitFrame(c, (t) => t === '你好');
      type(c, 'bye');
      // the end of the typed input (Ctrl-D); from a pipe, input is still sent after the server's FIN until it ends
      c.child.stdin?.end();
      const r = await c.exit();
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(texts(r.stdout), ['你好', 'bye']);
      const s = await srv.exit();
      assert.equal(s.code, 0, s.stderr);
      assert.match(s.stdout, /^\d+\nhello\n>>>$/);
    });

    it('sockdbg as the server: typed lines go to the newest client and show in the transcript', async () => {
      const srv = cli(['tcp', 'listen', '--port', '0', '--once', '--json']);
      const port = await listeningPort(srv);
      const client = python(T.CHAT_CLIENT, [String(port)]);
      client.child.stdin?.end('hello\n在吗\n');
      await waitFrame(srv, (t) => t === 'hello');
      type(srv, '吃了吗');
      await waitFrame(srv, (t) => t === '在吗');
      type(srv, 'bye');
      const c = await client.exit();
      assert.equal(c.code, 0, c.stderr);
      assert.equal(c.stdout, '>>>吃了吗\n>>>');
      const r = await srv.exit();
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(texts(r.stdout), ['hello', '在吗', 'bye']);
      assert.deepEqual(
        r.stdout.split('\n').filter((l) => l.includes('"sent"')).map((l) => (JSON.parse(l) as Ev).text),
        ['吃了吗', 'bye'],
      );
    });

    it('--eol lf and crlf add the line ending', async () => {
      for (const [eol, hex] of [
        ['lf', '610a'],
        ['crlf', '610d0a'],
      ]) {
        const srv = python(peers.SINK_SERVER);
        const port = await peerPort(srv);
        const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--eol', eol], 'a\n');
        assert.equal(r.code, 0, r.stderr);
        assert.equal(await srv.waitLine((l) => l.startsWith('hex:')), `hex:${hex}`);
      }
    });
  });

  describe('一.3(4) remote command: the controller speaks first', () => {
    it('sockdbg as the executor (client): --expect 1 then the answer, in GBK', async () => {
      const srv = python(T.REMOTE_CMD_SERVER);
      const port = await peerPort(srv);
      srv.child.stdin?.end('dir\nq\n');
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--encoding', 'gbk', '--expect', '1', '--send', '驱动器 C 中的卷', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(texts(r.stdout), ['dir', 'q']);
      const s = await srv.exit();
      assert.equal(s.code, 0, s.stderr);
      assert.match(s.stdout, /驱动器 C 中的卷/);
    });

    it('sockdbg as the controller (server): typed commands to the client, its output back', async () => {
      const srv = cli(['tcp', 'listen', '--port', '0', '--once', '--encoding', 'gbk', '--json']);
      const port = await listeningPort(srv);
      const client = python(T.REMOTE_CMD_CLIENT, [String(port)]);
      type(srv, 'echo hello');
      await waitFrame(srv, (t) => t === 'hello\n');
      type(srv, 'q');
      assert.equal((await client.exit()).code, 0);
      const r = await srv.exit();
      assert.equal(r.code, 0, r.stderr);
    });
  });

  describe('二.4(1) size, then "ok", then the data', () => {
    it('sockdbg as the executor (client): no sticky "8吃包子啊" any more', async () => {
      const srv = python(T.SIZE_OK_SERVER);
      const port = await peerPort(srv);
      srv.child.stdin?.end('dir\nq\n');
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--encoding', 'gbk', '--expect', '1', '--send', '8', '--expect', 'ok', '--send', '吃包子啊', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(texts(r.stdout).join(''), 'dirokq');
      const s = await srv.exit();
      assert.equal(s.code, 0, s.stderr);
      assert.match(s.stdout, /吃包子啊/);
    });

    it('sockdbg as the controller (server): types the command, then "ok" after the size', async () => {
      const srv = cli(['tcp', 'listen', '--port', '0', '--once', '--encoding', 'gbk', '--json']);
      const port = await listeningPort(srv);
      const client = python(T.SIZE_OK_CLIENT, [String(port)]);
      type(srv, 'echo hello');
      await waitFrame(srv, (t) => t === '6');
      type(srv, 'ok');
      await waitFrame(srv, (t) => t === 'hello\n');
      type(srv, 'q');
      assert.equal((await client.exit()).code, 0);
      assert.equal((await srv.exit()).code, 0);
    });
  });

  describe('二.4(2) struct length prefix', () => {
    it('sockdbg as the executor (client): --expect 1 --send-framing length:i', async () => {
      const srv = python(T.STRUCT_SERVER);
      const port = await peerPort(srv);
      srv.child.stdin?.end('dir\nq\n');
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--encoding', 'gbk', '--send-framing', 'length:i', '--expect', '1', '--send', '吃包子啊']);
      assert.equal(r.code, 0, r.stderr);
      const s = await srv.exit();
      assert.equal(s.code, 0, s.stderr);
      assert.match(s.stdout, /吃包子啊/);
    });

    it('sockdbg as the controller (server): tcp listen --framing length:i --send-framing raw', async () => {
      const srv = cli(['tcp', 'listen', '--port', '0', '--once', '--framing', 'length:i', '--send-framing', 'raw', '--encoding', 'gbk', '--json']);
      const port = await listeningPort(srv);
      const client = python(T.STRUCT_CLIENT, [String(port)]);
      type(srv, 'echo hello');
      await waitFrame(srv, (t) => t === 'hello\n');
      type(srv, 'q');
      assert.equal((await client.exit()).code, 0);
      assert.equal((await srv.exit()).code, 0);
    });
  });

  describe('三.2 JSON header', () => {
    it('sockdbg as the client: the command in UTF-8 (--send-encoding), the output shown as GBK', async () => {
      const srv = python(peers.JSON_HEADER_SERVER);
      const port = await peerPort(srv);
      const command = `python3 -c "import sys; sys.stdout.buffer.write('吃包子啊'.encode('gbk'))"`;
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--framing', 'json-header', '--send-framing', 'raw', '--encoding', 'gbk', '--send-encoding', 'utf-8', '--send', command, '--expect', '1', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const [f] = framesOf(r.stdout);
      assert.equal(f.text, '吃包子啊');
      assert.deepEqual(f.header, { total_size: 8 });
    });

    it('sockdbg as the server: tcp listen --send-framing json-header answers the raw command', async () => {
      const srv = cli(['tcp', 'listen', '--port', '0', '--once', '--send-framing', 'json-header', '--send-encoding', 'gbk', '--expect', '1', '--send', '吃包子啊', '--json']);
      const port = await listeningPort(srv);
      const client = python(T.JSON_HEADER_CLIENT, [String(port)]);
      client.child.stdin?.end('dir\n');
      const c = await client.exit();
      // after its one command the client's input() meets the end of stdin (EOFError): it printed the answer first
      assert.match(c.stdout, /返回的消息:吃包子啊\n/);
      const r = await srv.exit();
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(texts(r.stdout), ['dir']);
    });

    it('--header and --send-file build the message byte for byte like json.dumps', async () => {
      const dir = tempDir();
      const file = join(dir, 'a.txt');
      writeFileSync(file, Buffer.from('文件内容\n', 'utf8'));
      const checker = python(`
import socket, struct, json
sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1])
conn, addr = sk.accept()
def recv_n(n):
    data = b''
    while len(data) < n:
        data += conn.recv(n - len(data))
    return data
n = struct.unpack('i', recv_n(4))[0]
header = recv_n(n)
body = recv_n(json.loads(header.decode('utf-8'))['total_size'])
conn.close()
want = json.dumps({'total_size': len(body), 'filename': 'a.txt', 'filesize': len(body), 'md5': None, 'size': 1.5, '中': '文'}).encode('utf-8')
print('exact' if header == want else 'differs: %r vs %r' % (header, want))
print(body.decode('utf-8'))
`);
      const port = await peerPort(checker);
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--send-framing', 'json-header', '--header', '{"filename": "a.txt", "md5": null, "size": 1.5, "中": "文"}', '--send-file', file]);
      assert.equal(r.code, 0, r.stderr);
      const out = (await checker.exit()).stdout;
      assert.match(out, /\nexact\n文件内容\n/);
    });
  });

  describe('五 socketserver', () => {
    it('sockdbg as the client, typing to the threaded server', async () => {
      const srv = python(T.SOCKETSERVER_SERVER);
      const port = await peerPort(srv);
      srv.child.stdin?.end('你好\n');
      const c = cli(['tcp', 'connect', '127.0.0.1', String(port), '--eol', 'none', '--json']);
      type(c, '老王: hello');
      await waitFrame(c, (t) => t === '你好');
      await srv.waitLine((l) => l.includes('老王: hello'));
      // end of typed input: FIN; the handler's next input() meets the end of its stdin and the server closes
      c.child.stdin?.end();
      assert.equal((await c.exit()).code, 0);
    });

    it('sockdbg as the server, answering the client typed', async () => {
      const srv = cli(['tcp', 'listen', '--port', '0', '--once', '--json']);
      const port = await listeningPort(srv);
      const client = python(T.SOCKETSERVER_CLIENT, [String(port)]);
      client.child.stdin?.end('hello\nq\n');
      await waitFrame(srv, (t) => t === '老王: hello');
      type(srv, '你好');
      const c = await client.exit();
      assert.equal(c.code, 0, c.stderr);
      assert.equal(c.stdout, '>>>你好\n>>>');
      const r = await srv.exit();
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(texts(r.stdout), ['老王: hello', 'q']);
    });
  });

  describe('一.3(3) QQ chat over UDP', () => {
    it('sockdbg as the client: udp bind --to the server, typed lines', async () => {
      const srv = python(T.QQ_SERVER, ['0']);
      const port = await peerPort(srv);
      srv.child.stdin?.end('你好\n');
      const b = cli(['udp', 'bind', '--port', '0', '--to', `127.0.0.1:${port}`, '--json']);
      await listeningPort(b);
      type(b, 'hi');
      await waitFrame(b, (t) => t === '你好');
      type(b, 'bye');
      const s = await srv.exit();
      assert.equal(s.code, 0, s.stderr);
      assert.match(s.stdout, /^\d+\nhi\n>>>$/);
      b.child.kill('SIGTERM');
      assert.equal((await b.exit()).code, 0);
    });

    it('sockdbg as the server: typed lines go to the last peer heard from; --ansi renders its colours', async () => {
      const b = cli(['udp', 'bind', '--port', '0', '--ansi']);
      const port = await listeningPort(b);
      const client = python(T.QQ_CLIENT, [String(port)]);
      client.child.stdin?.end('hi\nagain\n');
      await b.waitLine((l) => l.includes('来自老王的消息: hi'));
      type(b, '你好');
      await b.waitLine((l) => l.includes('来自老王的消息: again'));
      type(b, 'bye');
      const c = await client.exit();
      assert.equal(c.code, 0, c.stderr);
      assert.equal(c.stdout, '老王: 你好\n老王: ');
      b.child.kill('SIGTERM');
      const r = await b.exit();
      assert.ok(r.stdout.includes(': \x1b[34m来自老王的消息: hi\x1b[0m\x1b[0m\n'), r.stdout);
      assert.match(r.stdout, /> 6 bytes: 你好\n/);
    });
  });

  describe('一.2, 一.3(2), 二.3: the programs that only answer (worked before; kept working)', () => {
    it('一.2 UDP: sockdbg as the client (udp send --wait) and as the server (udp bind --reply bye)', async () => {
      const srv = python(T.UDP_SERVER, ['0']);
      const port = await peerPort(srv);
      const r = await runCli(['udp', 'send', '127.0.0.1', String(port), 'hello', '--wait']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /< 3 bytes: bye\n/);
      assert.match((await srv.exit()).stdout, /\nhello\n$/);
      const b = cli(['udp', 'bind', '--port', '0', '--reply', 'bye', '--count', '1']);
      const bport = await listeningPort(b);
      assert.equal((await python(T.UDP_CLIENT, [String(bport)]).exit()).stdout, 'bye\n');
      assert.equal((await b.exit()).code, 0);
    });

    it('一.3(2) time client: sockdbg as the time server answers the typed format', async () => {
      const b = cli(['udp', 'bind', '--port', '0', '--json']);
      const port = await listeningPort(b);
      const client = python(T.TIME_CLIENT, [String(port)]);
      client.child.stdin?.end('%Y\n');
      await waitFrame(b, (t) => t === '%Y');
      type(b, '2018');
      // the client prints the answer, then its next input() meets the end of stdin
      await client.waitLine((l) => l.endsWith('2018'));
      b.child.kill('SIGTERM');
      assert.equal((await b.exit()).code, 0);
    });

    it('二.3(1) and 二.3(2): sockdbg as the client and as the server', async () => {
      const s1 = python(T.STICKY_SERVER);
      const p1 = await peerPort(s1);
      await runCli(['tcp', 'connect', '127.0.0.1', String(p1), '--send', 'hello, world!', '--send', 'wyb666']);
      // the two --send go out as two writes: whether one recv(200) gets both depends on timing, as in the tutorial
      assert.match((await s1.exit()).stdout, /res: b'hello, world!(wyb666)?'/);
      const s2 = python(T.SMALL_RECV_SERVER);
      const p2 = await peerPort(s2);
      await runCli(['tcp', 'connect', '127.0.0.1', String(p2), '--send', 'hello, world!']);
      assert.match((await s2.exit()).stdout, /res: b'he'\nres2: b'llo, world'/);
      for (const client of [T.STICKY_CLIENT, T.SMALL_RECV_CLIENT]) {
        const l = cli(['tcp', 'listen', '--port', '0', '--once', '--json']);
        const port = await listeningPort(l);
        await python(client, [String(port)]).exit();
        const r = await l.exit();
        assert.equal(r.code, 0, r.stderr);
        assert.ok(texts(r.stdout).join('').startsWith('hello, world!'));
      }
    });
  });

  describe('chunk boundaries (黏包) in --json and the human output', () => {
    it('two frames from one recv are sticky (same chunk)', async () => {
      const srv = cli(['tcp', 'listen', '--port', '0', '--framing', 'length:i', '--count', '2', '--json']);
      const port = await listeningPort(srv);
      await python(peers.STRUCT_SENDER, [String(port)]).exit();
      const r = await srv.exit();
      assert.equal(r.code, 0, r.stderr);
      const fs = framesOf(r.stdout);
      assert.deepEqual(
        fs.map((f) => [f.chunks, f.sticky, f.split]),
        [
          [[0], true, false],
          [[0], true, false],
        ],
      );
    });

    it('a frame spread over two chunks is split; the human line marks it', async () => {
      // frame A and the first part of frame B in one send; the rest of B only after we answered A
      const srv = python(`
import socket, struct
sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1])
conn, addr = sk.accept()
b = "吃包子啊".encode("utf-8")
conn.send(struct.pack('i', 1) + b"A" + struct.pack('i', len(b)) + b[:5])
conn.recv(1024)
conn.send(b[5:])
conn.close()
`);
      const port = await peerPort(srv);
      const r = await runCli(['tcp', 'connect', '127.0.0.1', String(port), '--framing', 'length:i', '--send-framing', 'raw', '--expect', '1', '--send', 'go', '--expect', '1']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /< 1 byte \[sticky: chunk 0 shared with other frames\]: A\n/);
      assert.match(r.stdout, /< 12 bytes \[sticky: chunk 0-1 shared with other frames; split over chunks 0-1\]: 吃包子啊\n/);
    });

    it('ChunkTracker: raw, sticky, split', () => {
      const t = new ChunkTracker();
      t.chunk('c1', 0, 0, 10);
      assert.deepEqual(t.frame('c1', 0, 10), { chunks: [0], sticky: false, split: false });
      t.chunk('c1', 1, 10, 5);
      t.chunk('c1', 2, 15, 5);
      assert.deepEqual(t.frame('c1', 10, 20), { chunks: [1, 2], sticky: false, split: true });
      t.chunk('c1', 3, 20, 8);
      assert.deepEqual(t.frame('c1', 20, 24), { chunks: [3], sticky: true, split: false });
    });
  });

  describe('steps from the command line', () => {
    const steps = (argv: string[], sendFraming = 'raw') =>
      parseOutgoing(parseCommandArgs('tcp connect', argv, STEP_OPTIONS), 'tcp connect', { encoding: 'gbk', framing: 'raw', sendFraming, stream: true });
    it('keeps command-line order; --turns adds --expect 1 after sends without one; --send-encoding beside --encoding', () => {
      const o = steps(['--expect', '1', '--send', '8', '--expect', '/^ok$/i', '--send', '吃', '--send-hex', '41', '--turns', '--send-encoding', 'utf-8']);
      assert.deepEqual(
        o.steps.map((st) => (st.kind === 'send' ? `send ${st.payload.toString('hex')}` : `expect ${st.what}`)),
        ['expect 1 frame', 'send 38', 'expect /^ok$/i', 'send e59083', 'expect 1 frame', 'send 41', 'expect 1 frame'],
      );
      assert.equal(o.sendEncoding, 'utf-8');
      assert.equal(o.eol, 'none');
      assert.equal(steps(['--send', '吃']).steps[0].kind === 'send' && (steps(['--send', '吃']).steps[0] as { payload: Buffer }).payload.toString('hex'), 'b3d4');
    });
    it('--header goes to every framed send as json-header fields', () => {
      const o = steps(['--header', '{"filename": "a.txt"}', '--send', 'x'], 'json-header');
      assert.deepEqual(o.sendOptions, { framing: 'json-header', header: { filename: 'a.txt' } });
    });
  });

  describe('ANSI colour, off by default', () => {
    it('shows ESC as \\x1b unless --ansi', () => {
      const text = '\x1b[34m蓝\x1b[0m';
      assert.equal(printableText(text), '\\x1b[34m蓝\\x1b[0m');
      assert.equal(printableText(text, true), '\x1b[34m蓝\x1b[0m\x1b[0m');
      // other control bytes stay escaped with --ansi
      assert.equal(printableText('\x1b]0;title\x07', true), '\\x1b]0;title\\x07');
      const line = formatHumanFrame({ conn: 'c1', peer: 'p', payload: Buffer.from(text), text, time: 0 }, '<', { ansi: true });
      assert.ok(line.endsWith(': \x1b[34m蓝\x1b[0m\x1b[0m'));
    });
  });

  describe('六 check_conn (HMAC)', () => {
    it('sockdbg hmac computes hmac.new(key, msg, digestmod).digest() like Python', async () => {
      const py = python(`
import hmac
h = hmac.new(b"key", b"hello", "md5")
print(h.digest().hex())
print(h.digest())
print(hmac.new(b"wyb", bytes.fromhex("00ff27"), "sha256").digest().hex())
`);
      const want = (await py.exit()).stdout.split('\n');
      assert.equal((await runCli(['hmac', '--key', 'key', 'hello'])).stdout.trim(), want[0]);
      assert.equal((await runCli(['hmac', '--key', 'key', '--repr', 'hello'])).stdout.trim(), want[1]);
      assert.equal((await runCli(['hmac', '--key-hex', '777962', '--digest', 'sha256', '--hex', '00ff27'])).stdout.trim(), want[2]);
      assert.equal(pythonBytesRepr(Buffer.from([0x27, 0x22, 0x5c, 0x0a])), `b'\\'"\\\\\\n'`);
      assert.equal(pythonBytesRepr(Buffer.from("it's")), `b"it's"`);
    });

    it("exec refuses the tutorial's 3-byte key unless --allow-short-key (with a warning); the check_conn server accepts the answer", async () => {
      const env = { ...process.env, K: 'wyb' };
      const srv = python(T.CHECK_CONN_SERVER);
      const port = await peerPort(srv);
      const { spawn } = await import('node:child_process');
      const run = (args: string[]) =>
        new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          child.on('close', (code) => resolve({ code, stderr }));
        });
      const short = await run(['exec', '127.0.0.1', String(port), '--key-env', 'K', '--', 'true']);
      assert.equal(short.code, 1);
      assert.match(short.stderr, /too short \(3 bytes\)/);
      const r = await run(['exec', '127.0.0.1', String(port), '--key-env', 'K', '--digest', 'md5', '--allow-short-key', '--', 'true']);
      assert.match(r.stderr, /WARNING: the key is only 3 bytes \(--allow-short-key\)/);
      assert.match(r.stderr, /without a verdict.*check_conn/);
      // the challenge and our answer are shown, and `sockdbg hmac` recomputes the answer
      const m = /Challenge ([0-9a-f]{64}), our md5 answer ([0-9a-f]{32})/.exec(r.stderr);
      assert.ok(m, r.stderr);
      assert.equal((await runCli(['hmac', '--digest', 'md5', '--key', 'wyb', '--hex', m[1]])).stdout.trim(), m[2]);
      assert.equal(r.code, 2);
      const s = await srv.exit();
      assert.match(s.stdout, /\n合法的客户端\n/);
    });

    it('the agent with --allow-short-key accepts the check_conn client and logs the authentication', async () => {
      const { spawn } = await import('node:child_process');
      const agent = spawn(process.execPath, [CLI, 'agent', '--port', '0', '--key-env', 'K', '--digest', 'md5', '--allow-short-key'], { env: { ...process.env, K: 'wyb' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      agent.stderr.on('data', (d: Buffer) => (log += d.toString()));
      const seen = async (re: RegExp): Promise<RegExpMatchArray> => {
        for (let i = 0; i < 400; i++) {
          const m = log.match(re);
          if (m) return m;
          await new Promise((r) => setTimeout(r, 20));
        }
        throw new Error(`no ${re} in ${log}`);
      };
      try {
        const port = Number((await seen(/listening on 127\.0\.0\.1:(\d+)/))[1]);
        assert.match(log, /WARNING: the key is only 3 bytes/);
        const c = await python(T.CHECK_CONN_CLIENT, [String(port)]).exit();
        assert.equal(c.code, 0, c.stderr);
        await seen(/authenticated 127\.0\.0\.1:\d+/);
        await seen(/closed after authenticating/);
      } finally {
        agent.kill('SIGTERM');
      }
    });
  });
});
