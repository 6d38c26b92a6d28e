/** Helpers shared by the remote-exec tests (real sockets on 127.0.0.1, temporary directories). */
import * as net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecAgent, type AuditRecord, type ExecAgentOptions } from './agent';
import { isProcessAlive } from './processTree';

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
