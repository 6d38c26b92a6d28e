/**
 * The TCP relay: listens, gives each accepted client its own upstream connection, and runs the pair's two lanes.
 * A failing upstream closes only its client (with an 'upstream-error' event); the relay keeps listening.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { GuardedEmitter, type Event } from '../events';
import { endpointOf } from '../transport/connection';
import { connectTimeoutError, toSocketError } from '../errors';
import { errorCode } from '../../shared/errors';
import { DEFAULT_MAX_FRAME_SIZE, normalizeFramingSpec } from '../framing';
import { TcpLane, type LaneHost } from './lane';
import { LaneShaper, shapes, type FaultOptions } from './faults';
import { createRng, deriveSeed, randomSeed } from './prng';
import { listenerFailed } from './events';
import { emptyCounters, type CloseReason, type Lane, type LaneCounters, type RelayEndpoint, type RelayEvent, type RelayOptions } from './types';

/** how long an upstream connect may take before the client is closed */
export const UPSTREAM_CONNECT_TIMEOUT_MS = 10_000;

function endpoint(address: string | undefined, port: number | undefined, family: string | undefined): RelayEndpoint {
  return endpointOf(address, port, family) ?? { address: '?', port: 0, family: 'IPv4' };
}

/** One client and its upstream connection. */
export class TcpPair implements LaneHost {
  readonly proto = 'tcp';
  lanes: Record<Lane, TcpLane> | undefined;
  private resetBudget: number;
  private resetPending = false;
  private closed = false;
  private reason: CloseReason | undefined;
  upstreamSocket: Socket | undefined;
  client: RelayEndpoint;
  upstream: RelayEndpoint | undefined;

  constructor(
    readonly id: string,
    readonly index: number,
    private readonly relay: TcpRelay,
    private readonly clientSocket: Socket,
  ) {
    this.client = endpoint(clientSocket.remoteAddress, clientSocket.remotePort, clientSocket.remoteFamily);
    this.resetBudget = relay.faults?.resetAfter ?? Infinity;
  }

  fire(e: RelayEvent): void {
    this.relay.fire(e);
  }

  resetAllowance(): number {
    if (this.resetPending) return 0;
    const out = this.lanes ? this.lanes.c2s.counters.bytesOut + this.lanes.s2c.counters.bytesOut : 0;
    return Math.max(0, this.resetBudget - out);
  }

  get resetting(): boolean {
    return this.resetPending;
  }

  resetNow(flushed: Promise<void>): void {
    if (this.resetPending) return;
    this.resetPending = true;
    // the bytes up to the budget are handed to the kernel first (on loopback: in the peer's receive queue, which it
    // reads before it sees the reset), then both peers get the RST
    void flushed.then(() => this.reset());
  }

  laneFinished(): void {
    // both lanes end by FIN: the sockets close on their own once both directions are done
  }

  counters(): Record<Lane, LaneCounters> {
    const l = this.lanes;
    return { c2s: { ...(l ? l.c2s.counters : emptyCounters()) }, s2c: { ...(l ? l.s2c.counters : emptyCounters()) } };
  }

  /** connects upstream and starts both lanes */
  start(): void {
    const c = this.clientSocket;
    c.pause();
    const { host, port } = this.relay.options.upstream;
    const u = connect({ host, port, allowHalfOpen: true });
    this.upstreamSocket = u;
    const timer = setTimeout(() => u.destroy(connectTimeoutError(host, port, UPSTREAM_CONNECT_TIMEOUT_MS)), UPSTREAM_CONNECT_TIMEOUT_MS);
    const onConnectError = (err: Error): void => {
      clearTimeout(timer);
      const se = toSocketError(err, 'connect', host, port);
      this.fire({
        type: 'upstream-error',
        pair: this.id,
        client: this.client,
        code: se.code,
        message: `pair ${this.id}: upstream ${se.message}; client ${this.client.address}:${this.client.port} closed`,
        droppedBytes: c.readableLength,
        time: Date.now(),
      });
      this.reason = 'upstream-failed';
      c.destroy();
      this.lanesForClose();
    };
    u.once('error', onConnectError);
    u.once('connect', () => {
      clearTimeout(timer);
      u.off('error', onConnectError);
      this.upstream = endpoint(u.remoteAddress, u.remotePort, u.remoteFamily);
      const lanes = this.createLanes(u);
      this.fire({ type: 'open', pair: this.id, client: this.client, upstream: this.upstream, time: Date.now() });
      this.wire(c, 'client');
      this.wire(u, 'server');
      lanes.c2s.start();
      lanes.s2c.start();
      c.resume();
    });
  }

  /** a lane's fault options under the relay's current faults (n: the lane's number in the seed derivation) */
  private laneFaults(lane: Lane, n: number): { shaper?: LaneShaper; drop: boolean; halfCloseAfter?: number } {
    const r = this.relay;
    return {
      ...(shapes(r.faults, lane) && r.faults ? { shaper: new LaneShaper(r.faults, createRng(deriveSeed(r.seed, this.index, n))) } : {}),
      drop: r.faults?.drop?.includes(lane) ?? false,
      ...(r.faults?.halfClose?.lane === lane ? { halfCloseAfter: r.faults.halfClose.after } : {}),
    };
  }

  /** the relay's faults changed: both lanes take them from now on; a reset budget counts from here */
  reshape(): void {
    const out = this.lanes ? this.lanes.c2s.counters.bytesOut + this.lanes.s2c.counters.bytesOut : 0;
    this.resetBudget = this.relay.faults?.resetAfter !== undefined ? out + this.relay.faults.resetAfter : Infinity;
    this.lanes?.c2s.reshape(this.laneFaults('c2s', 0));
    this.lanes?.s2c.reshape(this.laneFaults('s2c', 1));
    if (this.lanes && this.resetAllowance() === 0 && this.resetBudget !== Infinity) this.reset();
  }

  private createLanes(u: Socket): Record<Lane, TcpLane> {
    const r = this.relay;
    const mk = (lane: Lane, src: Socket, dst: Socket, n: number): TcpLane =>
      new TcpLane(this, lane, src, dst, {
        ...this.laneFaults(lane, n),
        framing: r.framing[lane],
        maxFrameSize: r.options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
      });
    this.lanes = { c2s: mk('c2s', this.clientSocket, u, 0), s2c: mk('s2c', u, this.clientSocket, 1) };
    return this.lanes;
  }

  private wire(s: Socket, side: 'client' | 'server'): void {
    const other = (): Socket | undefined => (side === 'client' ? this.upstreamSocket : this.clientSocket);
    s.on('error', (err: Error) => {
      const code = errorCode(err) ?? 'EUNKNOWN';
      if (code === 'ECONNRESET') {
        this.reason ??= side === 'client' ? 'reset-by-client' : 'reset-by-server';
        // a reset travels on: the other peer gets a reset too
        const o = other();
        if (o && !o.destroyed) o.resetAndDestroy();
      } else {
        this.reason ??= 'error';
        const where = side === 'client' ? this.client : this.upstream;
        this.fire({ type: 'error', pair: this.id, code, message: `pair ${this.id}: ${side} ${where ? `${where.address}:${where.port}` : ''} ${err.message}`, time: Date.now() });
        other()?.destroy();
      }
    });
    s.on('close', () => this.maybeClosed());
  }

  private maybeClosed(): void {
    if (this.clientSocket.destroyed && (this.upstreamSocket?.destroyed ?? true)) this.lanesForClose();
  }

  private lanesForClose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.lanes) {
      this.lanes.c2s.dispose();
      this.lanes.s2c.dispose();
    }
    this.relay.pairClosed(this, this.reason ?? 'fin');
  }

  /** resets (RST) both peers */
  reset(): void {
    if (this.closed) return;
    this.reason ??= 'reset-by-relay';
    this.fire({ type: 'fault', pair: this.id, action: 'reset', time: Date.now() });
    if (!this.clientSocket.destroyed) this.clientSocket.resetAndDestroy();
    if (this.upstreamSocket && !this.upstreamSocket.destroyed) this.upstreamSocket.resetAndDestroy();
  }

  /** closes both connections (FIN) */
  cut(): void {
    this.reason ??= 'relay-closed';
    this.clientSocket.destroy();
    this.upstreamSocket?.destroy();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

/** A listening TCP relay. */
export class TcpRelay {
  readonly proto = 'tcp';
  private readonly emitter = new GuardedEmitter<RelayEvent>((err, e) => listenerFailed(this.emitter, err, e));
  readonly onEvent: Event<RelayEvent> = this.emitter.event;
  private readonly server: Server;
  private readonly pairs = new Map<string, TcpPair>();
  private nextIndex = 1;
  seed: number;
  readonly framing: Record<Lane, string>;
  faults: FaultOptions | undefined;
  local: RelayEndpoint | undefined;
  private closing: Promise<void> | undefined;
  private whenEmpty: (() => void) | undefined;

  constructor(readonly options: RelayOptions) {
    this.faults = options.faults;
    this.seed = options.faults?.seed ?? randomSeed();
    const both = normalizeFramingSpec(options.framing ?? 'raw');
    const own = (l: Lane): string => normalizeFramingSpec(options.laneFraming?.[l] ?? both);
    this.framing = { c2s: own('c2s'), s2c: own('s2c') };
    this.server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.accept(socket));
  }

  /** starts listening; rejects with a SocketError (port in use, …) */
  listen(): Promise<RelayEndpoint> {
    const host = this.options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(toSocketError(err, 'listen', host, this.options.port));
      this.server.once('error', onError);
      this.server.listen({ host, port: this.options.port }, () => {
        this.server.off('error', onError);
        const a = this.server.address();
        const local = typeof a === 'object' && a !== null ? endpoint(a.address, a.port, a.family) : endpoint(host, this.options.port, undefined);
        this.local = local;
        this.fire({ type: 'listening', proto: 'tcp', local, upstream: this.options.upstream, seed: this.seed });
        resolve(local);
      });
    });
  }

  fire(e: RelayEvent): void {
    this.emitter.fire(e);
  }

  /**
   * Changes the faults of a running relay: new pairs get them, and open pairs' lanes shape their later reads with
   * them (a seed given here replaces the relay's; without one the relay's seed stays).
   */
  setFaults(faults: FaultOptions | undefined): void {
    this.faults = faults;
    if (faults?.seed !== undefined) this.seed = faults.seed;
    for (const p of this.pairs.values()) p.reshape();
  }

  private accept(socket: Socket): void {
    const index = this.nextIndex++;
    const pair = new TcpPair(`p${index}`, index, this, socket);
    this.pairs.set(pair.id, pair);
    socket.on('error', () => undefined); // reported by the pair once it is wired; before that, closing is enough
    pair.start();
  }

  pairClosed(pair: TcpPair, reason: CloseReason): void {
    this.pairs.delete(pair.id);
    if (pair.lanes) this.fire({ type: 'close', pair: pair.id, reason, counters: pair.counters(), time: Date.now() });
    if (this.pairs.size === 0) this.whenEmpty?.();
  }

  pair(id: string): TcpPair | undefined {
    return this.pairs.get(id);
  }

  get pairCount(): number {
    return this.pairs.size;
  }

  /** stops listening and closes every pair */
  close(): Promise<void> {
    this.closing ??= Promise.all([
      new Promise<void>((resolve) => this.server.close(() => resolve())),
      new Promise<void>((resolve) => {
        this.whenEmpty = resolve;
        if (this.pairs.size === 0) resolve();
        for (const p of [...this.pairs.values()]) p.cut();
      }),
    ]).then(() => this.emitter.dispose());
    return this.closing;
  }
}
