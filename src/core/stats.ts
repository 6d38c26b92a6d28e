/**
 * Per-connection counters and rates. Counting is a few additions per chunk; rates come from
 * per-second buckets that are only rotated when something is counted or a rate is read.
 */
import type { ConnectionStats } from './types';

/** seconds of history kept for rates: the current second plus the previous WINDOW-1 */
const WINDOW = 4;

/** bytes per second over the last few seconds, from per-second buckets */
export class RateMeter {
  private readonly buckets = new Float64Array(WINDOW);
  private second = -1; // the second (epoch s) the last bucket write belongs to
  private first = -1; // epoch ms of the first sample

  add(bytes: number, nowMs: number): void {
    const s = Math.floor(nowMs / 1000);
    if (s !== this.second) this.advance(s);
    if (this.first < 0) this.first = nowMs;
    this.buckets[s % WINDOW] += bytes;
  }

  /** bytes per second over the window ending now (0 when nothing happened in the window) */
  rate(nowMs: number): number {
    if (this.first < 0) return 0;
    const s = Math.floor(nowMs / 1000);
    if (s !== this.second) this.advance(s);
    let sum = 0;
    for (let i = 0; i < WINDOW; i++) sum += this.buckets[i];
    if (sum === 0) return 0;
    // the window covers WINDOW-1 whole seconds plus the elapsed part of the current one,
    // but not more than the time since the first sample
    const windowStart = (s - (WINDOW - 1)) * 1000;
    const since = Math.max(windowStart, this.first);
    const elapsed = Math.max(nowMs - since, 1000 / 4); // never divide by less than 250 ms
    return (sum * 1000) / elapsed;
  }

  private advance(s: number): void {
    if (this.second < 0 || s - this.second >= WINDOW || s < this.second) {
      this.buckets.fill(0);
    } else {
      for (let t = this.second + 1; t <= s; t++) this.buckets[t % WINDOW] = 0;
    }
    this.second = s;
  }
}

export class ConnectionCounters {
  bytesIn = 0;
  bytesOut = 0;
  framesIn = 0;
  framesOut = 0;
  chunksIn = 0;
  chunksOut = 0;
  lastActivity = 0;
  /** datagrams the kernel dropped (UDP socket) */
  dropsIn = 0;
  private meterIn?: RateMeter;
  private meterOut?: RateMeter;

  /** an incoming chunk of n bytes at time t (epoch ms) */
  addIn(n: number, t: number): void {
    this.bytesIn += n;
    this.chunksIn++;
    this.lastActivity = t;
    (this.meterIn ??= new RateMeter()).add(n, t);
  }

  addOut(n: number, t: number): void {
    this.bytesOut += n;
    this.chunksOut++;
    this.lastActivity = t;
    (this.meterOut ??= new RateMeter()).add(n, t);
  }

  /** back to zero (what the user resets; stream offsets and history are not counters and stay) */
  reset(): void {
    this.bytesIn = this.bytesOut = this.framesIn = this.framesOut = this.chunksIn = this.chunksOut = 0;
    this.lastActivity = 0;
    this.meterIn = undefined;
    this.meterOut = undefined;
  }

  snapshot(nowMs: number = Date.now()): ConnectionStats {
    const s: ConnectionStats = {
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      chunksIn: this.chunksIn,
      rateIn: this.meterIn ? this.meterIn.rate(nowMs) : 0,
      rateOut: this.meterOut ? this.meterOut.rate(nowMs) : 0,
      lastActivity: Math.floor(this.lastActivity),
    };
    if (this.dropsIn > 0) s.dropsIn = this.dropsIn;
    return s;
  }
}

/** epoch ms with sub-millisecond precision */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
