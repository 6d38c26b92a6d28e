/**
 * Bridges the connection registry to the composer webview: converts records to protocol items and batches
 * live traffic (at most one data message per `intervalMs`, ~25/s), waits for the previous post to be taken
 * before sending the next (backpressure), and drops the oldest pending frames beyond a cap (a count and a byte
 * budget) during floods, counting them so the webview can say so. A pending frame keeps only the bytes that cross
 * to the webview (the first `maxFrameBytes`), never its whole payload. Pure Node (no `vscode`).
 */
import { decodeText } from '../../core/codec/encoding';
import type { Disposable } from '../../core/events';
import type { ChunkRecord, ConnectionInfo, FrameRecord } from '../../core/types';
import { formatEndpoint } from '../../shared/format';
import { laneOfDirection } from '../../shared/connections';
import type { PieceRecord } from './relayLanes';
import type { TrafficSource } from './sources';
import type { ChunkItem, ConnSummary, DataMessage, FrameBatch, FrameItem, HistoryMessage, HostToWebview } from '../../shared/protocol';

export interface BridgeOptions {
  /** posts one message; a returned promise delays the next data message until it settles */
  post(m: HostToWebview): PromiseLike<unknown> | void;
  /** minimum time between data messages (default 40 ms: at most 25 messages per second) */
  intervalMs?: number;
  /** frames per data message (default 5,000) */
  maxFramesPerBatch?: number;
  /** frames waiting to be posted before the oldest are skipped (default 50,000) */
  maxPending?: number;
  /**
   * payload bytes that frames waiting to be posted may hold before the oldest are skipped (default 64 MiB); also the
   * most payload bytes one history message carries (older frames count as dropped)
   */
  maxPendingBytes?: number;
  /** payload bytes per frame that cross to the webview (default 64 KiB; copy fetches the rest) */
  maxFrameBytes?: number;
  /** payload bytes per frame decoded to text for display (default 4 KiB) */
  maxTextBytes?: number;
  /** frames per connection sent as history when the webview (re)loads (default 20,000) */
  maxHistoryFrames?: number;
  /** a note shown with a frame (the message it is in a protocol file attached to its connection) */
  annotate?: (conn: string, frame: FrameRecord) => string | undefined;
}

export function toSummary(c: ConnectionInfo): ConnSummary {
  const s: ConnSummary = { id: c.id, kind: c.kind, state: c.state, label: c.label, framing: c.framing, encoding: c.encoding, openedAt: c.openedAt };
  if (c.parentId !== undefined) s.parentId = c.parentId;
  const local = formatEndpoint(c.local);
  const remote = formatEndpoint(c.remote);
  if (local) s.local = local;
  if (remote) s.remote = remote;
  if (c.error) s.error = c.error;
  return s;
}

/** a summary, with a relay pair's framing per lane */
function summaryOf(c: ConnectionInfo, laneFraming?: (id: string) => { c2s: string; s2c: string } | undefined): ConnSummary {
  const s = toSummary(c);
  const lanes = c.kind === 'relay-pair' ? laneFraming?.(c.id) : undefined;
  if (lanes) s.lanes = { c2s: { framing: lanes.c2s }, s2c: { framing: lanes.s2c } };
  return s;
}

interface Pending {
  conn: string;
  /** the frame, its payload cut to what crosses to the webview */
  frame: FrameRecord;
  /** the payload's real length */
  length: number;
}

/** A FIFO queue on a growable ring buffer: push, and drop/take from the front, are O(1). */
export class Ring<T> {
  private buf: Array<T | undefined> = new Array<T | undefined>(16);
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(v: T): void {
    if (this.size === this.buf.length) {
      // grow: unroll into a buffer twice as large (amortized O(1) per push)
      const next = new Array<T | undefined>(this.buf.length * 2);
      for (let i = 0; i < this.size; i++) next[i] = this.buf[(this.head + i) % this.buf.length];
      this.buf = next;
      this.head = 0;
    }
    this.buf[(this.head + this.size) % this.buf.length] = v;
    this.size++;
  }

  /** removes and returns the oldest item */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.buf.length;
    this.size--;
    return v;
  }

  /** removes and returns up to `n` oldest items, oldest first */
  take(n: number): T[] {
    const k = Math.min(n, this.size);
    const out = new Array<T>(k);
    for (let i = 0; i < k; i++) out[i] = this.shift() as T;
    return out;
  }

  clear(): void {
    this.buf = new Array<T | undefined>(16);
    this.head = 0;
    this.size = 0;
  }
}

export class ComposerBridge implements Disposable {
  private readonly subs: Disposable[] = [];
  private readonly frames = new Ring<Pending>();
  private readonly chunks = new Ring<ChunkItem>();
  private bytes = 0;
  private skipped = 0;
  /** the skipped frames by connection (a flood's own frames are what it loses) */
  private skippedBy = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight = false;
  private lastFlush = 0;
  private active = false;
  private connectionsDirty = false;
  private lastConnections = 0;
  /** per connection: its encoding, and whether its directions are a relay pair's lanes */
  private readonly encodings = new Map<string, { encoding: string; lanes: boolean }>();
  private readonly o: Required<Omit<BridgeOptions, 'post'>>;
  /** data messages posted so far (tests and the benchmark read it) */
  messages = 0;

  constructor(
    private readonly registry: TrafficSource & { laneFraming?(id: string): { c2s: string; s2c: string } | undefined },
    private readonly opts: BridgeOptions,
  ) {
    this.o = {
      intervalMs: opts.intervalMs ?? 40,
      maxFramesPerBatch: opts.maxFramesPerBatch ?? 5000,
      maxPending: opts.maxPending ?? 50_000,
      maxPendingBytes: opts.maxPendingBytes ?? 64 * 1024 * 1024,
      maxFrameBytes: opts.maxFrameBytes ?? 64 * 1024,
      maxTextBytes: opts.maxTextBytes ?? 4096,
      maxHistoryFrames: opts.maxHistoryFrames ?? 20_000,
      annotate: opts.annotate ?? (() => undefined),
    };
    this.subs.push(
      registry.onDidFrame((e) => {
        if (!this.active) return;
        const p = this.pending(e.id, e.frame);
        this.frames.push(p);
        this.bytes += p.frame.payload.length;
        // drop the oldest, one at a time (O(1) each), while over either cap; the newest frame always stays
        while (this.frames.length > 1 && (this.frames.length > this.o.maxPending || this.bytes > this.o.maxPendingBytes)) {
          const old = this.frames.shift();
          if (old) {
            this.bytes -= old.frame.payload.length;
            this.skippedBy.set(old.conn, (this.skippedBy.get(old.conn) ?? 0) + 1);
          }
          this.skipped++;
        }
        this.schedule();
      }),
      registry.onDidReceiveChunk((e) => this.pushChunk(this.chunkItem(e.id, e.chunk))),
      ...(registry.onDidWrite ? [registry.onDidWrite((e) => this.pushChunk(this.pieceItem(e.id, e.piece)))] : []),
      registry.onDidOpen(() => this.connectionsChanged()),
      registry.onDidChangeState((e) => {
        this.encodings.delete(e.id);
        this.connectionsChanged();
      }),
      registry.onDidClose(() => this.connectionsChanged()),
    );
  }

  private pushChunk(item: ChunkItem): void {
    if (!this.active) return;
    this.chunks.push(item);
    while (this.chunks.length > this.o.maxPending) this.chunks.shift();
    this.schedule();
  }

  /** Starts (webview ready) or stops (webview gone) forwarding live traffic. Starting drops what was pending. */
  setActive(active: boolean): void {
    this.active = active;
    this.frames.clear();
    this.chunks.clear();
    this.bytes = 0;
    this.skipped = 0;
    this.skippedBy.clear();
  }

  /** payload bytes the frames waiting to be posted hold (at most `maxPendingBytes`, or one frame's worth) */
  get pendingBytes(): number {
    return this.bytes;
  }

  /** frames waiting to be posted */
  get pendingFrames(): number {
    return this.frames.length;
  }

  /** the bytes of a frame that cross to the webview: a copy of the first maxFrameBytes (at least maxTextBytes) */
  private keep(): number {
    return Math.max(this.o.maxFrameBytes, this.o.maxTextBytes);
  }

  /** A frame as it waits: a large payload is cut to a copy of what crosses, so the queue never holds whole frames. */
  private pending(conn: string, frame: FrameRecord): Pending {
    const keep = this.keep();
    const length = frame.payloadLength ?? frame.payload.length;
    const n = Math.min(frame.payload.length, keep);
    // a small frame cut from a large receive buffer is copied too, so it does not keep that buffer alive
    if (frame.payload.length <= keep && frame.payload.buffer.byteLength <= Math.max(2 * n, 16 * 1024)) return { conn, frame, length };
    return { conn, frame: { ...frame, payload: Buffer.from(frame.payload.subarray(0, n)) }, length };
  }

  connections(): ConnSummary[] {
    return this.registry.list().map((c) => summaryOf(c, this.registry.laneFraming?.bind(this.registry)));
  }

  private connOf(id: string): { encoding: string; lanes: boolean } {
    let c = this.encodings.get(id);
    if (c === undefined) {
      const info = this.registry.get(id);
      c = { encoding: info?.encoding ?? 'utf-8', lanes: info?.kind === 'relay-pair' };
      this.encodings.set(id, c);
    }
    return c;
  }

  private chunkItem(conn: string, c: ChunkRecord): ChunkItem {
    const item: ChunkItem = { conn, seq: c.seq, dir: c.direction, time: c.time, offset: c.offset, length: c.data.length };
    const remote = formatEndpoint(c.remote);
    if (remote) item.remote = remote;
    if (this.connOf(conn).lanes) item.lane = laneOfDirection(c.direction);
    return item;
  }

  /** a relay lane's write after faults: a chunk boundary of the lane's output */
  private pieceItem(conn: string, p: PieceRecord): ChunkItem {
    return { conn, seq: p.seq, dir: p.direction, time: p.time, offset: p.offset, length: p.size, lane: laneOfDirection(p.direction), written: true, ...(p.injected ? { injected: true as const } : {}) };
  }

  private connectionsChanged(): void {
    if (!this.active) return;
    this.connectionsDirty = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.inFlight) return;
    const wait = Math.max(0, this.lastFlush + this.o.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, wait);
  }

  /** Posts what is pending now (normally called by the timer). */
  async flush(): Promise<void> {
    if (!this.active || this.inFlight) return;
    this.lastFlush = Date.now();
    const now = this.lastFlush;
    if (this.connectionsDirty && now - this.lastConnections >= 250) {
      this.connectionsDirty = false;
      this.lastConnections = now;
      this.opts.post({ type: 'connections', connections: this.connections() });
    }
    if (this.frames.length === 0 && this.chunks.length === 0 && this.skipped === 0) {
      if (this.connectionsDirty) this.schedule();
      return;
    }
    const take = this.frames.take(this.o.maxFramesPerBatch);
    for (const p of take) this.bytes -= p.frame.payload.length;
    const chunks = this.chunks.take(this.chunks.length);
    const msg: DataMessage = { type: 'data', batch: this.batch(take), chunks, skipped: this.skipped };
    if (this.skippedBy.size) msg.skippedBy = Object.fromEntries(this.skippedBy);
    this.skipped = 0;
    this.skippedBy.clear();
    this.messages++;
    this.inFlight = true;
    try {
      await this.opts.post(msg);
    } catch {
      // the webview went away; it asks for everything again when it is back
    } finally {
      this.inFlight = false;
    }
    if (this.frames.length || this.chunks.length || this.connectionsDirty) this.schedule();
  }

  /** Packs frames into one batch: items plus a single byte buffer (binary crosses as one Uint8Array). */
  batch(pending: Pending[]): FrameBatch {
    const cap = this.o.maxFrameBytes;
    let total = 0;
    for (const p of pending) total += Math.min(p.frame.payload.length, cap);
    const bytes = new Uint8Array(total);
    const frames: FrameItem[] = new Array(pending.length);
    let off = 0;
    for (let i = 0; i < pending.length; i++) {
      const { conn, frame, length } = pending[i];
      const n = Math.min(frame.payload.length, cap);
      bytes.set(frame.payload.subarray(0, n), off);
      frames[i] = this.frameItem(conn, frame, length, off, n);
      off += n;
    }
    return { frames, bytes };
  }

  private frameItem(conn: string, f: FrameRecord, length: number, dataOffset: number, dataLength: number): FrameItem {
    const textBytes = f.payload.length > this.o.maxTextBytes ? f.payload.subarray(0, this.o.maxTextBytes) : f.payload;
    let text: string;
    try {
      text = decodeText(textBytes, this.connOf(conn).encoding);
    } catch {
      text = decodeText(textBytes, 'latin1');
    }
    const item: FrameItem = { conn, seq: f.seq, dir: f.direction, time: f.time, start: f.start, end: f.end, length, dataOffset, dataLength, text };
    if (f.header !== undefined) {
      try {
        item.header = JSON.stringify(f.header);
      } catch {
        item.header = String(f.header);
      }
    }
    const remote = formatEndpoint(f.remote);
    if (remote) item.remote = remote;
    if (f.incomplete) item.incomplete = true;
    if (f.injected) item.injected = true;
    if (this.connOf(conn).lanes) item.lane = laneOfDirection(f.direction);
    const note = this.o.annotate(conn, f);
    if (note !== undefined) item.note = note;
    return item;
  }

  /** A connection's recorded history as one message (the newest `maxHistoryFrames` frames, at most `maxPendingBytes` of payload). */
  history(id: string, replace = true): HistoryMessage | undefined {
    let snap;
    try {
      snap = this.registry.history(id);
    } catch {
      return undefined;
    }
    this.encodings.delete(id);
    // newest first until the frame cap or the byte budget (of what crosses: each payload cut to maxFrameBytes)
    let first = snap.frames.length;
    let bytes = 0;
    const stop = Math.max(0, snap.frames.length - this.o.maxHistoryFrames);
    while (first > stop) {
      const n = Math.min(snap.frames[first - 1].payload.length, this.o.maxFrameBytes);
      if (bytes + n > this.o.maxPendingBytes && first < snap.frames.length) break;
      bytes += n;
      first--;
    }
    const frames = snap.frames.slice(first);
    return {
      type: 'history',
      conn: id,
      replace,
      batch: this.batch(frames.map((frame) => ({ conn: id, frame, length: frame.payloadLength ?? frame.payload.length }))),
      chunks: [...snap.chunks.map((c) => this.chunkItem(id, c)), ...(this.registry.pieces?.(id) ?? []).map((p) => this.pieceItem(id, p))],
      droppedFrames: snap.droppedFrames + (snap.frames.length - frames.length),
      droppedChunks: snap.droppedChunks,
    };
  }

  dispose(): void {
    this.active = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const s of this.subs) s.dispose();
    this.subs.length = 0;
    this.frames.clear();
    this.chunks.clear();
    this.bytes = 0;
  }
}
