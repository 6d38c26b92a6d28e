/**
 * The option objects of the commands' programmatic use (`vscode.commands.executeCommand(id, options)`) and their
 * validation: each `check…` turns an untrusted object into the engine's typed options or throws a
 * CommandOptionsError with a message naming the bad key. Pure (no `vscode`): unit-tested outside VS Code.
 */
import { encodeText, normalizeEncoding } from '../core/codec/encoding';
import { parseBase64, parseHex } from '../core/codec/binaryInput';
import { parseEscapes } from '../core/codec/input';
import { normalizeFramingSpec } from '../core/framing';
import { SESSION_FORMATS, type SessionFormat } from '../core/export/session';
import { isFileSendMode, FILE_SEND_MODES, type FileSendMode } from '../core/transfer/sendFile';
import type { ConnectionInfo, TcpConnectOptions, TcpListenOptions, UdpBindOptions } from '../core/types';
import type { SocketDebuggerConfig } from './config';
import { errorMessage } from '../shared/errors';
import { parseHostPort } from '../shared/format';

interface CommonOptions {
  /** framing spec (see the framing grammar), default: setting socketDebugger.defaultFraming */
  framing?: string;
  /** encoding id, default: setting socketDebugger.defaultEncoding */
  encoding?: string;
  /** a label shown in the tree instead of the address */
  label?: string;
  /** open the packet composer on the new connection (default: setting socketDebugger.autoOpenComposer) */
  openComposer?: boolean;
}

/** `socketDebugger.tcp.listen` → resolves with the new server's connection id */
export interface ListenOptions extends CommonOptions {
  /** 0 = any free port (read it back from `registry.get(id).local.port`) */
  port: number;
  /** default: setting socketDebugger.defaultHost */
  host?: string;
}

/** `socketDebugger.tcp.connect` → resolves with the new client's connection id once connected */
export interface ConnectOptions extends CommonOptions {
  port: number;
  host?: string;
  /** connect timeout; default: setting socketDebugger.tcpClient.connectTimeout (10 s) */
  timeoutMs?: number;
  /**
   * reconnect with exponential backoff after an unexpected close; the id stays, its state is 'reconnecting'
   * in between. true = defaults (500 ms doubling up to 30 000 ms, unlimited attempts). Default: setting
   * socketDebugger.tcpClient.autoReconnect
   */
  reconnect?: boolean | { initialDelayMs?: number; maxDelayMs?: number; maxAttempts?: number };
  /** TCP_NODELAY; default: setting socketDebugger.tcpClient.noDelay (true) */
  noDelay?: boolean;
  /** SO_KEEPALIVE; default: setting socketDebugger.tcpClient.keepAlive (false) */
  keepAlive?: boolean;
}

/** `socketDebugger.udp.bind` → resolves with the new socket's connection id */
export interface BindOptions extends CommonOptions {
  port: number;
  host?: string;
  /** SO_BROADCAST; default: setting socketDebugger.udp.broadcast (false) */
  broadcast?: boolean;
}

/** `socketDebugger.send` → resolves with the number of payload bytes (before framing) */
export interface SendCommandOptions {
  id: string;
  /** text, encoded with `encoding` (default: the connection's encoding) */
  text?: string;
  /** hex bytes, e.g. "01 02 ff" */
  hex?: string;
  base64?: string;
  /** text with escapes (\n, \x00, \u4e2d …), encoded with `encoding` */
  escapes?: string;
  encoding?: string;
  /** apply the connection's framing (default true) */
  framed?: boolean;
  /** UDP socket: destination, {address, port} or "host:port" */
  to?: { address: string; port: number } | string;
}

/** `socketDebugger.sendFile` → resolves with what was sent (SendFileSummary), undefined when a prompt was dismissed */
export interface SendFileCommandOptions {
  id: string;
  /** file path or URI string; without it an open dialog asks */
  path?: string;
  /** raw (the file is the stream), framed (one frame of the connection's framing, or `framing`), json-header (a
   * header with the file's name and size, then the body); without it a pick asks */
  mode?: FileSendMode;
  /** framed mode: the framing instead of the connection's */
  framing?: string;
  /** json-header mode: more header fields after filename and filesize */
  header?: Record<string, unknown>;
  /** UDP socket: destination, {address, port} or "host:port" (the file must fit one datagram) */
  to?: { address: string; port: number } | string;
  /** callers in the extension host: stops the send between pieces (the progress notification's Cancel does too) */
  signal?: AbortSignal;
}

/** `socketDebugger.sendOnAccept`: the payload every client the server accepts gets first (`off: true` stops) */
export interface SendOnAcceptOptions {
  id: string;
  text?: string;
  hex?: string;
  base64?: string;
  encoding?: string;
  off?: boolean;
}

/** `disconnect`, `stopServer`, `closeClient`, `closeSocket`, `halfClose`, `remove`, `copyAddress`, `clearHistory`, `openComposer` */
export interface IdOptions {
  id: string;
}

/** `socketDebugger.saveReceived` → resolves with the file path written */
export interface SaveOptions {
  id: string;
  /** file path or URI string; without it a save dialog asks */
  path?: string;
  /** raw: the received bytes as they are; hex: one line per received chunk (time, length, hex). Default raw
   * (hex when the file name ends with .txt or .hex) */
  format?: 'raw' | 'hex';
  /** a relay pair (`r1.p1`): the lane whose reads to save. Without it: both lanes as a hex dump in arrival order
   * (each line naming its lane); raw bytes need a lane */
  lane?: 'c2s' | 's2c';
}

/** `socketDebugger.saveSession` → resolves with the file path written */
export interface SaveSessionOptions {
  /** a connection; a server or UDP socket saves its clients' or peers' frames too */
  id: string;
  /** file path or URI string; without it a save dialog asks */
  path?: string;
  /** text (one frame a line), hex, or jsonl (one JSON object a line). Default from the file name: .jsonl → jsonl,
   * .hex → hex, else text */
  format?: SessionFormat;
}

/** `socketDebugger.changeFraming` → resolves with {framing, encoding} now in force */
export interface ChangeFramingOptions {
  id: string;
  framing?: string;
  encoding?: string;
}

/** Thrown for bad programmatic options; the message names the option. */
export class CommandOptionsError extends Error {
  override readonly name = 'CommandOptionsError';
  readonly code = 'INVALID_OPTIONS';
}

/** the settings that give the options their defaults */
export type OptionDefaults = Pick<
  SocketDebuggerConfig,
  'defaultHost' | 'defaultFraming' | 'defaultEncoding' | 'tcpClientConnectTimeoutMs' | 'tcpClientNoDelay' | 'tcpClientKeepAlive' | 'tcpClientAutoReconnect' | 'udpBroadcast'
>;

/** an options object as it arrives from executeCommand: checked key by key */
export type RawOptions = Readonly<Record<string, unknown>>;

export function checkPort(v: unknown, allowZero: boolean, what = 'port'): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535 || (!allowZero && v === 0)) {
    throw new CommandOptionsError(`${what} must be an integer from ${allowZero ? 0 : 1} to 65535 (got ${JSON.stringify(v)})`);
  }
  return v;
}

export function optString(o: RawOptions, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new CommandOptionsError(`${key} must be a string (got ${typeof v})`);
  return v;
}

export function optBoolean(o: RawOptions, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new CommandOptionsError(`${key} must be true or false (got ${JSON.stringify(v)})`);
  return v;
}

export function checkFramingOption(framing: string): string {
  try {
    return normalizeFramingSpec(framing);
  } catch (e) {
    throw new CommandOptionsError(`bad framing "${framing}": ${errorMessage(e)}`);
  }
}

export function checkEncodingOption(encoding: string): string {
  try {
    return normalizeEncoding(encoding);
  } catch (e) {
    throw new CommandOptionsError(errorMessage(e));
  }
}

/** longest timer Node accepts (a larger delay would fire at once) */
const MAX_TIMER_MS = 2_147_483_647;

function positiveMs(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > MAX_TIMER_MS) {
    throw new CommandOptionsError(`${what} must be a positive number of milliseconds up to ${MAX_TIMER_MS} (got ${JSON.stringify(v)})`);
  }
  return v;
}

const RECONNECT_KEYS = ['initialDelayMs', 'maxDelayMs', 'maxAttempts'] as const;

/** `reconnect`: true (backoff defaults), false, or {initialDelayMs?, maxDelayMs?, maxAttempts?}; undefined when not given */
function reconnectOption(v: unknown): TcpConnectOptions['reconnect'] | false | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v ? {} : false;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new CommandOptionsError(`reconnect must be true, false or {initialDelayMs, maxDelayMs, maxAttempts} (got ${JSON.stringify(v)})`);
  }
  const o = v as RawOptions;
  const unknown = Object.keys(o).filter((k) => !(RECONNECT_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new CommandOptionsError(`reconnect has unknown key ${JSON.stringify(unknown[0])} (allowed: ${RECONNECT_KEYS.join(', ')})`);
  const rc: NonNullable<TcpConnectOptions['reconnect']> = {};
  if (o.initialDelayMs !== undefined) rc.initialDelayMs = positiveMs(o.initialDelayMs, 'reconnect.initialDelayMs');
  if (o.maxDelayMs !== undefined) rc.maxDelayMs = positiveMs(o.maxDelayMs, 'reconnect.maxDelayMs');
  if (rc.maxDelayMs !== undefined && rc.maxDelayMs < (rc.initialDelayMs ?? 500)) {
    throw new CommandOptionsError(`reconnect.maxDelayMs (${rc.maxDelayMs}) must not be less than reconnect.initialDelayMs (${rc.initialDelayMs ?? 500})`);
  }
  if (o.maxAttempts !== undefined) {
    if (typeof o.maxAttempts !== 'number' || !Number.isSafeInteger(o.maxAttempts) || o.maxAttempts < 1) {
      throw new CommandOptionsError(`reconnect.maxAttempts must be a whole number from 1 (got ${JSON.stringify(o.maxAttempts)})`);
    }
    rc.maxAttempts = o.maxAttempts;
  }
  return rc;
}

/**
 * The socket options of a new TCP client: the socketDebugger.tcpClient.* settings, overridden by the programmatic
 * options (`timeoutMs`, `noDelay`, `keepAlive`, `reconnect`) when given.
 */
export function tcpClientOptions(d: OptionDefaults, o: RawOptions = {}): Pick<TcpConnectOptions, 'timeoutMs' | 'noDelay' | 'keepAlive' | 'reconnect'> {
  const timeoutMs = o.timeoutMs === undefined || o.timeoutMs === null ? d.tcpClientConnectTimeoutMs : positiveMs(o.timeoutMs, 'timeoutMs');
  const noDelay = optBoolean(o, 'noDelay') ?? d.tcpClientNoDelay;
  const keepAlive = optBoolean(o, 'keepAlive') ?? d.tcpClientKeepAlive;
  const rc = reconnectOption(o.reconnect) ?? (d.tcpClientAutoReconnect ? {} : false);
  return { timeoutMs, noDelay, keepAlive, ...(rc ? { reconnect: rc } : {}) };
}

/** a checked create command: the engine's options and whether to open the composer on the result */
export interface Checked<T> {
  readonly create: T;
  readonly openComposer: boolean | undefined;
}

/** the options every create shares: port, host, framing, encoding, label (checked before anything is created) */
function createOptions(o: RawOptions, port: number, d: OptionDefaults): { port: number; host: string; framing: string; encoding: string; label?: string } {
  const host = optString(o, 'host') ?? d.defaultHost;
  const framing = checkFramingOption(optString(o, 'framing') ?? d.defaultFraming);
  const encoding = checkEncodingOption(optString(o, 'encoding') ?? d.defaultEncoding);
  const label = optString(o, 'label');
  return { port, host, framing, encoding, ...(label ? { label } : {}) };
}

export function checkListenOptions(o: RawOptions, d: OptionDefaults): Checked<TcpListenOptions> {
  const create = createOptions(o, checkPort(o.port, true), d);
  return { create, openComposer: optBoolean(o, 'openComposer') };
}

export function checkConnectOptions(o: RawOptions, d: OptionDefaults): Checked<TcpConnectOptions> {
  const base = createOptions(o, checkPort(o.port, false), d);
  const create = { ...base, ...tcpClientOptions(d, o) };
  return { create, openComposer: optBoolean(o, 'openComposer') };
}

export function checkBindOptions(o: RawOptions, d: OptionDefaults): Checked<UdpBindOptions> {
  const base = createOptions(o, checkPort(o.port ?? 0, true), d);
  const broadcast = optBoolean(o, 'broadcast') ?? d.udpBroadcast;
  return { create: { ...base, broadcast }, openComposer: optBoolean(o, 'openComposer') };
}

/** `options.id`: the connection a command acts on */
export function checkId(o: RawOptions): string {
  const id = o.id;
  if (typeof id !== 'string') throw new CommandOptionsError('options.id (the connection id, e.g. "c1") is required');
  return id;
}

/** a checked send: the payload bytes (before framing) and how to send them */
export interface CheckedSend {
  readonly payload: Buffer;
  readonly to?: { address: string; port: number };
  readonly framed?: boolean;
}

const PAYLOAD_KEYS = ['text', 'hex', 'base64', 'escapes'] as const;

/** the payload of a send: exactly one of text, hex, base64 or escapes; text and escapes in `encoding` or the connection's */
export function checkPayload(o: RawOptions, connectionEncoding: string): Buffer {
  const given = PAYLOAD_KEYS.filter((k) => o[k] !== undefined);
  if (given.length !== 1) throw new CommandOptionsError(`give exactly one of text, hex, base64 or escapes (got ${given.length ? given.join(', ') : 'none'})`);
  const enc = optString(o, 'encoding') ?? connectionEncoding;
  const key = given[0]!;
  const value = optString(o, key)!;
  try {
    switch (key) {
      case 'hex':
        return parseHex(value);
      case 'base64':
        return parseBase64(value);
      case 'escapes':
        return parseEscapes(value, enc);
      default:
        return encodeText(value, enc);
    }
  } catch (e) {
    throw new CommandOptionsError(`${key}: ${errorMessage(e)}`);
  }
}

/** `to`: {address, port} or "host:port" */
export function checkDestination(v: unknown): { address: string; port: number } | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') {
    const hp = parseHostPort(v);
    if (!hp) throw new CommandOptionsError(`to must be "host:port" (got ${JSON.stringify(v)})`);
    return hp;
  }
  if (typeof v === 'object' && v !== null && typeof (v as { address?: unknown }).address === 'string') {
    return { address: (v as { address: string }).address, port: checkPort((v as { port?: unknown }).port, false, 'to.port') };
  }
  throw new CommandOptionsError('to must be {address, port} or "host:port"');
}

/** checks a send on `info`: payload, destination (a kind that needs one must get one), framed */
export function checkSendOptions(o: RawOptions, info: Pick<ConnectionInfo, 'encoding'>, needsDestination: boolean): CheckedSend {
  const payload = checkPayload(o, info.encoding);
  const to = checkDestination(o.to);
  const framed = optBoolean(o, 'framed');
  if (needsDestination && !to) throw new CommandOptionsError('sending on a UDP socket needs a destination: to: {address, port} or "host:port"');
  return { payload, ...(to ? { to } : {}), ...(framed !== undefined ? { framed } : {}) };
}

/** interactive input: "hex: 01 02", "b64: AQI=", otherwise text with escapes in the connection's encoding */
export function parseTyped(s: string, enc: string): Buffer {
  const m = /^(hex|b64|base64):\s?/i.exec(s);
  if (m) return m[1]!.toLowerCase() === 'hex' ? parseHex(s.slice(m[0].length)) : parseBase64(s.slice(m[0].length));
  if (enc === 'hex' || enc === 'base64') return encodeText(s, enc);
  return parseEscapes(s, enc);
}

export function checkSaveOptions(o: RawOptions): { path?: string; format?: 'raw' | 'hex'; lane?: 'c2s' | 's2c' } {
  const path = optString(o, 'path');
  const format = o.format;
  if (format !== undefined && format !== 'raw' && format !== 'hex') throw new CommandOptionsError('format must be "raw" or "hex"');
  const lane = o.lane;
  if (lane !== undefined && lane !== 'c2s' && lane !== 's2c') throw new CommandOptionsError('lane must be "c2s" or "s2c"');
  return { ...(path !== undefined ? { path } : {}), ...(format !== undefined ? { format } : {}), ...(lane !== undefined ? { lane } : {}) };
}

export function checkSaveSessionOptions(o: RawOptions): { path?: string; format?: SessionFormat } {
  const path = optString(o, 'path');
  const format = o.format;
  if (format !== undefined && !SESSION_FORMATS.includes(format as SessionFormat)) throw new CommandOptionsError(`format must be one of ${SESSION_FORMATS.map((f) => `"${f}"`).join(', ')}`);
  return { ...(path !== undefined ? { path } : {}), ...(format !== undefined ? { format: format as SessionFormat } : {}) };
}

/** framing and/or encoding, each checked (at least one) */
export function checkChangeFramingOptions(o: RawOptions): { framing?: string; encoding?: string } {
  const framing = optString(o, 'framing');
  const encoding = optString(o, 'encoding');
  if (framing === undefined && encoding === undefined) throw new CommandOptionsError('give framing and/or encoding');
  if (framing !== undefined) checkFramingOption(framing);
  if (encoding !== undefined) checkEncodingOption(encoding);
  return { ...(framing !== undefined ? { framing } : {}), ...(encoding !== undefined ? { encoding } : {}) };
}

/** a checked Send File: what the prompts do not have to ask */
export interface CheckedSendFile {
  readonly path?: string;
  readonly mode?: FileSendMode;
  readonly framing?: string;
  readonly header?: Record<string, unknown>;
  readonly to?: { address: string; port: number };
  readonly signal?: AbortSignal;
}

export function checkSendFileOptions(o: RawOptions): CheckedSendFile {
  const path = optString(o, 'path');
  const mode = o.mode;
  if (mode !== undefined && !isFileSendMode(mode)) throw new CommandOptionsError(`mode must be one of ${FILE_SEND_MODES.map((m) => `"${m}"`).join(', ')}`);
  const framing = optString(o, 'framing');
  if (framing !== undefined && mode !== 'framed') throw new CommandOptionsError('framing applies to mode "framed" only');
  const header = o.header;
  if (header !== undefined && (typeof header !== 'object' || header === null || Array.isArray(header) || mode !== 'json-header')) {
    throw new CommandOptionsError('header must be an object of extra JSON header fields, with mode "json-header"');
  }
  const signal = o.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new CommandOptionsError('signal must be an AbortSignal');
  const to = checkDestination(o.to);
  return {
    ...(path !== undefined ? { path } : {}),
    ...(mode !== undefined ? { mode } : {}),
    ...(framing !== undefined ? { framing: checkFramingOption(framing) } : {}),
    ...(header !== undefined ? { header: header as Record<string, unknown> } : {}),
    ...(to ? { to } : {}),
    ...(signal ? { signal } : {}),
  };
}
