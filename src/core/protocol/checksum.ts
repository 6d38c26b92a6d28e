/**
 * Checksums by their reveng catalogue names (and the short names users type): sum8 and xor8 here, the CRCs from
 * the `crc` package. Each entry carries its width and the catalogue check value (the checksum of "123456789").
 */
import { crc8, crc81wire, crc16, crc16ccitt, crc16kermit, crc16modbus, crc16xmodem, crc24, crc32, crcjam } from 'crc';
import type { CRCModule } from 'crc/mjs/types';

export interface ChecksumAlgorithm {
  /** the reveng catalogue name, e.g. CRC-16/MODBUS */
  readonly name: string;
  /** the short name, e.g. crc16-modbus (also the template macro) */
  readonly shortName: string;
  /** width in bits */
  readonly width: number;
  /** the catalogue check value: the checksum of the ASCII bytes "123456789" */
  readonly check: number;
  compute(data: Uint8Array): number;
}

function sum8(data: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) s = (s + data[i]) & 0xff;
  return s;
}

function xor8(data: Uint8Array): number {
  let x = 0;
  for (let i = 0; i < data.length; i++) x ^= data[i];
  return x;
}

type CrcFn = (data: Uint8Array) => number;
const unsigned = (fn: CRCModule): CrcFn => (data) => fn(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)) >>> 0;

/** [short name, catalogue name, aliases…], width, check value, function */
const TABLE: Array<[names: string[], width: number, check: number, fn: CrcFn]> = [
  [['sum8', 'SUM-8', 'ADD8'], 8, 0xdd, sum8],
  [['xor8', 'XOR-8', 'BCC'], 8, 0x31, xor8],
  [['crc8', 'CRC-8', 'CRC-8/SMBUS'], 8, 0xf4, unsigned(crc8)],
  [['crc8-maxim', 'CRC-8/MAXIM-DOW', 'CRC-8/MAXIM', 'DOW-CRC'], 8, 0xa1, unsigned(crc81wire)],
  [['crc16-modbus', 'CRC-16/MODBUS', 'modbus'], 16, 0x4b37, unsigned(crc16modbus)],
  [['crc16-ccitt-false', 'CRC-16/IBM-3740', 'CRC-16/CCITT-FALSE', 'CRC-16/AUTOSAR'], 16, 0x29b1, unsigned(crc16ccitt)],
  [['crc16-xmodem', 'CRC-16/XMODEM', 'CRC-16/ACORN', 'CRC-16/LTE', 'CRC-16/V-41-MSB', 'XMODEM', 'ZMODEM'], 16, 0x31c3, unsigned(crc16xmodem)],
  [['crc16-kermit', 'CRC-16/KERMIT', 'CRC-16/CCITT', 'CRC-16/CCITT-TRUE', 'CRC-16/V-41-LSB'], 16, 0x2189, unsigned(crc16kermit)],
  [['crc16-arc', 'CRC-16/ARC', 'crc16', 'CRC-16/LHA', 'CRC-IBM'], 16, 0xbb3d, unsigned(crc16)],
  [['crc24', 'CRC-24/OPENPGP'], 24, 0x21cf02, unsigned(crc24)],
  [['crc32', 'CRC-32/ISO-HDLC', 'CRC-32', 'CRC-32/ADCCP', 'CRC-32/V-42', 'CRC-32/XZ', 'PKZIP'], 32, 0xcbf43926, unsigned(crc32)],
  [['crc32-jamcrc', 'CRC-32/JAMCRC', 'JAMCRC'], 32, 0x340bc6d9, unsigned(crcjam)],
];

const BY_NAME = new Map<string, ChecksumAlgorithm>();
/** the short names, in catalogue order (what the schema, completion and errors list) */
export const CHECKSUM_NAMES: readonly string[] = TABLE.map(([names]) => names[0]);
for (const [names, width, check, compute] of TABLE) {
  const alg: ChecksumAlgorithm = { name: names[1], shortName: names[0], width, check, compute };
  for (const n of names) BY_NAME.set(n.toLowerCase(), alg);
}

/** The algorithm for a catalogue or short name (case-insensitive), or undefined. */
export function checksumAlgorithm(name: string): ChecksumAlgorithm | undefined {
  return BY_NAME.get(name.trim().toLowerCase());
}

/** Is `name` a checksum macro/algorithm name? */
export function isChecksumName(name: string): boolean {
  return BY_NAME.has(name.trim().toLowerCase());
}
