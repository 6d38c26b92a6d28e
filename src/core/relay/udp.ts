/**
 * The UDP relay: one listening socket; each client address gets its own upstream socket, so the server's answers
 * find their way back. Faults that make sense for datagrams apply: delay and jitter, rate cap, drop a lane; a lane can be
 * held, released and injected into (one datagram).
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { GuardedEmitter, type Event } from '../events';
import { endpointOf } from '../transport/connection';
import { toSocketError } from '../errors';
import { errorCode } from '../../shared/errors';
import { LaneShaper, shapes, type FaultOptions } from './faults';
import { PieceQueue } from './pieces';
import { createRng, deriveSeed, randomSeed } from './prng';
import { listenerFailed } from './events';
import { emptyCounters, type CloseReason, type Lane, type LaneCounters, type RelayEndpoint, type RelayEvent, type RelayOptions } from './types';

export const UDP_DEFAULT_IDLE_MS = 60_000;
/** datagrams waiting (delay, rate) per lane above which new ones are dropped and counted */
export const UDP_QUEUE_LIMIT = 4096;

/** One direction of a UDP pair: datagrams kept whole, shaped, held, and injected on command. */
export class UdpLane {
  readonly counters: LaneCounters = emptyCounters();
  private readonly pieces: PieceQueue;
  /** the source offset (bytes received) of the next datagram sent or dropped (injected ones are not counted) */
  private sourceOut = 0;

  constructor(
    private readonly pair: UdpPair,
    readonly lane: Lane,
    private readonly send: (data: Buffer) => void,
    shaper: LaneShaper | undefined,
    private readonly drop: boolean,
  ) {
    this.pieces = new PieceQueue(shaper, { write: (d, injected) => this.forward(d, injected), writable: () => true, blocked: () => undefined, pumped: () => undefined }, true);
  }

  get isHeld(): boolean {
    return this.pieces.isHeld;
  }

  /** bytes of the datagrams waiting in the lane (faults, hold) */
  get pending(): number {
    return this.pieces.pending;
  }

  receive(data: Buffer): void {
    const offset = this.counters.bytesIn;
    this.counters.bytesIn += data.length;
    this.counters.chunksIn++;
    this.pair.fire({ type: 'chunk', pair: this.pair.id, lane: this.lane, offset, data, time: Date.now() });
    if (this.drop || this.full()) {
      this.sourceOut += data.length;
      this.dropped(data.length, offset);
      return;
    }
    this.pieces.push(data, offset);
  }

  private full(): boolean {
    return this.pieces.count >= UDP_QUEUE_LIMIT;
  }

  private dropped(bytes: number, offset?: number): void {
    this.counters.dropped += bytes;
    this.pair.fire({ type: 'fault', pair: this.pair.id, lane: this.lane, action: 'drop', ...(offset !== undefined ? { offset } : {}), bytes, time: Date.now() });
  }

  private forward(data: Buffer, injected: boolean): boolean {
    const source = this.sourceOut;
    if (!injected) this.sourceOut += data.length;
    const offset = this.counters.bytesOut;
    this.counters.bytesOut += data.length;
    this.counters.piecesOut++;
    this.pair.fire({ type: 'piece', pair: this.pair.id, lane: this.lane, offset, size: data.length, ...(injected ? { injected: true as const, data, at: source } : {}), time: Date.now() });
    this.send(data);
    return true;
  }

  /** stops sending until release(): datagrams queue (up to UDP_QUEUE_LIMIT, then dropped and counted) */
  hold(): void {
    this.pieces.hold();
  }

  /** sends what was held, in order */
  release(): void {
    this.pieces.release();
  }

  /** sends `data` as one datagram after what is queued (no faults applied); dropped and counted if the queue is full */
  inject(data: Buffer): void {
    if (this.full()) this.dropped(data.length);
    else this.pieces.inject(data);
  }

  dispose(): void {
    this.counters.dropped += this.pieces.dispose();
  }
}

/** One client address and its upstream socket. */
export class UdpPair {
  readonly proto = 'udp';
  readonly lanes: Record<Lane, UdpLane>;
  private readonly upstreamSocket: Socket;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private connected = false;
  private readonly early: Buffer[] = [];
  upstream: RelayEndpoint | undefined;

  constructor(
    readonly id: string,
    index: number,
    private readonly relay: UdpRelay,
    readonly client: RelayEndpoint,
  ) {
    const { host, port } = relay.options.upstream;
    const f = relay.faults;
    const shaper = (lane: Lane, n: number): LaneShaper | undefined =>
      shapes(f, lane) && f ? new LaneShaper(f, createRng(deriveSeed(relay.seed, index, n))) : undefined;
    const u = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    this.upstreamSocket = u;
    this.lanes = {
      // a send error (ICMP port unreachable reported on the next send) only reaches a callback
      c2s: new UdpLane(this, 'c2s', (d) => u.send(d, (err) => err && u.emit('error', err)), shaper('c2s', 0), f?.drop?.includes('c2s') ?? false),
      s2c: new UdpLane(this, 's2c', (d) => relay.sendToClient(d, client), shaper('s2c', 1), f?.drop?.includes('s2c') ?? false),
    };
    u.on('message', (msg) => {
      this.touch();
      this.lanes.s2c.receive(msg);
    });
    u.on('error', (err) => {
      if (this.closed) return;
      const se = toSocketError(err, 'send', host, port);
      this.fire({
        type: 'upstream-error',
        pair: this.id,
        client,
        code: errorCode(err) ?? se.code,
        message: `pair ${this.id}: upstream ${se.message}; client ${client.address}:${client.port} dropped`,
        droppedBytes: 0,
        time: Date.now(),
      });
      this.close('upstream-failed');
    });
    u.connect(port, host, () => {
      this.connected = true;
      const a = u.remoteAddress();
      this.upstream = endpointOf(a.address, a.port, a.family) ?? { address: host, port, family: 'IPv4' };
      this.fire({ type: 'open', pair: this.id, client, upstream: this.upstream, time: Date.now() });
      for (const d of this.early.splice(0)) this.lanes.c2s.receive(d);
    });
    this.touch();
  }

  fire(e: RelayEvent): void {
    this.relay.fire(e);
  }

  fromClient(msg: Buffer): void {
    this.touch();
    if (this.connected) this.lanes.c2s.receive(msg);
    else this.early.push(msg);
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.close('idle'), this.relay.options.udpIdleMs ?? UDP_DEFAULT_IDLE_MS);
  }

  counters(): Record<Lane, LaneCounters> {
    return { c2s: { ...this.lanes.c2s.counters }, s2c: { ...this.lanes.s2c.counters } };
  }

  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.lanes.c2s.dispose();
    this.lanes.s2c.dispose();
    this.upstreamSocket.close();
    this.relay.pairClosed(this, reason);
  }
}

/** A bound UDP relay. */
export class UdpRelay {
  readonly proto = 'udp';
  private readonly emitter = new GuardedEmitter<RelayEvent>((err, e) => listenerFailed(this.emitter, err, e));
  readonly onEvent: Event<RelayEvent> = this.emitter.event;
  private readonly socket: Socket;
  private readonly pairs = new Map<string, UdpPair>();
  private readonly byId = new Map<string, UdpPair>();
  private nextIndex = 1;
  seed: number;
  faults: FaultOptions | undefined;
  local: RelayEndpoint | undefined;

  constructor(readonly options: RelayOptions) {
    this.faults = options.faults;
    this.seed = options.faults?.seed ?? randomSeed();
    this.socket = createSocket(isIPv6(options.host ?? '127.0.0.1') ? 'udp6' : 'udp4');
    this.socket.on('message', (msg, rinfo) => this.fromClient(msg, rinfo));
  }

  listen(): Promise<RelayEndpoint> {
    const host = this.options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(toSocketError(err, 'bind', host, this.options.port));
      this.socket.once('error', onError);
      this.socket.bind(this.options.port, host, () => {
        this.socket.off('error', onError);
        this.socket.on('error', (err) => this.fire({ type: 'error', code: errorCode(err) ?? 'EUNKNOWN', message: `relay socket: ${err.message}`, time: Date.now() }));
        const a = this.socket.address();
        const local = endpointOf(a.address, a.port, a.family) ?? { address: host, port: this.options.port, family: 'IPv4' };
        this.local = local;
        this.fire({ type: 'listening', proto: 'udp', local, upstream: this.options.upstream, seed: this.seed });
        resolve(local);
      });
    });
  }

  fire(e: RelayEvent): void {
    this.emitter.fire(e);
  }

  /** Changes the faults: client addresses heard from after this get them (datagram lanes keep theirs). */
  setFaults(faults: FaultOptions | undefined): void {
    this.faults = faults;
    if (faults?.seed !== undefined) this.seed = faults.seed;
  }

  private fromClient(msg: Buffer, rinfo: RemoteInfo): void {
    const key = `${rinfo.address}|${rinfo.port}`;
    let pair = this.pairs.get(key);
    if (!pair) {
      const index = this.nextIndex++;
      const client = endpointOf(rinfo.address, rinfo.port, rinfo.family) ?? { address: rinfo.address, port: rinfo.port, family: 'IPv4' };
      pair = new UdpPair(`p${index}`, index, this, client);
      this.pairs.set(key, pair);
      this.byId.set(pair.id, pair);
    }
    pair.fromClient(msg);
  }

  sendToClient(data: Buffer, client: RelayEndpoint): void {
    this.socket.send(data, client.port, client.address, (err) => {
      if (err) this.fire({ type: 'error', code: errorCode(err) ?? 'EUNKNOWN', message: `relay socket: cannot send to client ${client.address}:${client.port}: ${err.message}`, time: Date.now() });
    });
  }

  pairClosed(pair: UdpPair, reason: CloseReason): void {
    this.pairs.delete(`${pair.client.address}|${pair.client.port}`);
    this.byId.delete(pair.id);
    this.fire({ type: 'close', pair: pair.id, reason, counters: pair.counters(), time: Date.now() });
  }

  pair(id: string): UdpPair | undefined {
    return this.byId.get(id);
  }

  get pairCount(): number {
    return this.pairs.size;
  }

  close(): Promise<void> {
    for (const p of [...this.pairs.values()]) p.close('relay-closed');
    return new Promise<void>((resolve) => this.socket.close(() => resolve())).then(() => this.emitter.dispose());
  }
}
