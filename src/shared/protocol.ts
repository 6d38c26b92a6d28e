/**
 * The one typed protocol between the packet composer's host (src/extension/composer) and its webview
 * (src/webview). Imports nothing, so both the Node host and the browser bundle can use it.
 *
 * - Host → webview messages are trusted (we produce them) and typed as `HostToWebview`.
 * - Webview → host messages are untrusted input: the host runs every one through `parseWebviewMessage`,
 *   which checks each field and returns `undefined` for anything malformed.
 * - Binary data always crosses as `Uint8Array` (structured clone keeps it binary), never as JSON arrays.
 */

// ---------------------------------------------------------------------------------------------------------
// Shared shapes

export type Dir = 'in' | 'out';

/** What the webview needs to know about a connection (the registry's ConnectionInfo, flattened). */
export interface ConnSummary {
  id: string;
  kind: 'tcp-server' | 'tcp-peer' | 'tcp-client' | 'udp' | 'udp-peer';
  state: string;
  parentId?: string;
  label: string;
  /** "127.0.0.1:8888" */
  local?: string;
  remote?: string;
  framing: string;
  encoding: string;
  openedAt: number;
  error?: string;
}

/**
 * A batch of frames. All payload bytes of the batch travel in one `bytes` buffer; frame i owns
 * `bytes.subarray(frames[i].dataOffset, frames[i].dataOffset + frames[i].dataLength)`.
 * `dataLength` may be smaller than `length` when the host capped a huge frame.
 */
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
}

export interface FrameBatch {
  frames: FrameItem[];
  bytes: Uint8Array;
}

export type InputMode = 'text' | 'hex' | 'escapes' | 'struct' | 'json';
export const INPUT_MODES: readonly InputMode[] = ['text', 'hex', 'escapes', 'struct', 'json'];

/** What the user typed, in one of the input modes. The host turns it into payload and wire bytes. */
export type Draft =
  | { mode: 'text'; text: string; encoding: string }
  | { mode: 'hex'; text: string }
  | { mode: 'escapes'; text: string; encoding: string }
  /** values: Python-like comma-separated literals: 1, -2, 3.5, True, b'ab\x00', "text", hex:0a0b */
  | { mode: 'struct'; format: string; values: string }
  /** header: a JSON object's text; the size key (total_size) is filled in by the framing */
  | { mode: 'json'; header: string; body: string; encoding: string };

/** Framing for a send: the target connection's own, none at all, or a spec typed by the user. */
export type FramingChoice = { kind: 'connection' } | { kind: 'raw' } | { kind: 'spec'; spec: string };

export interface Target {
  /** connection ids; a tcp-server id means "all its clients" */
  ids: string[];
  /** UDP destination (required for a udp socket, optional override for a udp-peer) */
  to?: { host: string; port: number };
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
  settings: { displayMode: 'text' | 'hex' | 'both'; timestampFormat: 'time' | 'iso' | 'relative'; maxFrames: number };
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
    /** wire: the first PREVIEW_WIRE_BYTES of the wire bytes; wireLength: how many there are in all (when more) */
    | { ok: true; wire: Uint8Array; wireLength?: number; payloadLength: number; framing: string; note?: string }
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
  /** runs the extension's "Save Received Data…" for a connection */
  | { type: 'saveReceived'; conn: string }
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
    case 'hex': {
      const text = str(u, 'text', max);
      return text === undefined ? undefined : { mode: 'hex', text };
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

/**
 * Every string the webview shows (English; the key of its translation). The host sends their translations in the
 * page (see src/extension/composer/panel.ts); a unit test keeps this list in step with src/webview.
 */
export const WEBVIEW_STRINGS: readonly string[] = [
  "TCP server {0}",
  "TCP client → {0}",
  "UDP {0}",
  "UDP peer {0}",
  "Text",
  "Hex",
  "Escapes",
  "Struct",
  "JSON header",
  "Send to",
  "UDP destination host",
  "host",
  "UDP destination port",
  "port",
  "to",
  "Target",
  "Select several targets (Ctrl/Shift+click)",
  "Several",
  "Input mode",
  "Text encoding",
  "Encoding",
  "Struct format",
  "e.g. i, !IH, <h4s",
  "Text to send",
  "Type text… (Ctrl+Enter sends, ↑ recalls history)",
  "Hex bytes to send",
  "48 65 6c 6c 6f   or 0x48,0x65   or 48656c6c6f",
  "Text with escapes to send",
  "Format",
  "Values",
  "Struct values",
  "comma-separated, as in Python: 1, -2, 3.5, True, b'ab\\x00', 'text'",
  "Header (JSON object; total_size is filled in)",
  "Body",
  "Body text",
  "body text",
  "Framing applied when sending",
  "Custom framing spec",
  "Framing",
  "Send (Ctrl+Enter)",
  "Send",
  "Repeat interval in milliseconds",
  "Number of times to send",
  "Sent history: pick one to recall",
  "every",
  "ms ×",
  "Packet composer",
  "No connections yet: create one in the Connections view",
  "All clients of {0}",
  "{0} targets",
  "Connection's ({0})",
  "Connection's",
  "None: bytes as typed",
  "Custom spec…",
  "Wire bytes: pick a target to see the framed bytes",
  "Click to jump to the error",
  "at position {0}:",
  "Wire bytes ({0})",
  "showing the first {0} of {1} bytes",
  "{0} framing + {1} payload",
  "Pick a target first.",
  "No client is connected to {0}.",
  "Sending…",
  "History ({0})",
  "History (empty)",
  "Stop",
  "Stop repeating (Ctrl+Enter)",
  "Wire bytes: fix the input below",
  "Sent 1 frame at {0}",
  "Sent {0} frames at {1}",
  "Connection to inspect",
  "Direction",
  "received",
  "sent",
  "Framing of this connection",
  "Encoding of this connection",
  "Set this framing and encoding on the connection and decode its recorded history again",
  "Re-decode",
  "Save the data received on this connection…",
  "Clear this connection's recorded history",
  "sticky",
  "several frames in one chunk",
  "split",
  "one frame over several chunks",
  "Stream inspector",
  "Chunks as recv delivered them",
  "No chunks yet for this connection. Raw chunks appear here exactly as recv delivered them.",
  "Follow selection",
  "({0} older not kept)",
  "({0} older dropped: this connection outgrew its share of the view)",
  "1 chunk",
  "{0} chunks",
  "1 frame",
  "{0} frames",
  "{0} sticky",
  "{0} split",
  "chunk {0}",
  "frame {0} (rest)",
  "frame {0} (part)",
  "frame {0}",
  "{0}: stream bytes {1}–{2}, {3} B payload; this chunk carries bytes {4}–{5}",
  "bytes {0}–{1}: not (yet) part of a decoded frame",
  "{0} frames in one chunk",
  "carries part of a frame",
  "+{0} frames",
  "{0} more frames in this chunk",
  "chunk {0}, {1} bytes at {2}, carries {3} frame(s)",
  "Filter text or hex",
  "Filter frames by text or hex",
  "Filter by connection",
  "Show payload as",
  "Pause the view (recording continues)",
  "Resume and jump to the newest frame",
  "Clear the view",
  "Frames",
  "Frames received and sent",
  "Selected frame",
  "{0} of {1}",
  "({0} older dropped)",
  "Follow the newest frames (End)",
  "{0} new",
  "Follow",
  "{0} new frames below. Follow the newest",
  "Follow the newest frames",
  "{0} behind",
  "{0} frames behind. Resume",
  "(dropped: older than what the view keeps)",
  "received {0} bytes on {1} at {2}: {3}",
  "sent {0} bytes on {1} at {2}: {3}",
  "Select a frame to see its bytes. Click a bar in the stream inspector to see how it arrived.",
  "stream bytes {0}–{1}",
  "Decoded text",
  "Hexdump",
  "the view keeps the first {0} of {1} bytes; copy fetches all of them",
  "Resume the live view",
  "All connections",
  "Both",
  "Copy hex",
  "Copy as Python bytes",
  "Copy as C array",
  "Copy text",
  "connecting",
  "reconnecting",
  "listening",
  "open",
  "half-closed",
  "closed",
  "error",
];

// ---------------------------------------------------------------------------------------------------------
// Pure helpers both sides use

/** Formats bytes for the clipboard: spaced hex, a Python bytes literal, or a C array. */
export function formatBytes(data: Uint8Array, format: 'hex' | 'python' | 'c', name = 'frame'): string {
  const HEX = '0123456789abcdef';
  if (format === 'hex') {
    const parts = new Array<string>(data.length);
    for (let i = 0; i < data.length; i++) parts[i] = HEX[data[i] >> 4] + HEX[data[i] & 15];
    return parts.join(' ');
  }
  if (format === 'python') {
    // Same rules as Python's repr(bytes): printable ASCII as is, \\ and ' escaped, \t \n \r, others \xHH.
    // Like repr(): double quotes when the bytes hold ' but no ".
    const q = data.includes(0x27) && !data.includes(0x22) ? '"' : "'";
    let s = 'b' + q;
    for (const b of data) {
      if (b === 0x5c) s += '\\\\';
      else if (b === 0x27 && q === "'") s += "\\'";
      else if (b === 0x09) s += '\\t';
      else if (b === 0x0a) s += '\\n';
      else if (b === 0x0d) s += '\\r';
      else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
      else s += '\\x' + HEX[b >> 4] + HEX[b & 15];
    }
    return s + q;
  }
  const safe = /^[A-Za-z_]\w*$/.test(name) ? name : 'frame';
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += 12) {
    const row: string[] = [];
    for (let j = i; j < Math.min(i + 12, data.length); j++) row.push('0x' + HEX[data[j] >> 4] + HEX[data[j] & 15]);
    lines.push('    ' + row.join(', ') + (i + 12 < data.length ? ',' : ''));
  }
  return `const unsigned char ${safe}[${data.length}] = {\n${lines.join('\n')}${lines.length ? '\n' : ''}};`;
}
