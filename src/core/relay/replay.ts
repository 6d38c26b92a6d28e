/**
 * Replays one pair of a recording over a live socket: as the client (sends the c2s lane to a server) or as the
 * server (sends the s2c lane to a client). Each recorded chunk is written on its own (TCP_NODELAY, a small gap), and
 * only once the other side has sent as many bytes as it had at that point of the recording, so request/answer
 * protocols replay in step. What comes back is collected for the diff.
 */
import type { Socket } from 'node:net';
import type { Socket as UdpSocket } from 'node:dgram';
import type { Lane } from './types';
import type { Recording } from './record';

export interface ReplayOptions {
  role: 'client' | 'server';
  pair: string;
  /** how long to wait for the other side at each step and at the end (default 5 s) */
  waitMs?: number;
  /** pause between two consecutive chunks of the replayed lane (default 2 ms) */
  gapMs?: number;
}

export interface ReplayResult {
  /** the lane replayed (c2s as client) and the lane compared */
  sentLane: Lane;
  gotLane: Lane;
  sent: number;
  got: Buffer;
  /** the other side sent FIN */
  ended: boolean;
  /** the other side was waited for in vain at some step */
  timedOut: boolean;
  error?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `done()` holds, re-checking whenever the socket handlers call the wake function handed to `setWake`;
 * resolves true when `waitMs` passed first.
 */
async function until(done: () => boolean, waitMs: number, setWake: (w: (() => void) | undefined) => void): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  while (!done()) {
    const left = deadline - Date.now();
    if (left <= 0) return true;
    await new Promise<void>((r) => {
      const t = setTimeout(r, left);
      setWake(() => {
        clearTimeout(t);
        r();
      });
    });
    setWake(undefined);
  }
  return false;
}

export async function replayPair(rec: Recording, socket: Socket, o: ReplayOptions): Promise<ReplayResult> {
  const sentLane: Lane = o.role === 'client' ? 'c2s' : 's2c';
  const gotLane: Lane = sentLane === 'c2s' ? 's2c' : 'c2s';
  const waitMs = o.waitMs ?? 5000;
  const gapMs = o.gapMs ?? 2;
  const parts: Buffer[] = [];
  let gotBytes = 0;
  let ended = false;
  let closed = false;
  let error: string | undefined;
  let wake: (() => void) | undefined;
  const poke = (): void => wake?.();
  socket.setNoDelay(true);
  socket.on('data', (d: Buffer) => {
    parts.push(d);
    gotBytes += d.length;
    poke();
  });
  socket.on('end', () => {
    ended = true;
    poke();
  });
  socket.on('error', (e: NodeJS.ErrnoException) => {
    error = e.code ?? e.message;
    poke();
  });
  socket.on('close', () => {
    closed = true;
    poke();
  });
  let timedOut = false;
  const waitFor = async (bytes: number): Promise<void> => {
    timedOut = (await until(() => gotBytes >= bytes || ended || closed, waitMs, (w) => (wake = w))) || timedOut;
  };
  let expectedGot = 0;
  let sent = 0;
  let previousWasMine = false;
  for (const e of rec.entries) {
    if (e.pair !== o.pair) continue;
    if (e.type === 'data' && e.lane === gotLane) {
      expectedGot += e.len;
      previousWasMine = false;
    } else if (e.type === 'data') {
      await waitFor(expectedGot);
      if (closed) break;
      if (previousWasMine) await sleep(gapMs);
      const chunk = Buffer.from(e.b64, 'base64');
      await new Promise<void>((r) => socket.write(chunk, () => r()));
      sent += chunk.length;
      previousWasMine = true;
    } else if (e.type === 'end' && e.lane === sentLane) {
      await waitFor(expectedGot);
      if (!closed) socket.end();
    }
  }
  await waitFor(expectedGot);
  // a little longer for bytes the recording did not have (extra frames)
  if (!ended && !closed) await sleep(Math.min(200, waitMs));
  socket.destroy();
  return { sentLane, gotLane, sent, got: Buffer.concat(parts), ended, timedOut, ...(error !== undefined ? { error } : {}) };
}

/** the pairs of a recording, in order of opening */
export function recordedPairs(rec: Recording): string[] {
  return rec.entries.filter((e) => e.type === 'open').map((e) => e.pair);
}

export interface UdpReplayResult {
  sent: number;
  /** the datagrams that came back (as the server: from the first client heard), in order */
  got: Buffer[];
  timedOut: boolean;
  /** as the server: the client replayed to, and datagrams from other addresses (ignored) */
  client?: { address: string; port: number };
  ignored?: number;
  error?: string;
}

/**
 * Replays one recorded UDP pair. As the client (`socket` connected to the server): sends the c2s datagrams. As the
 * server (`socket` bound): waits for a client's datagram and answers that address with the s2c datagrams. Each
 * datagram goes only once as many came back as the recording had at that point, and as long after the entry
 * before it as the recording shows (capped at `waitMs`); what comes back is collected for the diff.
 */
export async function replayUdpPair(rec: Recording, socket: UdpSocket, o: { pair: string; waitMs?: number; role?: 'client' | 'server' }): Promise<UdpReplayResult> {
  const waitMs = o.waitMs ?? 5000;
  const server = o.role === 'server';
  const sentLane: Lane = server ? 's2c' : 'c2s';
  const got: Buffer[] = [];
  let client: { address: string; port: number } | undefined;
  let ignored = 0;
  let error: string | undefined;
  let wake: (() => void) | undefined;
  socket.on('message', (m, rinfo) => {
    if (server) {
      client ??= { address: rinfo.address, port: rinfo.port };
      if (rinfo.address !== client.address || rinfo.port !== client.port) {
        ignored++;
        return;
      }
    }
    got.push(m);
    wake?.();
  });
  socket.on('error', (e: NodeJS.ErrnoException) => {
    error = e.code ?? e.message;
    wake?.();
  });
  let timedOut = false;
  const waitFor = async (n: number, ms = waitMs): Promise<void> => {
    timedOut = (await until(() => got.length >= n || error !== undefined, ms, (w) => (wake = w))) || timedOut;
  };
  let expected = 0;
  let sent = 0;
  let prevT: number | undefined;
  for (const e of rec.entries) {
    if (e.pair !== o.pair || e.type !== 'data') continue;
    const gap = prevT === undefined ? 0 : Math.min(Math.max(0, e.t - prevT), waitMs);
    prevT = e.t;
    if (e.lane !== sentLane) {
      expected++;
      continue;
    }
    // as the server, the first answer waits for a client (its first datagram) however long it takes to come
    const first = server && !client;
    await waitFor(first ? Math.max(1, expected) : expected, first ? 24 * 3600_000 : waitMs);
    if (error !== undefined || (server && !client)) break;
    if (gap > 0) await sleep(gap);
    const d = Buffer.from(e.b64, 'base64');
    await new Promise<void>((r) => {
      const done = (err: Error | null): void => {
        if (err) error = (err as NodeJS.ErrnoException).code ?? err.message;
        r();
      };
      if (server && client) socket.send(d, client.port, client.address, done);
      else socket.send(d, done);
    });
    sent += d.length;
  }
  await waitFor(expected);
  if (error === undefined) await sleep(Math.min(200, waitMs));
  socket.close();
  return { sent, got, timedOut, ...(client ? { client, ignored } : {}), ...(error !== undefined ? { error } : {}) };
}
