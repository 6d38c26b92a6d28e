/** Helpers shared by the remote-exec tests (real sockets on 127.0.0.1, temporary directories). */
import * as net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecAgent, type AuditRecord, type ExecAgentOptions } from './agent';
import { isProcessAlive } from './processTree';
import { DIR_AGENT_TO_CLIENT, FrameWriter, NONCE_BYTES, STATUS_ACCEPTED, agentProof, clientProof, digestSize, hmac, newNonce, sessionKey } from './protocol';

export const KEY = Buffer.from('test-key-0123456789-abcdef', 'utf8');

export interface TestAgent {
  agent: ExecAgent;
  port: number;
  audit: AuditRecord[];
  close(): Promise<void>;
}

export async function startAgent(opts: Partial<ExecAgentOptions> = {}): Promise<TestAgent> {
  const audit: AuditRecord[] = [];
  const agent = new ExecAgent({ key: KEY, failureDelayMs: () => 0, audit: (r) => audit.push(r), ...opts });
  const addr = await agent.listen();
  return { agent, port: addr.port, audit, close: () => agent.close() };
}

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'sockdbg-exec-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Proxy {
  port: number;
  /** bytes seen client→agent and agent→client */
  c2a: Buffer[];
  a2c: Buffer[];
  close(): Promise<void>;
}

/**
 * A TCP proxy to 127.0.0.1:target. `flip` inverts the byte at the given stream offset of one direction
 * (used to alter a frame in flight).
 */
export function startProxy(target: number, flip?: { dir: 'c2a' | 'a2c'; offset: number }): Promise<Proxy> {
  const c2a: Buffer[] = [];
  const a2c: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const counters = { c2a: 0, a2c: 0 };
    const relay = (from: net.Socket, to: net.Socket, dir: 'c2a' | 'a2c', log: Buffer[]): void => {
      from.on('data', (b: Buffer) => {
        const chunk = Buffer.from(b);
        const start = counters[dir];
        counters[dir] += chunk.length;
        if (flip && flip.dir === dir && flip.offset >= start && flip.offset < start + chunk.length) {
          chunk[flip.offset - start] ^= 0xff;
        }
        log.push(chunk);
        to.write(chunk);
      });
      from.on('end', () => to.end());
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
    };
    relay(client, upstream, 'c2a', c2a);
    relay(upstream, client, 'a2c', a2c);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        c2a,
        a2c,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

/** Polls until the condition holds (bounded), for effects that happen asynchronously (e.g. a process dying). */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function waitGone(pid: number): Promise<void> {
  return waitFor(() => !isProcessAlive(pid), `process ${pid} to be gone`);
}

/**
 * An agent that holds KEY and answers any request with one given frame (e.g. an exit code a real process cannot
 * have), then closes: for testing what clients make of what an agent says.
 */
export async function fakeAgent(reply: Record<string, unknown> & { type: string }): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    const nonceA = newNonce();
    s.write(nonceA);
    let got = Buffer.alloc(0);
    let stage = 0;
    s.on('data', (b: Buffer) => {
      got = Buffer.concat([got, b]);
      if (stage === 0 && got.length >= 32) {
        stage = 1;
        got = got.subarray(32); // the client's answer: this agent does not check it
        s.write(Buffer.of(STATUS_ACCEPTED));
      }
      if (stage === 1 && got.length >= NONCE_BYTES) {
        stage = 2;
        const nonceB = got.subarray(0, NONCE_BYTES);
        s.write(agentProof('sha256', KEY, nonceA, nonceB));
        const w = new FrameWriter('sha256', sessionKey('sha256', KEY, nonceA, nonceB), DIR_AGENT_TO_CLIENT);
        s.write(Buffer.concat(w.encode({ type: 'started', pid: 1 })));
        s.end(Buffer.concat(w.encode(reply)));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/**
 * Authenticates with KEY (sha256) like our client, sends one frame with this raw header (bytes, so that Python-only
 * JSON such as NaN can be sent), optionally half-closes, and returns everything the agent sends after its proof.
 */
export function rawAuthenticated(port: number, header: Buffer, halfClose = false): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let stage = 0;
    let nonceA = Buffer.alloc(0);
    const nonceB = newNonce();
    const D = digestSize('sha256');
    s.on('error', reject);
    s.on('data', (b: Buffer) => {
      chunks.push(b);
      const all = Buffer.concat(chunks);
      if (stage === 0 && all.length >= 32) {
        stage = 1;
        nonceA = all.subarray(0, 32);
        s.write(clientProof('sha256', KEY, nonceA));
      }
      if (stage === 1 && all.length >= 33) {
        stage = 2;
        s.write(nonceB);
      }
      if (stage === 2 && all.length >= 33 + D) {
        stage = 3;
        const sk = sessionKey('sha256', KEY, nonceA, nonceB);
        const len = Buffer.alloc(4);
        len.writeInt32LE(header.length);
        const seq = Buffer.alloc(8);
        s.write(Buffer.concat([len, header, hmac('sha256', sk, Buffer.from('C'), seq, len, header)]));
        if (halfClose) s.end();
      }
    });
    s.on('end', () => s.end());
    s.on('close', () => resolve(Buffer.concat(chunks).subarray(33 + D)));
  });
}
