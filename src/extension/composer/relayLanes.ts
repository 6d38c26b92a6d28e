/**
 * A relay pair as the composer sees a connection: its two lanes become the two directions of a `relay-pair`
 * connection (s2c = in, c2s = out, see RELAY_LANE_DIRECTION), its log entries become the chunk and frame records the
 * bridge already batches, and its pieces (the writes after faults) a second set of chunk boundaries. Pure Node over
 * core's RelayView: no copy of the history, no second pipeline.
 */
import { GuardedEmitter, type Disposable } from '../../core/events';
import type { LaneLogEntry, RelayView } from '../../core/relay';
import { describeMessage } from '../../core/protocol/message';
import type { ProtocolModel } from '../../core/protocol/model';
import type { ChunkEvent, ChunkRecord, CloseEvent, ConnectionInfo, FrameEvent, FrameRecord, HistorySnapshot, OpenEvent, StateEvent } from '../../core/types';
import type { Direction as Dir } from '../../core/types';
import { RELAY_LANE_DIRECTION, laneOfDirection, type RelayLane } from '../../shared/connections';
import { formatEndpoint } from '../../shared/format';

/** a write to a lane's destination: where it sits in the lane's output stream and how long it is */
export interface PieceRecord {
  seq: number;
  direction: Dir;
  time: number;
  offset: number;
  size: number;
  /** bytes injected into the lane (at the source offset they were written before) */
  injected?: true;
}

export interface PieceEvent {
  id: string;
  piece: PieceRecord;
}

interface Relay {
  view: RelayView;
  encoding: string;
  /** the messages of the relay's protocol file: frames that fit one carry its fields */
  messages?: ProtocolModel;
  sub: Disposable;
  /** pairs reported open (so a close is reported once) */
  open: Set<string>;
}

/** `r1.p2`: relay r1, pair p2 */
export function relayPairId(relay: string, pair: string): string {
  return `${relay}.${pair}`;
}

function splitId(id: string): { relay: string; pair: string } | undefined {
  const m = /^(r\d+)\.(p\d+)$/.exec(id);
  return m ? { relay: m[1], pair: m[2] } : undefined;
}

export class RelayLanes implements Disposable {
  private readonly relays = new Map<string, Relay>();
  private readonly openE = new GuardedEmitter<OpenEvent>(() => undefined);
  private readonly stateE = new GuardedEmitter<StateEvent>(() => undefined);
  private readonly chunkE = new GuardedEmitter<ChunkEvent>(() => undefined);
  private readonly frameE = new GuardedEmitter<FrameEvent>(() => undefined);
  private readonly pieceE = new GuardedEmitter<PieceEvent>(() => undefined);
  private readonly closeE = new GuardedEmitter<CloseEvent>(() => undefined);
  readonly onDidOpen = this.openE.event;
  readonly onDidChangeState = this.stateE.event;
  readonly onDidReceiveChunk = this.chunkE.event;
  readonly onDidFrame = this.frameE.event;
  readonly onDidWrite = this.pieceE.event;
  readonly onDidClose = this.closeE.event;

  /** shows a relay's pairs (and follows them) until `remove` */
  add(relay: string, view: RelayView, encoding = 'utf-8', messages?: ProtocolModel): void {
    this.remove(relay);
    const r: Relay = { view, encoding, ...(messages ? { messages } : {}), open: new Set(), sub: { dispose: () => undefined } };
    const subs = [
      view.onDidLog((e) => this.take(relay, r, e)),
      view.relay.onEvent((e) => {
        if (e.type !== 'open' && e.type !== 'close') return;
        const id = relayPairId(relay, e.pair);
        const info = this.get(id);
        if (!info) return;
        if (e.type === 'open') {
          r.open.add(e.pair);
          this.openE.fire({ id, time: e.time, info });
        } else if (r.open.delete(e.pair)) this.closeE.fire({ id, time: e.time, reason: e.reason === 'fin' || e.reason === 'relay-closed' ? 'fin' : 'reset', info });
      }),
    ];
    r.sub = { dispose: () => subs.forEach((s) => s.dispose()) };
    this.relays.set(relay, r);
  }

  remove(relay: string): void {
    const r = this.relays.get(relay);
    if (!r) return;
    this.relays.delete(relay);
    r.sub.dispose();
    for (const pair of r.open) {
      const id = relayPairId(relay, pair);
      this.stateE.fire({ id, time: Date.now(), info: this.info(relay, r, pair) ?? closedInfo(id) });
    }
  }

  private take(relay: string, r: Relay, e: LaneLogEntry): void {
    const id = relayPairId(relay, e.pair);
    if (e.kind === 'piece') {
      this.pieceE.fire({ id, piece: pieceRecord(e) });
      return;
    }
    if (e.kind === 'chunk') this.chunkE.fire({ id, chunk: chunkRecord(e) });
    const f = frameRecord(e, this.isRaw(r, e.lane));
    if (f) this.frameE.fire({ id, frame: f });
  }

  private isRaw(r: Relay, lane: RelayLane): boolean {
    const f = r.view.relay.proto === 'tcp' ? r.view.relay.framing[lane] : 'raw';
    return f === 'raw';
  }

  /** the framing of each lane of a pair's relay */
  laneFraming(id: string): Record<RelayLane, string> | undefined {
    const s = splitId(id);
    const r = s && this.relays.get(s.relay);
    if (!r) return undefined;
    const rel = r.view.relay;
    return rel.proto === 'tcp' ? { ...rel.framing } : { c2s: 'raw', s2c: 'raw' };
  }

  private info(relay: string, r: Relay, pair: string): ConnectionInfo | undefined {
    const p = r.view.snapshot().pairs.find((x) => x.id === pair);
    if (!p) return undefined;
    const framing = this.laneFraming(relayPairId(relay, pair));
    const { c2s, s2c } = p.lanes;
    const last = Math.max(0, ...r.view.logOf(pair).slice(-1).map((e) => e.time));
    const info: ConnectionInfo = {
      id: relayPairId(relay, pair),
      kind: 'relay-pair',
      state: p.state === 'open' ? 'open' : 'closed',
      label: `${formatEndpoint(p.client) ?? ''} ⇄ ${formatEndpoint(p.upstream) ?? ''}`,
      local: p.client,
      framing: framing && framing.c2s === framing.s2c ? framing.c2s : `${framing?.c2s ?? 'raw'} / ${framing?.s2c ?? 'raw'}`,
      encoding: r.encoding,
      openedAt: r.view.logOf(pair)[0]?.time ?? Date.now(),
      stats: { bytesIn: s2c.counters.bytesIn, bytesOut: c2s.counters.bytesIn, framesIn: s2c.counters.frames, framesOut: c2s.counters.frames, chunksIn: s2c.counters.chunksIn, rateIn: 0, rateOut: 0, lastActivity: last },
    };
    if (p.upstream) info.remote = p.upstream;
    return info;
  }

  get(id: string): ConnectionInfo | undefined {
    const s = splitId(id);
    const r = s && this.relays.get(s.relay);
    return s && r ? this.info(s.relay, r, s.pair) : undefined;
  }

  list(): ConnectionInfo[] {
    const out: ConnectionInfo[] = [];
    for (const [relay, r] of this.relays) {
      for (const p of r.view.snapshot().pairs) {
        const info = this.info(relay, r, p.id);
        if (info) out.push(info);
      }
    }
    return out;
  }

  private viewOf(id: string): { view: RelayView; pair: string; relay: Relay } {
    const s = splitId(id);
    const r = s && this.relays.get(s.relay);
    if (!s || !r) throw new Error(`no relay pair ${id}`);
    return { view: r.view, pair: s.pair, relay: r };
  }

  /** both lanes' chunks and frames kept by the relay's view, as connection records */
  history(id: string): HistorySnapshot {
    const { view, pair, relay } = this.viewOf(id);
    const chunks: ChunkRecord[] = [];
    const frames: FrameRecord[] = [];
    for (const e of view.logOf(pair)) {
      if (e.kind === 'chunk') chunks.push(chunkRecord(e));
      const f = frameRecord(e, this.isRaw(relay, e.lane));
      if (f) frames.push(f);
    }
    // what the relay's bounded log dropped is said (Save Received Data, Save Session); a raw lane's frames are its reads
    let droppedChunks = 0;
    let droppedFrames = 0;
    for (const lane of ['c2s', 's2c'] as const) {
      const c = view.droppedOf(pair, lane, 'chunk');
      droppedChunks += c;
      droppedFrames += view.droppedOf(pair, lane, 'frame') + (this.isRaw(relay, lane) ? c : 0);
    }
    return { chunks, frames, droppedChunks, droppedFrames };
  }

  /** the pieces written to both lanes' destinations */
  pieces(id: string): PieceRecord[] {
    const { view, pair } = this.viewOf(id);
    return view.piecesOf(pair).map(pieceRecord);
  }

  clearHistory(id: string): void {
    const { view, pair } = this.viewOf(id);
    view.clearLog(pair);
  }

  /** writes `payload` into a lane of the pair (after what is queued there; no faults applied) */
  inject(id: string, lane: RelayLane, payload: Buffer): void {
    const { view, pair } = this.viewOf(id);
    view.inject(pair, lane, payload);
  }

  /** the composer's note for a relay pair's frame: the message of the relay's protocol file it is (as for connections) */
  annotate(id: string, frame: FrameRecord): string | undefined {
    const m = this.messagesFor(id)?.decode(frame.payload);
    return m ? describeMessage(m) : undefined;
  }

  /** Message mode: the layouts of the relay's protocol file */
  messagesFor(id: string): ProtocolModel | undefined {
    const s = splitId(id);
    return s ? this.relays.get(s.relay)?.messages : undefined;
  }

  /** the lane a direction of a relay pair stands for */
  laneOf(direction: Dir): RelayLane {
    return laneOfDirection(direction);
  }

  dispose(): void {
    for (const relay of [...this.relays.keys()]) this.remove(relay);
    for (const e of [this.openE, this.stateE, this.chunkE, this.frameE, this.pieceE, this.closeE]) e.dispose();
  }
}

function closedInfo(id: string): ConnectionInfo {
  return { id, kind: 'relay-pair', state: 'closed', label: id, framing: 'raw', encoding: 'utf-8', openedAt: 0, stats: { bytesIn: 0, bytesOut: 0, framesIn: 0, framesOut: 0, chunksIn: 0, rateIn: 0, rateOut: 0, lastActivity: 0 } };
}

function chunkRecord(e: LaneLogEntry): ChunkRecord {
  return { seq: e.seq, direction: RELAY_LANE_DIRECTION[e.lane], time: e.time, offset: e.offset, data: e.data };
}

function pieceRecord(e: LaneLogEntry): PieceRecord {
  return { seq: e.seq, direction: RELAY_LANE_DIRECTION[e.lane], time: e.time, offset: e.offset, size: e.size, ...(e.injected ? { injected: true as const } : {}) };
}

/**
 * a raw lane shows each read as a frame (as a raw connection does); a framed lane its decoded frames; either shows
 * what was injected into it as a frame marked `injected`, taking no room in the lane's source stream
 */
function frameRecord(e: LaneLogEntry, raw: boolean): FrameRecord | undefined {
  if (e.injected) return { seq: e.seq, direction: RELAY_LANE_DIRECTION[e.lane], time: e.time, start: e.offset, end: e.offset, payload: e.data, injected: true };
  if (raw ? e.kind !== 'chunk' : e.kind !== 'frame') return undefined;
  const f: FrameRecord = { seq: e.seq, direction: RELAY_LANE_DIRECTION[e.lane], time: e.time, start: e.offset, end: e.offset + e.size, payload: e.data };
  if (e.header) f.header = e.header;
  return f;
}
