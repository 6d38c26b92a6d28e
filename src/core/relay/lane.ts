/**
 * One lane of a TCP relay pair: reads from its source socket, reports chunks and frames, applies the lane's faults
 * and writes to its destination with backpressure (a destination that stops reading pauses the source).
 */
import type { Socket } from 'node:net';
import { asFramingFailure, createFrameDecoder, type FrameDecoder } from '../framing';
import { emptyCounters, type Lane, type LaneCounters, type RelayEvent } from './types';
import type { LaneShaper } from './faults';
import { PieceQueue } from './pieces';

/** the pair as a lane sees it */
export interface LaneHost {
  readonly id: string;
  fire(e: RelayEvent): void;
  /** bytes that may still be forwarded (both lanes) before the reset-after fault; Infinity without one */
  resetAllowance(): number;
  /** the reset-after budget is spent: reset both peers once `flushed` resolves */
  resetNow(flushed: Promise<void>): void;
  /** a reset is on its way: no lane sends FIN any more */
  readonly resetting: boolean;
  /** the lane wrote FIN to its destination */
  laneFinished(lane: Lane): void;
}

export interface LaneOptions {
  shaper?: LaneShaper;
  drop: boolean;
  /** send FIN on this lane after this many bytes forwarded */
  halfCloseAfter?: number;
  framing: string;
  maxFrameSize: number;
}

/** the queued bytes (faults delaying a lane) above which the source is paused, and below which it resumes */
export const LANE_HIGH_WATER = 1024 * 1024;
export const LANE_LOW_WATER = 256 * 1024;

export class TcpLane {
  readonly counters: LaneCounters = emptyCounters();
  private readonly pieces: PieceQueue;
  private pausedByUs = false;
  private sourceEnded = false;
  private finished = false;
  /** drop, or past a half-close: further bytes are counted and discarded */
  private discarding: boolean;
  private readonly decoder: FrameDecoder | undefined;
  /** the source stream offset of the next source byte written or discarded (injected bytes are not counted) */
  private sourceOut = 0;

  constructor(
    private readonly host: LaneHost,
    readonly lane: Lane,
    private readonly src: Socket,
    private readonly dst: Socket,
    private opts: LaneOptions,
  ) {
    this.discarding = opts.drop;
    this.decoder = opts.framing === 'raw' ? undefined : createFrameDecoder(opts.framing, { maxFrameSize: opts.maxFrameSize });
    if (opts.shaper) dst.setNoDelay(true);
    this.pieces = new PieceQueue(opts.shaper, {
      write: (piece, injected) => this.forward(piece, injected),
      writable: () => !this.dst.destroyed,
      blocked: () => this.awaitDrain(),
      pumped: () => this.pumped(),
    });
  }

  start(): void {
    this.src.on('data', (chunk: Buffer) => this.onData(chunk));
    this.src.on('end', () => this.onEnd());
    if (this.opts.halfCloseAfter === 0) this.halfClose();
  }

  /**
   * New faults from now on (Set Faults on a running relay): later reads are shaped by `o`; what is queued keeps its
   * schedule; a half-close offset counts from the lane's first byte, as at the start.
   */
  reshape(o: Pick<LaneOptions, 'shaper' | 'drop' | 'halfCloseAfter'>): void {
    if (this.opts.shaper?.merging !== undefined) this.pieces.flushMerge();
    const past = this.opts.halfCloseAfter !== undefined && this.counters.bytesOut >= this.opts.halfCloseAfter;
    this.opts = { framing: this.opts.framing, maxFrameSize: this.opts.maxFrameSize, drop: o.drop, ...(o.shaper ? { shaper: o.shaper } : {}), ...(o.halfCloseAfter !== undefined ? { halfCloseAfter: o.halfCloseAfter } : {}) };
    this.pieces.setShaper(o.shaper);
    this.discarding = o.drop || past || this.finished;
    if (o.shaper) this.dst.setNoDelay(true);
    if (o.halfCloseAfter !== undefined && this.counters.bytesOut >= o.halfCloseAfter && !this.finished) this.halfClose();
  }

  get isHeld(): boolean {
    return this.pieces.isHeld;
  }

  /** the lane sent FIN to its destination */
  get isFinished(): boolean {
    return this.finished;
  }

  /** bytes waiting in the lane (faults, hold) */
  get pending(): number {
    return this.pieces.pending;
  }

  private onData(chunk: Buffer): void {
    const offset = this.counters.bytesIn;
    this.counters.bytesIn += chunk.length;
    this.counters.chunksIn++;
    this.host.fire({ type: 'chunk', pair: this.host.id, lane: this.lane, offset, data: chunk, time: Date.now() });
    this.decode(chunk);
    if (this.discarding) {
      this.sourceOut += chunk.length;
      this.discard(chunk.length, offset);
      return;
    }
    this.pieces.push(chunk, offset);
    this.checkHighWater();
  }

  private checkHighWater(): void {
    if (this.pending > LANE_HIGH_WATER && !this.pausedByUs) {
      this.pausedByUs = true;
      this.src.pause();
    }
  }

  private awaitDrain(): void {
    if (!this.pausedByUs) {
      this.pausedByUs = true;
      this.src.pause();
    }
    this.dst.once('drain', () => this.pieces.drained());
  }

  private pumped(): void {
    if (this.pausedByUs && !this.pieces.isHeld && this.pending < LANE_LOW_WATER) {
      this.pausedByUs = false;
      this.src.resume();
    }
    if (this.sourceEnded && this.pieces.merging === 0) this.finish();
  }

  /** writes a piece, cut where a half-close or reset budget ends; false when the destination asks to wait */
  private forward(data: Buffer, injected = false): boolean {
    const source = this.sourceOut;
    if (!injected) this.sourceOut += data.length;
    if (this.discarding) {
      this.discard(data.length);
      return true;
    }
    const halfLeft = this.opts.halfCloseAfter !== undefined ? this.opts.halfCloseAfter - this.counters.bytesOut : Infinity;
    const allowance = Math.min(halfLeft, this.host.resetAllowance());
    const piece = data.length > allowance ? data.subarray(0, allowance) : data;
    let ok = true;
    let flushed: Promise<void> = Promise.resolve();
    if (piece.length > 0) {
      const offset = this.counters.bytesOut;
      this.counters.bytesOut += piece.length;
      this.counters.piecesOut++;
      this.host.fire({ type: 'piece', pair: this.host.id, lane: this.lane, offset, size: piece.length, ...(injected ? { injected: true as const, data: piece, at: source } : { source }), time: Date.now() });
      flushed = new Promise((resolve) => {
        ok = this.dst.write(piece, () => resolve());
      });
    }
    if (piece.length === allowance && allowance !== Infinity) {
      const rest = data.length - piece.length;
      if (halfLeft <= allowance) {
        this.halfClose();
        if (rest > 0) this.discard(rest);
      } else {
        if (rest > 0) this.discard(rest);
        this.host.resetNow(flushed);
      }
      return true;
    }
    return ok;
  }

  private discard(bytes: number, offset?: number): void {
    this.counters.dropped += bytes;
    this.host.fire({ type: 'fault', pair: this.host.id, lane: this.lane, action: 'drop', ...(offset !== undefined ? { offset } : {}), bytes, time: Date.now() });
  }

  private decode(chunk: Buffer): void {
    const d = this.decoder;
    if (!d || d.failed) return;
    const base = d.offset;
    try {
      for (const f of d.push(chunk)) this.frame(f.payload, f.start, f.end, f.header);
    } catch (err) {
      const failure = asFramingFailure(err);
      for (const f of failure.frames) this.frame(f.payload, f.start, f.end, f.header);
      const offset = failure.offset;
      this.host.fire({
        type: 'framing-error',
        pair: this.host.id,
        lane: this.lane,
        code: failure.code,
        ...(offset !== undefined ? { offset } : {}),
        message: `pair ${this.host.id} ${this.lane}: ${failure.message}${offset !== undefined ? ` (stream offset ${offset})` : ` (after stream offset ${base})`}`,
        time: Date.now(),
      });
    }
  }

  private frame(payload: Buffer, start: number, end: number, header: Record<string, unknown> | undefined): void {
    this.counters.frames++;
    this.host.fire({ type: 'frame', pair: this.host.id, lane: this.lane, start, end, payload, ...(header ? { header } : {}), time: Date.now() });
  }

  private onEnd(): void {
    this.sourceEnded = true;
    this.host.fire({ type: 'end', pair: this.host.id, lane: this.lane, offset: this.counters.bytesIn, time: Date.now() });
    this.reportUnfinished();
    this.pieces.flushMerge();
    if (this.pieces.idle && !this.pieces.isHeld) this.finish();
  }

  /** an incomplete frame when the lane ends is reported, never dropped silently */
  reportUnfinished(): void {
    const d = this.decoder;
    if (!d || d.failed || d.buffered === 0) return;
    const offset = d.offset - d.buffered;
    const bytes = d.flush().length;
    this.host.fire({ type: 'unfinished', pair: this.host.id, lane: this.lane, offset, bytes, time: Date.now() });
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (!this.dst.destroyed && !this.dst.writableEnded && !this.host.resetting) this.dst.end();
    this.host.laneFinished(this.lane);
  }

  /** FIN on this lane now; the source's further bytes are counted and discarded */
  halfClose(): void {
    if (this.discarding && this.finished) return;
    this.discarding = true;
    this.host.fire({ type: 'fault', pair: this.host.id, lane: this.lane, action: 'half-close', offset: this.counters.bytesOut, time: Date.now() });
    this.finish();
  }

  /** stops writing until release(); reading goes on until the lane's queue is full, then the source is paused */
  hold(): void {
    this.pieces.hold();
  }

  release(): void {
    this.pieces.release();
  }

  /** writes `data` to the destination after what is already queued (no faults applied) */
  inject(data: Buffer): void {
    this.pieces.inject(data);
  }

  /** the lane's pair is gone: queued bytes count as dropped */
  dispose(): void {
    const left = this.pieces.dispose();
    if (left > 0) this.counters.dropped += left;
  }
}
