/** Reads a socket first as exact byte counts (the handshake), then as a stream of frames. */
import type { Socket } from 'node:net';
import { ByteQueue } from './protocol';

/** How long a finished or refused connection may stay open, once our last bytes are flushed, before it is cut. */
const LINGER_MS = 5000;

/** Closes our side gracefully, stops buffering the peer, and destroys the socket if the peer lingers. */
export function closeSoon(socket: Socket, reader: SocketReader, last?: Buffer, lingerMs = LINGER_MS): void {
  reader.discard();
  if (socket.destroyed) return;
  const onFinish = (): void => {
    if (lingerMs <= 0) {
      socket.destroy();
      return;
    }
    const t = setTimeout(() => socket.destroy(), lingerMs);
    t.unref();
    socket.once('close', () => clearTimeout(t));
  };
  if (last) socket.end(last, onFinish);
  else socket.end(onFinish);
}

export class PeerClosedError extends Error {
  constructor(override readonly cause?: Error) {
    super(cause ? cause.message : 'the peer closed the connection');
    this.name = 'PeerClosedError';
  }
}

export class SocketReader {
  readonly queue = new ByteQueue();
  /** Largest number of received-but-unconsumed bytes seen (for tests of bounded memory). */
  maxBuffered = 0;
  private waiter: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private closed: PeerClosedError | undefined;
  private onFrames: (() => void) | undefined;
  private onClose: ((e: PeerClosedError) => void) | undefined;
  private limit = Infinity;
  private discarding = false;

  constructor(private readonly socket: Socket) {
    socket.on('data', (b: Buffer) => this.onData(b));
    socket.on('end', () => this.finish(new PeerClosedError()));
    socket.on('close', () => this.finish(new PeerClosedError()));
    socket.on('error', (e) => this.finish(new PeerClosedError(e)));
  }

  /** Resolves with exactly n bytes; rejects with PeerClosedError when the connection ends first. */
  read(n: number): Promise<Buffer> {
    if (this.queue.length >= n) return Promise.resolve(this.queue.take(n));
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      this.waiter = { n, resolve, reject };
    });
  }

  /** Switches to frame mode: `pump` is called whenever bytes arrive (and once now). */
  startFrames(pump: () => void, onClose: (e: PeerClosedError) => void): void {
    this.onFrames = pump;
    this.onClose = onClose;
    if (this.queue.length) pump();
    if (this.closed) onClose(this.closed);
  }

  /**
   * Caps the received-but-unconsumed bytes: a peer that queues more is cut off (the socket is destroyed and
   * reads fail with PeerClosedError). Keeps a hostile peer from growing our memory, before and after the handshake.
   */
  setLimit(bytes: number): void {
    this.limit = bytes;
    this.enforceLimit();
  }

  /** Drops what is queued and everything that arrives from now on (a finished or refused connection). */
  discard(): void {
    this.discarding = true;
    this.queue.clear();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  private enforceLimit(): boolean {
    if (this.queue.length <= this.limit) return true;
    this.queue.clear();
    this.socket.destroy();
    this.finish(new PeerClosedError(new Error(`the peer sent more than ${this.limit} unread bytes`)));
    return false;
  }

  private onData(b: Buffer): void {
    if (this.discarding || this.closed) return;
    this.queue.push(b);
    if (this.queue.length > this.maxBuffered) this.maxBuffered = this.queue.length;
    if (!this.enforceLimit()) return;
    const w = this.waiter;
    if (w) {
      if (this.queue.length >= w.n) {
        this.waiter = undefined;
        w.resolve(this.queue.take(w.n));
      }
      return;
    }
    this.onFrames?.();
  }

  private finish(e: PeerClosedError): void {
    if (this.closed) {
      if (e.cause && !this.closed.cause) this.closed = e;
      return;
    }
    this.closed = e;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w.reject(e);
    }
    this.onClose?.(e);
  }
}
