/**
 * Connection kinds and states, and what each kind can do: the one table the engine's connection classes, the
 * extension, the webview and the CLI read instead of asking "which kind is this?" themselves. Pure data.
 */

export const CONNECTION_KINDS = [
  'tcp-server', // a listening TCP server; its accepted sockets are children
  'tcp-peer', // one client accepted by a tcp-server (parentId = the server)
  'tcp-client', // an outgoing TCP connection
  'udp', // a bound UDP socket
  'udp-peer', // a remote address a udp socket has heard from or sent to (parentId = the socket)
  'relay-pair', // a client of a relay and its upstream connection: two lanes, c2s ("out") and s2c ("in")
] as const;

export type ConnectionKind = (typeof CONNECTION_KINDS)[number];

/** the kinds the connection registry makes (the Connections tree's rows); a relay pair comes from a relay instead */
export const REGISTRY_KINDS: readonly ConnectionKind[] = CONNECTION_KINDS.filter((k) => k !== 'relay-pair');

export const CONNECTION_STATES = [
  'connecting',
  'reconnecting',
  'listening', // tcp-server, udp
  'open',
  'half-closed', // the peer sent FIN; we may still write
  'closed',
  'error',
] as const;

export type ConnectionState = (typeof CONNECTION_STATES)[number];

/** What a kind of connection can do. */
export interface KindCapabilities {
  readonly transport: 'tcp' | 'udp';
  /** it has children (a server's accepted clients, a UDP socket's correspondents) and no stream of its own */
  readonly container: boolean;
  /** send is offered for this kind at all */
  readonly canSend: boolean;
  /** a send goes to each of its open children (one frame each) */
  readonly sendsToChildren: boolean;
  /** every send needs a destination address (options.to) */
  readonly needsDestination: boolean;
  /** a send may name a destination (UDP) */
  readonly takesDestination: boolean;
  /** the states in which it can send (for a container: with at least one open child as well) */
  readonly sendStates: readonly ConnectionState[];
  /** it can send FIN and keep reading (TCP half-close) */
  readonly canHalfClose: boolean;
  /** it receives a byte stream (or datagrams) of its own, so "save received data" applies */
  readonly receives: boolean;
  /** it accepts clients (its children), each of which it can greet first (Send on Accept) */
  readonly acceptsClients: boolean;
  /** its children are the addresses it heard from, any of which it can answer (Reply to Last Peer) */
  readonly answersPeers: boolean;
  /** it takes a fault plan for what it sends (Set Faults…); a udp-peer's is its socket's */
  readonly takesFaults: boolean;
}

const TCP_SOCKET: KindCapabilities = {
  transport: 'tcp',
  container: false,
  canSend: true,
  sendsToChildren: false,
  needsDestination: false,
  takesDestination: false,
  sendStates: ['open', 'half-closed'],
  canHalfClose: true,
  receives: true,
  acceptsClients: false,
  answersPeers: false,
  takesFaults: true,
};

/** The capabilities of each kind. A new kind is registered here and in its class (src/core/transport). */
export const KIND_CAPABILITIES: Readonly<Record<ConnectionKind, KindCapabilities>> = {
  'tcp-server': {
    transport: 'tcp',
    container: true,
    canSend: true,
    sendsToChildren: true,
    needsDestination: false,
    takesDestination: false,
    sendStates: ['listening'],
    canHalfClose: false,
    receives: false,
    acceptsClients: true,
    answersPeers: false,
    takesFaults: true,
  },
  'tcp-peer': TCP_SOCKET,
  'tcp-client': TCP_SOCKET,
  udp: {
    transport: 'udp',
    container: true,
    canSend: true,
    sendsToChildren: false,
    needsDestination: true,
    takesDestination: true,
    sendStates: ['listening'],
    canHalfClose: false,
    receives: true,
    acceptsClients: false,
    answersPeers: true,
    takesFaults: true,
  },
  // a send injects into a lane; the pair's FIN, resets and recording are the relay's; what it "receives" is what the
  // relay read on its lanes (Save Received Data)
  'relay-pair': { ...TCP_SOCKET, sendStates: ['open'], canHalfClose: false },
  'udp-peer': {
    transport: 'udp',
    container: false,
    canSend: true,
    sendsToChildren: false,
    needsDestination: false,
    takesDestination: true,
    sendStates: ['open'],
    canHalfClose: false,
    receives: true,
    acceptsClients: false,
    answersPeers: false,
    takesFaults: false,
  },
};

/** A relay pair's lanes: c2s (client → server) and s2c (server → client). */
export type RelayLane = 'c2s' | 's2c';
export const RELAY_LANES: readonly RelayLane[] = ['c2s', 's2c'];

/**
 * How a relay pair's lanes map onto a connection's two directions, so that the composer's history, log and
 * inspector carry them unchanged: what the client sends (c2s) is "out", what the server answers (s2c) is "in".
 */
export const RELAY_LANE_DIRECTION: Readonly<Record<RelayLane, 'in' | 'out'>> = { c2s: 'out', s2c: 'in' };

export function laneOfDirection(direction: 'in' | 'out'): RelayLane {
  return direction === 'out' ? 'c2s' : 's2c';
}

export function isRelayLane(v: unknown): v is RelayLane {
  return v === 'c2s' || v === 's2c';
}

export function capabilities(kind: ConnectionKind): KindCapabilities {
  return KIND_CAPABILITIES[kind];
}

export function isConnectionKind(v: unknown): v is ConnectionKind {
  return typeof v === 'string' && (CONNECTION_KINDS as readonly string[]).includes(v);
}

export function isConnectionState(v: unknown): v is ConnectionState {
  return typeof v === 'string' && (CONNECTION_STATES as readonly string[]).includes(v);
}

/** the shape every layer's connection record has (the engine's ConnectionInfo, the webview's ConnSummary) */
export interface KindAndState {
  readonly kind: ConnectionKind;
  readonly state: ConnectionState;
}

/** closed for good: nothing more is sent or received */
export function isClosedState(state: ConnectionState): boolean {
  return state === 'closed' || state === 'error';
}

/** a TCP socket that can still carry bytes both ways or one way (open, or the peer sent FIN) */
export function isStreamOpen(state: ConnectionState): boolean {
  return state === 'open' || state === 'half-closed';
}

/**
 * Can `c` send now? A container that sends to its children (a TCP server) needs at least one open child among
 * `children` as well.
 */
export function canSend(c: KindAndState, children: readonly KindAndState[] = []): boolean {
  const caps = KIND_CAPABILITIES[c.kind];
  if (!caps.canSend || !caps.sendStates.includes(c.state)) return false;
  return !caps.sendsToChildren || children.some((ch) => !isClosedState(ch.state));
}

/** how many frames one send on `c` writes: one, or one per open child for a server */
export function framesPerSend(c: KindAndState, children: readonly KindAndState[] = []): number {
  return KIND_CAPABILITIES[c.kind].sendsToChildren ? children.filter((ch) => isStreamOpen(ch.state)).length : 1;
}

/** Can `c` send FIN now (TCP half-close)? */
export function canHalfClose(c: KindAndState): boolean {
  return KIND_CAPABILITIES[c.kind].canHalfClose && c.state === 'open';
}

/** is `c` a container (server, UDP socket) whose label is its local address rather than a peer's? */
export function isContainer(c: { readonly kind: ConnectionKind }): boolean {
  return KIND_CAPABILITIES[c.kind].container;
}

/**
 * A tree row's context value, which the menus in package.json match: "kind.state", then a word per action the row
 * offers: " send" (its kind can send in this state; a server sends to its clients) and " fin" (half-close).
 */
export function menuContext(c: KindAndState): string {
  const caps = KIND_CAPABILITIES[c.kind];
  let v = `${c.kind}.${c.state}`;
  if (caps.canSend && caps.sendStates.includes(c.state)) v += ' send';
  if (canHalfClose(c)) v += ' fin';
  return v;
}
