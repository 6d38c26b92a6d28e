import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ExecAgent } from './agent';
import { ExecClientError, runRemote, type ExecClientStats, type RemoteExecOptions } from './client';
import { clientProof, digestSize, keyFromText, type ExecDigest } from './protocol';
import { isProcessAlive } from './processTree';
import { KEY, startAgent, startProxy, tempDir, waitFor, waitGone, type TestAgent } from './testUtil';

function opts(port: number, o: Partial<RemoteExecOptions>): RemoteExecOptions {
  return { host: '127.0.0.1', port, key: KEY, ...o } as RemoteExecOptions;
}

async function collect(o: RemoteExecOptions): Promise<{ out: string; err: string; code: number | null; signal: string | null; pid?: number }> {
  let out = '';
  let err = '';
  const r = await runRemote(o, { onStdout: (b) => void (out += b.toString()), onStderr: (b) => void (err += b.toString()) });
  return { out, err, code: r.exitCode, signal: r.signal, ...(r.pid !== undefined ? { pid: r.pid } : {}) };
}

async function expectClientError(p: Promise<unknown>, code: string, remoteCode?: string): Promise<ExecClientError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ExecClientError, `expected ExecClientError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (remoteCode) assert.equal(e.remoteCode, remoteCode);
    return e;
  }
  assert.fail(`expected an ExecClientError ${code}`);
}

/** Opens a raw TCP connection and collects everything the peer sends until it closes. */
function rawSession(port: number, send: (s: net.Socket, received: () => Buffer) => void): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1');
    s.on('data', (b: Buffer) => chunks.push(b));
    s.on('error', () => undefined);
    s.on('close', () => resolve(Buffer.concat(chunks)));
    s.on('connect', () => send(s, () => Buffer.concat(chunks)));
  });
}

describe('remote exec: agent and client over loopback', function () {
  let a: TestAgent;
  const tmp = tempDir();
  afterEach(async () => {
    await a?.close();
  });
  after(() => tmp.cleanup());

  it('runs a shell command with the right key: output, stderr and exit code come back', async () => {
    a = await startAgent();
    const r = await collect(opts(a.port, { command: 'echo hello; echo oops >&2; exit 7' }));
    assert.equal(r.out, 'hello\n');
    assert.equal(r.err, 'oops\n');
    assert.equal(r.code, 7);
    assert.equal(a.audit.at(-1)?.outcome, 'exit');
    assert.equal(a.audit.at(-1)?.exit_code, 7);
    assert.equal(a.audit.at(-1)?.command, 'echo hello; echo oops >&2; exit 7');
  });

  it('runs an argv without a shell, with cwd, env and stdin', async () => {
    a = await startAgent();
    const r = await collect(
      opts(a.port, {
        argv: ['sh', '-c', 'pwd; echo "$GREETING"; cat', 'x'],
        cwd: tmp.dir,
        env: { GREETING: 'ni hao' },
        stdin: 'from stdin\n',
      }),
    );
    assert.equal(r.out, `${tmp.dir}\nni hao\nfrom stdin\n`);
    assert.equal(r.code, 0);
  });

  it('streams stdin to the command with backpressure (8 MB through wc -c)', async () => {
    a = await startAgent();
    const { PassThrough } = await import('node:stream');
    const input = new PassThrough();
    const run = collect(opts(a.port, { argv: ['wc', '-c'], stdinStream: input }));
    const block = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 128; i++) {
      if (!input.write(block)) await new Promise((r) => input.once('drain', r));
    }
    input.end();
    const r = await run;
    assert.equal(r.out.trim(), String(128 * 64 * 1024));
    assert.equal(r.code, 0);
  });

  for (const digest of ['md5', 'sha1', 'sha512'] as ExecDigest[]) {
    it(`works with digest ${digest}`, async () => {
      a = await startAgent({ digest });
      const r = await collect(opts(a.port, { digest, argv: ['echo', digest] }));
      assert.equal(r.out, `${digest}\n`);
    });
  }

  it('reports a program or working directory that does not exist', async () => {
    a = await startAgent();
    const e1 = await expectClientError(runRemote(opts(a.port, { argv: ['/nonexistent/program'] })), 'remote', 'spawn-failed');
    assert.match(e1.message, /ENOENT/);
    const e2 = await expectClientError(runRemote(opts(a.port, { argv: ['ls'], cwd: join(tmp.dir, 'missing') })), 'remote', 'spawn-failed');
    assert.match(e2.message, /working directory not found/);
    assert.equal(a.agent.stats.activeSessions, 0);
  });

  it('refuses a wrong key, and nothing runs', async () => {
    a = await startAgent();
    const marker = join(tmp.dir, 'wrong-key');
    await expectClientError(runRemote(opts(a.port, { key: Buffer.from('another-key-0123456789'), argv: ['touch', marker] })), 'refused');
    assert.equal(existsSync(marker), false);
    assert.equal(a.agent.stats.commandsStarted, 0);
    assert.equal(a.audit.at(-1)?.outcome, 'auth-failed');
  });

  it('refuses a wrong digest (same key)', async () => {
    a = await startAgent({ digest: 'sha256' });
    await expectClientError(runRemote(opts(a.port, { digest: 'sha512', argv: ['true'] })), 'refused');
  });

  it('refuses keys shorter than 16 bytes', () => {
    assert.throws(() => new ExecAgent({ key: Buffer.from('short') }), /too short/);
    assert.throws(() => keyFromText('fifteen-bytes!!\n'), /too short/);
    assert.equal(keyFromText('sixteen-bytes-ok\n').toString(), 'sixteen-bytes-ok');
  });

  it('refuses a replayed handshake (recorded bytes of a good session), and nothing runs', async () => {
    a = await startAgent();
    const proxy = await startProxy(a.port);
    const marker = join(tmp.dir, 'replayed');
    try {
      const r = await collect(opts(proxy.port, { argv: ['touch', marker] }));
      assert.equal(r.code, 0);
      assert.ok(existsSync(marker));
    } finally {
      await proxy.close();
    }
    const { unlinkSync } = await import('node:fs');
    unlinkSync(marker);
    const recorded = Buffer.concat(proxy.c2a);
    // replay everything the good client sent, on a fresh connection
    const reply = await rawSession(a.port, (s) => s.write(recorded));
    assert.equal(reply.length, 33, 'the agent sends its challenge and then a refusal');
    assert.equal(reply[32], 0x00);
    // replay only the recorded answer, after reading the new challenge
    const reply2 = await rawSession(a.port, (s, got) => {
      s.once('data', () => {
        if (got().length >= 32) s.write(recorded.subarray(0, 32));
      });
    });
    assert.equal(reply2[32], 0x00);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(existsSync(marker), false);
    assert.equal(a.agent.stats.commandsStarted, 1);
  });

  it('refuses a frame altered in flight (client→agent): nothing runs', async () => {
    a = await startAgent();
    const d = digestSize('sha256');
    // after the handshake the client has sent D + 32 bytes; flip a letter of "exec" in the frame's JSON header
    // ('<i' length, then {"type":"exec"…: byte 4 + 10), which keeps the JSON valid: only the MAC can tell
    const proxy = await startProxy(a.port, { dir: 'c2a', offset: d + 32 + 14 });
    const marker = join(tmp.dir, 'tampered');
    try {
      await expectClientError(runRemote(opts(proxy.port, { argv: ['touch', marker] })), 'remote', 'bad-mac');
    } finally {
      await proxy.close();
    }
    assert.equal(existsSync(marker), false);
    assert.equal(a.agent.stats.commandsStarted, 0);
    assert.equal(a.audit.at(-1)?.outcome, 'bad-mac');
  });

  it('refuses a frame altered in flight (agent→client)', async () => {
    a = await startAgent();
    const d = digestSize('sha256');
    // the agent has sent 32 + 1 + D handshake bytes; flip a letter of "started" in its first frame
    const proxy = await startProxy(a.port, { dir: 'a2c', offset: 32 + 1 + d + 14 });
    try {
      const e = await expectClientError(runRemote(opts(proxy.port, { argv: ['echo', 'hi'] })), 'protocol');
      assert.match(e.message, /authentication failed/);
    } finally {
      await proxy.close();
    }
  });

  describe('an impostor agent that accepts any answer', () => {
    const d = digestSize('sha256');
    for (const variant of ['random proof', 'reflected client answer', 'replayed proof of a real agent'] as const) {
      it(`is detected before the command is sent (${variant})`, async () => {
        // a real session, recorded, gives the replay variant a genuine (nonceA, proofA) pair
        a = await startAgent();
        const rec = await startProxy(a.port);
        await collect(opts(rec.port, { argv: ['true'] }));
        await rec.close();
        const realA2c = Buffer.concat(rec.a2c);
        const realNonce = realA2c.subarray(0, 32);
        const realProof = realA2c.subarray(33, 33 + d);

        let afterProof = 0;
        let sawCommand = false;
        let closed!: () => void;
        const impostorDone = new Promise<void>((r) => (closed = r));
        const impostor = net.createServer((s) => {
          const chunks: Buffer[] = [];
          let stage = 0;
          let got = 0;
          let answer = Buffer.alloc(0);
          s.on('error', () => undefined);
          s.on('close', () => closed());
          s.write(variant === 'replayed proof of a real agent' ? realNonce : randomBytes(32));
          s.on('data', (b: Buffer) => {
            chunks.push(b);
            got += b.length;
            const all = Buffer.concat(chunks);
            if (stage === 0 && got >= d) {
              answer = all.subarray(0, d);
              stage = 1;
              s.write(Buffer.of(1)); // "accepted", whatever the answer
            }
            if (stage === 1 && got >= d + 32) {
              stage = 2;
              const proof = variant === 'random proof' ? randomBytes(d) : variant === 'reflected client answer' ? answer : realProof;
              s.write(proof);
              afterProof = got - d - 32;
              return;
            }
            if (stage === 2) {
              afterProof += b.length;
              if (afterProof > 0) sawCommand = true;
            }
          });
        });
        await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', () => r()));
        const port = (impostor.address() as net.AddressInfo).port;
        try {
          await expectClientError(runRemote(opts(port, { argv: ['touch', join(tmp.dir, 'impostor')] })), 'impostor');
          await impostorDone;
          assert.equal(sawCommand, false, 'the impostor must not receive a command frame');
          assert.equal(afterProof, 0);
        } finally {
          await new Promise<void>((r) => impostor.close(() => r()));
        }
      });
    }
  });

  it('streams 100 MB of output in bounded memory on both sides', async function () {
    this.timeout(60_000);
    a = await startAgent();
    const total = 100 * 1024 * 1024;
    const stats: ExecClientStats = { maxBufferedBytes: 0, bytesReceived: 0 };
    let received = 0;
    let chunks = 0;
    const r = await runRemote(opts(a.port, { argv: ['head', '-c', String(total), '/dev/zero'], stats }), {
      onStdout: (b) => {
        received += b.length;
        // a consumer that is sometimes slow: the client must stop reading meanwhile
        if (++chunks % 8 === 0) return new Promise<void>((res) => setImmediate(res));
      },
    });
    assert.equal(r.exitCode, 0);
    assert.equal(received, total);
    assert.equal(stats.bytesReceived, total);
    const bound = 4 * 1024 * 1024;
    assert.ok(stats.maxBufferedBytes < bound, `client buffered up to ${stats.maxBufferedBytes} bytes`);
    assert.ok(a.agent.stats.maxQueuedBytes < bound, `agent queued up to ${a.agent.stats.maxQueuedBytes} bytes`);
  });

  it('runs 50 sessions at once', async function () {
    this.timeout(30_000);
    a = await startAgent({ maxSessions: 64 });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => collect(opts(a.port, { argv: ['echo', `session ${i}`] }))));
    results.forEach((r, i) => {
      assert.equal(r.out, `session ${i}\n`);
      assert.equal(r.code, 0);
    });
    assert.equal(a.agent.stats.commandsStarted, 50);
  });

  it('refuses a command beyond --max-sessions with "busy"', async () => {
    a = await startAgent({ maxSessions: 1 });
    const ac = new AbortController();
    let started!: () => void;
    const isStarted = new Promise<void>((r) => (started = r));
    const first = runRemote(opts(a.port, { argv: ['sleep', '30'], signal: ac.signal }), { onStarted: () => started() });
    await isStarted;
    await expectClientError(runRemote(opts(a.port, { argv: ['true'] })), 'remote', 'busy');
    ac.abort();
    const r = await first;
    assert.equal(r.cancelled, true);
  });

  it('enforces the allowlist (full match), and a refused command does not run', async () => {
    a = await startAgent({ allow: [/echo [a-z]+/] });
    const ok = await collect(opts(a.port, { argv: ['echo', 'fine'] }));
    assert.equal(ok.out, 'fine\n');
    const marker = join(tmp.dir, 'not-allowed');
    await expectClientError(runRemote(opts(a.port, { command: `echo x; touch ${marker}` })), 'remote', 'not-allowed');
    assert.equal(existsSync(marker), false);
    assert.equal(a.audit.at(-1)?.outcome, 'not-allowed');
  });

  it('kills the process tree when the client cancels', async () => {
    a = await startAgent({ killGraceMs: 500 });
    const ac = new AbortController();
    let pids: number[] = [];
    const run = runRemote(opts(a.port, { command: 'sleep 300 & echo $$ $!; wait', signal: ac.signal }), {
      onStdout: (b) => {
        pids = b.toString().trim().split(/\s+/).map(Number);
        ac.abort();
      },
    });
    const r = await run;
    assert.equal(r.cancelled, true);
    assert.equal(pids.length, 2);
    assert.equal(pids[0], r.pid);
    await waitGone(pids[0]);
    await waitGone(pids[1]);
    assert.equal(a.audit.at(-1)?.outcome, 'cancelled');
  });

  it('kills the process tree when the client disconnects', async () => {
    a = await startAgent({ killGraceMs: 500 });
    const proxy = await startProxy(a.port);
    let pids: number[] = [];
    const run = runRemote(opts(proxy.port, { command: 'sleep 300 & echo $$ $!; wait' }), {
      onStdout: (b) => {
        pids = b.toString().trim().split(/\s+/).map(Number);
        void proxy.close(); // the connection drops without a cancel
      },
    });
    await expectClientError(run, 'network');
    assert.equal(pids.length, 2);
    await waitGone(pids[0]);
    await waitGone(pids[1]);
    await waitFor(() => a.audit.at(-1)?.outcome === 'disconnected', 'the audit record');
  });

  it('kills a command that exceeds the agent timeout', async () => {
    a = await startAgent({ timeoutSec: 0.3, killGraceMs: 300 });
    const r = await runRemote(opts(a.port, { argv: ['sleep', '300'] }));
    assert.equal(r.timedOut, true);
    assert.equal(r.exitCode, null);
    assert.equal(r.signal, 'SIGTERM');
    assert.ok(r.pid !== undefined && !isProcessAlive(r.pid));
  });

  it('closes a connection that does not complete the handshake in time', async () => {
    a = await startAgent({ handshakeTimeoutMs: 200 });
    const got = await rawSession(a.port, () => undefined);
    assert.equal(got.length, 32, 'only the challenge was sent');
    await waitFor(() => a.agent.stats.pendingHandshakes === 0, 'the pending handshake to be released');
  });

  it('grows the delay after consecutive failures from a peer and resets it after a success', async () => {
    const seen: number[] = [];
    a = await startAgent({ failureDelayMs: (n) => (seen.push(n), 0) });
    const bad = Buffer.from('wrong-key-wrong-key-wrong');
    await expectClientError(runRemote(opts(a.port, { key: bad, argv: ['true'] })), 'refused');
    await expectClientError(runRemote(opts(a.port, { key: bad, argv: ['true'] })), 'refused');
    await collect(opts(a.port, { argv: ['true'] }));
    await collect(opts(a.port, { argv: ['true'] }));
    // the 2nd attempt waited for 1 failure, the 3rd for 2; after the success nothing is counted
    assert.deepEqual(seen, [1, 2]);
  });

  it('never writes the key to the log or the audit records', async () => {
    const lines: string[] = [];
    a = await startAgent({ log: (l) => lines.push(l) });
    await collect(opts(a.port, { argv: ['echo', 'x'] }));
    await expectClientError(runRemote(opts(a.port, { key: Buffer.from('wrong-key-wrong-key-wrong'), argv: ['true'] })), 'refused');
    const text = lines.join('\n') + JSON.stringify(a.audit);
    assert.ok(lines.length > 0);
    assert.ok(!text.includes(KEY.toString()), 'key leaked');
    assert.ok(!text.includes(KEY.toString('hex')), 'key leaked (hex)');
  });

  it('gives a clear error when nothing listens', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const e = await expectClientError(runRemote(opts(port, { argv: ['true'] })), 'network');
    assert.match(e.message, /connection refused/);
  });

  it('answers the challenge exactly like the seed client (raw HMAC digest of the 32 bytes)', async () => {
    // a server that only checks the client, like the tutorial's check_conn, then closes
    const nonce = randomBytes(32);
    let answer: Buffer | undefined;
    const server = net.createServer((s) => {
      s.write(nonce);
      s.once('data', (b: Buffer) => {
        answer = b;
        s.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      await expectClientError(runRemote(opts(port, { digest: 'md5', argv: ['true'] })), 'refused');
      assert.deepEqual(answer, clientProof('md5', KEY, nonce));
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('remote exec: the worked example of docs/exec-protocol.md', () => {
  it('reproduces the documented bytes', async () => {
    const { agentProof, sessionKey, FrameWriter, DIR_CLIENT_TO_AGENT } = await import('./protocol');
    const key = Buffer.from('sockdbg-example-key!');
    const nA = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    const nB = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x80 + i));
    assert.equal(clientProof('sha256', key, nA).toString('hex'), '01ea77fe64b45ea0cd9842fe57e9b0c32cd3f104034df68457808c61189c1824');
    assert.equal(agentProof('sha256', key, nA, nB).toString('hex'), '987df4d86f7ff2628054d2e08f3d4230ab78e8e7aad48791bf85425390881e9b');
    const sk = sessionKey('sha256', key, nA, nB);
    assert.equal(sk.toString('hex'), 'b95156f9816f251e671b773e964249aad0d524397bf86614ab1c1421e4fcbc63');
    const frame = Buffer.concat(new FrameWriter('sha256', sk, DIR_CLIENT_TO_AGENT).encode({ type: 'exec', command: 'echo hi', shell: true }));
    assert.equal(frame.length, 99);
    assert.equal(frame.subarray(0, 4).toString('hex'), '3f000000');
    assert.equal(frame.subarray(4, 67).toString(), '{"type":"exec","command":"echo hi","shell":true,"total_size":0}');
    assert.equal(frame.subarray(67).toString('hex'), 'ac076a971c4137e47e7dfaa1452d0079a5b24ca05beb82daf103089418d86313');
  });
});

describe('remote exec: client timeouts', () => {
  it('gives up on a peer that never sends a challenge (connect timeout)', async () => {
    const silent = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const e = await expectClientError(runRemote({ host: '127.0.0.1', port, key: KEY, argv: ['true'], connectTimeoutMs: 200 }), 'timeout');
      assert.match(e.message, /no complete handshake/);
    } finally {
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('an abort before the command is sent rejects with "cancelled" and sends nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    await expectClientError(runRemote({ host: '127.0.0.1', port: 9, key: KEY, argv: ['true'], signal: ac.signal }), 'cancelled');
  });
});
