/**
 * What `sockdbg` prints: one JSON object per line with --json, otherwise short human lines
 * (time, peer, length, text, and a hexdump for binary payloads). Errors always also go to stderr
 * as one line "sockdbg: …".
 */
import { hexByte, hexdump } from '../shared/bytes';
import { formatClockTime, formatHostPort, plural } from '../shared/format';
import { errorMessage } from '../shared/errors';

/** Human output shows at most this many payload bytes of text per frame (JSON always carries the whole frame). */
export const HUMAN_MAX_BYTES = 64 * 1024;
/** …and at most this many bytes of a binary frame as a hexdump (256 lines). */
export const HEXDUMP_MAX_BYTES = 4096;

export interface Writable {
  write(s: string): unknown;
}

export interface ReporterOptions {
  json: boolean;
  /** no per-frame output */
  quiet: boolean;
  stdout: Writable;
  stderr: Writable;
  /** --ansi: let colour escape sequences (ESC [ … m) through to the terminal instead of showing \x1b */
  ansi?: boolean;
}

export type FrameDirection = 'in' | 'out';

export interface FrameReport {
  conn: string;
  peer: string;
  payload: Buffer;
  /** the payload decoded with --encoding */
  text: string;
  header?: Record<string, unknown>;
  time?: number;
  /** never show a hexdump (the text is a display form such as hex or base64) */
  textOnly?: boolean;
  /** the received chunks (recv() results) the frame's bytes came in */
  chunk?: ChunkInfo;
}

/** Which chunks carried a frame: sticky = a chunk shared with another frame (黏包), split = spread over several. */
export interface ChunkInfo {
  /** chunk sequence numbers, from 0 per connection */
  chunks: number[];
  sticky: boolean;
  split: boolean;
}

/**
 * Whether a payload is better shown as a hexdump: it holds control bytes other than tab, CR, LF
 * and ESC, or bytes the encoding could not decode (shown by decodeText as `\xHH`).
 */
export function isBinary(payload: Uint8Array, text: string): boolean {
  const n = Math.min(payload.length, HUMAN_MAX_BYTES);
  for (let i = 0; i < n; i++) {
    const b = payload[i];
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x1b) || b === 0x7f) return true;
  }
  // decodeText marks undecodable bytes as \xHH; a payload that itself contains "\x" is text.
  if (text.includes('\\x') && !Buffer.from(payload.buffer, payload.byteOffset, n).includes('\\x')) return true;
  return false;
}

/**
 * Makes a decoded text safe for a terminal: control characters other than tab/newline become \xHH, CRLF → LF.
 * With `ansi`, colour sequences (ESC [ digits;… m) pass through, and a reset closes the text.
 */
export function printableText(text: string, ansi = false): string {
  const t = text.replace(/\r\n/g, '\n');
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const escape = (s: string) => s.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${hexByte(c.charCodeAt(0))}`);
  if (!ansi) return escape(t);
  // eslint-disable-next-line no-control-regex -- the SGR escape sequence
  const parts = t.split(/(\x1b\[[0-9;]*m)/);
  const out = parts.map((p, i) => (i % 2 === 1 ? p : escape(p))).join('');
  return parts.length > 1 ? `${out}\x1b[0m` : out;
}

/** " [sticky: chunk 3 shared with other frames]" / " [split over chunks 3-5]" for a human frame line. */
export function chunkMark(c: ChunkInfo | undefined): string {
  if (c === undefined || (!c.sticky && !c.split)) return '';
  const first = c.chunks[0];
  const last = c.chunks[c.chunks.length - 1];
  const marks: string[] = [];
  if (c.sticky) marks.push(`sticky: chunk ${c.split ? `${first}-${last}` : first} shared with other frames`);
  if (c.split) marks.push(`split over chunks ${first}-${last}`);
  return ` [${marks.join('; ')}]`;
}

/** A JSON header as text; one too deeply nested for JSON.stringify is named, not thrown. */
export function headerText(header: Record<string, unknown>): string {
  try {
    return JSON.stringify(header);
  } catch (err) {
    return `(not printable: ${errorMessage(err)})`;
  }
}

/**
 * The human lines for one received frame (without trailing newline). `unfinishedAt`: the bytes of an unfinished
 * frame; `ansi`: colour sequences pass through.
 */
export function formatHumanFrame(f: FrameReport, arrow = '<', opts: { unfinishedAt?: number; ansi?: boolean } = {}): string {
  const unfinishedAt = opts.unfinishedAt;
  const what = unfinishedAt !== undefined ? ` of an unfinished frame at stream offset ${unfinishedAt}` : '';
  const head = `${formatClockTime(f.time ?? Date.now())} ${f.peer} ${arrow} ${plural(f.payload.length, 'byte')}${what}${chunkMark(f.chunk)}`;
  const headerNote = f.header !== undefined ? ` header ${headerText(f.header)}` : '';
  const shown = f.payload.length > HUMAN_MAX_BYTES ? f.payload.subarray(0, HUMAN_MAX_BYTES) : f.payload;
  const more = f.payload.length > shown.length ? `\n  … ${plural(f.payload.length - shown.length, 'more byte')} not shown` : '';
  if (f.payload.length === 0) return head + headerNote;
  if (f.textOnly !== true && isBinary(f.payload, f.text)) {
    return `${head}${headerNote}\n${indent(hexdump(f.payload, { maxBytes: HEXDUMP_MAX_BYTES }))}`;
  }
  let text = printableText(f.text, opts.ansi === true);
  if (f.payload.length > shown.length) text = text.slice(0, HUMAN_MAX_BYTES);
  const body = text.replace(/\n$/, '');
  if (!body.includes('\n')) return `${head}${headerNote}: ${body}${more}`;
  return `${head}${headerNote}:\n${indent(body)}${more}`;
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/** Serialises one event as a JSON line (bigints, which JSON.stringify rejects, become decimal strings). */
export function jsonLine(obj: Record<string, unknown>): string {
  return JSON.stringify(obj, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** Writes the events of one command in the selected style. */
export class Reporter {
  constructor(private readonly opts: ReporterOptions) {}

  get json(): boolean {
    return this.opts.json;
  }

  private out(line: string): void {
    this.opts.stdout.write(line + '\n');
  }

  private event(obj: Record<string, unknown>): void {
    this.out(jsonLine(obj));
  }

  listening(proto: 'tcp' | 'udp', host: string, port: number): void {
    if (this.opts.json) this.event({ type: 'listening', proto, host, port });
    else this.out(`${proto === 'tcp' ? 'listening' : 'bound'} on ${formatHostPort(host, port)} (${proto})`);
  }

  /** `reconnected`: a --reconnect client is connected again (same conn id) */
  open(conn: string, peer: string, time = Date.now(), reconnected = false): void {
    if (this.opts.json) this.event(reconnected ? { type: 'open', conn, peer, reconnected } : { type: 'open', conn, peer });
    else this.out(`${formatClockTime(time)} ${peer} ${reconnected ? 'reconnected' : 'connected'}`);
  }

  /**
   * A --reconnect client lost its connection (attempt 1) or a reconnect attempt failed (`error`, then
   * attempt n+1): the next attempt follows after the backoff.
   */
  reconnecting(conn: string, peer: string, attempt: number, time = Date.now(), error?: string): void {
    if (this.opts.json) this.event(error !== undefined ? { type: 'reconnecting', conn, peer, attempt, error } : { type: 'reconnecting', conn, peer, attempt });
    else if (error !== undefined) this.out(`${formatClockTime(time)} ${peer} ${error}; reconnecting (attempt ${attempt})`);
    else this.out(`${formatClockTime(time)} ${peer} connection lost; reconnecting (attempt ${attempt})`);
  }

  frame(f: FrameReport): void {
    this.frameEvent(f);
  }

  /** the bytes of a frame the stream ended inside: `{"type":"unfinished",…,"offset":n}` or a human line */
  unfinished(f: FrameReport & { offset: number }): void {
    this.frameEvent(f, f.offset);
  }

  private frameEvent(f: FrameReport, unfinishedAt?: number): void {
    if (this.opts.quiet) return;
    if (!this.opts.json) {
      this.out(formatHumanFrame(f, '<', { unfinishedAt, ansi: this.opts.ansi === true }));
      return;
    }
    const ev: Record<string, unknown> = { type: unfinishedAt !== undefined ? 'unfinished' : 'frame', conn: f.conn, peer: f.peer };
    if (unfinishedAt !== undefined) ev.offset = unfinishedAt;
    ev.len = f.payload.length;
    ev.hex = f.payload.toString('hex');
    ev.text = f.text;
    if (f.header !== undefined) ev.header = f.header;
    if (f.chunk !== undefined) {
      ev.chunks = f.chunk.chunks;
      ev.sticky = f.chunk.sticky;
      ev.split = f.chunk.split;
    }
    let line: string;
    try {
      line = jsonLine(ev);
    } catch (err) {
      // e.g. a header nested deeper than JSON.stringify can go: the frame is still printed, without it
      delete ev.header;
      ev.headerError = `the header cannot be printed as JSON: ${errorMessage(err)}`;
      line = jsonLine(ev);
    }
    this.out(line);
  }

  /** A message we sent (typed, --send on accept, a turn): `sent` with --json, a `>` line otherwise. */
  sent(f: FrameReport): void {
    if (this.opts.quiet) return;
    if (this.opts.json) this.out(jsonLine({ type: 'sent', conn: f.conn, peer: f.peer, len: f.payload.length, hex: f.payload.toString('hex'), text: f.text }));
    else this.out(formatHumanFrame(f, '>', { ansi: this.opts.ansi === true }));
  }

  /**
   * A --send-file step that went out: `{"type":"sent","file":…,"len":<file bytes>,"framing":…,"header"?}` with --json
   * (no hex: the file may be large), else `> N bytes from file F [framing] header {…}`.
   */
  sentFile(f: { conn: string; peer: string; file: string; bytes: number; framing: string; header?: Record<string, unknown> }): void {
    if (this.opts.quiet) return;
    if (this.opts.json) {
      const ev: Record<string, unknown> = { type: 'sent', conn: f.conn, peer: f.peer, file: f.file, len: f.bytes, framing: f.framing };
      if (f.header !== undefined) ev.header = f.header;
      this.out(jsonLine(ev));
    } else {
      const headerNote = f.header !== undefined ? ` header ${headerText(f.header)}` : '';
      this.out(`${formatClockTime(Date.now())} ${f.peer} > ${plural(f.bytes, 'byte')} from file ${f.file} [${f.framing}]${headerNote}`);
    }
  }

  close(conn: string, peer: string, reason: string, stats?: { bytesIn: number; bytesOut: number }, time = Date.now()): void {
    if (this.opts.json) {
      const ev: Record<string, unknown> = { type: 'close', conn, peer, reason };
      if (stats) {
        ev.bytesIn = stats.bytesIn;
        ev.bytesOut = stats.bytesOut;
      }
      this.event(ev);
    } else {
      const how = reason === 'fin' ? 'closed by peer' : reason === 'reset' ? 'reset by peer' : reason === 'local' ? 'closed' : `closed (${reason})`;
      this.out(`${formatClockTime(time)} ${peer} ${how}`);
    }
  }

  /** A non-fatal problem (framing error on one connection…): JSON event or a stderr line. */
  warn(code: string, message: string, conn?: string, offset?: number): void {
    if (this.opts.json) {
      const ev: Record<string, unknown> = { type: 'error', code, message };
      if (conn !== undefined) ev.conn = conn;
      if (offset !== undefined) ev.offset = offset;
      this.event(ev);
    } else {
      this.opts.stderr.write(`sockdbg: ${message}\n`);
    }
  }

  /** Something the user should know that is not an error: a JSON `notice` event or a stderr line. */
  notice(code: string, message: string, conn?: string): void {
    if (this.opts.json) this.event(conn !== undefined ? { type: 'notice', code, message, conn } : { type: 'notice', code, message });
    else this.opts.stderr.write(`sockdbg: ${message}\n`);
  }

  /** A fatal error: a JSON error event (with --json) and always one line on stderr. */
  fatal(code: string, message: string): void {
    if (this.opts.json) this.event({ type: 'error', code, message });
    this.opts.stderr.write(`sockdbg: ${message}\n`);
  }
}
