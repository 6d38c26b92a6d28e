// The outgoing TCP connection (`tcp-client`): a connect timeout, and optional reconnect with exponential backoff.
import * as net from 'node:net';
import type { CloseReason, TcpConnectOptions } from '../types';
import { formatEndpoint, formatHostPort } from '../../shared/format';
import { connectTimeoutError, SocketError, toSocketError } from '../errors';
import type { ConnectionHost } from './connection';
import { KEEPALIVE_IDLE_MS, TcpSocketConnection } from './tcp';
import { randomSeed } from '../relay/prng';

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
