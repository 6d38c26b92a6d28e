/** The relay's vocabulary: lanes, pair and relay events, counters and options (TCP and UDP alike). */
import type { Endpoint } from '../types';
import type { FaultOptions } from './faults';
import { RELAY_LANES, type RelayLane } from '../../shared/connections';

/** c2s: client → server (upstream); s2c: server → client */
export type Lane = RelayLane;
export const LANES: readonly Lane[] = RELAY_LANES;

export type RelayEndpoint = Endpoint;

export interface LaneCounters {
  /** bytes read from the lane's source */
  bytesIn: number;
  /** bytes written to the lane's destination */
  bytesOut: number;
  /** reads (TCP chunks, UDP datagrams) from the source */
  chunksIn: number;
  /** writes to the destination (pieces after re-chunking) */
  piecesOut: number;
  /** frames decoded with the relay's framing */
  frames: number;
  /** bytes not forwarded on purpose (drop, half-close, reset) or because the destination was gone */
  dropped: number;
}

export function emptyCounters(): LaneCounters {
  return { bytesIn: 0, bytesOut: 0, chunksIn: 0, piecesOut: 0, frames: 0, dropped: 0 };
}

/** Why a pair ended. */
export type CloseReason = 'fin' | 'reset-by-client' | 'reset-by-server' | 'reset-by-relay' | 'upstream-failed' | 'error' | 'relay-closed' | 'idle';

export type RelayEvent =
  /** `seed`: the seed of the random faults (given or chosen), to repeat the run */
  | { type: 'listening'; proto: 'tcp' | 'udp'; local: RelayEndpoint; upstream: { host: string; port: number }; seed: number }
  | { type: 'open'; pair: string; client: RelayEndpoint; upstream: RelayEndpoint; time: number }
  /** bytes read from a lane's source: exactly as the sender's stack delivered them */
  | { type: 'chunk'; pair: string; lane: Lane; offset: number; data: Buffer; time: number }
  /**
   * a piece written to a lane's destination (after faults): `offset` in the destination's stream; `source` the offset
   * of its first byte in the lane's source stream (reads), absent for injected bytes (`injected`: those carry their
   * `data`, and `at`, the source offset they were written before)
   */
  | { type: 'piece'; pair: string; lane: Lane; offset: number; size: number; source?: number; injected?: true; data?: Buffer; at?: number; time: number }
  | { type: 'frame'; pair: string; lane: Lane; start: number; end: number; payload: Buffer; header?: Record<string, unknown>; time: number }
  | { type: 'framing-error'; pair: string; lane: Lane; code: string; offset?: number; message: string; time: number }
  /** bytes of a frame still incomplete when the lane ended */
  | { type: 'unfinished'; pair: string; lane: Lane; offset: number; bytes: number; time: number }
  /** the lane's source sent FIN; forwarded as FIN to the destination once its bytes are out */
  | { type: 'end'; pair: string; lane: Lane; offset: number; time: number }
  /** a fault acted: drop (bytes discarded), half-close (FIN sent early), reset (RST sent to both peers) */
  | { type: 'fault'; pair: string; lane?: Lane; action: 'drop' | 'half-close' | 'reset'; offset?: number; bytes?: number; time: number }
  /** the upstream connection failed (refused, unreachable, timed out): the client is closed, the relay keeps listening */
  | { type: 'upstream-error'; pair: string; client: RelayEndpoint; code: string; message: string; droppedBytes: number; time: number }
  | { type: 'error'; pair?: string; lane?: Lane; code: string; message: string; time: number }
  | { type: 'close'; pair: string; reason: CloseReason; counters: Record<Lane, LaneCounters>; time: number };

export interface RelayOptions {
  /** address to listen on (default 127.0.0.1) */
  host?: string;
  /** 0 picks a free port */
  port: number;
  upstream: { host: string; port: number };
  /** framing spec for both lanes' frame events (default raw: no frame events) */
  framing?: string;
  /** a lane's own framing, over `framing` (the tutorial's command server: raw commands, json-header answers) */
  laneFraming?: Partial<Record<Lane, string>>;
  /** frame limit for the framing decoders */
  maxFrameSize?: number;
  faults?: FaultOptions;
  /** UDP: a client address silent for this long loses its upstream socket (default 60 s) */
  udpIdleMs?: number;
}
