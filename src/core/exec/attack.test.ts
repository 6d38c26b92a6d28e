/**
 * Hostile peers against the remote-exec agent, over loopback: unauthenticated floods, connections held open after a
 * refusal, allowlist bypasses (shell chaining, multiline patterns, PATH in env), stdin floods, timeout overflow.
 */
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ExecClientError, runRemote, type RemoteExecOptions } from './client';
import { NONCE_BYTES, digestSize } from './protocol';
import { KEY, startAgent, tempDir, waitFor, type TestAgent } from './testUtil';

function opts(port: number, o: Partial<RemoteExecOptions>): RemoteExecOptions {
  return { host: '127.0.0.1', port, key: KEY, ...o } as RemoteExecOptions;
}

async function expectNotAllowed(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ExecClientError, String(e));
    assert.equal(e.remoteCode, 'not-allowed', e.message);
    return;
  }
  assert.fail('expected the agent to refuse the command');
}

interface Attack {
  received: Buffer[];
  closed: Promise<void>;
  socket: net.Socket;
}

/** A raw connection that records what the agent sends and resolves `closed` when the agent drops it. */
function attacker(port: number): Promise<Attack> {
  return new Promise((resolve) => {
    const received: Buffer[] = [];
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }); // keeps its side open after our FIN
    s.on('error', () => undefined);
    s.on('data', (b: Buffer) => received.push(b));
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    s.on('connect', () => resolve({ received, closed, socket: s }));
  });
}

/** Resolves once the attacker has received at least n bytes. */
function received(x: Attack, n: number): Promise<void> {
  return new Promise<void>((r) => {
    const check = (): void => {
      if (Buffer.concat(x.received).length >= n) r();
      else x.socket.once('data', check);
    };
    check();
  });
}

/** Writes `total` bytes of junk in 64 KB chunks, as fast as the socket accepts them, until it closes. */
function flood(s: net.Socket, total: number): void {
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  let sent = 0;
  const go = (): void => {
    while (sent < total && !s.destroyed) {
      sent += chunk.length;
      if (!s.write(chunk)) {
        s.once('drain', go);
        return;
      }
    }
  };
  go();
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

describe('remote exec: hostile peers', function () {
  this.timeout(20_000);
  let a: TestAgent | undefined;
  const tmp = tempDir();
  afterEach(async () => {
    await a?.close();
    a = undefined;
  });
  after(() => tmp.cleanup());

  it('drops a refused peer at once, even one that keeps its side open and keeps sending', async () => {
    a = await startAgent();
    const x = await attacker(a.port);
    const got = (n: number): Promise<void> => received(x, n);
    await within(got(NONCE_BYTES), 3000, 'the challenge');
    x.socket.write(Buffer.alloc(digestSize('sha256'), 0)); // a wrong answer
    await within(got(NONCE_BYTES + 1), 3000, 'the refusal');
    assert.equal(Buffer.concat(x.received)[NONCE_BYTES], 0x00);
    flood(x.socket, 8 * 1024 * 1024); // the attacker never closes its side
    await within(x.closed, 5000, 'the agent closing the refused connection');
    assert.equal(a.agent.stats.failedHandshakes, 1);
    assert.equal(a.audit.at(-1)?.outcome, 'auth-failed');
  });

  it('cuts off a refused peer that floods bytes while its refusal is delayed (nothing is buffered)', async () => {
    a = await startAgent({ failureDelayMs: () => 1500 });
    const x = await attacker(a.port);
    await within(received(x, NONCE_BYTES), 3000, 'the challenge');
    x.socket.write(Buffer.alloc(digestSize('sha256'), 0)); // wrong: its verdict now waits 1.5 s
    await waitFor(() => a?.agent.stats.failedHandshakes === 1, 'the wrong answer to be counted');
    flood(x.socket, 4 * 1024 * 1024);
    await within(x.closed, 5000, 'the agent cutting off the flood');
    assert.equal(Buffer.concat(x.received).length, NONCE_BYTES); // cut off before its refusal was due
    assert.equal(a.agent.stats.failedHandshakes, 1);
  });

  it('64+ idle unauthenticated sockets from one address: the oldest are evicted and a legitimate client gets in', async () => {
    a = await startAgent({ maxPendingPerAddress: 16, maxPending: 32 });
    const port = a.port;
    const open = (localAddress: string): Promise<{ s: net.Socket; first: Promise<'data' | 'close'>; closed: Promise<void> }> =>
      new Promise((resolve) => {
        const s = net.connect({ port, host: '127.0.0.1', localAddress });
        s.on('error', () => undefined);
        const first = new Promise<'data' | 'close'>((r) => {
          s.once('data', () => r('data'));
          s.once('close', () => r('close'));
        });
        const closed = new Promise<void>((r) => s.once('close', () => r()));
        s.once('connect', () => resolve({ s, first, closed }));
      });
    const all: Array<Awaited<ReturnType<typeof open>>> = [];
    try {
      for (let i = 0; i < 70; i++) {
        const c = await open('127.0.0.1');
        all.push(c);
        assert.equal(await c.first, 'data'); // every new one gets its challenge
      }
      await within(all[0].closed, 3000, 'the oldest idle socket to be evicted');
      assert.ok(a.agent.stats.evictedHandshakes >= 70 - 16, `${a.agent.stats.evictedHandshakes} evicted`);
      assert.ok(a.agent.stats.pendingHandshakes <= 16);
      let out = '';
      await runRemote(opts(a.port, { argv: ['echo', 'in'] }), { onStdout: (b) => void (out += b.toString()) });
      assert.equal(out, 'in\n');
      const other = await open('127.0.0.2'); // another address is never refused either
      all.push(other);
      assert.equal(await other.first, 'data');
    } finally {
      for (const c of all) c.s.destroy();
    }
  });

  it('allowlist: shell chaining and substitution after an allowed prefix are refused, and nothing runs', async () => {
    a = await startAgent({ allow: [/echo .*/] });
    const marker = join(tmp.dir, 'chained');
    for (const command of [`echo hi; touch ${marker}`, `echo hi && touch ${marker}`, `echo $(touch ${marker})`, `echo \`touch ${marker}\``, `echo hi | tee ${marker}`, `echo hi > ${marker}`, `echo hi\ntouch ${marker}`]) {
      await expectNotAllowed(runRemote(opts(a.port, { command })));
    }
    assert.equal(existsSync(marker), false);
    // a simple command still runs
    let out = '';
    await runRemote(opts(a.port, { command: "echo 'plain words'" }), { onStdout: (b) => void (out += b.toString()) });
    assert.equal(out, 'plain words\n');
  });

  it('allowlist: a multiline pattern cannot match one line of a multi-line command', async () => {
    a = await startAgent({ allow: [/^echo ok$/m] });
    const marker = join(tmp.dir, 'multiline');
    await expectNotAllowed(runRemote(opts(a.port, { argv: ['sh', '-c', `touch ${marker}\necho ok`] })));
    assert.equal(existsSync(marker), false);
  });

  it('allowlist: "env" cannot swap the allowed program (PATH) and is refused', async () => {
    const bin = join(tmp.dir, 'bin');
    const marker = join(tmp.dir, 'fake-ls-ran');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'ls'), `#!/bin/sh\ntouch ${marker}\n`);
    chmodSync(join(bin, 'ls'), 0o755);
    a = await startAgent({ allow: [/ls/] });
    await expectNotAllowed(runRemote(opts(a.port, { argv: ['ls'], env: { PATH: bin } })));
    assert.equal(existsSync(marker), false);
  });

  it('a command that does not read its stdin cannot make the agent buffer the whole stdin stream', async () => {
    a = await startAgent();
    const total = 48 * 1024 * 1024;
    let produced = 0;
    const block = Buffer.alloc(256 * 1024, 0x42);
    const src = new Readable({
      read() {
        if (produced >= total) this.push(null);
        else {
          produced += block.length;
          this.push(block);
        }
      },
    });
    const r = await runRemote(opts(a.port, { argv: ['sleep', '1'], stdinStream: src }));
    assert.equal(r.exitCode, 0);
    assert.ok(a.agent.stats.maxStdinQueuedBytes < 16 * 1024 * 1024, `stdin backlog ${a.agent.stats.maxStdinQueuedBytes} bytes`);
  });

  it('a huge requested timeout does not overflow into an immediate kill', async () => {
    a = await startAgent();
    let out = '';
    const r = await runRemote(opts(a.port, { command: 'sleep 0.3; echo done', timeoutSec: 1e10 }), { onStdout: (b) => void (out += b.toString()) });
    assert.equal(r.timedOut, false);
    assert.equal(out, 'done\n');
  });
});
