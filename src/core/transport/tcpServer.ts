/** The TCP server: a listening socket whose accepted clients are `tcp-peer` children (each a TcpSocketConnection). */
import * as net from 'node:net';
import type { ConnectionInfo, StreamResult, TcpListenOptions } from '../types';
import { errorCode } from '../../shared/errors';
import { formatEndpoint } from '../../shared/format';
import { SocketError, toSocketError } from '../errors';
import { Connection, type ConnectionHost, endpointOf, type OutgoingMessage } from './connection';
import { KEEPALIVE_IDLE_MS, TcpSocketConnection } from './tcp';
import { streamTo, type OutgoingStream } from './streamSend';
import { randomSeed } from '../relay/prng';
import type { FaultOptions } from '../relay/faults';

/** a client accepted by a tcp-server */
export class TcpPeerConnection extends TcpSocketConnection {
  readonly kind = 'tcp-peer';

  constructor(host: ConnectionHost, id: string, server: TcpServerConnection, socket: net.Socket) {
    super(host, id, server.framing, server.encoding, server);
    this.faultPlan = server.peerFaults();
    this.attach(socket);
    this.label = formatEndpoint(this.remote) ?? '?';
  }
}

export class TcpServerConnection extends Connection {
  readonly kind = 'tcp-server';
  private server?: net.Server;
  private closing?: Promise<void>;
  /** the clients' fault plan, its seed and the number of the next client's stream */
  private faultPlan: FaultOptions | undefined;
  private faultSeed: number;
  private faultN = 1;

  constructor(host: ConnectionHost, id: string, private readonly options: TcpListenOptions, framing: string, encoding: string) {
    super(host, id, framing, encoding);
    this.children = new Map();
    this.state = 'listening';
    this.faultPlan = options.faults;
    this.faultSeed = options.faults?.seed ?? randomSeed();
  }

  /** the plan of the clients accepted from now on and of the open ones (for what they send from now on) */
  async setFaults(plan: FaultOptions | undefined): Promise<void> {
    this.faultPlan = plan;
    this.faultSeed = plan?.seed ?? randomSeed();
    this.faultN = 1;
    await Promise.all(this.openPeers().map((p) => p.setFaults(plan ? { ...plan, seed: this.faultSeed } : undefined)));
  }

  protected override addInfo(info: ConnectionInfo): void {
    if (this.faultPlan) info.faults = { ...this.faultPlan, seed: this.faultSeed };
  }

  /** the fault plan of the next accepted client (each client's stream gets its own draws from the seed) */
  peerFaults(): { plan: FaultOptions; seed: number; n: number } | undefined {
    return this.faultPlan ? { plan: this.faultPlan, seed: this.faultSeed, n: this.faultN++ } : undefined;
  }

  listen(): Promise<void> {
    const o = this.options;
    const host = o.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const server = net.createServer({
        allowHalfOpen: o.allowHalfOpen === true,
        noDelay: o.noDelay === true,
        keepAlive: o.keepAlive === true,
        keepAliveInitialDelay: KEEPALIVE_IDLE_MS,
      });
      this.server = server;
      const onListenError = (e: Error): void => {
        server.removeListener('listening', onListening);
        server.close();
        reject(toSocketError(e, 'listen', host, o.port));
      };
      const onListening = (): void => {
        server.removeListener('error', onListenError);
        server.on('error', (e) => {
          this.error = toSocketError(e, 'listen', host, o.port).message;
          this.host.error({ id: this.id, time: Date.now(), code: errorCode(e) ?? 'EUNKNOWN', message: `${this.id} (${this.label}): ${this.error}` });
        });
        const a = server.address();
        if (a && typeof a === 'object') this.local = endpointOf(a.address, a.port, a.family);
        this.label = o.label ?? formatEndpoint(this.local) ?? '?';
        resolve();
      };
      server.once('error', onListenError);
      server.once('listening', onListening);
      server.on('connection', (socket) => this.accept(socket));
      try {
        server.listen({ host, port: o.port, ipv6Only: false });
      } catch (e) {
        server.removeAllListeners();
        reject(toSocketError(e, 'listen', host, o.port));
      }
    });
  }

  private accept(socket: net.Socket): void {
    if (this.isClosed || this.closing) {
      socket.on('error', () => undefined);
      socket.destroy();
      return;
    }
    if (this.options.noDelay !== undefined) socket.setNoDelay(this.options.noDelay);
    const peer = new TcpPeerConnection(this.host, this.host.nextId(), this, socket);
    if (!peer.remote) {
      // the client went away before we saw it (address unknown): nothing to track
      socket.destroy();
      return;
    }
    this.children!.set(peer.id, peer);
    this.host.opened(peer);
  }

  /** the open clients */
  openPeers(): TcpSocketConnection[] {
    const out: TcpSocketConnection[] = [];
    for (const c of this.children!.values()) if (!c.isClosed && c instanceof TcpSocketConnection) out.push(c);
    return out;
  }

  /** sends to every open client (each records its own frame) */
  async send(msg: OutgoingMessage): Promise<void> {
    await Promise.all(this.peersToSend().map((p) => p.send(msg)));
  }

  /** a file to every open client: each piece to all of them before the next */
  override async sendStream(s: OutgoingStream): Promise<StreamResult> {
    return streamTo(this.peersToSend(), s);
  }

  private peersToSend(): TcpSocketConnection[] {
    const peers = this.openPeers();
    if (peers.length > 0) return peers;
    throw this.host.sendFailed(this, new SocketError('ENOTCONN', `server ${this.id} (${this.label}) has no connected clients to send to (ENOTCONN)`));
  }

  close(): Promise<void> {
    return this.stop(false);
  }

  override closeNow(): Promise<void> {
    return this.stop(true);
  }

  /** stops listening, closes every client and frees the port */
  stop(immediate: boolean): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    if (this.closing) return this.closing;
    const server = this.server;
    const serverClosed = new Promise<void>((resolve) => {
      if (!server || !server.listening) resolve();
      else server.close(() => resolve());
    });
    const peers = this.openPeers().map((p) => (immediate ? p.destroy() : p.close()));
    this.closing = Promise.all([serverClosed, ...peers]).then(() => {
      this.finish('local');
    });
    return this.closing;
  }
}
