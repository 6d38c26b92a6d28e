/** Test helpers for the relay: Node loopback servers and clients, a relay started on port 0, event collection. */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { TcpRelay, UdpRelay, type FaultOptions, type RelayEvent, type RelayOptions } from '../relay';

export interface Started<R> {
  relay: R;
  port: number;
  events: RelayEvent[];
  close(): Promise<void>;
}

export async function startTcpRelay(upstreamPort: number, opts: Partial<RelayOptions> & { faults?: FaultOptions } = {}): Promise<Started<TcpRelay>> {
  const relay = new TcpRelay({ port: 0, upstream: { host: '127.0.0.1', port: upstreamPort }, ...opts });
  const events: RelayEvent[] = [];
  relay.onEvent((e) => events.push(e));
  const local = await relay.listen();
  return { relay, port: local.port, events, close: () => relay.close() };
}

export async function startUdpRelay(upstreamPort: number, opts: Partial<RelayOptions> = {}): Promise<Started<UdpRelay>> {
  const relay = new UdpRelay({ port: 0, upstream: { host: '127.0.0.1', port: upstreamPort }, ...opts });
  const events: RelayEvent[] = [];
  relay.onEvent((e) => events.push(e));
  const local = await relay.listen();
  return { relay, port: local.port, events, close: () => relay.close() };
}

/** A TCP server on port 0; `onSocket` runs for each accepted socket. */
export async function tcpServer(onSocket: (s: Socket) => void): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Connects to a port on 127.0.0.1. */
export function tcpConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Everything a socket receives until it ends or closes, with the sizes of its reads. */
export function collect(s: Socket): Promise<{ data: Buffer; reads: number[]; error?: string }> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let error: string | undefined;
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    const done = (): void => resolve({ data: Buffer.concat(parts), reads: parts.map((p) => p.length), ...(error !== undefined ? { error } : {}) });
    s.once('end', done);
    s.once('close', done);
  });
}

/** deterministic test bytes */
export function pattern(n: number, salt = 0): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + salt * 7 + (i >> 8)) & 0xff;
  return b;
}

export function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** waits until `pred` holds, polling; fails with `what` after `ms` */
export async function until(pred: () => boolean, what: string, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function ofType<T extends RelayEvent['type']>(events: RelayEvent[], type: T): Array<Extract<RelayEvent, { type: T }>> {
  return events.filter((e): e is Extract<RelayEvent, { type: T }> => e.type === type);
}
