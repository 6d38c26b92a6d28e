/**
 * Sending one message whose body arrives in pieces (a file): the frame's head, the body piece by piece, the tail.
 * Each piece is written once the socket has taken the previous one (backpressure: a 1 GB file never sits in
 * memory), recorded as an outgoing chunk, and one outgoing frame is recorded at the end with the body's first bytes.
 */
import type { FrameRecord, StreamResult } from '../types';
import { SocketError } from '../errors';

/** One message sent in pieces (Connection.sendStream): the frame's head and tail around a streamed body. */
export interface OutgoingStream {
  readonly head: Buffer;
  readonly body: AsyncIterable<Buffer>;
  readonly tail: Buffer;
  /** the body's length, announced by the head: a body that turns out longer or shorter fails the send */
  readonly bodyLength: number;
  readonly header?: Record<string, unknown>;
  /** UDP: the destination */
  readonly to?: { address: string; port: number };
  /** checked after each piece: the message is left unfinished (recorded as an incomplete outgoing frame) */
  readonly signal?: AbortSignal;
  /** body bytes written so far, after each piece */
  progress?(bodyBytes: number): void;
}

/** the first bytes of a streamed body its outgoing frame record keeps (what the composer shows of it) */
export const STREAM_PREVIEW_BYTES = 64 * 1024;

/** what a stream socket offers a streamed send */
export interface StreamSink {
  readonly id: string;
  readonly label: string;
  recordOutChunk(wire: Buffer): number;
  recordOutFrame(f: Omit<FrameRecord, 'seq' | 'direction' | 'time'>): void;
  /** writes and resolves once the socket has taken the bytes (rejects when it cannot) */
  write(wire: Buffer): Promise<void>;
}

function bodyLengthError(sinks: readonly StreamSink[], got: string, expected: number, offset: number): SocketError {
  const who = sinks.map((k) => `${k.id} (${k.label})`).join(', ');
  return new SocketError('EFILECHANGED', `${who}: the file ${got} while it was being sent (announced ${expected} bytes) at body offset ${offset}; the peer has an unfinished frame`);
}

/**
 * Streams `s` to every sink (one socket, or each open client of a server): head, body pieces, tail. Records one
 * outgoing frame per sink at the end, incomplete when the send was canceled or failed part way.
 */
export async function streamTo(sinks: readonly StreamSink[], s: OutgoingStream): Promise<StreamResult> {
  const starts: Array<number | undefined> = sinks.map(() => undefined);
  let wire = 0;
  const put = async (b: Buffer): Promise<void> => {
    if (b.length === 0) return;
    await Promise.all(
      sinks.map((k, i) => {
        const at = k.recordOutChunk(b);
        starts[i] ??= at;
        return k.write(b);
      }),
    );
    wire += b.length;
  };
  const preview: Buffer[] = [];
  let kept = 0;
  let n = 0;
  let canceled = false;
  let finished = false;
  try {
    await put(s.head);
    for await (const piece of s.body) {
      if (n + piece.length > s.bodyLength) throw bodyLengthError(sinks, 'grew', s.bodyLength, s.bodyLength);
      await put(piece);
      n += piece.length;
      if (kept < STREAM_PREVIEW_BYTES) {
        const take = piece.subarray(0, STREAM_PREVIEW_BYTES - kept);
        preview.push(Buffer.from(take));
        kept += take.length;
      }
      s.progress?.(n);
      if (s.signal?.aborted) {
        canceled = true;
        break;
      }
    }
    if (!canceled && n !== s.bodyLength) throw bodyLengthError(sinks, 'shrank', s.bodyLength, n);
    if (!canceled) await put(s.tail);
    finished = !canceled;
  } finally {
    const payload = Buffer.concat(preview);
    sinks.forEach((k, i) => {
      const start = starts[i];
      if (start === undefined) return; // nothing went out
      k.recordOutFrame({
        start,
        end: start + wire,
        payload,
        ...(n !== payload.length ? { payloadLength: n } : {}),
        ...(s.header ? { header: s.header } : {}),
        ...(finished ? {} : { incomplete: true as const }),
      });
    });
  }
  return { bodyBytes: n, canceled };
}

/** Datagram kinds: the body gathered (a datagram is small: the caller checks its size first) and sent as one message. */
export async function gatherAndSend(conn: { send(msg: { wire: Buffer; payload: Buffer; header?: Record<string, unknown>; to?: { address: string; port: number } }): Promise<void> }, s: OutgoingStream): Promise<StreamResult> {
  const pieces: Buffer[] = [];
  let n = 0;
  for await (const piece of s.body) {
    if (s.signal?.aborted) return { bodyBytes: 0, canceled: true };
    pieces.push(piece);
    n += piece.length;
  }
  const payload = Buffer.concat(pieces);
  await conn.send({ wire: Buffer.concat([s.head, payload, s.tail]), payload, ...(s.header ? { header: s.header } : {}), ...(s.to ? { to: s.to } : {}) });
  s.progress?.(n);
  return { bodyBytes: n, canceled: false };
}
