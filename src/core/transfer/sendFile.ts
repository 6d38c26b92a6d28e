/**
 * Send File: a file sent on a connection as the raw stream, as one frame of a framing, or the way the tutorial's
 * file upload sends it (json-header: `struct.pack('i', len(header))`, `json.dumps({"filename", "filesize", …})`,
 * then the body). The file is read in pieces and each is written once the socket took the last, so a 1 GB file
 * never sits in memory; the caller sees progress and may cancel between pieces.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { IConnectionRegistry, StreamSendOptions } from '../types';
import { capabilities } from '../../shared/connections';
import { errorCode, errorMessage } from '../../shared/errors';
import { formatExactSize } from '../../shared/format';
import { datagramTooLargeError, SocketError, unknownConnectionError, UDP_MAX_IPV6 } from '../errors';
import { frameParts, parseFramingSpec } from '../framing';

export const FILE_SEND_MODES = ['raw', 'framed', 'json-header'] as const;
/**
 * raw: the file's bytes as the stream (no framing); framed: one frame of the connection's framing (or `framing`);
 * json-header: a json-header frame whose header carries the file's name and size
 */
export type FileSendMode = (typeof FILE_SEND_MODES)[number];

export function isFileSendMode(v: unknown): v is FileSendMode {
  return typeof v === 'string' && (FILE_SEND_MODES as readonly string[]).includes(v);
}

/** the pieces a file is read in */
export const FILE_PIECE_BYTES = 64 * 1024;

export interface SendFileOptions {
  mode: FileSendMode;
  /** framed: the framing to use instead of the connection's; json-header: a json-header spec to use (its length format, size key) */
  framing?: string;
  /** UDP socket: the destination */
  to?: { address: string; port: number };
  /** json-header: more header fields (e.g. {"md5": "…"}); they may rename `filename`, never change `filesize` */
  header?: Record<string, unknown>;
  signal?: AbortSignal;
  /** body bytes sent so far of `total` */
  onProgress?(sent: number, total: number): void;
}

export interface SendFileResult {
  /** the file's size when the send started */
  fileSize: number;
  /** the file's bytes that went out (fewer than fileSize when canceled) */
  bodyBytes: number;
  /** bytes on the wire per receiving socket: the frame's head and tail around the body bytes sent */
  wireBytes: number;
  canceled: boolean;
  /** the framing the file went out with ('raw' for raw mode) */
  framing: string;
  /** json-header: the header fields sent */
  header?: Record<string, unknown>;
}

/**
 * The header of a json-header upload: `{"filename": <base name>, "filesize": <bytes>, …extra}`. `extra` may set
 * `filename` (the name the receiver saves as); `filesize` stays the file's size, since the tutorial's upload server
 * reads exactly that many bytes (like the size key `total_size`, which the framing always sets).
 */
export function fileHeader(path: string, size: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const header: Record<string, unknown> = { filename: basename(path), filesize: size, ...extra };
  header.filesize = size;
  return header;
}

/** json-header mode: the given (or the connection's) json-header framing when it is one (its length format and size key), else the tutorial's */
function jsonHeaderSpec(spec: string): string {
  return parseFramingSpec(spec).kind === 'json-header' ? spec : 'json-header';
}

/** Sends the file at `path` on connection `id`; rejects with a SocketError naming the connection (and the file). */
export async function sendFile(registry: IConnectionRegistry, id: string, path: string, opts: SendFileOptions): Promise<SendFileResult> {
  const info = registry.get(id);
  if (!info) throw unknownConnectionError(id);
  const who = `${id} (${info.label})`;
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new SocketError('EISDIR', `${path} is not a file`);
    size = st.size;
  } catch (e) {
    throw new SocketError(errorCode(e) ?? 'EFILE', `${who}: cannot send ${path}: ${errorMessage(e)}`, { cause: e });
  }
  const framing = opts.mode === 'raw' ? 'raw' : opts.mode === 'json-header' ? jsonHeaderSpec(opts.framing ?? info.framing) : (opts.framing ?? info.framing);
  const header = opts.mode === 'json-header' ? fileHeader(path, size, opts.header) : undefined;
  const caps = capabilities(info.kind);
  if (size === 0 && framing === 'raw' && caps.transport === 'tcp') {
    throw new SocketError('EMPTY_SEND', `${who}: ${path} is empty, and TCP cannot carry an empty message as a raw stream; send it framed or json-header`);
  }
  const { head, tail } = frameParts(framing, size, header ? { header } : undefined);
  if (caps.transport === 'udp' && head.length + size + tail.length > UDP_MAX_IPV6) {
    const e = datagramTooLargeError(head.length + size + tail.length, UDP_MAX_IPV6);
    throw new SocketError(e.code, `${who}: ${path} (${formatExactSize(size)}) does not fit one datagram: ${e.message}`);
  }
  const send: StreamSendOptions = {
    bodyLength: size,
    framing,
    ...(header ? { header } : {}),
    ...(opts.to ? { to: opts.to } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: (n) => opts.onProgress?.(n, size),
  };
  const body = createReadStream(path, { highWaterMark: FILE_PIECE_BYTES });
  try {
    const r = await registry.sendStream(id, body, send);
    const wireBytes = head.length + r.bodyBytes + (r.canceled ? 0 : tail.length);
    return { fileSize: size, bodyBytes: r.bodyBytes, wireBytes, canceled: r.canceled, framing, ...(header ? { header } : {}) };
  } finally {
    body.destroy();
  }
}
