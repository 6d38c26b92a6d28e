// A connected TCP socket: the base of `tcp-peer` (tcpServer.ts, with the listening server) and `tcp-client`
// (tcpClient.ts): receiving, sending (through its fault plan, if any), half-close and close.
import * as net from 'node:net';
import type { CloseReason, ConnectionInfo, Endpoint, StreamResult } from '../types';
import { errorCode } from '../../shared/errors';
import { notConnectedError, SocketError, toSocketError } from '../errors';
import { Connection, endpointOf, type OutgoingMessage } from './connection';
import { streamTo, type OutgoingStream } from './streamSend';
import { StreamFaults, type StreamFaultHost } from './faults';
import { randomSeed } from '../relay/prng';
import type { FaultOptions } from '../relay/faults';

/** how long a graceful close waits for unsent bytes before it destroys the socket */
const CLOSE_GRACE_MS = 2000;
/** keep-alive: idle time before the first probe (the system default is often 2 hours) */
export const KEEPALIVE_IDLE_MS = 5000;
/** replies (SendOptions.reply): reading pauses while more than this many bytes wait to be sent */
export const REPLY_HIGH_WATER_MARK = 1024 * 1024;

function localOf(s: net.Socket): Endpoint | undefined {
  return endpointOf(s.localAddress, s.localPort, s.localFamily);
}

function remoteOf(s: net.Socket): Endpoint | undefined {
  return endpointOf(s.remoteAddress, s.remotePort, s.remoteFamily);
}

/** A connected TCP socket: a server's peer or our client. */
export abstract class TcpSocketConnection extends Connection {
  protected socket?: net.Socket;
  private sawFin = false;
  private sawReset = false;
  private sawError = false;
  protected localClose = false;
  private closeWaiters: Array<() => void> = [];
  private graceTimer?: NodeJS.Timeout;
  private readingHeld = false;
  /** the fault plan on what this connection sends (ConnectionDefaults.faults), its seed and next stream number */
  protected faultPlan?: { plan: FaultOptions; seed: number; n: number };
  private faults?: StreamFaults;

  protected override addInfo(info: ConnectionInfo): void {
    const s = this.socket;
    if (!s) return;
    info.queuedOut = s.writableLength + (this.faults?.pending ?? 0);
    if (this.faultPlan) info.faults = { ...this.faultPlan.plan, seed: this.faultPlan.seed };
    if (this.readingHeld) info.readingPaused = true;
  }

  // a reply was queued: above REPLY_HIGH_WATER_MARK waiting bytes, stop reading from the peer (TCP flow control
  // then slows its sending); reading resumes once everything queued is sent
  holdReadingIfBacklogged(): void {
    const s = this.socket;
    const f = this.faults;
    if (!s || s.destroyed || this.readingHeld || s.writableLength + (f?.pending ?? 0) <= REPLY_HIGH_WATER_MARK) return;
    this.readingHeld = true;
    s.pause();
    const resume = (): void => {
      this.readingHeld = false;
      if (!s.destroyed) s.resume();
    };
    // what a fault plan holds back goes first, then the socket's own buffer drains
    void (f ? f.flushed() : Promise.resolve()).then(() => (s.writableNeedDrain ? s.once('drain', resume) : resume()));
  }

  /** wires a connected socket to this connection */
  protected attach(socket: net.Socket): void {
    this.socket = socket;
    this.sawFin = false;
    this.sawReset = false;
    this.sawError = false;
    this.local = localOf(socket);
    this.remote = remoteOf(socket);
    const fp = this.faultPlan;
    this.faults = fp ? new StreamFaults(socket, fp.plan, fp.seed, fp.n++, this.faultHost()) : undefined;
    socket.on('data', (d: Buffer) => this.receive(d));
    socket.on('end', () => this.onEnd());
    socket.on('error', (e: Error) => this.onSocketError(e));
    socket.on('close', () => this.onSocketClose(socket));
  }

  /** the seed of this connection's random faults, when it carries a fault plan */
  get faultSeed(): number | undefined {
    return this.faultPlan?.seed;
  }

  private faultHost(): StreamFaultHost {
    return {
      name: () => `${this.id} (${this.label})`,
      fault: (code, message, offset) => this.host.error({ id: this.id, time: Date.now(), code, message, offset }),
      failed: (err) => toSocketError(err, 'send', this.remote?.address ?? '?', this.remote?.port ?? 0),
    };
  }

  private onEnd(): void {
    this.sawFin = true;
    this.endOfStream('when the peer closed its side (FIN)');
    if (this.state === 'open') this.setState('half-closed');
  }

  private onSocketError(e: Error): void {
    const code = errorCode(e) ?? 'EUNKNOWN';
    const r = this.remote;
    const err = toSocketError(e, 'socket', r?.address ?? '?', r?.port ?? 0);
    this.error = err.message;
    if (code === 'ECONNRESET') {
      this.sawReset = true;
      return; // a reset is a way of closing: reported by onDidClose with reason 'reset'
    }
    this.sawError = true;
    this.host.error({ id: this.id, time: Date.now(), code: err.code, message: `${this.id} (${this.label}): ${err.message}` });
  }

  private onSocketClose(socket: net.Socket): void {
    if (this.graceTimer) {
      clearTimeout(this.graceTimer);
      this.graceTimer = undefined;
    }
    if (socket !== this.socket) return;
    this.faults?.abort(new SocketError('ECONNABORTED', `connection ${this.id} (${this.label}) closed before all bytes were sent (ECONNABORTED)`, { syscall: 'send' }));
    const reason: CloseReason = this.localClose ? 'local' : this.sawReset ? 'reset' : this.sawError ? 'error' : this.sawFin ? 'fin' : 'local';
    this.endOfStream(reason === 'reset' ? 'when the connection was reset' : reason === 'error' ? 'when the connection failed' : 'when the connection closed');
    this.socketClosed(reason);
  }

  /** the current socket is gone; a client may reconnect instead of finishing */
  protected socketClosed(reason: CloseReason): void {
    this.finish(reason);
    this.flushCloseWaiters();
  }

  protected flushCloseWaiters(): void {
    const ws = this.closeWaiters;
    this.closeWaiters = [];
    for (const w of ws) w();
  }

  /** why a write would fail right now, or undefined when the socket can take bytes */
  notWritable(): SocketError | undefined {
    const s = this.socket;
    if (!s || (this.state !== 'open' && this.state !== 'half-closed') || s.destroyed) return notConnectedError(this.id, this.label, this.state);
    if (!s.writable) return notConnectedError(this.id, this.label, this.sawFin ? 'closing (the peer sent FIN)' : 'half-closed by us (end() was called)');
    return undefined;
  }

  /** records the message, then writes it; a failing write also fails the socket, whose 'error' listener reports it */
  send(msg: OutgoingMessage): Promise<void> {
    const bad = this.notWritable();
    if (bad) return Promise.reject(this.host.sendFailed(this, bad));
    this.recordOut(msg.wire, msg.payload, msg.header);
    const written = this.write(msg.wire);
    if (msg.reply) this.holdReadingIfBacklogged();
    return written;
  }

  /** a file: piece by piece, each written once the socket took the last (streamSend.ts) */
  override sendStream(s: OutgoingStream): Promise<StreamResult> {
    const bad = this.notWritable();
    return bad ? Promise.reject(this.host.sendFailed(this, bad)) : streamTo([this], s);
  }

  /** resolves once the socket (or its fault plan) has taken the bytes */
  write(wire: Buffer): Promise<void> {
    const bad = this.notWritable();
    if (bad) return Promise.reject(bad);
    if (this.faults) return this.faults.write(wire);
    const s = this.socket!;
    return new Promise((resolve, reject) => {
      s.write(wire, (err) => {
        if (err) {
          const r = this.remote;
          reject(toSocketError(err, 'send', r?.address ?? '?', r?.port ?? 0));
        } else if (s.destroyed) {
          // Node reports a write cut short by destroy() as a success: it is not one
          reject(new SocketError('ECONNABORTED', `connection ${this.id} (${this.label}) closed before all bytes were sent (ECONNABORTED)`, { syscall: 'send' }));
        } else resolve();
      });
    });
  }

  /** a new plan for what is sent from now on; what the old plan holds is written first */
  async setFaults(plan: FaultOptions | undefined): Promise<void> {
    await this.faults?.flushed();
    this.faultPlan = plan ? { plan, seed: plan.seed ?? randomSeed(), n: 1 } : undefined;
    const s = this.socket;
    this.faults = this.faultPlan && s && !s.destroyed ? new StreamFaults(s, this.faultPlan.plan, this.faultPlan.seed, this.faultPlan.n++, this.faultHost()) : undefined;
  }

  /** FIN once the fault plan (if any) has written what it holds */
  override async end(): Promise<void> {
    await this.faults?.flushed();
    const s = this.socket;
    if (!s || this.isClosed || s.destroyed) return Promise.reject(notConnectedError(this.id, this.label, this.state));
    if (!s.writable) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => resolve();
      s.end(done);
      s.once('close', done); // end's callback may not come when the socket fails first
    });
  }

  /** graceful close: FIN after the pending bytes, then destroy; a stuck peer gets destroyed after a grace period */
  close(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    this.localClose = true;
    const s = this.socket;
    const done = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    if (!s || s.destroyed) {
      this.socketClosed('local');
      return done;
    }
    if (s.writableLength === 0 || s.pending) {
      s.destroy();
    } else {
      s.end(() => s.destroy());
      this.graceTimer = setTimeout(() => s.destroy(), CLOSE_GRACE_MS);
    }
    return done;
  }

  override closeNow(): Promise<void> {
    return this.destroy();
  }

  /** immediate close (closeAll / dispose): no grace period */
  destroy(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    this.localClose = true;
    const done = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    if (!this.socket || this.socket.destroyed) this.socketClosed('local');
    else this.socket.destroy();
    return done;
  }
}
