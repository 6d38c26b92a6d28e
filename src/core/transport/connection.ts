/**
 * The state every connection shares (identity, counters, history, framing) and the receive/record paths. Each kind
 * (tcp.ts, tcpServer.ts, tcpClient.ts, udp.ts) subclasses `Connection`, adds its socket and owns how it sends, closes,
 * half-closes and applies a fault plan (transport/faults.ts); what it can do is declared in src/shared/connections.ts. Hot path (`receive`): one
 * timestamp, a few counter updates, a record object only when someone keeps or listens to it; raw framing: no decoder.
 */
import type { ChunkEvent, ChunkRecord, CloseReason, ConnectionInfo, ConnectionKind, ConnectionState, Endpoint, ErrorEvent, FrameEvent, FrameRecord, HistorySnapshot, StreamResult } from '../types';
import { ConnectionHistory } from '../history';
import { ConnectionCounters, now } from '../stats';
import { SocketError } from '../errors';
import { normalizeFramingSpec, type FramingFailure } from '../framing';
import { StreamDecoding, type UnfinishedFrame } from './decode';
import { KIND_CAPABILITIES, type KindCapabilities } from '../../shared/connections';
import { gatherAndSend, type OutgoingStream } from './streamSend';

export interface ResolvedRegistryOptions {
  historyMaxBytes: number;
  historyMaxFrames: number;
  maxFrameSize: number;
  recordHistory: boolean;
}

/** the firing side of an event emitter */
export interface EventSink<T> {
  readonly hasListeners: boolean;
  fire(e: T): void;
}

/** What a connection needs from the registry that owns it. */
export interface ConnectionHost {
  readonly options: ResolvedRegistryOptions;
  readonly chunkEmitter: EventSink<ChunkEvent>;
  readonly frameEmitter: EventSink<FrameEvent>;
  nextId(): string;
  /** a new connection is open: register it and fire onDidOpen */
  opened(conn: Connection): void;
  stateChanged(conn: Connection): void;
  /** the connection has ended for good: fire onDidClose */
  closed(conn: Connection): void;
  error(ev: ErrorEvent): void;
  /** a send on `conn` failed: report it (onDidError, naming the connection) and return the error to reject with */
  sendFailed(conn: Connection, err: unknown): SocketError;
  /**
   * `bytes` more were received or recorded (the registry keeps budgets across all connections: recorded history,
   * and bytes decoders hold for unfinished frames)
   */
  recorded?(bytes: number): void;
}

/** One message to send: the wire bytes (framed once, by the registry) and the payload recorded as the outgoing frame. */
export interface OutgoingMessage {
  readonly wire: Buffer;
  readonly payload: Buffer;
  readonly header?: Record<string, unknown>;
  /** UDP: the destination (a UDP socket needs one; a udp-peer sends to its own address) */
  readonly to?: { address: string; port: number };
  /** it answers bytes just received (SendOptions.reply): refused or reading held back while replies back up */
  readonly reply?: boolean;
}

export function endpointOf(address: string | undefined, port: number | undefined, family?: string | number): Endpoint | undefined {
  if (address === undefined || port === undefined) return undefined;
  const fam = family === 'IPv6' || family === 6 || (family === undefined && address.includes(':')) ? 'IPv6' : 'IPv4';
  return { address, port, family: fam };
}

export abstract class Connection {
  abstract readonly kind: ConnectionKind;
  state: ConnectionState = 'open';
  label = '';
  local?: Endpoint;
  remote?: Endpoint;
  framing: string;
  encoding: string;
  openedAt = Date.now();
  closedAt?: number;
  closeReason?: CloseReason;
  error?: string;
  readonly counters = new ConnectionCounters();
  /** allocated on the first record */
  private hist?: ConnectionHistory;
  /** tcp-server and udp: their tcp-peer / udp-peer children, by id */
  children?: Map<string, Connection>;

  // incoming stream
  protected inOffset = 0;
  private inChunkSeq = 0;
  private inFrameSeq = 0;
  private raw: boolean;
  /** created on the first bytes after a (re)start; see decode.ts */
  private decoding?: StreamDecoding;
  // outgoing stream
  protected outOffset = 0;
  private outChunkSeq = 0;
  private outFrameSeq = 0;

  constructor(
    protected readonly host: ConnectionHost,
    readonly id: string,
    framing: string,
    encoding: string,
    readonly parent?: Connection,
  ) {
    this.framing = framing;
    this.encoding = encoding;
    this.raw = framing === 'raw';
  }

  /** does this connection carry datagrams (each decoded on its own)? */
  protected get datagrams(): boolean {
    return false;
  }

  /** what this kind can do (the table in src/shared/connections.ts) */
  get capabilities(): KindCapabilities {
    return KIND_CAPABILITIES[this.kind];
  }

  get isClosed(): boolean {
    return this.state === 'closed' || this.state === 'error';
  }

  info(nowMs = Date.now()): ConnectionInfo {
    const info: ConnectionInfo = {
      id: this.id,
      kind: this.kind,
      state: this.state,
      label: this.label,
      framing: this.framing,
      encoding: this.encoding,
      openedAt: this.openedAt,
      stats: this.counters.snapshot(nowMs),
    };
    if (this.parent) info.parentId = this.parent.id;
    if (this.local) info.local = { ...this.local };
    if (this.remote) info.remote = { ...this.remote };
    if (this.closedAt !== undefined) info.closedAt = this.closedAt;
    if (this.closeReason !== undefined) info.closeReason = this.closeReason;
    if (this.error !== undefined) info.error = this.error;
    this.addInfo(info);
    return info;
  }

  /** fields only some kinds have (a TCP socket's send backlog…) */
  protected addInfo(_info: ConnectionInfo): void {}

  // ---- framing ----------------------------------------------------------------------------

  /** switches the framing for bytes received from now on (throws on a bad spec) */
  setFraming(spec: string): void {
    const canonical = normalizeFramingSpec(spec);
    this.resetDecoder();
    this.framing = canonical;
    this.raw = canonical === 'raw';
    if (this.children) for (const c of this.children.values()) if (!c.isClosed) c.setFraming(canonical);
  }

  /** a new stream starts at the current offset (e.g. after a reconnect); an unfinished frame is reported first */
  protected resetDecoder(why = 'before the framing changed'): void {
    this.endOfStream(why);
    this.decoding = undefined;
  }

  private newDecoding(base: number): StreamDecoding {
    return new StreamDecoding(this.framing, this.host.options.maxFrameSize, this.datagrams, base);
  }

  // ---- receive (hot path) ------------------------------------------------------------------

  /** bytes received on a stream socket */
  receive(data: Buffer, remote?: Endpoint): void {
    const t = now();
    const len = data.length;
    const offset = this.inOffset;
    this.inOffset = offset + len;
    this.counters.addIn(len, t);
    if (this.parent) this.parent.counters.addIn(len, t);
    const host = this.host;
    const record = host.options.recordHistory;
    if (record || host.chunkEmitter.hasListeners) {
      const chunk: ChunkRecord = { seq: this.inChunkSeq++, direction: 'in', time: t, offset, data };
      if (remote) chunk.remote = remote;
      if (record) this.history().chunks.push(chunk);
      host.chunkEmitter.fire({ id: this.id, chunk });
    } else {
      this.inChunkSeq++;
    }
    host.recorded?.(len);
    if (this.raw) {
      this.emitInFrame(t, offset, offset + len, data, undefined, remote);
      return;
    }
    const d = (this.decoding ??= this.newDecoding(offset));
    if (d.failed) return;
    const r = d.feed(offset, data, (payload, start, end, header) => this.emitInFrame(t, start, end, payload, header, remote));
    if (r.failure) this.framingFailed(r.failure, r.failureBase!);
    if (r.unfinished) this.emitUnfinished(r.unfinished, `: the datagram of ${len} bytes ends inside the frame`, remote);
  }

  private framingFailed(f: FramingFailure, base: number): void {
    const offset = f.offset !== undefined ? base + f.offset : undefined;
    const at = offset !== undefined ? ` at stream offset ${offset}` : '';
    const ev: ErrorEvent = {
      id: this.id,
      time: Date.now(),
      code: f.code,
      message:
        `${this.id} (${this.label}): framing "${this.framing}" error${at}: ${f.message}` +
        (this.datagrams ? '' : '; no more frames are decoded until the framing is set again'),
    };
    if (offset !== undefined) ev.offset = offset;
    this.error = ev.message;
    this.host.error(ev);
  }

  /**
   * No more bytes will complete the frame being decoded (the peer's FIN, a reset, a close, a new framing): its bytes
   * are reported as a frame flagged `incomplete` and an INCOMPLETE_FRAME error, never dropped silently.
   */
  protected endOfStream(why: string): void {
    const u = this.decoding?.takeUnfinished();
    if (u) this.emitUnfinished(u, ` ${why}`);
  }

  private emitUnfinished(u: UnfinishedFrame, why: string, remote?: Endpoint): void {
    const t = now();
    const len = u.bytes.length;
    const seq = this.inFrameSeq++;
    const host = this.host;
    const record = host.options.recordHistory;
    if (record || host.frameEmitter.hasListeners) {
      const frame: FrameRecord = { seq, direction: 'in', time: t, start: u.offset, end: u.offset + len, payload: u.bytes, incomplete: true };
      if (remote) frame.remote = remote;
      if (record) this.history().frames.push(frame);
      host.frameEmitter.fire({ id: this.id, frame });
    }
    host.error({
      id: this.id,
      time: Date.now(),
      code: 'INCOMPLETE_FRAME',
      offset: u.offset,
      message: `${this.id} (${this.label}): ${len} byte${len === 1 ? '' : 's'} of an unfinished "${this.framing}" frame at stream offset ${u.offset}${why}`,
    });
  }

  private emitInFrame(t: number, start: number, end: number, payload: Buffer, header: Record<string, unknown> | undefined, remote: Endpoint | undefined): void {
    this.counters.framesIn++;
    if (this.parent) this.parent.counters.framesIn++;
    const host = this.host;
    const record = host.options.recordHistory;
    const seq = this.inFrameSeq++;
    if (!record && !host.frameEmitter.hasListeners) return;
    // A small frame cut from a large datagram would keep the whole datagram alive in the history long after the
    // datagram's chunk record is gone (e.g. a 3-byte frame, then junk): keep a copy of just the frame.
    if (record && this.datagrams && payload.buffer.byteLength > 4 * (end - start) + 4096) payload = Buffer.from(payload);
    const frame: FrameRecord = { seq, direction: 'in', time: t, start, end, payload };
    if (header) frame.header = header;
    if (remote) frame.remote = remote;
    if (record) this.history().frames.push(frame);
    host.frameEmitter.fire({ id: this.id, frame });
  }

  /** records bytes we are sending: one chunk (the wire bytes) and one frame (the payload) */
  recordOut(wire: Buffer, payload: Buffer, header?: Record<string, unknown>, remote?: Endpoint): void {
    const start = this.recordOutChunk(wire, remote);
    this.recordOutFrame({ start, end: start + wire.length, payload, ...(header ? { header } : {}), ...(remote ? { remote } : {}) });
  }

  /** records one piece of what we are sending as an outgoing chunk (counted); returns its outgoing stream offset */
  recordOutChunk(wire: Buffer, remote?: Endpoint): number {
    const t = now();
    const len = wire.length;
    const offset = this.outOffset;
    this.outOffset = offset + len;
    this.counters.addOut(len, t);
    if (this.parent) this.parent.counters.addOut(len, t);
    const host = this.host;
    const record = host.options.recordHistory;
    const chunkSeq = this.outChunkSeq++;
    if (record || host.chunkEmitter.hasListeners) {
      const chunk: ChunkRecord = { seq: chunkSeq, direction: 'out', time: t, offset, data: wire };
      if (remote) chunk.remote = remote;
      if (record) {
        this.history().chunks.push(chunk);
        host.recorded?.(len);
      }
      host.chunkEmitter.fire({ id: this.id, chunk });
    }
    return offset;
  }

  /** records one outgoing frame over stream offsets [start, end) whose chunks are recorded (an incomplete one is not counted) */
  recordOutFrame(f: Omit<FrameRecord, 'seq' | 'direction' | 'time'>): void {
    if (!f.incomplete) {
      this.counters.framesOut++;
      if (this.parent) this.parent.counters.framesOut++;
    }
    const host = this.host;
    const record = host.options.recordHistory;
    const frameSeq = this.outFrameSeq++;
    if (record || host.frameEmitter.hasListeners) {
      const frame: FrameRecord = { ...f, seq: frameSeq, direction: 'out', time: now() };
      if (record) this.history().frames.push(frame);
      host.frameEmitter.fire({ id: this.id, frame });
    }
  }

  /** Sends one message whose body arrives in pieces (a file); see streamSend.ts. Datagram kinds send it as one message. */
  sendStream(s: OutgoingStream): Promise<StreamResult> {
    return gatherAndSend(this, s);
  }

  // ---- history -----------------------------------------------------------------------------

  protected history(): ConnectionHistory {
    return (this.hist ??= new ConnectionHistory({ maxBytes: this.host.options.historyMaxBytes, maxFrames: this.host.options.historyMaxFrames }));
  }

  snapshot(): HistorySnapshot {
    if (this.children && this.children.size > 0) {
      // a server / UDP socket: its children's records, by time
      const parts = [this.hist?.snapshot(), ...[...this.children.values()].map((c) => c.snapshot())].filter((x): x is HistorySnapshot => !!x);
      return {
        chunks: parts.flatMap((p) => p.chunks).sort((a, b) => a.time - b.time),
        frames: parts.flatMap((p) => p.frames).sort((a, b) => a.time - b.time),
        droppedChunks: parts.reduce((n, p) => n + p.droppedChunks, 0),
        droppedFrames: parts.reduce((n, p) => n + p.droppedFrames, 0),
      };
    }
    return this.hist ? this.hist.snapshot() : { chunks: [], frames: [], droppedChunks: 0, droppedFrames: 0 };
  }

  /** bytes recorded in this connection's own history (chunks and frames; children not included) */
  get historyBytes(): number {
    return this.hist ? this.hist.chunks.bytes + this.hist.frames.bytes : 0;
  }

  /** bytes the decoder holds for an unfinished frame */
  get decodeBuffered(): number {
    return this.decoding?.buffered ?? 0;
  }

  /** Gives up the unfinished frame to free its bytes (memory budget); decoding stops as after a framing error. */
  abandonPartialFrame(message: string): void {
    const d = this.decoding;
    if (!d || d.buffered === 0) return;
    const offset = d.unfinishedOffset;
    d.fail();
    this.framingFailed({ code: 'FRAME_BUFFER_BUDGET', offset: 0, message, frames: [] }, offset);
  }

  /** drops this connection's own history (not its children's) */
  clearOwnHistory(): void {
    this.hist?.clear();
  }

  clearHistory(): void {
    this.hist?.clear();
    if (this.children) for (const c of this.children.values()) c.clearHistory();
  }

  /** counters back to zero, this connection's and its children's */
  resetCounters(): void {
    this.counters.reset();
    if (this.children) for (const c of this.children.values()) c.resetCounters();
  }

  /**
   * Decodes the recorded incoming chunks again with the current framing; the new frames replace the
   * recorded incoming frames, and the live decoder continues from where the recorded bytes end.
   */
  redecode(): FrameRecord[] {
    if (this.children && this.children.size > 0) {
      return [...this.children.values()].flatMap((c) => c.redecode()).sort((a, b) => a.time - b.time);
    }
    const hist = this.hist;
    this.decoding = undefined;
    this.inFrameSeq = 0;
    if (!hist) return [];
    const chunksIn = hist.chunks.toArray().filter((c) => c.direction === 'in');
    const framesOut = hist.frames.toArray().filter((f) => f.direction === 'out');
    const framesIn: FrameRecord[] = [];
    const push = (t: number, start: number, end: number, payload: Buffer, header: Record<string, unknown> | undefined, remote: Endpoint | undefined): void => {
      const fr: FrameRecord = { seq: this.inFrameSeq++, direction: 'in', time: t, start, end, payload };
      if (header) fr.header = header;
      if (remote) fr.remote = remote;
      framesIn.push(fr);
    };
    if (this.raw) {
      for (const c of chunksIn) push(c.time, c.offset, c.offset + c.data.length, c.data, undefined, c.remote);
    } else if (chunksIn.length > 0) {
      const d = this.newDecoding(chunksIn[0].offset);
      const unfinished = (u: UnfinishedFrame | undefined, t: number, remote: Endpoint | undefined): void => {
        if (!u) return;
        push(t, u.offset, u.offset + u.bytes.length, u.bytes, undefined, remote);
        framesIn[framesIn.length - 1].incomplete = true;
      };
      for (const c of chunksIn) {
        const r = d.feed(c.offset, c.data, (payload, start, end, header) => push(c.time, start, end, payload, header, c.remote));
        if (r.failure) this.framingFailed(r.failure, r.failureBase!);
        unfinished(r.unfinished, c.time, c.remote);
        if (d.failed) break;
      }
      const last = chunksIn[chunksIn.length - 1];
      if (this.isClosed) unfinished(d.takeUnfinished(), last.time, last.remote);
      // the live decoder carries a partial frame (or its failure) on into the live stream
      else if (d.failed || (!this.datagrams && d.end === this.inOffset)) this.decoding = d;
    }
    const merged = [...framesOut, ...framesIn].sort((a, b) => a.time - b.time);
    hist.frames.replace(merged);
    return framesIn;
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /**
   * Sends one message (already framed) the way this kind sends: records it as outgoing once it is on its way, and
   * rejects with the SocketError that `host.sendFailed` reported when it cannot be sent.
   */
  abstract send(msg: OutgoingMessage): Promise<void>;
  /** graceful close (a TCP socket sends its pending bytes first) */
  abstract close(): Promise<void>;
  /** immediate close, for closeAll / dispose: no grace period */
  closeNow(): Promise<void> {
    return this.close();
  }
  /** TCP: sends FIN and keeps reading (capabilities.canHalfClose) */
  end(): Promise<void> {
    return Promise.reject(new SocketError('EOPNOTSUPP', `${this.id} (${this.label}) is a ${this.kind}; only TCP connections can be half-closed`));
  }

  protected setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.host.stateChanged(this);
  }

  /** final: marks the connection closed and fires onDidClose once */
  protected finish(reason: CloseReason): void {
    if (this.isClosed) return;
    this.state = 'closed';
    this.closedAt = Date.now();
    this.closeReason = reason;
    this.endOfStream(reason === 'reset' ? 'when the connection was reset' : reason === 'fin' ? 'when the peer closed the connection' : 'when the connection closed');
    this.decoding = undefined;
    this.host.closed(this);
  }
}
