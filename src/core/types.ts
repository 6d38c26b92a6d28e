/**
 * Public shapes of the core engine: connections, their events and history. The registry
 * (src/core/registry.ts) produces them; the CLI and the extension consume them. Pure data, no `vscode`.
 */

import type { ConnectionKind, ConnectionState } from '../shared/connections';
import type { FaultOptions } from './relay/faults';

export type { ConnectionKind, ConnectionState };

/** Why a connection ended: our own close, the peer's FIN, a reset (ECONNRESET), an error or a timeout. */
export type CloseReason = 'local' | 'fin' | 'reset' | 'error' | 'timeout';

export type Direction = 'in' | 'out';

export interface Endpoint {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

export interface ConnectionStats {
  bytesIn: number;
  bytesOut: number;
  framesIn: number;
  framesOut: number;
  chunksIn: number;
  /** bytes per second over the last few seconds */
  rateIn: number;
  rateOut: number;
  /** epoch ms of the last byte in or out, 0 if none */
  lastActivity: number;
  /** UDP socket (Linux): datagrams the kernel dropped because the receive buffer was full; absent while 0 */
  dropsIn?: number;
}

export interface ConnectionInfo {
  /** unique within a registry, e.g. "c1" */
  id: string;
  kind: ConnectionKind;
  state: ConnectionState;
  parentId?: string;
  /** a short human label, e.g. "127.0.0.1:8888" */
  label: string;
  local?: Endpoint;
  remote?: Endpoint;
  /** framing spec string (see src/core/framing) */
  framing: string;
  /** iconv-lite encoding name used to show text */
  encoding: string;
  /** epoch ms */
  openedAt: number;
  closedAt?: number;
  closeReason?: CloseReason;
  /** last error message, if any */
  error?: string;
  stats: ConnectionStats;
  /** TCP: bytes given to send() that the socket has not passed to the kernel yet */
  queuedOut?: number;
  /** TCP: reading is paused until the peer reads our replies (see SendOptions.reply) */
  readingPaused?: boolean;
  /** the fault plan on what it sends (ConnectionDefaults.faults, registry.setFaults), with the seed in use */
  faults?: FaultOptions;
}

export interface ChunkRecord {
  /** per-connection sequence number of chunks, per direction, from 0 */
  seq: number;
  direction: Direction;
  /** epoch ms, with sub-ms precision where available */
  time: number;
  /** stream offset of data[0] in this direction */
  offset: number;
  data: Buffer;
  /** UDP: the datagram's sender (in) or destination (out) */
  remote?: Endpoint;
}

export interface FrameRecord {
  seq: number;
  direction: Direction;
  time: number;
  /** stream offsets [start, end) of the whole frame (header included) in this direction */
  start: number;
  end: number;
  payload: Buffer;
  /** json-header framing: the parsed header */
  header?: Record<string, unknown>;
  remote?: Endpoint;
  /**
   * the bytes of a frame that never finished: the stream ended (FIN, reset, close), the framing changed, or a
   * datagram ended inside it. An INCOMPLETE_FRAME error with the same offset accompanies it. Not counted in framesIn.
   * Outgoing: a streamed send (a file) stopped (canceled or failed) before its last byte; not counted in framesOut.
   */
  incomplete?: true;
  /**
   * an outgoing frame streamed from a file keeps only its first bytes in `payload` (STREAM_PREVIEW_BYTES): this is
   * the length of the whole payload sent (absent when `payload` is all of it)
   */
  payloadLength?: number;
  /** a relay lane's frame injected by the user (not read from the lane's source): `start` = `end`, the source offset
   * it was written before */
  injected?: true;
}

export interface OpenEvent { id: string; time: number; info: ConnectionInfo }
export interface StateEvent { id: string; time: number; info: ConnectionInfo }
export interface ChunkEvent { id: string; chunk: ChunkRecord }
export interface FrameEvent { id: string; frame: FrameRecord }
/** A TCP client's first connect in progress: not listed yet (no ConnectionInfo) until it opens. */
export interface PendingConnect {
  /** the id the connection gets once open */
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly label: string;
  /** when the attempt started (epoch ms) */
  readonly startedAt: number;
}
/** a first connect started (`pending: true`) or settled: opened, failed or canceled (`pending: false`) */
export interface ConnectingEvent { id: string; time: number; pending: boolean; connect: PendingConnect }
export interface CloseEvent { id: string; time: number; reason: CloseReason; info: ConnectionInfo }
export interface ErrorEvent {
  /** the connection concerned; undefined for registry-level errors */
  id?: string;
  time: number;
  /** e.g. EADDRINUSE, ECONNREFUSED, ETIMEDOUT, EMSGSIZE, FRAME_TOO_LARGE, BAD_LENGTH, BAD_HEADER */
  code: string;
  message: string;
  /** stream offset where a framing error was found */
  offset?: number;
}

export interface HistorySnapshot {
  chunks: ChunkRecord[];
  frames: FrameRecord[];
  /** how many records the ring buffer has dropped since the connection opened */
  droppedChunks: number;
  droppedFrames: number;
}

export interface ConnectionDefaults {
  /**
   * a fault plan on what this connection sends (a server: each client's stream; the relay's options, docs/relay.md):
   * TCP re-chunk, delay, drip, rate, half-close and reset after N bytes; UDP delay, jitter and rate. `lanes` and `drop`
   * are a relay's. Without `seed` a random seed is drawn (see the connection's `faultSeed`).
   */
  faults?: FaultOptions;
  /** framing spec string, default "raw" */
  framing?: string;
  /** encoding name, default "utf-8" */
  encoding?: string;
  label?: string;
}

export interface TcpListenOptions extends ConnectionDefaults {
  host?: string; // default 127.0.0.1
  port: number; // 0 = ephemeral; the chosen port is in info.local.port
  noDelay?: boolean;
  keepAlive?: boolean;
  /**
   * After a client's FIN keep our side open until close()/end() (state 'half-closed', we may still
   * write). Default false: our side ends too once pending bytes are sent (like Python's
   * socketserver or ncat), and the connection closes with reason 'fin'.
   */
  allowHalfOpen?: boolean;
}

export interface TcpConnectOptions extends ConnectionDefaults {
  host: string;
  port: number;
  /** connect timeout, default 10 000 ms */
  timeoutMs?: number;
  noDelay?: boolean;
  keepAlive?: boolean;
  /** as TcpListenOptions.allowHalfOpen: keep our side open after the server's FIN (default false) */
  allowHalfOpen?: boolean;
  /**
   * reconnect with exponential backoff after an unexpected close (FIN, reset, error); the connection
   * keeps its id, its state is 'reconnecting' in between. Defaults: 500 ms, 30 000 ms, unlimited.
   * Only the first connect rejects the connectTcp promise.
   */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number; maxAttempts?: number };
}

export interface UdpBindOptions extends ConnectionDefaults {
  host?: string; // default 127.0.0.1
  port: number; // 0 = ephemeral
  type?: 'udp4' | 'udp6'; // default from host
  broadcast?: boolean;
  /**
   * SO_RCVBUF in bytes (the kernel may double it and caps it at net.core.rmem_max). A bigger buffer rides out
   * bursts; datagrams the kernel drops when it is full are reported (UDP_RECEIVE_DROPS, stats.dropsIn).
   */
  recvBufferSize?: number;
}

export interface SendOptions {
  /** apply the connection's framing encoder (default true); false writes the bytes as they are */
  framed?: boolean;
  /** override the framing spec for this send */
  framing?: string;
  /** UDP: destination; for a udp-peer the peer's address is used */
  to?: { address: string; port: number };
  /** json-header framing: extra header fields, written after the size key (e.g. {"filename": "a.txt"}) */
  header?: Record<string, unknown>;
  /**
   * This payload answers bytes just received (echo, auto-reply). TCP: while more than REPLY_HIGH_WATER_MARK bytes
   * wait to be sent, reading from the connection pauses (it resumes once they are sent), so a peer that sends
   * without reading cannot make us hold its bytes. UDP: when that many bytes of earlier datagrams still wait to be
   * sent, the reply is refused with ENOBUFS instead of queued.
   */
  reply?: boolean;
}

/** A send whose body arrives in pieces (a file): ConnectionRegistry.sendStream. */
export interface StreamSendOptions extends Pick<SendOptions, 'framed' | 'framing' | 'to' | 'header'> {
  /** the body's length in bytes, announced by the frame's head (a body that turns out longer or shorter fails) */
  bodyLength: number;
  /** checked after each piece: stops the send, leaving the frame unfinished on the wire */
  signal?: AbortSignal;
  /** body bytes written so far, after each piece */
  onProgress?(bodyBytes: number): void;
}

/** how much of a streamed body went out, and whether the signal stopped it first */
export interface StreamResult {
  readonly bodyBytes: number;
  readonly canceled: boolean;
}

export interface RegistryOptions {
  /** per-connection history limits (ring buffer), defaults 8 MiB and 10 000 frames */
  historyMaxBytes?: number;
  historyMaxFrames?: number;
  /** largest frame a decoder accepts, default 16 MiB */
  maxFrameSize?: number;
  /** keep no history at all (the CLI's --output path for huge streams) */
  recordHistory?: boolean;
  /** how many closed connections stay listed (with their history) before the oldest are forgotten, default 1000 */
  retainClosed?: number;
}

import type { Event, Disposable } from './events';

/**
 * The connection registry: the one object the CLI and the extension drive. Implemented by
 * `ConnectionRegistry` in src/core/registry.ts (`new ConnectionRegistry(options?: RegistryOptions)`).
 * Every method that creates a connection resolves with its info once it is listening/open, or rejects
 * with a `SocketError` (code + clear message) — a refused connection or a port in use never throws
 * anywhere else and never crashes the process.
 */
export interface IConnectionRegistry extends Disposable {
  readonly onDidOpen: Event<OpenEvent>;
  /** any change of state or info (framing, encoding, state); not fired per byte */
  readonly onDidChangeState: Event<StateEvent>;
  readonly onDidReceiveChunk: Event<ChunkEvent>; // raw chunks in both directions
  readonly onDidFrame: Event<FrameEvent>; // decoded frames in both directions
  readonly onDidClose: Event<CloseEvent>;
  readonly onDidError: Event<ErrorEvent>;
  /** a TCP client's first connect started or settled (see pendingConnects) */
  readonly onDidChangeConnecting: Event<ConnectingEvent>;

  listenTcp(options: TcpListenOptions): Promise<ConnectionInfo>;
  connectTcp(options: TcpConnectOptions): Promise<ConnectionInfo>;
  bindUdp(options: UdpBindOptions): Promise<ConnectionInfo>;

  get(id: string): ConnectionInfo | undefined;
  list(): ConnectionInfo[];
  children(id: string): ConnectionInfo[];
  /** TCP clients whose first connect is in progress, oldest first */
  pendingConnects(): PendingConnect[];
  /** cancels a first connect in progress: its connectTcp rejects with ECANCELED; false when `id` is not connecting */
  cancelConnect(id: string): boolean;

  /**
   * Sends one payload. tcp-server: to all its open clients; tcp-peer/tcp-client: to that socket;
   * udp: to options.to; udp-peer: to that peer. Resolves once the bytes are handed to the kernel
   * (respecting backpressure), rejects with SocketError (e.g. EMSGSIZE for a datagram > 65 507 bytes).
   */
  send(id: string, payload: Uint8Array, options?: SendOptions): Promise<void>;
  /**
   * Sends one message whose body arrives in pieces (a file, see src/core/transfer): framed around a body of
   * `options.bodyLength` bytes, each piece written once the socket took the last (backpressure); a datagram kind
   * gathers the pieces into one datagram. Resolves with the body bytes sent (fewer when `options.signal` stopped it).
   */
  sendStream(id: string, body: AsyncIterable<Buffer>, options: StreamSendOptions): Promise<StreamResult>;
  /** closes a peer or client, stops a server (and its clients), closes a UDP socket */
  close(id: string): Promise<void>;
  /** TCP: half-close (send FIN) and keep reading */
  end(id: string): Promise<void>;

  setFraming(id: string, spec: string): void; // throws on a bad spec; re-decodes nothing by itself
  /** a fault plan for what a TCP client, server (its clients) or UDP socket sends from now on; undefined: none */
  setFaults(id: string, faults: FaultOptions | undefined): Promise<void>;
  setEncoding(id: string, encoding: string): void;
  /** decode the recorded incoming chunks again with the connection's current framing */
  redecode(id: string): FrameRecord[];

  history(id: string): HistorySnapshot;
  clearHistory(id: string): void;

  /** forgets a connection and its history (closing it first if open; a server or UDP socket with its children) */
  remove(id: string): Promise<void>;

  /** closes every socket and frees every port */
  closeAll(): Promise<void>;
}
