/** Frame-by-frame comparison of what a recording says a lane carried with what came back on replay. */
import { createFrameDecoder } from '../framing';

export type DiffLine =
  | { frame: number; status: 'same'; offset: number; len: number }
  | { frame: number; status: 'differs'; offset: number; at: number; expected: Buffer; got: Buffer }
  | { frame: number; status: 'missing'; offset: number; expected: Buffer }
  | { frame: number; status: 'extra'; offset: number; got: Buffer };

interface Framed {
  payload: Buffer;
  start: number;
}

/** frames of a stream: with raw framing, cut where `rawCuts` says (the recorded chunk sizes) */
function frames(stream: Buffer, framing: string, rawCuts: number[]): { frames: Framed[]; rest: Buffer } {
  if (framing === 'raw') {
    const out: Framed[] = [];
    let off = 0;
    for (const n of rawCuts) {
      if (off >= stream.length) break;
      out.push({ payload: stream.subarray(off, off + n), start: off });
      off += n;
    }
    return { frames: out, rest: stream.subarray(off) };
  }
  const d = createFrameDecoder(framing);
  let got: Framed[] = [];
  try {
    got = d.push(stream).map((f) => ({ payload: f.payload, start: f.start }));
  } catch {
    // a stream the framing cannot cut: what was decoded before the error is compared, the rest is shown as extra
  }
  const rest = d.flush();
  return { frames: got, rest };
}

/**
 * Compares `expected` (the recorded chunks of a lane) with `got` (the bytes that came back) frame by frame.
 * With raw framing a frame is a recorded chunk, and what came back is cut at the same offsets.
 */
export function diffLane(expectedChunks: Buffer[], got: Buffer, framing: string): { same: boolean; lines: DiffLine[] } {
  const cuts = expectedChunks.map((c) => c.length);
  const exp = frames(Buffer.concat(expectedChunks), framing, cuts);
  const act = frames(got, framing, cuts);
  if (act.rest.length > 0) act.frames.push({ payload: act.rest, start: got.length - act.rest.length });
  if (exp.rest.length > 0) exp.frames.push({ payload: exp.rest, start: Buffer.concat(expectedChunks).length - exp.rest.length });
  return compare(exp.frames, act.frames);
}

/** UDP: datagram by datagram, in order */
export function diffDatagrams(expected: Buffer[], got: Buffer[]): { same: boolean; lines: DiffLine[] } {
  const index = (list: Buffer[]): Framed[] => {
    let off = 0;
    return list.map((payload) => ({ payload, start: (off += payload.length) - payload.length }));
  };
  return compare(index(expected), index(got));
}

function compare(expected: Framed[], got: Framed[]): { same: boolean; lines: DiffLine[] } {
  const lines: DiffLine[] = [];
  const n = Math.max(expected.length, got.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = got[i];
    if (e && a) {
      if (e.payload.equals(a.payload)) {
        lines.push({ frame: i + 1, status: 'same', offset: e.start, len: e.payload.length });
      } else {
        let at = 0;
        while (at < e.payload.length && at < a.payload.length && e.payload[at] === a.payload[at]) at++;
        lines.push({ frame: i + 1, status: 'differs', offset: e.start, at, expected: e.payload, got: a.payload });
      }
    } else if (e) {
      lines.push({ frame: i + 1, status: 'missing', offset: e.start, expected: e.payload });
    } else if (a) {
      lines.push({ frame: i + 1, status: 'extra', offset: a.start, got: a.payload });
    }
  }
  return { same: lines.every((l) => l.status === 'same'), lines };
}
