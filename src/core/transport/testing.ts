/** Helpers for the transport tests (real sockets; python3 peers are in ../test/python). Not part of the engine. */
import * as net from 'node:net';
import type { Event } from '../events';
import type { ConnectionRegistry } from '../registry';

/** the next event that matches */
export function next<T>(event: Event<T>, pred: (e: T) => boolean = () => true, timeoutMs = 10000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      d.dispose();
      reject(new Error('timed out waiting for an event'));
    }, timeoutMs);
    const d = event((e) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      d.dispose();
      resolve(e);
    });
  });
}

export function collect<T>(event: Event<T>): T[] {
  const out: T[] = [];
  event((e) => out.push(e));
  return out;
}

export function connectRaw(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host }, () => resolve(s));
    s.once('error', reject);
  });
}

export function readUntil(s: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onData = (d: Buffer): void => {
      parts.push(d);
      got += d.length;
      if (got >= n) {
        s.removeListener('data', onData);
        resolve(Buffer.concat(parts));
      }
    };
    s.on('data', onData);
    s.once('error', reject);
  });
}

/**
 * Writes `block` again and again (at most `total` bytes) until the peer stops taking bytes: a write waits for 'drain'
 * more than 1 s. Resolves with the bytes written and whether it stalled.
 */
export async function writeUntilStalled(client: net.Socket, block: Buffer, total: number): Promise<{ written: number; stalled: boolean }> {
  let written = 0;
  let stalled = false;
  while (written < total && !stalled) {
    const n = Math.min(block.length, total - written);
    if (!client.write(block.subarray(0, n))) {
      stalled = await new Promise<boolean>((res) => {
        const t = setTimeout(() => res(true), 1000);
        client.once('drain', () => {
          clearTimeout(t);
          res(false);
        });
      });
    }
    written += n;
  }
  return { written, stalled };
}

/** answers every incoming frame with itself (a reply), noting the peer and the most bytes ever queued on it */
export function echoReplies(reg: ConnectionRegistry): { peerId?: string; maxQueued: number } {
  const seen: { peerId?: string; maxQueued: number } = { maxQueued: 0 };
  reg.onDidFrame((e) => {
    if (e.frame.direction !== 'in') return;
    seen.peerId = e.id;
    void reg.send(e.id, e.frame.payload, { reply: true }).catch(() => undefined);
    seen.maxQueued = Math.max(seen.maxQueued, reg.get(e.id)?.queuedOut ?? 0);
  });
  return seen;
}

/** polls until fn returns something truthy (bounded) */
export async function waitFor<T>(fn: () => T | undefined | false | null, timeoutMs = 5000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export async function ipv6Available(): Promise<boolean> {
  const srv = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(0, '::1', () => resolve());
    });
    await new Promise<void>((r) => srv.close(() => r()));
    return true;
  } catch {
    return false;
  }
}

