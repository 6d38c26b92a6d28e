/**
 * The connection registry: creates TCP servers, TCP clients and UDP sockets, tracks every connection
 * (with its children: a server's accepted clients, a UDP socket's correspondents), and reports what
 * happens through typed events. The CLI and the extension drive the engine only through this class.
 */
import { GuardedEmitter } from './events';
import type {
  ChunkEvent,
  CloseEvent,
  ConnectingEvent,
  ConnectionInfo,
  ErrorEvent,
  FrameEvent,
  FrameRecord,
  HistorySnapshot,
  IConnectionRegistry,
  OpenEvent,
  PendingConnect,
  RegistryOptions,
  SendOptions,
  StateEvent,
  StreamResult,
  StreamSendOptions,
  TcpConnectOptions,
  TcpListenOptions,
  UdpBindOptions,
} from './types';
import type { FaultOptions } from './relay/faults';
import { SocketError, badPortError, unknownConnectionError } from './errors';
import { Connection, type ConnectionHost, type OutgoingMessage, type ResolvedRegistryOptions } from './transport/connection';
import { encodeFrame, frameParts, normalizeFramingSpec } from './framing';
import { normalizeEncoding } from './codec/encoding';
import { errorCode, errorMessage } from '../shared/errors';
import { DEFAULT_MAX_FRAME_SIZE } from './framing/spec';
import { TcpClientConnection } from './transport/tcpClient';
import { takesFaults } from './transport/faults';
import { TcpServerConnection } from './transport/tcpServer';
import { UdpConnection } from './transport/udp';

export const DEFAULT_HISTORY_MAX_BYTES = 8 * 1024 * 1024;
export const DEFAULT_HISTORY_MAX_FRAMES = 10000;
/** one default frame limit for the engine and the decoders */
export { DEFAULT_MAX_FRAME_SIZE };
export const DEFAULT_RETAIN_CLOSED = 1000;
/** the histories of all connections together hold at most this many times historyMaxBytes */
export const HISTORY_BUDGET_FACTOR = 32;
/** the decoders of all connections together hold at most this many times maxFrameSize of unfinished frames */
export const DECODE_BUDGET_FACTOR = 16;

function toBuffer(p: Uint8Array): Buffer {
  return Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
}

export class ConnectionRegistry implements IConnectionRegistry {
  private readonly _onDidOpen = new GuardedEmitter<OpenEvent>((err, e) => this.listenerFailed(err, e));
  private readonly _onDidChangeState = new GuardedEmitter<StateEvent>((err, e) => this.listenerFailed(err, e));
  private readonly _onDidReceiveChunk = new GuardedEmitter<ChunkEvent>((err, e) => this.listenerFailed(err, e));
  private readonly _onDidFrame = new GuardedEmitter<FrameEvent>((err, e) => this.listenerFailed(err, e));
  private readonly _onDidClose = new GuardedEmitter<CloseEvent>((err, e) => this.listenerFailed(err, e));
  private readonly _onDidError = new GuardedEmitter<ErrorEvent>(() => undefined /* a throwing error listener is ignored */);
  private readonly _onDidChangeConnecting = new GuardedEmitter<ConnectingEvent>((err, e) => this.listenerFailed(err, e));

  readonly onDidOpen = this._onDidOpen.event;
  readonly onDidChangeState = this._onDidChangeState.event;
  readonly onDidReceiveChunk = this._onDidReceiveChunk.event;
  readonly onDidFrame = this._onDidFrame.event;
  readonly onDidClose = this._onDidClose.event;
  readonly onDidError = this._onDidError.event;
  readonly onDidChangeConnecting = this._onDidChangeConnecting.event;

  private readonly conns = new Map<string, Connection>();
  private readonly closedOrder: string[] = [];
  /** clients whose first connect is in progress (not listed yet), by id */
  private readonly connecting = new Map<string, { conn: TcpClientConnection; pending: PendingConnect }>();
  private seq = 0;
  private disposed = false;
  private readonly retainClosed: number;
  private readonly host: ConnectionHost;
  /** most bytes recorded across every connection's history (each one is also bounded by historyMaxBytes) */
  private readonly historyBudget: number;
  /** most bytes all decoders together may hold for unfinished frames */
  private readonly decodeBudget: number;
  private readonly budgetCheckEvery: number;
  private recordedSinceCheck = 0;
  private lastBudgetNotice = 0;

  constructor(options: RegistryOptions = {}) {
    const resolved: ResolvedRegistryOptions = {
      historyMaxBytes: options.historyMaxBytes ?? DEFAULT_HISTORY_MAX_BYTES,
      historyMaxFrames: options.historyMaxFrames ?? DEFAULT_HISTORY_MAX_FRAMES,
      maxFrameSize: options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
      recordHistory: options.recordHistory !== false,
    };
    this.retainClosed = Math.max(0, options.retainClosed ?? DEFAULT_RETAIN_CLOSED);
    // Per-connection limits alone do not bound memory: a UDP socket keeps up to 4096 peers and a server any number
    // of clients, each with its own history. Across all of them, at most HISTORY_BUDGET_FACTOR connections' worth.
    this.historyBudget = resolved.historyMaxBytes * HISTORY_BUDGET_FACTOR;
    // Likewise each decoder may hold up to maxFrameSize of an unfinished frame; many clients doing so at once
    // would hold clients × maxFrameSize.
    this.decodeBudget = resolved.maxFrameSize * DECODE_BUDGET_FACTOR;
    this.budgetCheckEvery = Math.max(64 * 1024, Math.floor(Math.min(this.historyBudget, this.decodeBudget) / 16));
    this.host = {
      options: resolved,
      chunkEmitter: this._onDidReceiveChunk,
      frameEmitter: this._onDidFrame,
      nextId: () => `c${++this.seq}`,
      opened: (c) => {
        this.conns.set(c.id, c);
        this._onDidOpen.fire({ id: c.id, time: Date.now(), info: c.info() });
      },
      stateChanged: (c) => this._onDidChangeState.fire({ id: c.id, time: Date.now(), info: c.info() }),
      closed: (c) => this.connectionClosed(c),
      error: (ev) => this._onDidError.fire(ev),
      sendFailed: (c, err) => this.sendFailed(c, err),
      recorded: (n) => {
        this.recordedSinceCheck += n;
        if (this.recordedSinceCheck >= this.budgetCheckEvery) {
          this.recordedSinceCheck = 0;
          this.enforceHistoryBudget();
          this.enforceDecodeBudget();
        }
      },
    };
  }

  // ---- create ------------------------------------------------------------------------------

  async listenTcp(options: TcpListenOptions): Promise<ConnectionInfo> {
    const { framing, encoding } = this.defaults(options);
    await this.reportFailure(this.checkPort(options.port, true));
    const conn = new TcpServerConnection(this.host, this.host.nextId(), options, framing, encoding);
    await this.reportFailure(conn.listen());
    this.host.opened(conn);
    return conn.info();
  }

  async connectTcp(options: TcpConnectOptions): Promise<ConnectionInfo> {
    const { framing, encoding } = this.defaults(options);
    await this.reportFailure(this.checkPort(options.port, false));
    const conn = new TcpClientConnection(this.host, this.host.nextId(), options, framing, encoding);
    const pending: PendingConnect = { id: conn.id, host: options.host, port: options.port, label: conn.label, startedAt: Date.now() };
    this.connecting.set(conn.id, { conn, pending });
    this._onDidChangeConnecting.fire({ id: conn.id, time: pending.startedAt, pending: true, connect: pending });
    try {
      await this.reportFailure(conn.connect());
    } finally {
      this.connecting.delete(conn.id);
      this._onDidChangeConnecting.fire({ id: conn.id, time: Date.now(), pending: false, connect: pending });
    }
    return conn.info();
  }

  async bindUdp(options: UdpBindOptions): Promise<ConnectionInfo> {
    const { framing, encoding } = this.defaults(options);
    await this.reportFailure(this.checkPort(options.port, true));
    const conn = new UdpConnection(this.host, this.host.nextId(), options, framing, encoding);
    await this.reportFailure(conn.bind());
    this.host.opened(conn);
    return conn.info();
  }

  private defaults(o: { framing?: string; encoding?: string }): { framing: string; encoding: string } {
    if (this.disposed) throw new SocketError('EDISPOSED', 'the connection registry has been disposed');
    return { framing: normalizeFramingSpec(o.framing ?? 'raw'), encoding: normalizeEncoding(o.encoding ?? 'utf-8') };
  }

  private checkPort(port: unknown, allowZero: boolean): Promise<void> {
    const bad = badPortError(port, allowZero);
    return bad ? Promise.reject(bad) : Promise.resolve();
  }

  private async reportFailure(p: Promise<void>, id?: string): Promise<void> {
    try {
      await p;
    } catch (err) {
      const e = err instanceof SocketError ? err : new SocketError('EUNKNOWN', String(err), { cause: err });
      const ev: ErrorEvent = { time: Date.now(), code: e.code, message: e.message };
      if (id !== undefined) ev.id = id;
      this._onDidError.fire(ev);
      throw e;
    }
  }

  // ---- query -------------------------------------------------------------------------------

  get(id: string): ConnectionInfo | undefined {
    return this.conns.get(id)?.info();
  }

  list(): ConnectionInfo[] {
    const t = Date.now();
    return [...this.conns.values()].map((c) => c.info(t));
  }

  children(id: string): ConnectionInfo[] {
    const c = this.conns.get(id);
    if (!c || !c.children) return [];
    const t = Date.now();
    return [...c.children.values()].map((ch) => ch.info(t));
  }

  pendingConnects(): PendingConnect[] {
    return [...this.connecting.values()].map((c) => c.pending);
  }

  cancelConnect(id: string): boolean {
    const c = this.connecting.get(id);
    if (!c || c.conn.state !== 'connecting') return false;
    c.conn.abortConnect();
    return true;
  }

  // ---- send / close ------------------------------------------------------------------------

  async send(id: string, payload: Uint8Array, options: SendOptions = {}): Promise<void> {
    const conn = this.must(id);
    const body = toBuffer(payload);
    const spec = options.framing !== undefined ? normalizeFramingSpec(options.framing) : conn.framing;
    const wire = options.framed === false ? body : this.encoded(conn, spec, () => encodeFrame(spec, body, { header: options.header }));

    const msg: OutgoingMessage = {
      wire,
      payload: body,
      ...(options.header ? { header: options.header } : {}),
      ...(options.to ? { to: options.to } : {}),
      ...(options.reply ? { reply: true } : {}),
    };
    // each kind sends its own way: a server to its clients, a UDP socket to options.to, a socket to its peer
    return conn.send(msg);
  }

  /**
   * Sends one message whose body arrives in pieces (a file: core/transfer): the frame's head for a body of
   * `bodyLength` bytes, the pieces, the tail, each written once the socket took the last (backpressure). Records
   * one outgoing frame that keeps the body's first bytes. Resolves with the body bytes sent (fewer when canceled).
   */
  async sendStream(id: string, body: AsyncIterable<Buffer>, options: StreamSendOptions): Promise<StreamResult> {
    const conn = this.must(id);
    const spec = options.framed === false ? 'raw' : options.framing !== undefined ? normalizeFramingSpec(options.framing) : conn.framing;
    const { head, tail } = this.encoded(conn, spec, () => frameParts(spec, options.bodyLength, { header: options.header }));
    const { header, to, signal, onProgress, bodyLength } = options;
    return conn.sendStream({ head, tail, body, bodyLength, ...(header ? { header } : {}), ...(to ? { to } : {}), ...(signal ? { signal } : {}), ...(onProgress ? { progress: onProgress } : {}) });
  }

  /** runs a frame encoder; a payload the framing cannot carry (too long for the prefix, not fixed:n bytes) fails the send */
  private encoded<T>(conn: Connection, spec: string, encode: () => T): T {
    try {
      return encode();
    } catch (err) {
      const code = errorCode(err) ?? 'PAYLOAD_NOT_ENCODABLE';
      throw this.sendFailed(conn, new SocketError(code, `cannot frame the payload as "${spec}": ${errorMessage(err)}`, { cause: err }));
    }
  }

  /** reports a failed send through onDidError and returns the error to throw */
  private sendFailed(conn: Connection, err: unknown): SocketError {
    const e = err instanceof SocketError ? err : new SocketError('EUNKNOWN', String(err), { cause: err });
    // name the connection once: most send errors (ENOTCONN, EDESTADDRREQ…) already start with it
    const who = `${conn.id} (${conn.label})`;
    const message = e.message.includes(who) ? e.message : `${who}: ${e.message}`;
    this._onDidError.fire({ id: conn.id, time: Date.now(), code: e.code, message });
    return e;
  }

  async close(id: string): Promise<void> {
    await this.must(id).close();
  }

  async end(id: string): Promise<void> {
    await this.must(id).end();
  }

  /** forgets a closed connection (and its history); an open one is closed first */
  async remove(id: string): Promise<void> {
    const c = this.conns.get(id);
    if (!c) return;
    if (!c.isClosed) await c.close();
    if (c.children) for (const ch of [...c.children.keys()]) await this.remove(ch);
    this.conns.delete(id);
    c.parent?.children?.delete(id);
  }

  // ---- framing / encoding / history --------------------------------------------------------

  setFraming(id: string, spec: string): void {
    const c = this.must(id);
    c.setFraming(spec);
    this.host.stateChanged(c);
    if (c.children) for (const ch of c.children.values()) if (!ch.isClosed) this.host.stateChanged(ch);
  }

  async setFaults(id: string, faults: FaultOptions | undefined): Promise<void> {
    const c = this.must(id);
    if (!takesFaults(c)) throw new SocketError('EOPNOTSUPP', `${c.id} (${c.label}) is a ${c.kind}; set the faults of its UDP socket`);
    await c.setFaults(faults);
    this.host.stateChanged(c);
    if (c.children) for (const ch of c.children.values()) if (!ch.isClosed) this.host.stateChanged(ch);
  }

  setEncoding(id: string, encoding: string): void {
    const c = this.must(id);
    const enc = normalizeEncoding(encoding);
    c.encoding = enc;
    this.host.stateChanged(c);
    if (c.children) {
      for (const ch of c.children.values()) {
        if (ch.isClosed) continue;
        ch.encoding = enc;
        this.host.stateChanged(ch);
      }
    }
  }

  redecode(id: string): FrameRecord[] {
    return this.must(id).redecode();
  }

  history(id: string): HistorySnapshot {
    return this.must(id).snapshot();
  }

  clearHistory(id: string): void {
    this.must(id).clearHistory();
  }

  /** sets a connection's counters (and its children's) back to zero; views hear it as a state change */
  resetCounters(id: string): void {
    const c = this.must(id);
    c.resetCounters();
    const ids = [id, ...this.children(id).map((ch) => ch.id)];
    for (const i of ids) this._onDidChangeState.fire({ id: i, time: Date.now(), info: this.must(i).info() });
  }

  // ---- teardown ----------------------------------------------------------------------------

  async closeAll(): Promise<void> {
    const work: Array<Promise<void>> = [];
    for (const c of this.connecting.values()) c.conn.abortConnect();
    for (const c of this.conns.values()) if (!c.isClosed) work.push(c.closeNow());
    await Promise.all(work);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const emitters = [this._onDidOpen, this._onDidChangeState, this._onDidReceiveChunk, this._onDidFrame, this._onDidClose, this._onDidError, this._onDidChangeConnecting];
    void this.closeAll().finally(() => {
      for (const e of emitters) e.dispose();
    });
  }

  // ---- internals ---------------------------------------------------------------------------

  private must(id: string): Connection {
    const c = this.conns.get(id);
    if (!c) throw unknownConnectionError(id);
    return c;
  }

  private connectionClosed(c: Connection): void {
    this._onDidClose.fire({ id: c.id, time: c.closedAt ?? Date.now(), reason: c.closeReason ?? 'local', info: c.info() });
    if (!this.conns.has(c.id)) return;
    this.closedOrder.push(c.id);
    while (this.closedOrder.length > this.retainClosed) {
      const old = this.closedOrder.shift()!;
      const oc = this.conns.get(old);
      if (!oc || !oc.isClosed) continue;
      this.conns.delete(old);
      oc.parent?.children?.delete(old);
    }
  }

  /**
   * Keeps the histories of all connections together within the budget: when they hold more, the histories of
   * closed connections, then of the least recently active ones, are dropped until they hold 3/4 of it.
   */
  private enforceHistoryBudget(): void {
    const held: Connection[] = [];
    let total = 0;
    for (const c of this.conns.values()) {
      const b = c.historyBytes;
      if (b > 0) {
        held.push(c);
        total += b;
      }
    }
    if (total <= this.historyBudget) return;
    held.sort((a, b) => Number(b.isClosed) - Number(a.isClosed) || a.counters.lastActivity - b.counters.lastActivity);
    const target = Math.floor((this.historyBudget * 3) / 4);
    const before = total;
    let cleared = 0;
    for (const c of held) {
      if (total <= target) break;
      total -= c.historyBytes;
      c.clearOwnHistory();
      cleared++;
    }
    const now = Date.now();
    if (now - this.lastBudgetNotice >= 10_000) {
      this.lastBudgetNotice = now;
      const mb = (n: number): string => (n / (1024 * 1024)).toFixed(1);
      this._onDidError.fire({
        time: now,
        code: 'HISTORY_BUDGET',
        message: `recorded history reached ${mb(before)} MiB across all connections (budget ${mb(this.historyBudget)} MiB): dropped the history of ${cleared} closed or least recently active connection(s)`,
      });
    }
  }

  /** When decoders together hold more than the budget, the largest unfinished frames are given up first. */
  private enforceDecodeBudget(): void {
    const holders: Connection[] = [];
    let total = 0;
    for (const c of this.conns.values()) {
      const b = c.decodeBuffered;
      if (b > 0) {
        holders.push(c);
        total += b;
      }
    }
    if (total <= this.decodeBudget) return;
    holders.sort((a, b) => b.decodeBuffered - a.decodeBuffered);
    const target = Math.floor((this.decodeBudget * 3) / 4);
    const mb = (n: number): string => (n / (1024 * 1024)).toFixed(1);
    for (const c of holders) {
      if (total <= target) break;
      const held = c.decodeBuffered;
      total -= held;
      c.abandonPartialFrame(
        `unfinished frames held ${mb(total + held)} MiB across all connections (budget ${mb(this.decodeBudget)} MiB); this one's ${held} bytes were dropped`,
      );
    }
  }

  /** names the event's connection and, for a frame or chunk, its stream offset */
  private listenerFailed(err: unknown, e: { id: string; frame?: FrameRecord; chunk?: { offset: number } }): void {
    const offset = e.frame ? e.frame.start : e.chunk?.offset;
    const c = this.conns.get(e.id);
    const who = c ? `${c.id} (${c.label})` : e.id;
    const what = e.frame ? `the ${e.frame.payload.length}-byte frame at stream offset ${offset}` : e.chunk ? `the chunk at stream offset ${offset}` : 'an event';
    const ev: ErrorEvent = { id: e.id, time: Date.now(), code: 'LISTENER_ERROR', message: `${who}: an event listener threw on ${what}: ${errorMessage(err)}` };
    if (offset !== undefined) ev.offset = offset;
    this._onDidError.fire(ev);
  }
}
