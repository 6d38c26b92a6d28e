import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecClientError, runRemote } from './client';
import * as net from 'node:net';
import { digestSize, type ExecDigest } from './protocol';
import { KEY, rawAuthenticated, startAgent, startProxy, tempDir, waitGone, type TestAgent } from './testUtil';

const EXAMPLES = join(__dirname, '../../../../examples/python');

/** A server written like the seed's check_conn (section 六), with digestmod given. */
const SEED_SERVER = `
import os
import hmac
import socket
import sys

secret_key = sys.argv[1].encode("utf-8")
digestmod = sys.argv[2]

sk = socket.socket()
sk.bind(("127.0.0.1", 0))
sk.listen()
print(sk.getsockname()[1], flush=True)


def check_conn(conn):
    msg = os.urandom(32)
    conn.send(msg)
    h = hmac.new(secret_key, msg, digestmod)
    digest = h.digest()
    client_digest = conn.recv(1024)
    return hmac.compare_digest(digest, client_digest)


conn, addr = sk.accept()
res = check_conn(conn)
if res:
    print("合法的客户端", flush=True)
    conn.close()
else:
    print("不合法的客户端", flush=True)
    conn.close()
sk.close()
`;

interface Proc {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exit: Promise<number | null>;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr?.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function waitOutput(p: Proc, re: RegExp, which: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpMatchArray> {
  const until = Date.now() + 10_000;
  for (;;) {
    const m = p[which]().match(re);
    if (m) return m;
    if (Date.now() > until || p.child.exitCode !== null) throw new Error(`no ${re} in ${which}: ${p[which]()} / ${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('remote exec: Python peers', function () {
  this.timeout(30_000);
  const tmp = tempDir();
  after(() => tmp.cleanup());
  const seedFile = join(tmp.dir, 'seed_server.py');
  writeFileSync(seedFile, SEED_SERVER);

  describe("a server written like the seed's check_conn", () => {
    for (const digest of ['md5', 'sha256'] as ExecDigest[]) {
      it(`accepts our client's ${digest} answer`, async () => {
        const py = run('python3', [seedFile, KEY.toString(), digest]);
        const port = Number((await waitOutput(py, /^(\d+)\n/))[1]);
        // the seed server only checks the client and closes: our client reports that, the server says "valid"
        await assert.rejects(runRemote({ host: '127.0.0.1', port, key: KEY, digest, argv: ['true'] }), (e: unknown) => e instanceof ExecClientError);
        await py.exit;
        assert.match(py.stdout(), /合法的客户端/);
        assert.doesNotMatch(py.stdout(), /不合法的客户端/);
      });
    }

    it('rejects a wrong key', async () => {
      const py = run('python3', [seedFile, KEY.toString(), 'sha256']);
      const port = Number((await waitOutput(py, /^(\d+)\n/))[1]);
      await assert.rejects(runRemote({ host: '127.0.0.1', port, key: Buffer.from('not-the-key-at-all!'), argv: ['true'] }));
      await py.exit;
      assert.match(py.stdout(), /不合法的客户端/);
    });
  });

  describe('examples/python/client.py against the Node agent', () => {
    let a: TestAgent;
    afterEach(() => a?.close());

    it('runs a command: output, stderr and exit code', async () => {
      a = await startAgent({ digest: 'sha512' });
      const py = run('python3', [join(EXAMPLES, 'client.py'), '127.0.0.1', String(a.port), '--key-env', 'SOCKDBG_TEST_KEY', '--digest', 'sha512', '--', 'sh', '-c', 'echo 你好; echo oops >&2; exit 5'], {
        SOCKDBG_TEST_KEY: KEY.toString(),
      });
      assert.equal(await py.exit, 5);
      assert.equal(py.stdout(), '你好\n');
      assert.equal(py.stderr(), 'oops\n');
    });

    it('decodes GBK output with --encoding gbk', async () => {
      a = await startAgent();
      const script = "import sys; sys.stdout.buffer.write('中文输出\\n'.encode('gbk'))";
      const py = run('python3', [join(EXAMPLES, 'client.py'), '127.0.0.1', String(a.port), '--key-env', 'K', '--encoding', 'gbk', '--', 'python3', '-c', script], {
        K: KEY.toString(),
      });
      assert.equal(await py.exit, 0);
      assert.equal(py.stdout(), '中文输出\n');
    });

    it('exits 2 when the agent cannot prove the key (impostor), without sending the command', async () => {
      const net = await import('node:net');
      let afterProof = 0;
      let closed!: () => void;
      const gone = new Promise<void>((r) => (closed = r));
      const impostor = net.createServer((s) => {
        let n = 0;
        s.on('error', () => undefined);
        s.on('close', () => closed());
        s.write(Buffer.alloc(32, 1));
        s.on('data', (b: Buffer) => {
          const before = n;
          n += b.length;
          if (before < 32 && n >= 32) s.write(Buffer.of(1));
          if (before < 64 && n >= 64) s.write(Buffer.alloc(32, 2));
          if (n > 64) afterProof = n - 64;
        });
      });
      await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', () => r()));
      try {
        const port = (impostor.address() as import('node:net').AddressInfo).port;
        const py = run('python3', [join(EXAMPLES, 'client.py'), '127.0.0.1', String(port), '--key-env', 'K', '--', 'true'], { K: KEY.toString() });
        assert.equal(await py.exit, 2);
        assert.match(py.stderr(), /failed to prove it holds the key/);
        await gone;
        assert.equal(afterProof, 0);
      } finally {
        await new Promise<void>((r) => impostor.close(() => r()));
      }
    });

    it('exits 2 with one line when the key is wrong, and nothing runs', async () => {
      a = await startAgent();
      const marker = join(tmp.dir, 'py-wrong-key');
      const py = run('python3', [join(EXAMPLES, 'client.py'), '127.0.0.1', String(a.port), '--key-env', 'K', '--', 'touch', marker], {
        K: 'definitely-not-the-key',
      });
      assert.equal(await py.exit, 2);
      assert.match(py.stderr(), /^client\.py: .*refused the key.*\n$/);
      assert.equal(existsSync(marker), false);
    });
  });

  describe('examples/python/agent.py with the Node client', () => {
    let agent: Proc | undefined;
    let port = 0;
    const auditFile = join(tmp.dir, 'py-audit.jsonl');
    before(async () => {
      agent = run('python3', [join(EXAMPLES, 'agent.py'), '--port', '0', '--key-env', 'K', '--digest', 'sha256', '--audit', auditFile, '--allow', '.*', '--allow-cwd', tmp.dir], { K: KEY.toString() });
      port = Number((await waitOutput(agent, /listening on 127\.0\.0\.1:(\d+)/, 'stderr'))[1]);
    });
    after(() => {
      agent?.child.kill('SIGTERM');
    });

    it('runs a command: output, stderr, stdin, cwd and exit code', async () => {
      let out = '';
      let err = '';
      const r = await runRemote(
        { host: '127.0.0.1', port, key: KEY, argv: ['sh', '-c', 'pwd; cat; echo e >&2; exit 3'], cwd: tmp.dir, stdin: 'in\n' },
        { onStdout: (b) => void (out += b.toString()), onStderr: (b) => void (err += b.toString()) },
      );
      assert.equal(r.exitCode, 3);
      assert.equal(out, `${tmp.dir}\nin\n`);
      assert.equal(err, 'e\n');
    });

    it('refuses a wrong key', async () => {
      const marker = join(tmp.dir, 'py-agent-wrong-key');
      await assert.rejects(
        runRemote({ host: '127.0.0.1', port, key: Buffer.from('wrong-wrong-wrong-wrong'), argv: ['touch', marker] }),
        (e: unknown) => e instanceof ExecClientError && e.code === 'refused',
      );
      assert.equal(existsSync(marker), false);
    });

    it('refuses a frame altered in flight, and nothing runs', async () => {
      const proxy = await startProxy(port, { dir: 'c2a', offset: digestSize('sha256') + 32 + 14 });
      const marker = join(tmp.dir, 'py-agent-tampered');
      try {
        await assert.rejects(
          runRemote({ host: '127.0.0.1', port: proxy.port, key: KEY, argv: ['touch', marker] }),
          (e: unknown) => e instanceof ExecClientError && e.code === 'remote' && e.remoteCode === 'bad-mac',
        );
      } finally {
        await proxy.close();
      }
      assert.equal(existsSync(marker), false);
    });

    it('kills the process tree on cancel', async () => {
      const ac = new AbortController();
      let pids: number[] = [];
      // argv through sh -c: this agent has an allowlist, which refuses shell control characters in "command"
      const r = await runRemote({ host: '127.0.0.1', port, key: KEY, argv: ['sh', '-c', 'sleep 300 & echo $$ $!; wait'], signal: ac.signal }, {
        onStdout: (b) => {
          pids = b.toString().trim().split(/\s+/).map(Number);
          ac.abort();
        },
      });
      assert.equal(r.cancelled, true);
      assert.equal(pids.length, 2);
      await waitGone(pids[0]);
      await waitGone(pids[1]);
    });

    it('with an allowlist, refuses shell chaining and "env" (nothing runs), even for the pattern .*', async () => {
      const marker = join(tmp.dir, 'py-agent-chained');
      for (const o of [{ command: `echo hi; touch ${marker}` }, { command: `echo $(touch ${marker})` }, { argv: ['touch', marker], env: { LD_PRELOAD: '' } }]) {
        await assert.rejects(
          runRemote({ host: '127.0.0.1', port, key: KEY, ...o }),
          (e: unknown) => e instanceof ExecClientError && e.code === 'remote' && e.remoteCode === 'not-allowed',
        );
      }
      assert.equal(existsSync(marker), false);
    });

    it('answers a deeply nested frame header with an error frame (no crash of the session thread)', async () => {
      const reply = await rawAuthenticated(port, Buffer.from('['.repeat(30_000) + ']'.repeat(30_000)));
      assert.match(reply.toString('latin1'), /"type": "error"/);
    });

    it('a peer trickling its answer a byte at a time is cut off by the 5 s handshake deadline', async function () {
      this.timeout(15_000);
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      let sent = 0;
      const closed = new Promise<void>((r) => s.on('close', () => r()));
      const drip = setInterval(() => {
        if (s.destroyed) return;
        if (sent >= 12) {
          s.destroy(); // the agent is still waiting: give up (the assertion below fails)
          return;
        }
        s.write(Buffer.of(0)); // each byte would restart a per-recv timeout
        sent++;
      }, 700);
      try {
        await closed;
      } finally {
        clearInterval(drip);
      }
      // closed after about 5 s (7 or 8 bytes); without a deadline it would wait for all 32 (22 s)
      assert.ok(sent < 11, `${sent} bytes were trickled before the agent gave up`);
    });

    it('70 idle unauthenticated sockets from one address do not keep a legitimate client out', async () => {
      const idle: net.Socket[] = [];
      const open = (): Promise<{ s: net.Socket; first: Promise<'data' | 'close'> }> =>
        new Promise((resolve) => {
          const s = net.connect(port, '127.0.0.1');
          s.on('error', () => undefined);
          const first = new Promise<'data' | 'close'>((r) => {
            s.once('data', () => r('data'));
            s.once('close', () => r('close'));
          });
          s.once('connect', () => resolve({ s, first }));
        });
      try {
        for (let i = 0; i < 70; i++) {
          const c = await open();
          idle.push(c.s);
          assert.equal(await c.first, 'data'); // its challenge: the agent is waiting for this one's answer
        }
        let out = '';
        const r = await runRemote({ host: '127.0.0.1', port, key: KEY, argv: ['echo', 'in'] }, { onStdout: (b) => void (out += b.toString()) });
        assert.equal(r.exitCode, 0);
        assert.equal(out, 'in\n');
      } finally {
        for (const s of idle) s.destroy();
      }
    });

    it('streams stdin to the command (stdin frames)', async () => {
      const { PassThrough } = await import('node:stream');
      const input = new PassThrough();
      let out = '';
      const run = runRemote({ host: '127.0.0.1', port, key: KEY, argv: ['wc', '-c'], stdinStream: input }, { onStdout: (b) => void (out += b.toString()) });
      for (let i = 0; i < 64; i++) input.write(Buffer.alloc(16 * 1024, 0x62));
      input.end();
      assert.equal((await run).exitCode, 0);
      assert.equal(out.trim(), String(64 * 16 * 1024));
    });

    it('the Python client talks to the Python agent', async () => {
      const py = run('python3', [join(EXAMPLES, 'client.py'), '127.0.0.1', String(port), '--key-env', 'K', '--', 'echo py to py'], { K: KEY.toString() });
      assert.equal(await py.exit, 0);
      assert.equal(py.stdout(), 'py to py\n');
    });

    it('the Python client forwards its stdin with --stdin', async () => {
      const child = spawn('python3', [join(EXAMPLES, 'client.py'), '127.0.0.1', String(port), '--key-env', 'K', '--stdin', '--', 'tr', 'a-z', 'A-Z'], {
        env: { ...process.env, K: KEY.toString() },
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stdin.end('shout\n');
      const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      assert.equal(code, 0);
      assert.equal(out, 'SHOUT\n');
    });
  });
});
