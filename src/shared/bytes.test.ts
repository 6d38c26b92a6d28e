/** bytes.ts: hex, a hexdump checked against `hexdump -C`, and Python/C literals checked against Python's repr. */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { byteLiteral, hexByte, hexdump, toHex } from './bytes';

describe('shared/bytes hexdump', () => {
  it('matches `hexdump -C` line for line', function () {
    const samples = [
      Buffer.from('Hello, 世界\nabcdefghijklmnopqrstuvwxyz'),
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      Buffer.from('0123456789abcdef'),
      Buffer.from('x'),
      Buffer.from('12345678'),
      Buffer.from('123456789'),
    ];
    let reference: (b: Buffer) => string;
    try {
      execFileSync('hexdump', ['-C'], { input: 'x' });
      // hexdump -C ends with a line holding the total length; ours does not
      reference = (b) => execFileSync('hexdump', ['-C', '-v'], { input: b, encoding: 'utf8' }).trimEnd().split('\n').slice(0, -1).join('\n');
    } catch {
      this.skip(); // no hexdump(1) on this machine: the fixed expectations below still run
    }
    for (const b of samples) assert.equal(hexdump(b), reference(b));
  });

  it('formats offset, hex with a gap after 8 bytes, and the ASCII column', () => {
    assert.equal(
      hexdump(Buffer.from('Hello, world!\r\n\x00\xff', 'latin1')),
      ['00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0d 0a 00  |Hello, world!...|', '00000010  ff                                                |.|'].join('\n'),
    );
    assert.equal(hexdump(new Uint8Array(0)), '');
  });

  it('supports a start offset, width, no ASCII, uppercase and a byte cap', () => {
    assert.equal(hexdump(Buffer.from('abc'), { offset: 0x1234, uppercase: true, ascii: false }), '00001234  61 62 63');
    assert.equal(hexdump(Buffer.from('abcdef'), { width: 4 }), '00000000  61 62 63 64  |abcd|\n00000004  65 66        |ef|');
    assert.equal(hexdump(Buffer.alloc(40), { maxBytes: 16 }).split('\n')[1], '… 24 more bytes');
    assert.equal(hexdump(Buffer.from('a'), { offset: 0x1_0000_0000 }), '100000000  61                                                |a|');
  });

  it('toHex', () => {
    assert.equal(toHex(Buffer.from([0, 15, 16, 255])), '000f10ff');
    assert.equal(toHex(new Uint8Array([0x48, 0x65]), ' '), '48 65');
    assert.equal(toHex(new Uint8Array([0x48, 0x65]), ':'), '48:65');
    assert.equal(toHex(new Uint8Array()), '');
    assert.equal(toHex(new Uint8Array([1, 2, 3]), ' ', 2), '01 02 …');
    assert.equal(toHex(new Uint8Array([1, 2]), ' ', 2), '01 02');
    assert.equal(hexByte(0x0a), '0a');
  });
});

describe('shared/bytes byteLiteral', () => {
  it('formats hex and C arrays', () => {
    const b = Uint8Array.from([0x09, 0, 0, 0, 0xb3, 0xd4]);
    assert.equal(byteLiteral(b, 'hex'), '09 00 00 00 b3 d4');
    assert.equal(byteLiteral(new Uint8Array(0), 'hex'), '');
    assert.equal(byteLiteral(b, 'c', 'reply'), 'const unsigned char reply[6] = {\n    0x09, 0x00, 0x00, 0x00, 0xb3, 0xd4\n};');
    const long = byteLiteral(new Uint8Array(13), 'c');
    assert.equal(long.split('\n').length, 4);
    assert.match(long, /^const unsigned char frame\[13\]/);
  });

  it('matches Python repr(bytes) exactly', function () {
    const cases = [
      Uint8Array.from({ length: 256 }, (_, i) => i),
      Uint8Array.from(Buffer.from("it's")),
      Uint8Array.from(Buffer.from('say "hi" it\'s')),
      Uint8Array.from(Buffer.from('plain \\ text\r\n\t')),
      new Uint8Array(0),
    ];
    const hexes = cases.map((c) => Buffer.from(c).toString('hex'));
    const r = spawnSync('python3', ['-c', 'import sys\nfor h in sys.argv[1:]: print(repr(bytes.fromhex(h)))', ...hexes], { encoding: 'utf8' });
    if (r.error) this.skip();
    const expected = r.stdout.trimEnd().split('\n');
    assert.equal(expected.length, cases.length);
    cases.forEach((c, i) => assert.equal(byteLiteral(c, 'python'), expected[i]));
  });
});
