/**
 * The scenario runner's end of the conversation: one TCP connection (dialled, or the first one accepted) or one
 * UDP socket, delivering frames through the framing decoder into a queue that steps wait on.
 */
import * as dgram from 'node:dgram';
import { readFile } from 'node:fs/promises';
import * as net from 'node:net';
import { isIP } from 'node:net';
import { createFrameDecoder, encodeFrame, type FrameDecoder } from '../framing';

export interface Frame {
  payload: Buffer;
  header?: Record<string, unknown>;
}

export type NextResult = Frame | { closed: true; error?: string } | { timeout: true };

export interface Channel {
  send(payload: Buffer): Promise<void>;
  next(timeoutMs: number): Promise<NextResult>;
  close(): Promise<void>;
  /** the local port (listening channels: known once listening) */
  readonly port: number;
  dispose(): void;
}

/** A failure to reach the peer or to set up the socket (a scenario ends with exit code 2). */
export class ChannelError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}

class FrameQueue {
  private frames: Frame[] = [];
  private waiter: (() => void) | undefined;
  closed = false;
  error: string | undefined;

  push(f: Frame): void {
    this.frames.push(f);
    this.wake();
  }
  end(error?: string): void {
    if (this.closed) return;
    this.closed = true;
    this.error = error;
    this.wake();
  }
  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
  async next(timeoutMs: number): Promise<NextResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.shift();
      if (f) return f;
      if (this.closed) return { closed: true, ...(this.error !== undefined ? { error: this.error } : {}) };
      const left = deadline - Date.now();
      if (left <= 0) return { timeout: true };
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiter = () => {
          clearTimeout(t);
          res();
        };
      });
    }
  }
}

function describe(err: unknown): { message: string; code: string } {
  const e = err as NodeJS.ErrnoException;
  return { message: e.message ?? String(err), code: e.code ?? 'ERROR' };
}

/** Wires a TCP socket: frames through the decoder, framed sends, FIN and errors end the queue. */
function tcpChannel(sock: net.Socket, framing: string, sendFraming: string, port: number, onDispose: () => void): Channel {
  const q = new FrameQueue();
  const decoder: FrameDecoder = createFrameDecoder(framing);
  sock.on('data', (chunk: Buffer) => {
    if (framing === 'raw') return q.push({ payload: chunk });
    try {
      for (const f of decoder.push(chunk)) q.push({ payload: f.payload, ...(f.header ? { header: f.header } : {}) });
    } catch (err) {
      q.end(`framing error: ${describe(err).message}`);
    }
  });
  sock.on('end', () => {
    const rest = decoder.flush();
    q.end(rest.length > 0 ? `closed with an unfinished frame of ${rest.length} byte${rest.length === 1 ? '' : 's'}` : undefined);
  });
  sock.on('close', () => q.end());
  sock.on('error', (err) => q.end(describe(err).message));
  return {
    port,
    send: (payload) =>
      new Promise<void>((res, rej) => {
        if (sock.destroyed || !sock.writable) return rej(new ChannelError('the connection is closed', 'ECLOSED'));
        sock.write(sendFraming === 'raw' ? payload : encodeFrame(sendFraming, payload), (err) => (err ? rej(err) : res()));
      }),
    next: (ms) => q.next(ms),
    close: () =>
      new Promise<void>((res) => {
        if (sock.destroyed) return res();
        sock.end(() => res());
      }),
    dispose: () => {
      sock.destroy();
      onDispose();
    },
  };
}

/** Dials host:port; while `retryMs` lasts a refused connection is tried again (the spawned server is starting). */
export async function connectTcp(host: string, port: number, framing: string, sendFraming: string, retryMs: number): Promise<Channel> {
  const deadline = Date.now() + retryMs;
  for (;;) {
    try {
      const sock = await new Promise<net.Socket>((res, rej) => {
        const s = net.connect({ host, port });
        s.once('connect', () => {
          s.off('error', rej);
          res(s);
        });
        s.once('error', rej);
      });
      return tcpChannel(sock, framing, sendFraming, sock.localPort ?? 0, () => undefined);
    } catch (err) {
      const d = describe(err);
      if (d.code !== 'ECONNREFUSED' || Date.now() + 100 > deadline) throw new ChannelError(`cannot connect to ${host}:${port}: ${d.message}`, d.code);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Listens on host:port; `accept()` gives the first connection within the timeout. */
export async function listenTcp(host: string, port: number, framing: string, sendFraming: string): Promise<{ port: number; accept(timeoutMs: number): Promise<Channel>; dispose(): void }> {
  const server = net.createServer();
  const pending: net.Socket[] = [];
  let notify: (() => void) | undefined;
  server.on('connection', (s) => {
    if (pending.length > 0 || accepted) return void s.destroy();
    pending.push(s);
    notify?.();
  });
  let accepted = false;
  await new Promise<void>((res, rej) => {
    server.once('error', (err) => rej(new ChannelError(`cannot listen on ${host}:${port}: ${describe(err).message}`, describe(err).code)));
    server.listen({ host, port }, () => res());
  });
  const actual = (server.address() as net.AddressInfo).port;
  const dispose = () => server.close();
  return {
    port: actual,
    dispose,
    accept: async (timeoutMs) => {
      if (pending.length === 0) {
        await new Promise<void>((res) => {
          const t = setTimeout(res, timeoutMs);
          notify = () => {
            clearTimeout(t);
            res();
          };
        });
      }
      const s = pending.shift();
      if (!s) throw new ChannelError(`nothing connected to ${host}:${actual} within ${timeoutMs / 1000} s`, 'ETIMEDOUT');
      accepted = true;
      return tcpChannel(s, framing, sendFraming, actual, dispose);
    },
  };
}

/** A UDP socket: `connect` role sends to host:port from an ephemeral port; `listen` role binds and answers the last sender. */
export async function udpChannel(role: 'connect' | 'listen', host: string, port: number): Promise<Channel> {
  const type = isIP(host) === 6 ? 'udp6' : 'udp4';
  const sock = dgram.createSocket(type);
  const q = new FrameQueue();
  let peer: { address: string; port: number } | undefined = role === 'connect' ? { address: host, port } : undefined;
  sock.on('message', (msg, rinfo) => {
    if (role === 'listen') peer = { address: rinfo.address, port: rinfo.port };
    q.push({ payload: msg });
  });
  sock.on('error', (err) => q.end(describe(err).message));
  await new Promise<void>((res, rej) => {
    sock.once('error', (err) => rej(new ChannelError(`cannot bind UDP ${role === 'listen' ? `${host}:${port}` : 'socket'}: ${describe(err).message}`, describe(err).code)));
    sock.bind(role === 'listen' ? { address: host, port } : { port: 0, address: type === 'udp6' ? '::' : '0.0.0.0' }, () => res());
  });
  return {
    port: sock.address().port,
    send: (payload) =>
      new Promise<void>((res, rej) => {
        if (!peer) return rej(new ChannelError('no peer has sent a datagram yet, so there is nobody to send to', 'ENOPEER'));
        sock.send(payload, peer.port, peer.address, (err) => (err ? rej(err) : res()));
      }),
    next: (ms) => q.next(ms),
    close: async () => undefined,
    dispose: () => {
      try {
        sock.close();
      } catch {
        // already closed
      }
    },
  };
}

/** Is some socket bound to this UDP port? Linux: /proc/net/udp and udp6; undefined where that cannot be read. */
async function udpPortBound(port: number): Promise<boolean | undefined> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  let seen = false;
  for (const f of ['/proc/net/udp', '/proc/net/udp6']) {
    try {
      const text = await readFile(f, 'utf8');
      seen = true;
      // "  sl  local_address rem_address …": the local address is the second column
      if (text.split('\n').some((l) => l.trim().split(/\s+/)[1]?.endsWith(hex.trim()))) return true;
    } catch {
      // not Linux, or not readable
    }
  }
  return seen ? false : undefined;
}

/**
 * Waits until a spawned UDP server has bound its port (UDP has no connect to retry): polls /proc/net/udp on
 * Linux; elsewhere waits one second. Resolves false when the port is still free after `timeoutMs`.
 */
export async function waitUdpBound(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const bound = await udpPortBound(port);
    if (bound === undefined) {
      await new Promise((r) => setTimeout(r, Math.min(1000, timeoutMs)));
      return true;
    }
    if (bound) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}
