/**
 * The one typed protocol between the packet composer's host (src/extension/composer) and its webview
 * (src/webview): the messages and their validators, nothing else. Pure (imports only src/shared), so both the Node
 * host and the browser bundle use it. The webview's strings are in ./strings, byte formatting in ./bytes.
 *
 * - Host → webview messages are trusted (we produce them) and typed as `HostToWebview`.
 * - Webview → host messages are untrusted input: the host runs every one through `parseWebviewMessage`,
 *   which checks each field and returns `undefined` for anything malformed.
 * - Binary data always crosses as `Uint8Array` (structured clone keeps it binary), never as JSON arrays.
 */

import type { TimestampFormat } from './format';
import { isRelayLane, type ConnectionKind, type ConnectionState, type RelayLane } from './connections';
import type { MessageLayoutInfo } from './messageForm';

// ---------------------------------------------------------------------------------------------------------
// Shared shapes

export type Dir = 'in' | 'out';

/** What the webview needs to know about a connection (the registry's ConnectionInfo, flattened). */
export interface ConnSummary {
  id: string;
  kind: ConnectionKind;
  state: ConnectionState;
  parentId?: string;
  label: string;
  /** "127.0.0.1:8888" */
  local?: string;
  remote?: string;
  framing: string;
  encoding: string;
  openedAt: number;
  error?: string;
  /** a relay pair: each lane's framing (its lanes are the directions: c2s "out", s2c "in") */
  lanes?: Record<RelayLane, { framing: string }>;
}

/** A batch of frames: all payload bytes travel in one `bytes` buffer; frame i owns `bytes.subarray(dataOffset,
 * dataOffset + dataLength)`, where `dataLength` may be smaller than `length` when the host capped a huge frame. */
export interface FrameItem {
  conn: string;
  seq: number;
  dir: Dir;
  /** epoch ms (fractional) */
  time: number;
  /** stream offsets [start, end) of the whole frame, header included */
  start: number;
  end: number;
  /** payload length in bytes */
  length: number;
  dataOffset: number;
  dataLength: number;
  /** payload decoded with the connection's encoding (at most the first few KiB) */
  text: string;
  /** json-header framing: the header, as JSON text */
  header?: string;
  /** UDP: the datagram's peer, "host:port" */
  remote?: string;
  /** the bytes of a frame that never finished (the stream ended inside it) */
  incomplete?: true;
  /** the message this frame is in an attached protocol file: name, fields and checksum mark */
  note?: string;
  /** a relay pair's frame: the lane it travelled */
  lane?: RelayLane;
  /** a relay pair's frame injected into its lane by the user (not read from the lane's source; `start` = `end`) */
  injected?: true;
}

/** A raw chunk as `recv` delivered it: where it sits in the stream and how long it is (no bytes). */
export interface ChunkItem {
  conn: string;
  seq: number;
  dir: Dir;
  time: number;
  /** stream offset of the chunk's first byte in its direction */
  offset: number;
  length: number;
  remote?: string;
  /** a relay pair's chunk: the lane it travelled; `written`: a write to its destination after faults, not a read */
  lane?: RelayLane;
  written?: true;
  /** a written piece of bytes injected into the lane (at the source offset they went in before) */
  injected?: true;
}

export interface FrameBatch {
  frames: FrameItem[];
  bytes: Uint8Array;
}

export type InputMode = 'text' | 'hex' | 'escapes' | 'struct' | 'json' | 'message';
export const INPUT_MODES: readonly InputMode[] = ['text', 'hex', 'escapes', 'struct', 'json', 'message'];

/** What the user typed, in one of the input modes. The host turns it into payload and wire bytes. */
export type Draft =
  | { mode: 'text'; text: string; encoding: string }
  | { mode: 'hex'; text: string }
  | { mode: 'escapes'; text: string; encoding: string }
  /** values: Python-like comma-separated literals: 1, -2, 3.5, True, b'ab\x00', "text", hex:0a0b */
  | { mode: 'struct'; format: string; values: string }
  /** header: a JSON object's text; the size key (total_size) is filled in by the framing */
  | { mode: 'json'; header: string; body: string; encoding: string }
  /** text: a message of the protocol file attached to the target and its values, `reading {kind: 2, seq: 7}` */
  | { mode: 'message'; text: string };

/** Framing for a send: the target connection's own, none at all, or a spec typed by the user. */
export type FramingChoice = { kind: 'connection' } | { kind: 'raw' } | { kind: 'spec'; spec: string };

export interface Target {
  /** connection ids; a tcp-server id means "all its clients" */
  ids: string[];
  /** UDP destination (required for a udp socket, optional override for a udp-peer) */
  to?: { host: string; port: number };
  /** a relay pair: the lane to inject into (default c2s) */
  lane?: RelayLane;
}

export interface Repeat {
  intervalMs: number;
  count: number;
}

/** Which part of the draft an error belongs to, so the webview can show it in place. */
export type DraftField = 'text' | 'format' | 'values' | 'header' | 'body' | 'framing' | 'target' | 'encoding';

export interface DraftError {
  field: DraftField;
  message: string;
  /** character position in the field (hex, escapes, struct values, JSON) */
  position?: number;
  /** for struct values: index of the offending value */
  index?: number;
}

/** How the log shows payloads (the socketDebugger.displayMode setting). */
export type DisplayMode = 'text' | 'hex' | 'both';
export const DISPLAY_MODES: readonly DisplayMode[] = ['text', 'hex', 'both'];

export type CopyFormat = 'hex' | 'python' | 'c' | 'text' | 'hexdump';
export const COPY_FORMATS: readonly CopyFormat[] = ['hex', 'python', 'c', 'text', 'hexdump'];

// ---------------------------------------------------------------------------------------------------------
// Host → webview

export interface InitMessage {
  type: 'init';
  connections: ConnSummary[];
  encodings: { id: string; label: string }[];
  /** framing presets for the pickers: the spec, and the label shown */
  framings: { spec: string; label: string }[];
  /** the target the panel was opened for, if any */
  target?: string;
  settings: { displayMode: DisplayMode; timestampFormat: TimestampFormat; maxFrames: number };
}

export interface ConnectionsMessage {
  type: 'connections';
  connections: ConnSummary[];
}

/** Live data, batched by the host (at most ~30 messages per second). */
export interface DataMessage {
  type: 'data';
  batch: FrameBatch;
  chunks: ChunkItem[];
  /** frames the host had to skip because the webview could not keep up (flood) */
  skipped: number;
  /** the same by connection id (present when `skipped` > 0) */
  skippedBy?: Record<string, number>;
}

/** A connection's recorded history; `replace` drops what the webview has for that connection first. */
export interface HistoryMessage {
  type: 'history';
  conn: string;
  replace: boolean;
  batch: FrameBatch;
  chunks: ChunkItem[];
  droppedFrames: number;
  droppedChunks: number;
}

/** The preview carries at most this many wire bytes (the composer shows no more); `wireLength` tells the total. */
export const PREVIEW_WIRE_BYTES = 4096;

export interface PreviewResultMessage {
  type: 'preview';
  reqId: number;
  result:
    /**
     * wire: the first PREVIEW_WIRE_BYTES of the wire bytes; wireLength: how many there are in all (when more);
     * checksum: a Message-mode draft's computed checksum
     */
    | { ok: true; wire: Uint8Array; wireLength?: number; payloadLength: number; framing: string; note?: string; checksum?: { algorithm: string; value: number } }
    | { ok: false; error: DraftError };
}

export interface SendResultMessage {
  type: 'sendResult';
  reqId: number;
  ok: boolean;
  /** frames written so far (for a repeat: across all rounds) */
  sent: number;
  error?: DraftError;
}

export interface RepeatStateMessage {
  type: 'repeat';
  running: boolean;
  done: number;
  total: number;
}

export interface NoticeMessage {
  type: 'notice';
  level: 'info' | 'warning' | 'error';
  message: string;
}

/** The messages of the protocol file attached to `conn` (Message mode's form); `file` absent: none attached. */
export interface MessageLayoutsMessage {
  type: 'messageLayouts';
  conn: string;
  /** the file's name, as the workspace shows it */
  file?: string;
  messages: MessageLayoutInfo[];
}

export interface FocusMessage {
  type: 'focus';
  target: string;
}

export type HostToWebview =
  | InitMessage
  | ConnectionsMessage
  | DataMessage
  | HistoryMessage
  | PreviewResultMessage
  | SendResultMessage
  | RepeatStateMessage
  | NoticeMessage
  | MessageLayoutsMessage
  | FocusMessage;

// ---------------------------------------------------------------------------------------------------------
// Webview → host (untrusted)

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'preview'; reqId: number; draft: Draft; target: Target; framing: FramingChoice }
  | { type: 'send'; reqId: number; draft: Draft; target: Target; framing: FramingChoice; repeat?: Repeat }
  | { type: 'stopRepeat' }
  | { type: 'setFraming'; conn: string; spec: string }
  | { type: 'setEncoding'; conn: string; encoding: string }
  | { type: 'requestHistory'; conn: string }
  | { type: 'clearHistory'; conn: string }
  /** asks for the messages of the protocol file attached to a connection (answered with MessageLayoutsMessage) */
  | { type: 'messageLayouts'; conn: string }
  /** runs the extension's "Save Received Data…" for a connection */
  | { type: 'saveReceived'; conn: string }
  /** runs the extension's "Send File…" on the first target (the host asks for the file and how to send it) */
  | { type: 'sendFile'; target: Target }
  /** keeps the draft in the workspace's packet library (the host asks for a name) */
  | { type: 'savePacket'; draft: Draft; framing: FramingChoice; to?: { host: string; port: number } }
  | { type: 'copy'; conn: string; dir: Dir; seq: number; format: CopyFormat }
  | { type: 'copyText'; text: string };

/** Limits applied to untrusted input. */
export const LIMITS = {
  /** longest text field (text, hex, escapes, JSON header/body, struct values) */
  maxField: 4 * 1024 * 1024,
  maxShortField: 512,
  maxIds: 1000,
  minIntervalMs: 1,
  maxIntervalMs: 24 * 60 * 60 * 1000,
  maxRepeat: 1_000_000,
  maxCopyText: 64 * 1024 * 1024,
} as const;

type Obj = Record<string, unknown>;

function isObj(u: unknown): u is Obj {
  return typeof u === 'object' && u !== null && !Array.isArray(u);
}

function str(o: Obj, k: string, max: number = LIMITS.maxShortField): string | undefined {
  const v = o[k];
  return typeof v === 'string' && v.length <= max ? v : undefined;
}

function int(o: Obj, k: string, min: number, max: number): number | undefined {
  const v = o[k];
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : undefined;
}

/** connection ids are short identifiers (the registry uses "c1", "c2", …) */
function connId(o: Obj, k: string): string | undefined {
  const v = str(o, k, 128);
  return v !== undefined && /^[\w.:-]+$/.test(v) ? v : undefined;
}

const ENCODING_RE = /^[\w.:-]{1,64}$/;

export function parseDraft(u: unknown): Draft | undefined {
  if (!isObj(u)) return undefined;
  const max = LIMITS.maxField;
  switch (u.mode) {
    case 'text':
    case 'escapes': {
      const text = str(u, 'text', max);
      const encoding = str(u, 'encoding', 64);
      if (text === undefined || encoding === undefined || !ENCODING_RE.test(encoding)) return undefined;
      return { mode: u.mode, text, encoding };
    }
    case 'hex':
    case 'message': {
      const text = str(u, 'text', max);
      return text === undefined ? undefined : { mode: u.mode, text };
    }
    case 'struct': {
      const format = str(u, 'format', 4096);
      const values = str(u, 'values', max);
      return format === undefined || values === undefined ? undefined : { mode: 'struct', format, values };
    }
    case 'json': {
      const header = str(u, 'header', max);
      const body = str(u, 'body', max);
      const encoding = str(u, 'encoding', 64);
      if (header === undefined || body === undefined || encoding === undefined || !ENCODING_RE.test(encoding)) return undefined;
      return { mode: 'json', header, body, encoding };
    }
    default:
      return undefined;
  }
}

export function parseTarget(u: unknown): Target | undefined {
  if (!isObj(u) || !Array.isArray(u.ids) || u.ids.length > LIMITS.maxIds) return undefined;
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const id of u.ids) {
    const v = connId({ id }, 'id');
    if (v === undefined) return undefined;
    // one send per connection: a repeated id must not multiply the frames sent
    if (!seen.has(v)) ids.push(v);
    seen.add(v);
  }
  const t: Target = { ids };
  if (u.to !== undefined) {
    if (!isObj(u.to)) return undefined;
    const host = str(u.to, 'host', 255);
    const port = int(u.to, 'port', 1, 65535);
    if (host === undefined || host.trim() === '' || port === undefined) return undefined;
    t.to = { host: host.trim(), port };
  }
  if (u.lane !== undefined && !isRelayLane(u.lane)) return undefined;
  if (isRelayLane(u.lane)) t.lane = u.lane;
  return t;
}

export function parseFramingChoice(u: unknown): FramingChoice | undefined {
  if (!isObj(u)) return undefined;
  if (u.kind === 'connection') return { kind: 'connection' };
  if (u.kind === 'raw') return { kind: 'raw' };
  if (u.kind === 'spec') {
    const spec = str(u, 'spec', 1024);
    return spec === undefined ? undefined : { kind: 'spec', spec };
  }
  return undefined;
}

function parseRepeat(u: unknown): Repeat | undefined {
  if (!isObj(u)) return undefined;
  const intervalMs = int(u, 'intervalMs', LIMITS.minIntervalMs, LIMITS.maxIntervalMs);
  const count = int(u, 'count', 1, LIMITS.maxRepeat);
  return intervalMs === undefined || count === undefined ? undefined : { intervalMs, count };
}

/**
 * Validates a message from the webview. Returns a fresh, fully typed object (unknown extra fields are
 * dropped), or `undefined` when any field is missing, of the wrong type or out of range.
 */
export function parseWebviewMessage(u: unknown): WebviewToHost | undefined {
  if (!isObj(u) || typeof u.type !== 'string') return undefined;
  switch (u.type) {
    case 'ready':
      return { type: 'ready' };
    case 'stopRepeat':
      return { type: 'stopRepeat' };
    case 'preview':
    case 'send': {
      const reqId = int(u, 'reqId', 0, Number.MAX_SAFE_INTEGER);
      const draft = parseDraft(u.draft);
      const target = parseTarget(u.target);
      const framing = parseFramingChoice(u.framing);
      if (reqId === undefined || !draft || !target || !framing) return undefined;
      if (u.type === 'preview') return { type: 'preview', reqId, draft, target, framing };
      if (u.repeat === undefined) return { type: 'send', reqId, draft, target, framing };
      const repeat = parseRepeat(u.repeat);
      return repeat ? { type: 'send', reqId, draft, target, framing, repeat } : undefined;
    }
    case 'sendFile': {
      const target = parseTarget(u.target);
      return target && target.ids.length > 0 ? { type: 'sendFile', target } : undefined;
    }
    case 'savePacket': {
      const draft = parseDraft(u.draft);
      const framing = parseFramingChoice(u.framing);
      if (!draft || !framing) return undefined;
      if (u.to === undefined) return { type: 'savePacket', draft, framing };
      const t = parseTarget({ ids: [], to: u.to });
      return t?.to ? { type: 'savePacket', draft, framing, to: t.to } : undefined;
    }
    case 'setFraming': {
      const conn = connId(u, 'conn');
      const spec = str(u, 'spec', 1024);
      return conn === undefined || spec === undefined ? undefined : { type: 'setFraming', conn, spec };
    }
    case 'setEncoding': {
      const conn = connId(u, 'conn');
      const encoding = str(u, 'encoding', 64);
      if (conn === undefined || encoding === undefined || !ENCODING_RE.test(encoding)) return undefined;
      return { type: 'setEncoding', conn, encoding };
    }
    case 'requestHistory':
    case 'clearHistory':
    case 'messageLayouts':
    case 'saveReceived': {
      const conn = connId(u, 'conn');
      return conn === undefined ? undefined : { type: u.type, conn };
    }
    case 'copy': {
      const conn = connId(u, 'conn');
      const dir = u.dir === 'in' || u.dir === 'out' ? u.dir : undefined;
      const seq = int(u, 'seq', 0, Number.MAX_SAFE_INTEGER);
      const format = COPY_FORMATS.find((f) => f === u.format);
      if (conn === undefined || dir === undefined || seq === undefined || format === undefined) return undefined;
      return { type: 'copy', conn, dir, seq, format };
    }
    case 'copyText': {
      const text = str(u, 'text', LIMITS.maxCopyText);
      return text === undefined ? undefined : { type: 'copyText', text };
    }
    default:
      return undefined;
  }
}
