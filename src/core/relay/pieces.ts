/**
 * The fault pipeline's scheduler, shared by relay lanes and by connections that carry a fault plan: bytes pushed in
 * are merged, cut into pieces and held until their time (LaneShaper), then handed to a writer one piece at a time
 * with backpressure. Datagram mode keeps each push whole (only delay, jitter and rate act).
 */
import { performance } from 'node:perf_hooks';
import { timerUntil, type LaneShaper } from './faults';

export interface PieceHooks {
  /** writes a piece; false when the destination asks to wait (call `drained()` once it has drained) */
  write(piece: Buffer, injected: boolean): boolean;
  /** false while nothing may be written (the destination is gone) */
  writable(): boolean;
  /** a write returned false: arrange for `drained()` */
  blocked(): void;
  /** a pump ran to its end: the queue is empty or waiting for a piece's time */
  pumped(): void;
}

interface Queued {
  data: Buffer;
  /** performance.now() ms before which it is not written */
  at: number;
  injected: boolean;
}

export class PieceQueue {
  private readonly queue: Queued[] = [];
  private queued = 0;
  private held = false;
  private waiting = false;
  private timer: NodeJS.Timeout | undefined;
  private nextReady = 0;
  private mergeBuf: Buffer[] = [];
  private mergeBytes = 0;
  private mergeOffset = 0;
  private mergeTimer: NodeJS.Timeout | undefined;

  constructor(
    private shaper: LaneShaper | undefined,
    private readonly hooks: PieceHooks,
    private readonly datagrams = false,
  ) {}

  /** new faults for what is pushed from now on; what is queued keeps its schedule (merge first: flushMerge) */
  setShaper(shaper: LaneShaper | undefined): void {
    this.shaper = shaper;
  }

  /** bytes waiting (queued, merging) */
  get pending(): number {
    return this.queued + this.mergeBytes;
  }

  /** pieces (datagrams) waiting */
  get count(): number {
    return this.queue.length;
  }

  get isHeld(): boolean {
    return this.held;
  }

  /** nothing queued, merging or waiting for the destination to drain */
  get idle(): boolean {
    return this.queue.length === 0 && this.mergeBytes === 0 && !this.waiting;
  }

  get merging(): number {
    return this.mergeBytes;
  }

  /** bytes read (or sent) at stream offset `offset`: merged, cut and scheduled by the shaper */
  push(data: Buffer, offset: number): void {
    const mergeMs = this.datagrams ? undefined : this.shaper?.merging;
    if (mergeMs === undefined) {
      this.enqueue(data, offset, performance.now());
      return;
    }
    if (this.mergeBuf.length === 0) {
      this.mergeOffset = offset;
      this.mergeTimer = setTimeout(() => this.flushMerge(), mergeMs);
    }
    this.mergeBuf.push(data);
    this.mergeBytes += data.length;
    if (this.mergeBytes >= 64 * 1024) this.flushMerge();
  }

  /** writes what is being merged now (the window ended, or the stream did) */
  flushMerge(): void {
    if (this.mergeTimer) clearTimeout(this.mergeTimer);
    this.mergeTimer = undefined;
    if (this.mergeBuf.length === 0) return;
    const data = this.mergeBuf.length === 1 ? this.mergeBuf[0] : Buffer.concat(this.mergeBuf);
    this.mergeBuf = [];
    this.mergeBytes = 0;
    this.enqueue(data, this.mergeOffset, performance.now());
  }

  private enqueue(data: Buffer, offset: number, arrival: number): void {
    const shaper = this.shaper;
    const at = shaper ? shaper.readAt(arrival) : arrival;
    for (const piece of shaper && !this.datagrams ? shaper.cut(data, offset) : [data]) this.queue.push({ data: piece, at, injected: false });
    this.queued += data.length;
    this.pump();
  }

  /** written after what is already queued, whole and without faults */
  inject(data: Buffer): void {
    this.queue.push({ data, at: 0, injected: true });
    this.queued += data.length;
    this.pump();
  }

  /** stops writing until release() */
  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    this.pump();
  }

  /** the destination drained after a write returned false */
  drained(): void {
    this.waiting = false;
    this.pump();
  }

  pump(): void {
    if (this.timer || this.waiting || this.held || !this.hooks.writable()) return;
    while (this.queue.length > 0) {
      const head = this.queue[0];
      this.timer = head.injected
        ? undefined
        : timerUntil(Math.max(head.at, this.nextReady), () => {
            this.timer = undefined;
            this.pump();
          });
      if (this.timer) return;
      this.queue.shift();
      this.queued -= head.data.length;
      const ok = this.hooks.write(head.data, head.injected);
      if (this.shaper && !head.injected) this.nextReady = this.shaper.nextAfter(performance.now(), head.data.length);
      if (!ok) {
        this.waiting = true;
        this.hooks.blocked();
        return;
      }
    }
    this.hooks.pumped();
  }

  /** stops for good: timers cleared, what waits is discarded; returns the discarded byte count */
  dispose(): number {
    if (this.timer) clearTimeout(this.timer);
    if (this.mergeTimer) clearTimeout(this.mergeTimer);
    this.timer = undefined;
    this.mergeTimer = undefined;
    const left = this.pending;
    this.queue.length = 0;
    this.queued = 0;
    this.mergeBuf = [];
    this.mergeBytes = 0;
    return left;
  }
}
