import * as assert from 'node:assert/strict';
import { pythonJson } from '../test/python';
import { CHECKSUM_NAMES, checksumAlgorithm } from './checksum';

/** Python references: zlib/binascii where the stdlib has them, else a textbook bit-by-bit loop from the catalogue's parameters. */
const PYTHON_CHECKSUMS = `
import sys, json, zlib, binascii

def crc(data, width, poly, init, refin, refout, xorout):
    top = 1 << (width - 1)
    mask = (1 << width) - 1
    reg = init
    for byte in data:
        if refin:
            byte = int('{:08b}'.format(byte)[::-1], 2)
        reg ^= byte << (width - 8)
        for _ in range(8):
            reg = ((reg << 1) ^ poly) & mask if reg & top else (reg << 1) & mask
    if refout:
        reg = int('{:0{w}b}'.format(reg, w=width)[::-1], 2)
    return reg ^ xorout

params = {
    'crc8': (8, 0x07, 0x00, False, False, 0x00),
    'crc8-maxim': (8, 0x31, 0x00, True, True, 0x00),
    'crc16-modbus': (16, 0x8005, 0xFFFF, True, True, 0x0000),
    'crc16-kermit': (16, 0x1021, 0x0000, True, True, 0x0000),
    'crc16-arc': (16, 0x8005, 0x0000, True, True, 0x0000),
    'crc24': (24, 0x864CFB, 0xB704CE, False, False, 0x000000),
    'crc32-jamcrc': (32, 0x04C11DB7, 0xFFFFFFFF, True, True, 0x00000000),
}
out = []
for hexdata in json.load(sys.stdin):
    data = bytes.fromhex(hexdata)
    row = {
        'sum8': sum(data) & 0xFF,
        'xor8': 0,
        'crc16-xmodem': binascii.crc_hqx(data, 0),
        'crc16-ccitt-false': binascii.crc_hqx(data, 0xFFFF),
        'crc32': zlib.crc32(data),
    }
    for b in data:
        row['xor8'] ^= b
    for name, p in params.items():
        row[name] = crc(data, *p)
    out.append(row)
print(json.dumps(out))
`;

describe('checksums', () => {
  const check = Buffer.from('123456789', 'ascii');

  it('every algorithm gives its reveng catalogue check value for "123456789"', () => {
    const expected: Record<string, number> = {
      sum8: 0xdd,
      xor8: 0x31,
      crc8: 0xf4,
      'crc8-maxim': 0xa1,
      'crc16-modbus': 0x4b37,
      'crc16-ccitt-false': 0x29b1,
      'crc16-xmodem': 0x31c3,
      'crc16-kermit': 0x2189,
      'crc16-arc': 0xbb3d,
      crc24: 0x21cf02,
      crc32: 0xcbf43926,
      'crc32-jamcrc': 0x340bc6d9,
    };
    assert.deepEqual([...CHECKSUM_NAMES].sort(), Object.keys(expected).sort());
    for (const name of CHECKSUM_NAMES) {
      const alg = checksumAlgorithm(name);
      assert.ok(alg, name);
      assert.equal(alg.compute(check), expected[name], name);
      assert.equal(alg.check, expected[name], `${name}: table's check value`);
    }
  });

  it('catalogue names and aliases are case-insensitive', () => {
    assert.equal(checksumAlgorithm('CRC-16/MODBUS')?.shortName, 'crc16-modbus');
    assert.equal(checksumAlgorithm('crc-16/ccitt-false')?.shortName, 'crc16-ccitt-false');
    assert.equal(checksumAlgorithm('CRC-16/IBM-3740')?.shortName, 'crc16-ccitt-false');
    assert.equal(checksumAlgorithm('CRC-32/ISO-HDLC')?.shortName, 'crc32');
    assert.equal(checksumAlgorithm('CRC-16/XMODEM')?.name, 'CRC-16/XMODEM');
    assert.equal(checksumAlgorithm('crc-99'), undefined);
  });

  it('agrees with Python (zlib.crc32, binascii.crc_hqx, reference loops) on random data', () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    const inputs: Buffer[] = [Buffer.alloc(0), Buffer.from([0]), Buffer.from([0xff]), check];
    for (let i = 0; i < 40; i++) inputs.push(Buffer.from(Array.from({ length: rnd() % 300 }, () => rnd() & 0xff)));
    const rows = pythonJson(PYTHON_CHECKSUMS, inputs.map((b) => b.toString('hex'))) as Array<Record<string, number>>;
    rows.forEach((row, i) => {
      for (const [name, want] of Object.entries(row)) {
        assert.equal(checksumAlgorithm(name)?.compute(inputs[i]), want, `${name} of ${inputs[i].toString('hex')}`);
      }
    });
  });
});
