/**
 * What the composer reads traffic from and sends through: the connection registry and, when relays run, their pairs
 * (RelayLanes). One merged source, so the bridge, history, copy and send paths stay the registry's, and a relay
 * pair is routed by its id. Pure Node.
 */
import type { Event } from '../../core/events';
import type { ConnectionInfo, HistorySnapshot, IConnectionRegistry, SendOptions } from '../../core/types';
import type { RelayLane } from '../../shared/connections';
import type { PieceEvent, PieceRecord, RelayLanes } from './relayLanes';

/** what the bridge reads: the registry's events and lookups, and (relay lanes) the writes after faults */
export type TrafficSource = Pick<IConnectionRegistry, 'onDidOpen' | 'onDidChangeState' | 'onDidReceiveChunk' | 'onDidFrame' | 'onDidClose' | 'get' | 'list' | 'history'> & {
  readonly onDidWrite?: Event<PieceEvent>;
  pieces?(id: string): PieceRecord[];
};

/** what the composer's host uses: the traffic, and sending and changing a connection */
export interface ComposerSource extends TrafficSource {
  children(id: string): ConnectionInfo[];
  /**
   * Sends a draft's bytes: a connection frames `payload` itself (with `options`); a relay pair gets the framed `wire`
   * bytes injected into `lane` (default c2s).
   */
  send(id: string, bytes: { payload: Buffer; wire: Buffer }, options?: SendOptions, lane?: RelayLane): Promise<void>;
  clearHistory(id: string): void;
  setFraming(id: string, spec: string): void;
  setEncoding(id: string, encoding: string): void;
  redecode(id: string): unknown;
  /** a relay pair's framing per lane */
  laneFraming?(id: string): Record<RelayLane, string> | undefined;
}

/** the registry's methods the composer uses, bound (the registry is a class) */
function bind(r: IConnectionRegistry): Omit<ComposerSource, 'send'> {
  return {
    onDidOpen: r.onDidOpen,
    onDidChangeState: r.onDidChangeState,
    onDidReceiveChunk: r.onDidReceiveChunk,
    onDidFrame: r.onDidFrame,
    onDidClose: r.onDidClose,
    get: (id) => r.get(id),
    list: () => r.list(),
    children: (id) => r.children(id),
    history: (id) => r.history(id),
    clearHistory: (id) => r.clearHistory(id),
    setFraming: (id, spec) => r.setFraming(id, spec),
    setEncoding: (id, encoding) => r.setEncoding(id, encoding),
    redecode: (id) => r.redecode(id),
  };
}

function both<T>(a: Event<T>, b: Event<T>): Event<T> {
  return (listener) => {
    const x = a(listener);
    const y = b(listener);
    return { dispose: () => (x.dispose(), y.dispose()) };
  };
}

/** the registry alone, or the registry with relay pairs (ids `r1.p1`) routed to `relays` */
export function composerSource(registry: IConnectionRegistry, relays?: RelayLanes): ComposerSource {
  const isRelay = (id: string): boolean => relays?.get(id) !== undefined;
  if (!relays) return { ...bind(registry), send: (id, bytes, options) => registry.send(id, bytes.payload, options) };
  const notForRelay = (what: string): never => {
    throw new Error(`a relay pair's ${what} is the relay's: set it when the relay starts`);
  };
  return {
    onDidOpen: both(registry.onDidOpen, relays.onDidOpen),
    onDidChangeState: both(registry.onDidChangeState, relays.onDidChangeState),
    onDidReceiveChunk: both(registry.onDidReceiveChunk, relays.onDidReceiveChunk),
    onDidFrame: both(registry.onDidFrame, relays.onDidFrame),
    onDidClose: both(registry.onDidClose, relays.onDidClose),
    onDidWrite: relays.onDidWrite,
    get: (id) => registry.get(id) ?? relays.get(id),
    list: () => [...registry.list(), ...relays.list()],
    children: (id) => (isRelay(id) ? [] : registry.children(id)),
    history: (id): HistorySnapshot => (isRelay(id) ? relays.history(id) : registry.history(id)),
    pieces: (id) => (isRelay(id) ? relays.pieces(id) : []),
    send: async (id, bytes, options, lane) => {
      if (isRelay(id)) relays.inject(id, lane ?? 'c2s', bytes.wire);
      else await registry.send(id, bytes.payload, options);
    },
    clearHistory: (id) => (isRelay(id) ? relays.clearHistory(id) : registry.clearHistory(id)),
    setFraming: (id, spec) => (isRelay(id) ? notForRelay('framing') : registry.setFraming(id, spec)),
    setEncoding: (id, encoding) => (isRelay(id) ? notForRelay('encoding') : registry.setEncoding(id, encoding)),
    redecode: (id) => (isRelay(id) ? [] : registry.redecode(id)),
    laneFraming: (id) => relays.laneFraming(id),
  };
}
