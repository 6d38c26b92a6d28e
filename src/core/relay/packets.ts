/**
 * Synthesized Ethernet/IPv4/IPv6/TCP/UDP packets for pcapng export: headers with real checksums, so that
 * Wireshark and tshark show and follow the stream as if it had been captured.
 */
import { isIPv4, isIPv6 } from 'node:net';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** Ethernet MAC addresses of the two synthesized hosts (locally administered) */
const MAC_CLIENT = Buffer.from('020000000001', 'hex');
const MAC_SERVER = Buffer.from('020000000002', 'hex');

/** the IP address bytes: 4 for IPv4, 16 for IPv6; an IPv4-mapped IPv6 address becomes IPv4 */
export function addressBytes(address: string): Buffer {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const a = mapped ? mapped[1] : address.replace(/%.*$/, '');
  if (isIPv4(a)) return Buffer.from(a.split('.').map(Number));
  if (!isIPv6(a)) throw new Error(`'${address}' is not an IP address`);
  let text = a;
  // a trailing dotted quad (::ffff:1.2.3.4 forms other than the mapped one) becomes two groups
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const q = quad[1].split('.').map(Number);
    text = text.slice(0, -quad[1].length) + `${((q[0] << 8) | q[1]).toString(16)}:${((q[2] << 8) | q[3]).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** both addresses in one family: IPv4 when both are, else IPv6 (IPv4 as ::ffff:a.b.c.d) */
export function addressPair(a: string, b: string): [Buffer, Buffer] {
  const x = addressBytes(a);
  const y = addressBytes(b);
  const v6 = (v: Buffer): Buffer => (v.length === 16 ? v : Buffer.concat([Buffer.from('00000000000000000000ffff', 'hex'), v]));
  return x.length === 4 && y.length === 4 ? [x, y] : [v6(x), v6(y)];
}

function sum16(buf: Buffer, initial = 0): number {
  let s = initial;
  for (let i = 0; i + 1 < buf.length; i += 2) s += buf.readUInt16BE(i);
  if (buf.length % 2 === 1) s += buf[buf.length - 1] << 8;
  return s;
}

function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

function pseudoSum(src: Buffer, dst: Buffer, proto: number, length: number): number {
  let s = sum16(src) + sum16(dst) + proto;
  s += src.length === 4 ? length : Math.floor(length / 0x10000) + (length & 0xffff);
  return s;
}

export interface Addressing {
  src: Buffer;
  dst: Buffer;
  sport: number;
  dport: number;
  /** true: client → server (picks the MACs) */
  fromClient: boolean;
  /** the IPv4 identification counter, shared by the two directions of a conversation */
  ipId: { next: number };
}

function ipPacket(a: Addressing, proto: number, l4: Buffer): Buffer {
  let ip: Buffer;
  if (a.src.length === 4) {
    ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + l4.length, 2);
    ip.writeUInt16BE(a.ipId.next++ & 0xffff, 4);
    ip.writeUInt16BE(0x4000, 6); // don't fragment
    ip[8] = 64;
    ip[9] = proto;
    a.src.copy(ip, 12);
    a.dst.copy(ip, 16);
    ip.writeUInt16BE(fold(sum16(ip)), 10);
  } else {
    ip = Buffer.alloc(40);
    ip.writeUInt32BE(0x60000000, 0);
    ip.writeUInt16BE(l4.length, 4);
    ip[6] = proto;
    ip[7] = 64;
    a.src.copy(ip, 8);
    a.dst.copy(ip, 24);
  }
  const eth = Buffer.alloc(14);
  (a.fromClient ? MAC_SERVER : MAC_CLIENT).copy(eth, 0);
  (a.fromClient ? MAC_CLIENT : MAC_SERVER).copy(eth, 6);
  eth.writeUInt16BE(a.src.length === 4 ? 0x0800 : 0x86dd, 12);
  return Buffer.concat([eth, ip, l4]);
}

export function tcpPacket(a: Addressing, seq: number, ack: number, flags: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const tcp = Buffer.alloc(20 + payload.length);
  tcp.writeUInt16BE(a.sport, 0);
  tcp.writeUInt16BE(a.dport, 2);
  tcp.writeUInt32BE(seq >>> 0, 4);
  tcp.writeUInt32BE(flags & TCP_ACK ? ack >>> 0 : 0, 8);
  tcp[12] = 5 << 4;
  tcp[13] = flags;
  tcp.writeUInt16BE(65535, 14);
  payload.copy(tcp, 20);
  tcp.writeUInt16BE(fold(sum16(tcp, pseudoSum(a.src, a.dst, 6, tcp.length))), 16);
  return ipPacket(a, 6, tcp);
}

export function udpPacket(a: Addressing, payload: Buffer): Buffer {
  const udp = Buffer.alloc(8 + payload.length);
  udp.writeUInt16BE(a.sport, 0);
  udp.writeUInt16BE(a.dport, 2);
  udp.writeUInt16BE(udp.length, 4);
  payload.copy(udp, 8);
  const c = fold(sum16(udp, pseudoSum(a.src, a.dst, 17, udp.length)));
  udp.writeUInt16BE(c === 0 ? 0xffff : c, 6);
  return ipPacket(a, 17, udp);
}
