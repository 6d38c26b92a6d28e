/**
 * Chunk boundaries for the CLI: which received chunks (one per recv()) carried each frame. A frame is sticky when a
 * chunk it came in also carried bytes of another frame (黏包), split when its bytes came in several chunks.
 */
import type { ChunkInfo } from '../output';

/** most chunks kept per connection while waiting for frames (a 16 MiB frame in 4 KiB chunks) */
const MAX_OPEN_CHUNKS = 4096;

interface Span {
  seq: number;
  start: number;
  end: number;
}

/** Per connection, the incoming chunks not yet wholly consumed by frames (a chunk is seen before its frames). */
export class ChunkTracker {
  private readonly spans = new Map<string, Span[]>();

  chunk(id: string, seq: number, offset: number, length: number): void {
    let list = this.spans.get(id);
    if (!list) this.spans.set(id, (list = []));
    list.push({ seq, start: offset, end: offset + length });
    // bytes no frame will claim (after a framing error) must not pile up
    if (list.length > MAX_OPEN_CHUNKS) list.shift();
  }

  /** The chunk info of the frame at stream offsets [start, end); undefined when its chunks were not seen. */
  frame(id: string, start: number, end: number): ChunkInfo | undefined {
    const list = this.spans.get(id);
    if (!list) return undefined;
    // chunks wholly before this frame carry no more frames
    while (list.length > 0 && list[0].end <= start) list.shift();
    const hit = list.filter((c) => c.start < end && c.end > start);
    if (hit.length === 0) return undefined;
    const first = hit[0];
    const last = hit[hit.length - 1];
    return { chunks: hit.map((c) => c.seq), sticky: first.start < start || last.end > end, split: hit.length > 1 };
  }

  forget(id: string): void {
    this.spans.delete(id);
  }
}
