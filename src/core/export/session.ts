// A conversation written out in order: the decoded frames of one or more connections, both directions, merged by
// time, as plain text, hex or JSON lines. What a connection's bounded history no longer holds is said at the top.
import { decodeText } from '../codec/encoding';
import { formatEndpoint } from '../../shared/format';
import type { Endpoint, FrameRecord } from '../types';

export type SessionFormat = 'text' | 'hex' | 'jsonl';
export const SESSION_FORMATS: readonly SessionFormat[] = ['text', 'hex', 'jsonl'];

export interface SessionSource {
  /** connection id (c2) */
  id: string;
  /** the peer of a TCP connection (UDP frames carry their own) */
  remote?: Endpoint;
  /** the connection's encoding, for the text column */
  encoding: string;
  frames: readonly FrameRecord[];
  /** frames its history dropped before these */
  droppedFrames: number;
  /** a relay pair: its directions are lanes (out = c2s, in = s2c), written as such */
  lanes?: true;
}

interface Row {
  src: SessionSource;
  frame: FrameRecord;
}

function peerOf(r: Row): string {
  const e = r.frame.remote ?? r.src.remote;
  return e ? formatEndpoint(e) : '';
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** text on one line: control characters other than tab shown as escapes (\n, \r, \xNN), so that a frame is one line */
function oneLine(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if ((c < 0x20 && ch !== '\t') || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

/** the dir column: ↓ / ↑, or a relay pair's lane (→ c2s, ← s2c); three columns wide */
function dirMark(r: Row): string {
  const inbound = r.frame.direction === 'in';
  if (r.src.lanes) return inbound ? '← s2c' : '→ c2s';
  return inbound ? '↓  ' : '↑  ';
}

/** the frames of all sources in time order (a stable merge: equal times keep each source's order) */
function merged(sources: readonly SessionSource[]): Row[] {
  const rows: Row[] = [];
  for (const src of sources) for (const frame of src.frames) rows.push({ src, frame });
  return rows.sort((a, b) => a.frame.time - b.frame.time);
}

/** the session as lines (no trailing newline on each); callers join with '\n' or stream them */
export function* sessionLines(sources: readonly SessionSource[], format: SessionFormat): Generator<string> {
  for (const s of sources) {
    if (s.droppedFrames > 0) {
      yield format === 'jsonl'
        ? JSON.stringify({ type: 'dropped', conn: s.id, frames: s.droppedFrames })
        : `# ${s.id}: ${s.droppedFrames} older frame(s) were no longer in the history (history limits) and are not here`;
    }
  }
  if (format !== 'jsonl') yield '# time (UTC)              conn  dir  peer                   bytes  ' + (format === 'hex' ? 'hex' : 'text');
  for (const r of merged(sources)) {
    const f = r.frame;
    const time = new Date(f.time).toISOString();
    const dir = r.src.lanes ? (f.direction === 'in' ? 's2c' : 'c2s') : f.direction === 'in' ? 'in' : 'out';
    if (format === 'jsonl') {
      const o: Record<string, unknown> = { type: 'frame', time, conn: r.src.id, dir, peer: peerOf(r) || undefined, seq: f.seq, start: f.start, end: f.end, length: f.payloadLength ?? f.payload.length, hex: hex(f.payload), text: decodeText(f.payload, r.src.encoding) };
      if (f.header) o.header = f.header;
      if (f.injected) o.injected = true;
      // a file sent as a stream keeps only its first bytes: hex and text are those
      if (f.payloadLength !== undefined) o.kept = f.payload.length;
      yield JSON.stringify(o);
      continue;
    }
    const body = format === 'hex' ? hex(f.payload).replace(/(..)(?!$)/g, '$1 ') : oneLine(decodeText(f.payload, r.src.encoding));
    const header = f.header ? ` ${JSON.stringify(f.header)}` : '';
    const cut = f.payloadLength !== undefined ? ` … (the first ${f.payload.length} of ${f.payloadLength} bytes)` : '';
    const injected = f.injected ? '  [injected]' : '';
    yield `${time}  ${r.src.id.padEnd(4)}  ${dirMark(r)}  ${peerOf(r).padEnd(21)}  ${String(f.payloadLength ?? f.payload.length).padStart(5)}  ${body}${cut}${header}${injected}`;
  }
}
