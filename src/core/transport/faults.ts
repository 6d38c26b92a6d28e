/**
 * A connection's fault plan on what it sends: the relay's faults (relay/faults.ts, scheduled by relay/pieces.ts)
 * applied to one TCP socket's outgoing stream (re-chunk, delay, drip, rate, half-close and reset after N bytes) or to
 * a UDP socket's datagrams (delay, jitter, rate). A relay lane's `lanes` and `drop` options do not apply here.
 */
import type * as net from 'node:net';
import { LaneShaper, shapes, type FaultOptions } from '../relay/faults';
import { PieceQueue } from '../relay/pieces';
import { createRng, deriveSeed } from '../relay/prng';
import { SocketError } from '../errors';
import type { Connection } from './connection';

/** datagrams, and bytes of them, a UDP socket's plan may hold back (delay, rate) before further sends are refused */
export const FAULT_DATAGRAM_LIMIT = 4096;
export const FAULT_DATAGRAM_BYTES = 4 * 1024 * 1024;

/** the shaper of a connection's n-th faulted stream (a server's n-th client), or undefined when nothing shapes */
function shaperFor(plan: FaultOptions, seed: number, n: number): LaneShaper | undefined {
  return shapes(plan) ? new LaneShaper(plan, createRng(deriveSeed(seed, n, 0))) : undefined;
}

/** a connection whose kind takes a fault plan for what it sends (capabilities.takesFaults) */
export interface FaultPlanned {
  /** the plan for what is sent from now on (undefined: none); what the old plan holds goes first */
  setFaults(plan: FaultOptions | undefined): Promise<void>;
}

export function takesFaults(c: Connection): c is Connection & FaultPlanned {
  return c.capabilities.takesFaults && typeof (c as Partial<FaultPlanned>).setFaults === 'function';
}

interface Waiter {
  /** the stream offset the send ends at */
  end: number;
  resolve(): void;
  reject(err: SocketError): void;
}

export interface StreamFaultHost {
  /** "c1 (127.0.0.1:8888)": names the connection in messages */
  name(): string;
  /** a fault acted (FAULT_RESET, FAULT_HALF_CLOSE): reported as the connection's error event */
  fault(code: string, message: string, offset: number): void;
  /** a write failed */
  failed(err: Error): SocketError;
}

/** One TCP socket's outgoing stream through a fault plan. */
export class StreamFaults {
  private readonly pieces: PieceQueue;
  /** bytes handed to write() / given to the socket / whose write callback came */
  private pushed = 0;
  private out = 0;
  private done = 0;
  private waiters: Waiter[] = [];
  private stopped: SocketError | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly socket: net.Socket,
    private readonly plan: FaultOptions,
    seed: number,
    n: number,
    private readonly host: StreamFaultHost,
  ) {
    const shaper = shaperFor(plan, seed, n);
    if (shaper) socket.setNoDelay(true);
    this.pieces = new PieceQueue(shaper, {
      write: (piece) => this.writePiece(piece),
      writable: () => !socket.destroyed,
      blocked: () => socket.once('drain', () => this.pieces.drained()),
      pumped: () => this.settleIdle(),
    });
  }

  /** queues `data`; resolves once all of it went to the kernel, rejects when a fault or the socket stops it */
  write(data: Buffer): Promise<void> {
    if (this.stopped) return Promise.reject(this.stopped);
    const offset = this.pushed;
    this.pushed += data.length;
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ end: this.pushed, resolve, reject }));
    this.pieces.push(data, offset);
    return p;
  }

  /** bytes queued by the plan and not yet given to the socket */
  get pending(): number {
    return this.stopped ? 0 : this.pushed - this.out;
  }

  /** resolves once nothing waits to be written (or the plan stopped the stream) */
  flushed(): Promise<void> {
    this.pieces.flushMerge();
    if (this.isIdle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private get isIdle(): boolean {
    return this.stopped !== undefined || (this.pieces.idle && this.done === this.pushed);
  }

  private settleIdle(): void {
    if (!this.isIdle) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private writePiece(data: Buffer): boolean {
    if (this.stopped) return true;
    const { resetAfter, halfClose } = this.plan;
    const resetLeft = resetAfter !== undefined ? resetAfter - this.out : Infinity;
    const finLeft = halfClose !== undefined ? halfClose.after - this.out : Infinity;
    const allowance = Math.max(0, Math.min(resetLeft, finLeft));
    const piece = data.length > allowance ? data.subarray(0, allowance) : data;
    const atEnd = allowance !== Infinity && piece.length === allowance;
    let ok = true;
    if (piece.length > 0) {
      this.out += piece.length;
      ok = this.socket.write(piece, (err) => {
        if (err) return this.abort(this.host.failed(err));
        this.done += piece.length;
        while (this.waiters.length > 0 && this.waiters[0].end <= this.done) this.waiters.shift()!.resolve();
        if (atEnd && resetLeft <= finLeft && !this.socket.destroyed) this.socket.resetAndDestroy();
        this.settleIdle();
      });
    }
    if (!atEnd) return ok;
    const reset = resetLeft <= finLeft;
    if (reset && piece.length === 0 && !this.socket.destroyed) this.socket.resetAndDestroy();
    if (!reset) this.socket.end();
    const code = reset ? 'FAULT_RESET' : 'FAULT_HALF_CLOSE';
    const what = reset ? 'reset (RST)' : 'half-closed (FIN)';
    const lost = this.pushed - this.out;
    this.stop(new SocketError(code, `${this.host.name()}: ${what} by its fault plan after ${this.out} bytes sent; ${lost} byte${lost === 1 ? '' : 's'} queued after that not sent`, { syscall: 'send' }));
    this.host.fault(code, this.stopped!.message, this.out);
    return true;
  }

  /** the plan ended the stream: what waits is discarded and its sends reject with `err` */
  private stop(err: SocketError): void {
    this.stopped = err;
    this.pieces.dispose();
    // sends wholly written before the stop still resolve in their write callbacks
    const keep = this.waiters.filter((w) => w.end <= this.out);
    for (const w of this.waiters) if (w.end > this.out) w.reject(err);
    this.waiters = keep;
    this.settleIdle();
  }

  /** the socket failed or closed: every send still waiting rejects with `err` */
  abort(err: SocketError): void {
    if (!this.stopped) this.stopped = err;
    this.pieces.dispose();
    for (const w of this.waiters.splice(0)) w.reject(err);
    this.settleIdle();
  }
}

interface Job {
  run(): void;
  cancel(err: SocketError): void;
}

/** A UDP socket's datagrams through a fault plan: each held for its delay and rate, order kept, never cut. */
export class DatagramFaults {
  private readonly pieces: PieceQueue;
  private readonly jobs: Job[] = [];
  private idleWaiters: Array<() => void> = [];

  constructor(plan: FaultOptions, seed: number) {
    this.pieces = new PieceQueue(shaperFor(plan, seed, 1), {
      write: () => {
        this.jobs.shift()?.run();
        return true;
      },
      writable: () => true,
      blocked: () => undefined,
      pumped: () => {
        if (this.jobs.length === 0) for (const w of this.idleWaiters.splice(0)) w();
      },
    }, true);
  }

  /** resolves once no datagram waits for its time */
  drained(): Promise<void> {
    return this.jobs.length === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** runs `send` when the datagram's time comes; rejects with ENOBUFS when too many wait */
  schedule<T>(wire: Buffer, name: string, send: () => Promise<T>): Promise<T> {
    if (this.jobs.length >= FAULT_DATAGRAM_LIMIT || this.pieces.pending + wire.length > FAULT_DATAGRAM_BYTES) {
      return Promise.reject(new SocketError('ENOBUFS', `${name}: ${this.jobs.length} datagrams (${this.pieces.pending} bytes) already wait for their fault plan's delay or rate; not sent (ENOBUFS)`, { syscall: 'send' }));
    }
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ run: () => void send().then(resolve, reject), cancel: reject });
      this.pieces.push(wire, 0);
    });
  }

  /** the socket closed: waiting datagrams are not sent */
  dispose(err: SocketError): void {
    this.pieces.dispose();
    for (const j of this.jobs.splice(0)) j.cancel(err);
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
