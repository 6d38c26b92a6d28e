/**
 * UDP: a bound socket (`udp`) whose correspondents become `udp-peer` children, one per distinct
 * address:port it hears from or sends to. Traffic is recorded on the peer; the socket's counters
 * sum its peers'. Sending to a udp-peer replies to that address.
 */
import * as dgram from 'node:dgram';
import * as dns from 'node:dns';
import * as net from 'node:net';
import type { ConnectionInfo, Endpoint, UdpBindOptions } from '../types';
import type { FaultOptions } from '../relay/faults';
import { errorCode } from '../../shared/errors';
import { formatEndpoint } from '../../shared/format';
import { badPortError, datagramTooLargeError, notConnectedError, SocketError, toSocketError, UDP_MAX_IPV4, UDP_MAX_IPV6 } from '../errors';
import { Connection, type ConnectionHost, endpointOf, type OutgoingMessage } from './connection';
import { UdpDropWatch } from './udpDrops';
import { DatagramFaults } from './faults';
import { randomSeed } from '../relay/prng';

/** the largest payload one datagram to `address` may carry */
export function udpMaxPayload(address: string): number {
  return net.isIPv6(address) && !address.toLowerCase().startsWith('::ffff:') ? UDP_MAX_IPV6 : UDP_MAX_IPV4;
}

/** replies (SendOptions.reply) are refused while this many bytes of datagrams wait to be sent */
export const UDP_REPLY_HIGH_WATER_MARK = 1024 * 1024;

/** most udp-peer children kept per socket; beyond that the least recently active one is closed */
const MAX_UDP_PEERS = 4096;

export class UdpPeerConnection extends Connection {
  readonly kind = 'udp-peer';

  constructor(host: ConnectionHost, id: string, readonly socketConn: UdpConnection, remote: Endpoint) {
    super(host, id, socketConn.framing, socketConn.encoding, socketConn);
    this.remote = remote;
    this.local = socketConn.local;
    this.label = formatEndpoint(remote);
  }

  protected override get datagrams(): boolean {
    return true;
  }

  /** replies to this peer's address (options.to is not needed) */
  send(msg: OutgoingMessage): Promise<void> {
    const max = udpMaxPayload(this.remote!.address);
    if (msg.wire.length > max) return Promise.reject(this.host.sendFailed(this, datagramTooLargeError(msg.wire.length, max)));
    if (this.isClosed) return Promise.reject(this.host.sendFailed(this, notConnectedError(this.id, this.label, this.state)));
    const refused = msg.reply ? this.socketConn.replyRefused() : undefined;
    if (refused) return Promise.reject(this.host.sendFailed(this, refused));
    return this.socketConn.deliver(this, msg);
  }

  close(): Promise<void> {
    this.socketConn.forgetPeer(this);
    this.finish('local');
    return Promise.resolve();
  }

  /** closes with its socket */
  override closeNow(): Promise<void> {
    return Promise.resolve();
  }

  /** the socket closed */
  socketGone(): void {
    this.finish('local');
  }
}

export class UdpConnection extends Connection {
  readonly kind = 'udp';
  private socket?: dgram.Socket;
  /** open peers by "address|port" */
  private readonly peers = new Map<string, UdpPeerConnection>();
  private closing?: Promise<void>;
  /** bytes of datagrams handed to send() whose callback has not come yet */
  private queued = 0;
  private dropWatch?: UdpDropWatch;
  /** the fault plan on what this socket sends (ConnectionDefaults.faults), its seed, and the plan's scheduler */
  private faultPlan?: FaultOptions;
  private faults?: DatagramFaults;

  constructor(host: ConnectionHost, id: string, private readonly options: UdpBindOptions, framing: string, encoding: string) {
    super(host, id, framing, encoding);
    this.children = new Map();
    this.state = 'listening';
    if (options.faults) this.useFaults(options.faults);
  }

  private useFaults(plan: FaultOptions | undefined): void {
    this.faultPlan = plan ? { ...plan, seed: plan.seed ?? randomSeed() } : undefined;
    this.faults = this.faultPlan ? new DatagramFaults(this.faultPlan, this.faultPlan.seed!) : undefined;
  }

  /** a new plan for the datagrams sent from now on; those the old plan holds go first */
  async setFaults(plan: FaultOptions | undefined): Promise<void> {
    await this.faults?.drained();
    this.useFaults(plan);
  }

  protected override addInfo(info: ConnectionInfo): void {
    if (this.faultPlan) info.faults = { ...this.faultPlan };
  }

  protected override get datagrams(): boolean {
    return true;
  }

  get socketType(): 'udp4' | 'udp6' {
    return this.options.type ?? (net.isIPv6(this.options.host ?? '') ? 'udp6' : 'udp4');
  }

  bind(): Promise<void> {
    const o = this.options;
    const address = o.host ?? (this.socketType === 'udp6' ? '::1' : '127.0.0.1');
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket({ type: this.socketType, ...(o.recvBufferSize !== undefined ? { recvBufferSize: o.recvBufferSize } : {}) });
      this.socket = socket;
      const onBindError = (e: Error): void => {
        socket.removeListener('listening', onListening);
        try {
          socket.close();
        } catch {
          // not bound: nothing to close
        }
        reject(toSocketError(e, 'bind', address, o.port));
      };
      const onListening = (): void => {
        socket.removeListener('error', onBindError);
        socket.on('error', (e) => this.onSocketError(e));
        const a = socket.address();
        this.local = endpointOf(a.address, a.port, a.family);
        this.label = o.label ?? formatEndpoint(this.local) ?? '?';
        this.watchDrops(socket, a.port);
        if (o.broadcast) {
          try {
            socket.setBroadcast(true);
          } catch (e) {
            socket.close();
            reject(toSocketError(e, 'bind', address, o.port));
            return;
          }
        }
        resolve();
      };
      socket.once('error', onBindError);
      socket.once('listening', onListening);
      socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
      try {
        socket.bind({ address, port: o.port });
      } catch (e) {
        socket.removeAllListeners();
        reject(toSocketError(e, 'bind', address, o.port));
      }
    });
  }

  private watchDrops(socket: dgram.Socket, port: number): void {
    const w = new UdpDropWatch(port, (added, total) => {
      this.counters.dropsIn = total;
      let size = '';
      try {
        size = ` (${socket.getRecvBufferSize()} bytes)`;
      } catch {
        // closed meanwhile
      }
      this.host.error({
        id: this.id,
        time: Date.now(),
        code: 'UDP_RECEIVE_DROPS',
        message: `${this.id} (${this.label}): the kernel dropped ${added} datagram${added === 1 ? '' : 's'} (${total} since bound): the receive buffer${size} was full; read faster or use a larger recvBufferSize (--recv-buffer)`,
      });
    });
    if (w.start()) this.dropWatch = w;
  }

  private onSocketError(e: Error): void {
    const err = toSocketError(e, 'socket', this.local?.address ?? '?', this.local?.port ?? 0);
    this.error = err.message;
    this.host.error({ id: this.id, time: Date.now(), code: errorCode(e) ?? err.code, message: `${this.id} (${this.label}): ${err.message}` });
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const peer = this.peerFor(rinfo.address, rinfo.port, rinfo.family);
    peer.receive(msg, peer.remote);
  }

  /** the open udp-peer for an address, created (and announced) on first use */
  peerFor(address: string, port: number, family?: string): UdpPeerConnection {
    const key = `${address}|${port}`;
    let peer = this.peers.get(key);
    if (peer) return peer;
    if (this.peers.size >= MAX_UDP_PEERS) this.evictIdlestPeer();
    const remote = endpointOf(address, port, family ?? (net.isIPv6(address) ? 'IPv6' : 'IPv4'))!;
    peer = new UdpPeerConnection(this.host, this.host.nextId(), this, remote);
    this.peers.set(key, peer);
    this.children!.set(peer.id, peer);
    this.host.opened(peer);
    return peer;
  }

  private evictIdlestPeer(): void {
    let idlest: UdpPeerConnection | undefined;
    for (const p of this.peers.values()) if (!idlest || p.counters.lastActivity < idlest.counters.lastActivity) idlest = p;
    if (idlest) void idlest.close();
  }

  forgetPeer(peer: UdpPeerConnection): void {
    const r = peer.remote!;
    const key = `${r.address}|${r.port}`;
    if (this.peers.get(key) === peer) this.peers.delete(key);
  }

  /** resolves a host name to an address of this socket's family */
  resolve(address: string): Promise<string> {
    if (net.isIP(address) !== 0) return Promise.resolve(address);
    return new Promise((resolve, reject) => {
      dns.lookup(address, { family: this.socketType === 'udp6' ? 6 : 4 }, (err, addr) => {
        if (err) reject(toSocketError(err, 'send', address, 0));
        else resolve(addr);
      });
    });
  }

  /** sends to `msg.to` (resolved to an address of this socket's family) through the udp-peer for that address */
  async send(msg: OutgoingMessage): Promise<void> {
    const { wire, to } = msg;
    if (!to) throw this.host.sendFailed(this, new SocketError('EDESTADDRREQ', `send on UDP socket ${this.id} (${this.label}) needs a destination (options.to)`));
    const badPort = badPortError(to.port, false);
    if (badPort) throw this.host.sendFailed(this, badPort);
    if (wire.length > UDP_MAX_IPV6) throw this.host.sendFailed(this, datagramTooLargeError(wire.length, udpMaxPayload(to.address)));
    if (this.isClosed) throw this.host.sendFailed(this, new SocketError('ENOTCONN', `UDP socket ${this.id} (${this.label}) is closed (ENOTCONN)`));
    let address: string;
    try {
      address = await this.resolve(to.address);
    } catch (err) {
      throw this.host.sendFailed(this, err);
    }
    const max = udpMaxPayload(address);
    if (wire.length > max) throw this.host.sendFailed(this, datagramTooLargeError(wire.length, max));
    const refused = msg.reply ? this.replyRefused() : undefined;
    if (refused) throw this.host.sendFailed(this, refused);
    return this.deliver(this.peerFor(address, to.port), msg);
  }

  /**
   * One datagram to `peer`'s address, recorded on the peer once the kernel has taken it: a send it refuses
   * (EACCES for a broadcast address without SO_BROADCAST, say) is reported and not counted. The record is made in
   * the send's callback, which runs before any I/O callback, so the outgoing frame still precedes its reply.
   */
  deliver(peer: UdpPeerConnection, msg: OutgoingMessage): Promise<void> {
    const remote = peer.remote!;
    const send = (): Promise<void> => this.sendDatagram(msg.wire, remote, () => peer.recordOut(msg.wire, msg.payload, msg.header, remote));
    return (this.faults ? this.faults.schedule(msg.wire, `${this.id} (${this.label})`, send) : send()).catch((err: unknown) => {
      throw this.host.sendFailed(peer, err);
    });
  }

  /** one datagram; the size limit is checked before the socket is touched; `sent` runs once the kernel took it */
  private sendDatagram(wire: Buffer, to: Endpoint, sent: () => void): Promise<void> {
    const max = udpMaxPayload(to.address);
    if (wire.length > max) return Promise.reject(datagramTooLargeError(wire.length, max));
    const s = this.socket;
    if (!s || this.isClosed) return Promise.reject(notConnectedError(this.id, this.label, this.state));
    this.queued += wire.length;
    return new Promise((resolve, reject) => {
      try {
        s.send(wire, to.port, to.address, (err) => {
          this.queued -= wire.length;
          if (err) {
            reject(toSocketError(err, 'send', to.address, to.port));
            return;
          }
          sent();
          resolve();
        });
      } catch (e) {
        this.queued -= wire.length;
        reject(toSocketError(e, 'send', to.address, to.port));
      }
    });
  }

  /** a reply now would wait behind more than UDP_REPLY_HIGH_WATER_MARK bytes: the error to refuse it with */
  replyRefused(): SocketError | undefined {
    if (this.queued <= UDP_REPLY_HIGH_WATER_MARK) return undefined;
    return new SocketError('ENOBUFS', `${this.id} (${this.label}): reply not sent: ${this.queued} bytes of earlier datagrams still wait to be sent (ENOBUFS)`, { syscall: 'send' });
  }

  close(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    if (this.closing) return this.closing;
    this.closing = new Promise<void>((resolve) => {
      const done = (): void => {
        for (const p of this.peers.values()) p.socketGone();
        this.peers.clear();
        this.finish('local');
        resolve();
      };
      const s = this.socket;
      this.faults?.dispose(notConnectedError(this.id, this.label, 'closed'));
      if (!s) return done();
      this.dropWatch?.stop();
      this.dropWatch = undefined;
      try {
        s.close(done);
      } catch {
        done(); // already closed
      }
    });
    return this.closing;
  }
}
