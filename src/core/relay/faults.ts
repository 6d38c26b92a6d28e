/**
 * Fault injection for a relay lane or a connection's sends: the options, their command-line spellings (parsed here
 * so every front end accepts the same text), and the shaper that cuts a lane's bytes into pieces and says when each
 * may be written (relay/pieces.ts schedules them).
 */
import { performance } from 'node:perf_hooks';
import type { Lane } from './types';
import { createRng, type Rng } from './prng';

/** how a lane's bytes are cut into the pieces written to the destination */
export type ChunkMode =
  | { kind: 'fixed'; size: number }
  | { kind: 'random'; min: number; max: number }
  /** cut at these stream offsets of the lane (ascending) */
  | { kind: 'split'; offsets: number[] }
  /** consecutive reads arriving within `windowMs` of the first are written as one piece */
  | { kind: 'merge'; windowMs: number };

export interface FaultOptions {
  chunk?: ChunkMode;
  /** seed of the random choices (random chunk sizes, jitter); default: a random seed, reported */
  seed?: number;
  /** each read is held `ms` ± `jitter` ms (order is kept) */
  delay?: { ms: number; jitter: number };
  /** `bytes` bytes every `everyMs` ms */
  drip?: { bytes: number; everyMs: number };
  /** bandwidth cap in bytes per second */
  rate?: number;
  /** least time between two pieces of a cut read, so that the receiver's recv() returns them apart (default 2 ms) */
  gapMs?: number;
  /** the lanes the shaping faults (chunk, delay, drip, rate) act on (default both) */
  lanes?: Lane[];
  /** after this many bytes forwarded (both lanes together), both peers get a reset (RST) */
  resetAfter?: number;
  /** after `after` bytes forwarded on `lane`, the relay sends FIN on it and discards the lane's further bytes */
  halfClose?: { lane: Lane; after: number };
  /** lanes whose data is discarded (counted) */
  drop?: Lane[];
}

export const DEFAULT_GAP_MS = 2;

export class FaultSpecError extends Error {
  readonly code = 'BAD_FAULT_SPEC';
  constructor(message: string) {
    super(message);
    this.name = 'FaultSpecError';
  }
}

function wholeNumber(text: string, what: string, min: number): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < min) {
    throw new FaultSpecError(`${what} must be a whole number ≥ ${min}, got '${text}'`);
  }
  return Number(text);
}

/** `N` | `random:A-B` | `split:K[,K…]` | `merge[:MS]` */
export function parseChunkSpec(text: string): ChunkMode {
  const [kind, rest] = text.includes(':') ? [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)] : [text, undefined];
  if (/^\d+$/.test(text)) return { kind: 'fixed', size: wholeNumber(text, 'chunk size', 1) };
  if (kind === 'random' && rest !== undefined) {
    const m = /^(\d+)-(\d+)$/.exec(rest);
    if (!m) throw new FaultSpecError(`random chunk sizes are written random:A-B, got '${text}'`);
    const min = wholeNumber(m[1], 'A', 1);
    const max = wholeNumber(m[2], 'B', 1);
    if (max < min) throw new FaultSpecError(`in random:A-B, B must be ≥ A, got '${text}'`);
    return { kind: 'random', min, max };
  }
  if (kind === 'split' && rest !== undefined) {
    const offsets = rest.split(',').map((o) => wholeNumber(o, 'split offset', 1));
    for (let i = 1; i < offsets.length; i++) {
      if (offsets[i] <= offsets[i - 1]) throw new FaultSpecError(`split offsets must ascend, got '${text}'`);
    }
    return { kind: 'split', offsets };
  }
  if (kind === 'merge') return { kind: 'merge', windowMs: rest === undefined ? 20 : wholeNumber(rest, 'merge window (ms)', 1) };
  throw new FaultSpecError(`chunk must be N, random:A-B, split:K[,K…] or merge[:MS], got '${text}'`);
}

/** `MS` | `MS:JITTER` */
export function parseDelaySpec(text: string): { ms: number; jitter: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(text);
  if (!m) throw new FaultSpecError(`delay is written MS or MS:JITTER (milliseconds), got '${text}'`);
  const ms = wholeNumber(m[1], 'delay', 0);
  const jitter = m[2] === undefined ? 0 : wholeNumber(m[2], 'jitter', 0);
  return { ms, jitter };
}

/** `BYTES/MS` */
export function parseDripSpec(text: string): { bytes: number; everyMs: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m) throw new FaultSpecError(`drip is written BYTES/MS (e.g. 1/10: one byte every 10 ms), got '${text}'`);
  return { bytes: wholeNumber(m[1], 'drip bytes', 1), everyMs: wholeNumber(m[2], 'drip interval (ms)', 1) };
}

export function parseLane(text: string): Lane {
  if (text === 'c2s' || text === 's2c') return text;
  throw new FaultSpecError(`a lane is c2s (client → server) or s2c (server → client), got '${text}'`);
}

/** `c2s` | `s2c` | `both` */
export function parseLanes(text: string): Lane[] {
  return text === 'both' ? ['c2s', 's2c'] : [parseLane(text)];
}

/** `LANE:N` (FIN on LANE after N bytes) or `LANE` (at once) */
export function parseHalfCloseSpec(text: string): { lane: Lane; after: number } {
  const [lane, n] = text.split(':');
  return { lane: parseLane(lane), after: n === undefined ? 0 : wholeNumber(n, 'half-close offset', 0) };
}

export function parseByteCount(text: string, what: string, min = 1): number {
  return wholeNumber(text, what, min);
}

/** whether any fault that reshapes or delays a lane's bytes is asked for on `lane` (no lane: a connection's sends) */
export function shapes(faults: FaultOptions | undefined, lane?: Lane): boolean {
  if (!faults) return false;
  if (lane !== undefined && faults.lanes && !faults.lanes.includes(lane)) return false;
  return faults.chunk !== undefined || faults.delay !== undefined || faults.drip !== undefined || faults.rate !== undefined;
}

/** Cuts one lane's reads into pieces and computes when each piece may be written. */
export class LaneShaper {
  private lastAt = 0;
  /** the next drawn cut point (fixed and random modes) */
  private nextCut: number | undefined;
  private rateFree = 0;
  readonly gapMs: number;
  /** jitter draws come from their own stream, so that the number of reads never shifts the cut points */
  private readonly jitterRng: Rng;

  constructor(
    private readonly faults: FaultOptions,
    private readonly rng: Rng,
  ) {
    this.gapMs = faults.gapMs ?? DEFAULT_GAP_MS;
    this.jitterRng = createRng(rng.int(0, 0xffffffff));
  }

  get merging(): number | undefined {
    return this.faults.chunk?.kind === 'merge' ? this.faults.chunk.windowMs : undefined;
  }

  /**
   * The pieces of a read that starts at stream offset `offset`. The cut points are stream offsets drawn from the
   * chunk mode alone (every N bytes; random steps of A–B bytes; the split offsets), so a seed cuts a stream at the
   * same places however the sender's stack delivered it; a piece also ends where the read ends (bytes are never held
   * back waiting for more).
   */
  cut(data: Buffer, offset: number): Buffer[] {
    const sizes: number[] = [];
    const end = offset + data.length;
    let at = offset;
    for (let k = this.cutAfter(at); k !== undefined && k < end; k = this.cutAfter(k)) {
      sizes.push(k - at);
      at = k;
    }
    sizes.push(end - at);
    // a drip cuts to its byte count, a rate cap to 50 ms worth of bytes, so that both stay smooth
    const caps = [this.faults.drip?.bytes, this.faults.rate !== undefined ? Math.max(1, Math.floor(this.faults.rate / 20)) : undefined];
    const cap = Math.min(...caps.map((c) => c ?? Infinity));
    const pieces: Buffer[] = [];
    let pos = 0;
    for (const s of sizes) {
      const step = Number.isFinite(cap) ? cap : s;
      for (let i = 0; i < s; i += step) pieces.push(data.subarray(pos + i, pos + Math.min(s, i + step)));
      pos += s;
    }
    return pieces;
  }

  /** the first cut point after stream offset `at`, if any */
  private cutAfter(at: number): number | undefined {
    const c = this.faults.chunk;
    if (c?.kind === 'split') return c.offsets.find((k) => k > at);
    if (c?.kind !== 'fixed' && c?.kind !== 'random') return undefined;
    const step = (): number => (c.kind === 'fixed' ? c.size : this.rng.int(c.min, c.max));
    this.nextCut ??= step();
    while (this.nextCut <= at) this.nextCut += step();
    return this.nextCut;
  }

  /** the earliest time (performance.now() ms) the read arriving at `arrival` may start being written */
  readAt(arrival: number): number {
    const d = this.faults.delay;
    let at = arrival;
    if (d) at = arrival + Math.max(0, d.ms + (d.jitter > 0 ? this.jitterRng.int(-d.jitter, d.jitter) : 0));
    // order is kept: a read never overtakes the one before it
    at = Math.max(at, this.lastAt);
    this.lastAt = at;
    return at;
  }

  /** the least time between the previous piece written at `prev` and the next piece of `size` bytes */
  nextAfter(prev: number, prevSize: number): number {
    let at = prev;
    if (this.faults.chunk !== undefined) at = Math.max(at, prev + this.gapMs);
    if (this.faults.drip) at = Math.max(at, prev + this.faults.drip.everyMs);
    if (this.faults.rate !== undefined) {
      this.rateFree = Math.max(this.rateFree, prev) + (prevSize * 1000) / this.faults.rate;
      at = Math.max(at, this.rateFree);
    }
    return at;
  }
}

/** a timer calling `fire` at `ready` (performance.now() ms); undefined when that time has come (write now) */
export function timerUntil(ready: number, fire: () => void): NodeJS.Timeout | undefined {
  const now = performance.now();
  return ready > now + 0.5 ? setTimeout(fire, Math.ceil(ready - now)) : undefined;
}

