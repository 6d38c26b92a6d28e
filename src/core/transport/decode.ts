/**
 * One way to turn a connection's incoming bytes into frames, used both live (as chunks arrive) and to re-decode the
 * recorded chunks: stream offsets, datagram boundaries (each datagram decoded on its own), framing failures and the
 * bytes of an unfinished frame are handled here once.
 */
import { asFramingFailure, createFrameDecoder, type DecodedFrame, type FrameDecoder, type FramingFailure } from '../framing';

/** receives each completed frame with absolute stream offsets [start, end) */
export type FrameSink = (payload: Buffer, start: number, end: number, header: Record<string, unknown> | undefined) => void;

/** bytes of a frame that did not finish: where it started and what had arrived */
export interface UnfinishedFrame {
  offset: number;
  bytes: Buffer;
}

export interface FeedResult {
  /** the framing failed at this push (frames completed before the failure were emitted) */
  failure?: FramingFailure;
  /** the stream offset the failure's relative offset counts from */
  failureBase?: number;
  /** datagrams: the bytes of a frame the datagram ended inside */
  unfinished?: UnfinishedFrame;
}

/**
 * A decoder with the stream offset of its first byte. Datagram streams start a fresh decoder for every datagram;
 * byte streams keep one until it fails (then `failed` is set and nothing more is decoded).
 */
export class StreamDecoding {
  private dec?: FrameDecoder;
  /** stream offset of the decoder's first byte */
  private base: number;
  failed = false;

  constructor(
    private readonly spec: string,
    private readonly maxFrameSize: number,
    private readonly datagrams: boolean,
    base: number,
  ) {
    this.base = base;
  }

  /** bytes held for an unfinished frame */
  get buffered(): number {
    return this.dec?.buffered ?? 0;
  }

  /** stream offset just after the last byte fed */
  get end(): number {
    return this.base + (this.dec?.offset ?? 0);
  }

  /** stream offset of the unfinished frame's first byte */
  get unfinishedOffset(): number {
    const d = this.dec;
    return d ? this.base + d.offset - d.buffered : this.base;
  }

  /**
   * Feeds the bytes at stream offset `offset`; `emit` gets each completed frame with stream offsets. A datagram
   * stream restarts at every datagram (`offset` not where the last one ended, or a frame left unfinished).
   */
  feed(offset: number, data: Buffer, emit: FrameSink): FeedResult {
    if (this.failed) return {};
    if (this.datagrams && this.dec && offset !== this.end) this.restart(offset);
    if (!this.dec) {
      this.dec = createFrameDecoder(this.spec, { maxFrameSize: this.maxFrameSize });
      this.base = offset;
    }
    const base = this.base;
    let frames: DecodedFrame[];
    try {
      frames = this.dec.push(data);
    } catch (err) {
      const f = asFramingFailure(err);
      for (const fr of f.frames) emit(fr.payload, base + fr.start, base + fr.end, fr.header);
      if (this.datagrams) this.restart(offset + data.length);
      else {
        this.dec = undefined;
        this.failed = true;
      }
      return { failure: f, failureBase: base };
    }
    for (let i = 0; i < frames.length; i++) {
      const fr = frames[i];
      emit(fr.payload, base + fr.start, base + fr.end, fr.header);
    }
    if (this.datagrams && this.dec.buffered > 0) {
      const unfinished = this.takeUnfinished();
      this.restart(offset + data.length);
      return unfinished ? { unfinished } : {};
    }
    return {};
  }

  /** the bytes of the unfinished frame (if any); the decoder starts afresh after them */
  takeUnfinished(): UnfinishedFrame | undefined {
    const d = this.dec;
    if (!d || d.buffered === 0) return undefined;
    const offset = this.unfinishedOffset;
    const end = this.end;
    const bytes = d.flush();
    this.dec = undefined;
    this.base = end;
    return { offset, bytes };
  }

  /** forget everything held; decoding restarts at `offset` */
  restart(offset: number): void {
    this.dec = undefined;
    this.base = offset;
  }

  /** stops decoding (e.g. an unfinished frame was given up to free memory) */
  fail(): void {
    this.dec = undefined;
    this.failed = true;
  }
}
