// TCP transports: a connected socket (a server's peer or our client; the server is in tcpServer.ts) and an outgoing
// `tcp-client` with a connect timeout and optional reconnect with exponential backoff.
import * as net from 'node:net';
import type { CloseReason, ConnectionInfo, Endpoint, TcpConnectOptions } from '../types';
import { errorCode } from '../../shared/errors';
import { formatEndpoint, formatHostPort } from '../../shared/format';
import { connectTimeoutError, notConnectedError, SocketError, toSocketError } from '../errors';
import { Connection, type ConnectionHost, endpointOf, type OutgoingMessage } from './connection';
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

  private write(wire: Buffer): Promise<void> {
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
  override async setFaults(plan: FaultOptions | undefined): Promise<void> {
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

export class TcpClientConnection extends TcpSocketConnection {
  readonly kind = 'tcp-client';
  private attempt = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private abortAttempt?: () => void;
  private announced = false;
  /** why the last socket went away (reported if reconnecting gives up) */
  private dropReason: CloseReason = 'error';

  constructor(host: ConnectionHost, id: string, private readonly options: TcpConnectOptions, framing: string, encoding: string) {
    super(host, id, framing, encoding);
    this.state = 'connecting';
    this.label = options.label ?? formatHostPort(options.host, options.port);
    if (options.faults) this.faultPlan = { plan: options.faults, seed: options.faults.seed ?? randomSeed(), n: 1 };
  }

  /** one connection attempt; rejects with SocketError (refused, timeout, ...) */
  connectOnce(): Promise<void> {
    const o = this.options;
    const timeoutMs = o.timeoutMs ?? 10000;
    return new Promise((resolve, reject) => {
      const socket = new net.Socket({ allowHalfOpen: o.allowHalfOpen === true });
      let settled = false;
      const fail = (err: SocketError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.abortAttempt = undefined;
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(connectTimeoutError(o.host, o.port, timeoutMs)), timeoutMs);
      const onError = (e: Error): void => fail(toSocketError(e, 'connect', o.host, o.port));
      this.abortAttempt = () => fail(new SocketError('ECANCELED', `connect to ${formatHostPort(o.host, o.port)} canceled (closed locally)`, { syscall: 'connect', address: o.host, port: o.port }));
      socket.on('error', onError);
      socket.once('connect', () => {
        if (settled) {
          socket.destroy();
          return;
        }
        settled = true;
        clearTimeout(timer);
        this.abortAttempt = undefined;
        socket.removeListener('error', onError);
        if (o.noDelay !== undefined) socket.setNoDelay(o.noDelay);
        if (o.keepAlive) socket.setKeepAlive(true, KEEPALIVE_IDLE_MS);
        this.attach(socket);
        if (!this.options.label) this.label = formatEndpoint(this.remote) ?? '?';
        resolve();
      });
      try {
        socket.connect({ host: o.host, port: o.port });
      } catch (e) {
        onError(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** cancels a connect attempt in progress (its promise rejects with ECANCELED) */
  abortConnect(): void {
    this.localClose = true;
    this.abortAttempt?.();
  }

  /** first connect: resolves once open; a failure rejects and leaves nothing behind */
  async connect(): Promise<void> {
    await this.connectOnce();
    this.openedAt = Date.now();
    this.state = 'open';
    this.announced = true;
    this.host.opened(this);
  }

  protected override socketClosed(reason: CloseReason): void {
    const rc = this.options.reconnect;
    if (rc && !this.localClose && this.announced) {
      this.dropReason = reason;
      this.scheduleReconnect();
      return;
    }
    super.socketClosed(reason);
  }

  private scheduleReconnect(): void {
    const rc = this.options.reconnect!;
    const max = rc.maxAttempts ?? Infinity;
    if (this.attempt >= max) {
      this.finish(this.dropReason);
      this.flushCloseWaiters();
      return;
    }
    const initial = rc.initialDelayMs ?? 500;
    const cap = rc.maxDelayMs ?? 30000;
    const delay = Math.min(cap, initial * 2 ** this.attempt);
    this.attempt++;
    this.socket = undefined;
    this.setState('reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connectOnce().then(
        () => {
          if (this.localClose) {
            this.socket?.destroy();
            return;
          }
          this.attempt = 0;
          this.error = undefined;
          this.resetDecoder('when the connection dropped');
          this.setState('open');
        },
        (err: SocketError) => {
          if (this.localClose) return;
          this.error = err.message;
          this.host.error({ id: this.id, time: Date.now(), code: err.code, message: `${this.id} (${this.label}): reconnect attempt ${this.attempt}: ${err.message}` });
          this.dropReason = err.code === 'ETIMEDOUT' ? 'timeout' : 'error';
          this.scheduleReconnect();
        },
      );
    }, delay);
  }

  override close(): Promise<void> {
    if (this.reconnectTimer || this.state === 'reconnecting') {
      this.localClose = true;
      if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
      this.abortAttempt?.();
      this.socket?.destroy();
      this.finish('local');
      this.flushCloseWaiters();
      return Promise.resolve();
    }
    return super.close();
  }

  override destroy(): Promise<void> {
    if (this.state === 'reconnecting') return this.close();
    return super.destroy();
  }
}
