/**
 * A relay as a front end shows it: a snapshot tree (relay → pairs → lanes with counters and state), a bounded log of
 * both lanes in arrival order (for a composer-style log), and the commands a user gives a pair or a lane — inject,
 * hold, release, half-close, reset, cut. Pure Node: the extension's tree and panels are thin adapters over it.
 */
import { GuardedEmitter, type Disposable, type Event } from '../events';
import type { Endpoint } from '../types';
import type { TcpRelay, TcpPair } from './tcp';
import type { TcpLane } from './lane';
import type { UdpLane, UdpPair, UdpRelay } from './udp';
import { emptyCounters, type CloseReason, type Lane, type LaneCounters, type RelayEvent } from './types';

export interface LaneSnapshot {
  lane: Lane;
  counters: LaneCounters;
  held: boolean;
  /** FIN sent to the lane's destination */
  finished: boolean;
  /** bytes waiting in the lane (faults, hold) */
  pending: number;
}

export interface PairSnapshot {
  id: string;
  client: Endpoint;
  upstream?: Endpoint;
  state: 'open' | 'closed';
  reason?: CloseReason;
  lanes: Record<Lane, LaneSnapshot>;
}

export interface RelaySnapshot {
  proto: 'tcp' | 'udp';
  local?: Endpoint;
  upstream: { host: string; port: number };
  seed: number;
  pairs: PairSnapshot[];
}

export interface LaneLogEntry {
  pair: string;
  lane: Lane;
  /**
   * chunk: a read from the lane's source; frame: a decoded frame; piece: a write of source bytes to its destination
   * (after faults; at its source offset). Bytes injected into the lane are one `frame` entry with `injected` set
   * when the relay writes them: its `offset` is the source offset they were written before (they are not the source's)
   */
  kind: 'chunk' | 'frame' | 'piece';
  /** bytes injected into the lane (not read from its source): a frame and its piece; `size` their length */
  injected?: true;
  /** per pair, lane and kind, from 0 */
  seq: number;
  /** stream offset of the chunk or piece, or of the frame's first byte */
  offset: number;
  /** the bytes (a piece carries none: see `size`) */
  data: Buffer;
  /** bytes the entry covers: a chunk's or piece's size, a frame's whole length with its header */
  size: number;
  header?: Record<string, unknown>;
  time: number;
}

export interface RelayViewOptions {
  /** log entries kept (oldest dropped first, counted); default 2000 */
  logEntries?: number;
  /** log bytes kept; default 4 MiB */
  logBytes?: number;
  /** closed pairs kept in the snapshot; default 32 */
  keepClosed?: number;
}

const EMPTY = Buffer.alloc(0);

export class RelayCommandError extends Error {
  constructor(
    readonly code: 'ENOENT' | 'ENOTSUP' | 'ECLOSED',
    message: string,
  ) {
    super(message);
    this.name = 'RelayCommandError';
  }
}

export class RelayView implements Disposable {
  private readonly emitter = new GuardedEmitter<void>(() => undefined);
  /** fires on every change; a front end throttles its refreshes */
  readonly onDidChange: Event<void> = this.emitter.event;
  private readonly logEmitter = new GuardedEmitter<LaneLogEntry>(() => undefined);
  /** every chunk, frame and piece as it is logged */
  readonly onDidLog: Event<LaneLogEntry> = this.logEmitter.event;
  private readonly entries: LaneLogEntry[] = [];
  /** pieces are kept apart (a re-chunked lane writes many): the same entry limit, no bytes */
  private readonly pieces: LaneLogEntry[] = [];
  private readonly seqs = new Map<string, number>();
  private logBytes = 0;
  /** log entries dropped to stay within the limits */
  droppedEntries = 0;
  /** the same, by pair, lane and kind (`p1|c2s|chunk`) */
  private readonly droppedBy = new Map<string, number>();
  private readonly open = new Map<string, { client: Endpoint; upstream?: Endpoint }>();
  private readonly closed: PairSnapshot[] = [];
  private readonly sub: Disposable;
  private readonly limits: Required<RelayViewOptions>;

  constructor(
    readonly relay: TcpRelay | UdpRelay,
    opts: RelayViewOptions = {},
  ) {
    this.limits = { logEntries: opts.logEntries ?? 2000, logBytes: opts.logBytes ?? 4 * 1024 * 1024, keepClosed: opts.keepClosed ?? 32 };
    this.sub = relay.onEvent((e) => this.take(e));
  }

  private take(e: RelayEvent): void {
    switch (e.type) {
      case 'open':
        this.open.set(e.pair, { client: e.client, upstream: e.upstream });
        break;
      case 'chunk':
        this.log({ pair: e.pair, lane: e.lane, kind: 'chunk', seq: this.seq(e.pair, e.lane, 'chunk'), offset: e.offset, data: e.data, size: e.data.length, time: e.time });
        break;
      case 'frame':
        this.log({ pair: e.pair, lane: e.lane, kind: 'frame', seq: this.seq(e.pair, e.lane, 'frame'), offset: e.start, data: e.payload, size: e.end - e.start, ...(e.header ? { header: e.header } : {}), time: e.time });
        break;
      case 'close': {
        const o = this.open.get(e.pair);
        this.open.delete(e.pair);
        if (o) {
          const lane = (l: Lane): LaneSnapshot => ({ lane: l, counters: e.counters[l], held: false, finished: true, pending: 0 });
          this.closed.push({ id: e.pair, client: o.client, ...(o.upstream ? { upstream: o.upstream } : {}), state: 'closed', reason: e.reason, lanes: { c2s: lane('c2s'), s2c: lane('s2c') } });
          if (this.closed.length > this.limits.keepClosed) this.closed.shift();
        }
        break;
      }
      case 'piece': {
        // injected bytes are a frame of their own in the log, at the source offset they went in before (a seq
        // that neither the lane's chunks nor its frames use: a raw lane shows its chunks as frames)
        if (e.injected) {
          if (!e.data) return;
          const seq = Math.max(this.seq(e.pair, e.lane, 'chunk', false), this.seq(e.pair, e.lane, 'frame', false));
          for (const k of ['chunk', 'frame'] as const) this.seqs.set(`${e.pair}|${e.lane}|${k}`, seq + 1);
          this.log({ pair: e.pair, lane: e.lane, kind: 'frame', injected: true, seq, offset: e.at ?? 0, data: e.data, size: e.size, time: e.time });
          this.piece({ pair: e.pair, lane: e.lane, kind: 'piece', injected: true, seq: this.seq(e.pair, e.lane, 'piece'), offset: e.at ?? 0, data: EMPTY, size: e.size, time: e.time });
          break;
        }
        // kept at its source offset, so that it lines up with the lane's reads and frames
        if (e.source === undefined) return;
        this.piece({ pair: e.pair, lane: e.lane, kind: 'piece', seq: this.seq(e.pair, e.lane, 'piece'), offset: e.source, data: EMPTY, size: e.size, time: e.time });
        return; // counters change with every piece; the snapshot reads them when asked
      }
      default:
        break;
    }
    this.emitter.fire();
  }

  /** the next seq of a pair's lane and kind (taken unless `take` is false) */
  private seq(pair: string, lane: Lane, kind: LaneLogEntry['kind'], take = true): number {
    const k = `${pair}|${lane}|${kind}`;
    const n = this.seqs.get(k) ?? 0;
    if (take) this.seqs.set(k, n + 1);
    return n;
  }

  private piece(entry: LaneLogEntry): void {
    this.pieces.push(entry);
    if (this.pieces.length > this.limits.logEntries) this.pieces.shift();
    this.logEmitter.fire(entry);
  }

  private log(entry: LaneLogEntry): void {
    this.entries.push(entry);
    this.logEmitter.fire(entry);
    this.logBytes += entry.data.length;
    while (this.entries.length > this.limits.logEntries || (this.logBytes > this.limits.logBytes && this.entries.length > 1)) {
      const old = this.entries.shift();
      if (!old) break;
      this.logBytes -= old.data.length;
      this.droppedEntries++;
      const k = `${old.pair}|${old.lane}|${old.kind}`;
      this.droppedBy.set(k, (this.droppedBy.get(k) ?? 0) + 1);
    }
  }

  /** both lanes' chunks and frames in arrival order, optionally of one pair */
  logOf(pair?: string): LaneLogEntry[] {
    return pair === undefined ? [...this.entries] : this.entries.filter((e) => e.pair === pair);
  }

  /** a lane's chunk or frame entries the log dropped to stay within the limits */
  droppedOf(pair: string, lane: Lane, kind: 'chunk' | 'frame'): number {
    return this.droppedBy.get(`${pair}|${lane}|${kind}`) ?? 0;
  }

  /** the pieces written to both lanes' destinations, optionally of one pair */
  piecesOf(pair?: string): LaneLogEntry[] {
    return pair === undefined ? [...this.pieces] : this.pieces.filter((e) => e.pair === pair);
  }

  /** forgets the log of one pair (its counters stay) */
  clearLog(pair: string): void {
    for (const list of [this.entries, this.pieces]) {
      const kept = list.filter((e) => e.pair !== pair);
      for (const e of list) if (e.pair === pair && e.kind !== 'piece') this.logBytes -= e.data.length;
      list.splice(0, list.length, ...kept);
    }
  }

  snapshot(): RelaySnapshot {
    const r = this.relay;
    const pairs: PairSnapshot[] = [...this.closed];
    for (const [id, o] of this.open) {
      const p = r.pair(id);
      const lane = (l: Lane): LaneSnapshot => {
        const tl = p?.proto === 'tcp' ? p.lanes?.[l] : undefined;
        const ul = p?.proto === 'udp' ? p.lanes[l] : undefined;
        const counters = p ? p.counters()[l] : emptyCounters();
        return { lane: l, counters, held: (tl ?? ul)?.isHeld ?? false, finished: tl?.isFinished ?? false, pending: (tl ?? ul)?.pending ?? 0 };
      };
      pairs.push({ id, client: o.client, ...(o.upstream ? { upstream: o.upstream } : {}), state: 'open', lanes: { c2s: lane('c2s'), s2c: lane('s2c') } });
    }
    pairs.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
    return { proto: r.proto, ...(r.local ? { local: r.local } : {}), upstream: r.options.upstream, seed: r.seed, pairs };
  }

  private openPair(id: string): TcpPair | UdpPair {
    const p = this.relay.pair(id);
    if (!p) throw new RelayCommandError('ENOENT', `no open pair '${id}' on the relay to ${this.relay.options.upstream.host}:${this.relay.options.upstream.port}`);
    return p;
  }

  private tcpPair(id: string, what: string): TcpPair {
    const p = this.openPair(id);
    if (p.proto !== 'tcp') throw new RelayCommandError('ENOTSUP', `pair ${id} is UDP: ${what} is for TCP streams (datagrams have no FIN or RST); inject, hold and release work on UDP lanes`);
    if (!p.lanes) throw new RelayCommandError('ECLOSED', `pair ${id} has no upstream connection yet`);
    return p;
  }

  /** a lane of an open pair, TCP or UDP, once its upstream is there */
  private lane(id: string, lane: Lane): TcpLane | UdpLane {
    const p = this.openPair(id);
    const l = p.proto === 'tcp' ? p.lanes?.[lane] : p.upstream ? p.lanes[lane] : undefined;
    if (!l) throw new RelayCommandError('ECLOSED', `pair ${id} has no upstream ${p.proto === 'tcp' ? 'connection' : 'socket'} yet`);
    return l;
  }

  /** writes `data` into a lane, after what is queued (no faults applied); UDP: one datagram */
  inject(pair: string, lane: Lane, data: Buffer): void {
    this.lane(pair, lane).inject(data);
  }

  hold(pair: string, lane: Lane): void {
    this.lane(pair, lane).hold();
    this.emitter.fire();
  }

  release(pair: string, lane: Lane): void {
    this.lane(pair, lane).release();
    this.emitter.fire();
  }

  halfClose(pair: string, lane: Lane): void {
    this.tcpPair(pair, 'half-close').lanes?.[lane].halfClose();
    this.emitter.fire();
  }

  reset(pair: string): void {
    this.tcpPair(pair, 'reset').reset();
  }

  /** closes both connections of a TCP pair, or forgets a UDP client */
  cut(pair: string): void {
    const p = this.relay.pair(pair);
    if (!p) throw new RelayCommandError('ENOENT', `no open pair '${pair}'`);
    if (p.proto === 'tcp') p.cut();
    else p.close('relay-closed');
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
    this.logEmitter.dispose();
  }
}
