import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { hexdump, toHex } from './hexdump';

describe('hexdump', () => {
  it('matches `hexdump -C` line for line', () => {
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
      return; // no hexdump(1) here: the fixed expectations below still run
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
  });
});
