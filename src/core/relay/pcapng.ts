/**
 * pcapng export of a relay recording, written by hand to the pcapng spec: a Section Header Block, one Interface
 * Description Block (link type Ethernet, microsecond timestamps) and one Enhanced Packet Block per packet.
 * Each TCP pair becomes a synthesized connection (handshake, consistent seq/ack, one packet per recorded chunk, FIN
 * or RST at the end) between the recorded client and server addresses; each UDP datagram one UDP packet.
 */
import { openSync, writeSync, closeSync } from 'node:fs';
import { addressPair, tcpPacket, udpPacket, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, type Addressing } from './packets';
import type { RecordEntry, Recording, RecordingHeader } from './record';
import type { Lane } from './types';

const LINKTYPE_ETHERNET = 1;
/** the largest TCP payload put in one packet (IPv4 total length is 16 bits); a larger chunk spans several */
export const PCAP_MAX_SEGMENT = 65000;

function block(type: number, body: Buffer): Buffer {
  const pad = (4 - (body.length % 4)) % 4;
  const total = 12 + body.length + pad;
  const b = Buffer.alloc(total);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(total, 4);
  body.copy(b, 8);
  b.writeUInt32LE(total, total - 4);
  return b;
}

function option(code: number, value: Buffer): Buffer {
  const pad = (4 - (value.length % 4)) % 4;
  const b = Buffer.alloc(4 + value.length + pad);
  b.writeUInt16LE(code, 0);
  b.writeUInt16LE(value.length, 2);
  value.copy(b, 4);
  return b;
}

const END_OF_OPTIONS = Buffer.alloc(4);

function sectionHeader(): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt32LE(0x1a2b3c4d, 0); // byte-order magic
  body.writeUInt16LE(1, 4); // major version
  body.writeUInt16LE(0, 6); // minor version
  body.writeBigInt64LE(-1n, 8); // section length: not given
  const shbUserAppl = option(4, Buffer.from('sockdbg relay'));
  return block(0x0a0d0d0a, Buffer.concat([body, shbUserAppl, END_OF_OPTIONS]));
}

function interfaceDescription(): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt16LE(LINKTYPE_ETHERNET, 0);
  body.writeUInt32LE(0, 4); // snaplen: no limit
  const ifName = option(2, Buffer.from('sockdbg-relay'));
  const tsresol = option(9, Buffer.from([6])); // 10^-6 s
  return block(0x00000001, Buffer.concat([body, ifName, tsresol, END_OF_OPTIONS]));
}

function enhancedPacket(epochMicros: bigint, packet: Buffer): Buffer {
  const head = Buffer.alloc(20);
  head.writeUInt32LE(0, 0); // interface 0
  head.writeUInt32LE(Number(epochMicros >> 32n), 4);
  head.writeUInt32LE(Number(epochMicros & 0xffffffffn), 8);
  head.writeUInt32LE(packet.length, 12);
  head.writeUInt32LE(packet.length, 16);
  const pad = Buffer.alloc((4 - (packet.length % 4)) % 4);
  return block(0x00000006, Buffer.concat([head, packet, pad]));
}

interface PairState {
  c2s: Addressing;
  s2c: Addressing;
  /** next sequence number each side sends */
  seq: Record<Lane, number>;
  finished: Record<Lane, boolean>;
  closed: boolean;
}

/** Builds the packets of a recording, entry by entry; `emit` receives each with its epoch-µs timestamp. */
export class PacketSynthesizer {
  private readonly pairs = new Map<string, PairState>();

  constructor(
    private readonly header: RecordingHeader,
    private readonly emit: (epochMicros: bigint, packet: Buffer) => void,
  ) {}

  private at(t: number): bigint {
    return BigInt(Math.round((this.header.startMs + t) * 1000));
  }

  entry(e: RecordEntry): void {
    const ts = this.at(e.t);
    if (e.type === 'open') {
      const [c, s] = addressPair(e.client.address, e.server.address);
      const ipId = { next: 1 };
      const p: PairState = {
        c2s: { src: c, dst: s, sport: e.client.port, dport: e.server.port, fromClient: true, ipId },
        s2c: { src: s, dst: c, sport: e.server.port, dport: e.client.port, fromClient: false, ipId },
        // initial sequence numbers: any value works; distinct per side to read traces easily
        seq: { c2s: 0x10000000, s2c: 0x20000000 },
        finished: { c2s: false, s2c: false },
        closed: false,
      };
      this.pairs.set(e.pair, p);
      if (this.header.proto === 'tcp') {
        this.emit(ts, tcpPacket(p.c2s, p.seq.c2s, 0, TCP_SYN));
        this.emit(ts, tcpPacket(p.s2c, p.seq.s2c, p.seq.c2s + 1, TCP_SYN | TCP_ACK));
        p.seq.c2s++;
        p.seq.s2c++;
        this.emit(ts, tcpPacket(p.c2s, p.seq.c2s, p.seq.s2c, TCP_ACK));
      }
      return;
    }
    const p = this.pairs.get(e.pair);
    if (!p || p.closed) return;
    const other = (l: Lane): Lane => (l === 'c2s' ? 's2c' : 'c2s');
    if (e.type === 'data') {
      const data = Buffer.from(e.b64, 'base64');
      if (this.header.proto === 'udp') {
        this.emit(ts, udpPacket(p[e.lane], data));
        return;
      }
      for (let off = 0; off < data.length; off += PCAP_MAX_SEGMENT) {
        const seg = data.subarray(off, off + PCAP_MAX_SEGMENT);
        this.emit(ts, tcpPacket(p[e.lane], p.seq[e.lane], p.seq[other(e.lane)], TCP_PSH | TCP_ACK, seg));
        p.seq[e.lane] += seg.length;
      }
    } else if (e.type === 'end' && this.header.proto === 'tcp' && !p.finished[e.lane]) {
      p.finished[e.lane] = true;
      this.emit(ts, tcpPacket(p[e.lane], p.seq[e.lane], p.seq[other(e.lane)], TCP_FIN | TCP_ACK));
      p.seq[e.lane]++;
    } else if (e.type === 'close') {
      p.closed = true;
      if (this.header.proto !== 'tcp') return;
      const rst = (l: Lane): void => this.emit(ts, tcpPacket(p[l], p.seq[l], p.seq[other(l)], TCP_RST | TCP_ACK));
      if (e.reason === 'reset-by-client' || e.reason === 'reset-by-relay') rst('c2s');
      if (e.reason === 'reset-by-server' || e.reason === 'reset-by-relay') rst('s2c');
      if (e.reason === 'fin') {
        // the last FIN is acknowledged
        this.emit(ts, tcpPacket(p.c2s, p.seq.c2s, p.seq.s2c, TCP_ACK));
      }
    }
  }
}

/** Writes a pcapng file, synchronously. */
export class PcapngWriter {
  private fd: number | undefined;
  private synth: PacketSynthesizer | undefined;
  packets = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
    this.write(sectionHeader());
    this.write(interfaceDescription());
  }

  private write(b: Buffer): void {
    if (this.fd === undefined) return;
    let off = 0;
    while (off < b.length) off += writeSync(this.fd, b, off, b.length - off);
  }

  /** starts the packets of a recording */
  begin(header: RecordingHeader): void {
    this.synth = new PacketSynthesizer(header, (ts, pkt) => {
      this.packets++;
      this.write(enhancedPacket(ts, pkt));
    });
  }

  entry(e: RecordEntry): void {
    this.synth?.entry(e);
  }

  /** live export: the header starts the packets, entries follow */
  take(x: RecordingHeader | RecordEntry): void {
    if (x.type === 'recording') this.begin(x);
    else this.entry(x);
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** converts a whole recording to a pcapng file; returns the number of packets */
export function writePcapng(rec: Recording, path: string): number {
  const w = new PcapngWriter(path);
  try {
    w.begin(rec.header);
    for (const e of rec.entries) w.entry(e);
    return w.packets;
  } finally {
    w.close();
  }
}
