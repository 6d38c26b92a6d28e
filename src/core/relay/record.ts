/**
 * Relay recordings: a JSON-lines file with both lanes of every pair, timestamps and the exact chunk boundaries
 * (one `data` line per read). Written synchronously, so a slow disk slows the relay down instead of filling memory.
 * The format is documented in docs/relay.md (section "Recording format").
 */
import { openSync, writeSync, closeSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Endpoint } from '../types';
import type { CloseReason, Lane, RelayEvent } from './types';

export const RECORDING_FORMAT = 'sockdbg-relay';
export const RECORDING_VERSION = 1;

export interface RecordingHeader {
  type: 'recording';
  format: typeof RECORDING_FORMAT;
  version: number;
  proto: 'tcp' | 'udp';
  listen: Endpoint;
  to: { host: string; port: number };
  /** the relay's framing (both lanes) */
  framing: string;
  /** set when a lane had its own framing */
  laneFraming?: Record<Lane, string>;
  seed: number;
  /** ISO time of `t` = 0 */
  start: string;
  /** epoch ms of `t` = 0 */
  startMs: number;
}

/** `t`: milliseconds since the header's start (microsecond precision) */
export type RecordEntry =
  | { t: number; type: 'open'; pair: string; client: Endpoint; server: Endpoint }
  | { t: number; type: 'data'; pair: string; lane: Lane; offset: number; len: number; b64: string }
  | { t: number; type: 'end'; pair: string; lane: Lane; offset: number }
  | { t: number; type: 'close'; pair: string; reason: CloseReason }
  | { t: number; type: 'upstream-error'; pair: string; client: Endpoint; code: string; message: string };

export interface Recording {
  header: RecordingHeader;
  entries: RecordEntry[];
}

export class RecordingError extends Error {
  readonly code = 'BAD_RECORDING';
  constructor(message: string) {
    super(message);
    this.name = 'RecordingError';
  }
}

/** The entry a relay event is recorded as (undefined: not recorded). */
export function toEntry(e: RelayEvent, t: number): RecordEntry | undefined {
  switch (e.type) {
    case 'open':
      return { t, type: 'open', pair: e.pair, client: e.client, server: e.upstream };
    case 'chunk':
      return { t, type: 'data', pair: e.pair, lane: e.lane, offset: e.offset, len: e.data.length, b64: e.data.toString('base64') };
    case 'end':
      return { t, type: 'end', pair: e.pair, lane: e.lane, offset: e.offset };
    case 'close':
      return { t, type: 'close', pair: e.pair, reason: e.reason };
    case 'upstream-error':
      return { t, type: 'upstream-error', pair: e.pair, client: e.client, code: e.code, message: e.message };
    default:
      return undefined;
  }
}

/** Turns relay events into timed entries: the `listening` event starts the clock. */
export class EntryClock {
  private startPerf = 0;
  header: RecordingHeader | undefined;

  constructor(
    private readonly framing: string,
    private readonly laneFraming?: Record<Lane, string>,
  ) {}

  /** the header when `e` is the listening event; the entry for other recorded events */
  take(e: RelayEvent): RecordingHeader | RecordEntry | undefined {
    if (e.type === 'listening') {
      this.startPerf = performance.now();
      const startMs = performance.timeOrigin + this.startPerf;
      this.header = {
        type: 'recording',
        format: RECORDING_FORMAT,
        version: RECORDING_VERSION,
        proto: e.proto,
        listen: e.local,
        to: e.upstream,
        framing: this.framing,
        ...(this.laneFraming ? { laneFraming: this.laneFraming } : {}),
        seed: e.seed,
        start: new Date(startMs).toISOString(),
        startMs: Math.round(startMs * 1000) / 1000,
      };
      return this.header;
    }
    if (!this.header) return undefined;
    return toEntry(e, Math.round((performance.now() - this.startPerf) * 1000) / 1000);
  }
}

/** Writes a recording: the header, then the entries (from an EntryClock) as they come. */
export class RecordWriter {
  private fd: number | undefined;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  take(x: RecordingHeader | RecordEntry): void {
    this.line(JSON.stringify(x) + '\n');
  }

  private line(s: string): void {
    if (this.fd === undefined) return;
    const b = Buffer.from(s);
    let off = 0;
    while (off < b.length) off += writeSync(this.fd, b, off, b.length - off);
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

function isEndpoint(v: unknown): v is Endpoint {
  const e = v as Endpoint;
  return typeof v === 'object' && v !== null && typeof e.address === 'string' && typeof e.port === 'number';
}

function checkEntry(v: unknown, where: string): RecordEntry {
  const e = v as Record<string, unknown>;
  const bad = (why: string): never => {
    throw new RecordingError(`${where}: ${why}`);
  };
  if (typeof v !== 'object' || v === null) bad('not a JSON object');
  if (typeof e.t !== 'number' || typeof e.pair !== 'string') bad("an entry needs a number 't' and a string 'pair'");
  const lane = e.lane === 'c2s' || e.lane === 's2c';
  switch (e.type) {
    case 'open':
      if (!isEndpoint(e.client) || !isEndpoint(e.server)) bad("'open' needs client and server endpoints");
      break;
    case 'data': {
      if (!lane || typeof e.offset !== 'number' || typeof e.b64 !== 'string') bad("'data' needs lane, offset and b64");
      const n = Buffer.from(e.b64 as string, 'base64').length;
      if (n !== e.len) bad(`'data' says len ${String(e.len)} but b64 holds ${n} bytes`);
      break;
    }
    case 'end':
      if (!lane || typeof e.offset !== 'number') bad("'end' needs lane and offset");
      break;
    case 'close':
    case 'upstream-error':
      break;
    default:
      bad(`unknown entry type '${String(e.type)}'`);
  }
  return v as RecordEntry;
}

/** Reads a recording; throws RecordingError naming the file and line of the first problem. */
export function readRecording(path: string): Recording {
  const lines = readFileSync(path, 'utf8').split('\n');
  let header: RecordingHeader | undefined;
  const entries: RecordEntry[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${path}:${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      throw new RecordingError(`${where}: not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (!header) {
      const h = v as RecordingHeader;
      if (h?.type !== 'recording' || h.format !== RECORDING_FORMAT) throw new RecordingError(`${where}: not a sockdbg relay recording (the first line must be its header)`);
      if (h.version !== RECORDING_VERSION) throw new RecordingError(`${where}: recording version ${String(h.version)} is not supported (this sockdbg reads version ${RECORDING_VERSION})`);
      header = h;
      return;
    }
    entries.push(checkEntry(v, where));
  });
  if (!header) throw new RecordingError(`${path}: empty file, not a recording`);
  return { header, entries };
}

/** the framing of a recorded lane */
export function laneFramingOf(h: RecordingHeader, lane: Lane): string {
  return h.laneFraming?.[lane] ?? h.framing;
}

/** the bytes of one lane of one pair, and its chunk boundaries */
export function laneData(rec: Recording, pair: string, lane: Lane): Buffer[] {
  return rec.entries.filter((e): e is Extract<RecordEntry, { type: 'data' }> => e.type === 'data' && e.pair === pair && e.lane === lane).map((e) => Buffer.from(e.b64, 'base64'));
}
