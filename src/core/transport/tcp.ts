// TCP transports: a connected socket (the base of `tcp-peer` and `tcp-client`, see tcpClient.ts) and a listening
// server whose accepted sockets are `tcp-peer` children.
import * as net from 'node:net';
import type { CloseReason, ConnectionInfo, Endpoint, StreamResult, TcpListenOptions } from '../types';
import { errorCode } from '../../shared/errors';
import { formatEndpoint } from '../../shared/format';
import { notConnectedError, SocketError, toSocketError } from '../errors';
import { Connection, type ConnectionHost, endpointOf, type OutgoingMessage } from './connection';
import { streamTo, type OutgoingStream } from './streamSend';

/** how long a graceful close waits for unsent bytes before it destroys the socket */
const CLOSE_GRACE_MS = 2000;
/** keep-alive: idle time before the first probe (the system default is often 2 hours) */
export const KEEPALIVE_IDLE_MS = 5000;
/** replies (SendOptions.reply): reading pauses while more than this many bytes wait to be sent */
export const REPLY_HIGH_WATER_MARK = 1024 * 1024;

function localOf(s: net.Socket): Endpoint | undefined {
  return endpointOf(s.localAddress, s.localPort, s.localFamily);
}

function remoteOf(s: net.Socket): Endpoint | undefined {
  return endpointOf(s.remoteAddress, s.remotePort, s.remoteFamily);
}

/** A connected TCP socket: a server's peer or our client. */
export abstract class TcpSocketConnection extends Connection {
  protected socket?: net.Socket;
  private sawFin = false;
  private sawReset = false;
  private sawError = false;
  protected localClose = false;
  private closeWaiters: Array<() => void> = [];
  private graceTimer?: NodeJS.Timeout;
  private readingHeld = false;

  protected override addInfo(info: ConnectionInfo): void {
    const s = this.socket;
    if (!s) return;
    info.queuedOut = s.writableLength;
    if (this.readingHeld) info.readingPaused = true;
  }

  // a reply was queued: above REPLY_HIGH_WATER_MARK waiting bytes, stop reading from the peer (TCP flow control
  // then slows its sending); reading resumes once everything queued is sent
  holdReadingIfBacklogged(): void {
    const s = this.socket;
    if (!s || s.destroyed || this.readingHeld || s.writableLength <= REPLY_HIGH_WATER_MARK) return;
    this.readingHeld = true;
    s.pause();
    s.once('drain', () => {
      this.readingHeld = false;
      if (!s.destroyed) s.resume();
    });
  }

  /** wires a connected socket to this connection */
  protected attach(socket: net.Socket): void {
    this.socket = socket;
    this.sawFin = false;
    this.sawReset = false;
    this.sawError = false;
    this.local = localOf(socket);
    this.remote = remoteOf(socket);
    socket.on('data', (d: Buffer) => this.receive(d));
    socket.on('end', () => this.onEnd());
    socket.on('error', (e: Error) => this.onSocketError(e));
    socket.on('close', () => this.onSocketClose(socket));
  }

  private onEnd(): void {
    this.sawFin = true;
    this.endOfStream('when the peer closed its side (FIN)');
    if (this.state === 'open') this.setState('half-closed');
  }

  private onSocketError(e: Error): void {
    const code = errorCode(e) ?? 'EUNKNOWN';
    const r = this.remote;
    const err = toSocketError(e, 'socket', r?.address ?? '?', r?.port ?? 0);
    this.error = err.message;
    if (code === 'ECONNRESET') {
      this.sawReset = true;
      return; // a reset is a way of closing: reported by onDidClose with reason 'reset'
    }
    this.sawError = true;
    this.host.error({ id: this.id, time: Date.now(), code: err.code, message: `${this.id} (${this.label}): ${err.message}` });
  }

  private onSocketClose(socket: net.Socket): void {
    if (this.graceTimer) {
      clearTimeout(this.graceTimer);
      this.graceTimer = undefined;
    }
    if (socket !== this.socket) return;
    const reason: CloseReason = this.localClose ? 'local' : this.sawReset ? 'reset' : this.sawError ? 'error' : this.sawFin ? 'fin' : 'local';
    this.endOfStream(reason === 'reset' ? 'when the connection was reset' : reason === 'error' ? 'when the connection failed' : 'when the connection closed');
    this.socketClosed(reason);
  }

  /** the current socket is gone; a client may reconnect instead of finishing */
  protected socketClosed(reason: CloseReason): void {
    this.finish(reason);
    this.flushCloseWaiters();
  }

  protected flushCloseWaiters(): void {
    const ws = this.closeWaiters;
    this.closeWaiters = [];
    for (const w of ws) w();
  }

  /** why a write would fail right now, or undefined when the socket can take bytes */
  notWritable(): SocketError | undefined {
    const s = this.socket;
    if (!s || (this.state !== 'open' && this.state !== 'half-closed') || s.destroyed) return notConnectedError(this.id, this.label, this.state);
    if (!s.writable) return notConnectedError(this.id, this.label, this.sawFin ? 'closing (the peer sent FIN)' : 'half-closed by us (end() was called)');
    return undefined;
  }

  /** records the message, then writes it; a failing write also fails the socket, whose 'error' listener reports it */
  send(msg: OutgoingMessage): Promise<void> {
    const bad = this.notWritable();
    if (bad) return Promise.reject(this.host.sendFailed(this, bad));
    this.recordOut(msg.wire, msg.payload, msg.header);
    const written = this.write(msg.wire);
    if (msg.reply) this.holdReadingIfBacklogged();
    return written;
  }

  /** a file: piece by piece, each written once the socket took the last (streamSend.ts) */
  override sendStream(s: OutgoingStream): Promise<StreamResult> {
    const bad = this.notWritable();
    return bad ? Promise.reject(this.host.sendFailed(this, bad)) : streamTo([this], s);
  }

  /** resolves once the socket has taken the bytes */
  write(wire: Buffer): Promise<void> {
    const bad = this.notWritable();
    if (bad) return Promise.reject(bad);
    const s = this.socket!;
    return new Promise((resolve, reject) => {
      s.write(wire, (err) => {
        if (err) {
          const r = this.remote;
          reject(toSocketError(err, 'send', r?.address ?? '?', r?.port ?? 0));
        } else if (s.destroyed) {
          // Node reports a write cut short by destroy() as a success: it is not one
          reject(new SocketError('ECONNABORTED', `connection ${this.id} (${this.label}) closed before all bytes were sent (ECONNABORTED)`, { syscall: 'send' }));
        } else resolve();
      });
    });
  }

  override end(): Promise<void> {
    const s = this.socket;
    if (!s || this.isClosed || s.destroyed) return Promise.reject(notConnectedError(this.id, this.label, this.state));
    if (!s.writable) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => resolve();
      s.end(done);
      s.once('close', done); // end's callback may not come when the socket fails first
    });
  }

  /** graceful close: FIN after the pending bytes, then destroy; a stuck peer gets destroyed after a grace period */
  close(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    this.localClose = true;
    const s = this.socket;
    const done = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    if (!s || s.destroyed) {
      this.socketClosed('local');
      return done;
    }
    if (s.writableLength === 0 || s.pending) {
      s.destroy();
    } else {
      s.end(() => s.destroy());
      this.graceTimer = setTimeout(() => s.destroy(), CLOSE_GRACE_MS);
    }
    return done;
  }

  override closeNow(): Promise<void> {
    return this.destroy();
  }

  /** immediate close (closeAll / dispose): no grace period */
  destroy(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    this.localClose = true;
    const done = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    if (!this.socket || this.socket.destroyed) this.socketClosed('local');
    else this.socket.destroy();
    return done;
  }
}

/** a client accepted by a tcp-server */
export class TcpPeerConnection extends TcpSocketConnection {
  readonly kind = 'tcp-peer';

  constructor(host: ConnectionHost, id: string, server: TcpServerConnection, socket: net.Socket) {
    super(host, id, server.framing, server.encoding, server);
    this.attach(socket);
    this.label = formatEndpoint(this.remote) ?? '?';
  }
}

export class TcpServerConnection extends Connection {
  readonly kind = 'tcp-server';
  private server?: net.Server;
  private closing?: Promise<void>;

  constructor(host: ConnectionHost, id: string, private readonly options: TcpListenOptions, framing: string, encoding: string) {
    super(host, id, framing, encoding);
    this.children = new Map();
    this.state = 'listening';
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
