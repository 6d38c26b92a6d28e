// The rule that nothing a test sends leaves the machine, checked over the whole tree's test and benchmark code.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOT_A_DESTINATION, scanText, scanTree } from './guard';

const ROOT = join(__dirname, '../../../..');

describe('loopback guard', () => {
  it('finds no off-machine address in any test or benchmark file of this tree', () => {
    const found = scanTree(ROOT);
    assert.deepEqual(found.map((v) => `${v.file}:${v.line} ${v.address}`), []);
  });

  it('fails on planted off-machine destinations and passes loopback ones', () => {
    const planted = [
      `reg.send(id, b, { to: { address: '255.255.255.255', port: 9 } });`,
      `runCli(['udp', 'send', '192.168.1.255', '9', 'hi']);`,
      `sk.sendto(b'x', ('10.0.0.7', 9))`,
      'connect(`8.8.8.8:53`)',
      `bindUdp({ host: '2001:db8::1' })`,
      `connect({ host: 'fe80::1%eth0' })`,
      `send('::ffff:10.1.2.3')`,
    ].join('\n');
    assert.deepEqual(
      scanText(planted).map((v) => `${v.line} ${v.address}`),
      ['1 255.255.255.255', '2 192.168.1.255', '3 10.0.0.7', '4 8.8.8.8', '5 2001:db8::1', '6 fe80::1', '7 ::ffff:10.1.2.3'],
    );
    const fine = [
      `send(to '127.255.255.255:9')`,
      `bind('0.0.0.0')`,
      `listen('::1'); listen('::'); connect('[::1]:80')`,
      `'::ffff:127.0.0.1'`,
      `at 16:04:25 version 4.139.1 and struct '<BBHf'`,
      `assert.equal(format('10.0.0.1', 80), '10.0.0.1:80'); // ${NOT_A_DESTINATION}`,
    ].join('\n');
    assert.deepEqual(scanText(fine), []);
  });

  it('reads test files wherever they are in a tree (a planted file fails the tree scan)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockdbg-guard-'));
    try {
      mkdirSync(join(dir, 'src/core'), { recursive: true });
      mkdirSync(join(dir, 'bench'), { recursive: true });
      writeFileSync(join(dir, 'src/core/ok.ts'), `const docs = 'udp send 255.255.255.255 9 hi';\n`); // product code: not read
      writeFileSync(join(dir, 'src/core/x.test.ts'), `it('x', () => send('127.0.0.1'));\nit('y', () => send('192.168.0.255'));\n`);
      writeFileSync(join(dir, 'bench/flood.bench.mjs'), `sock.send(buf, 9, '255.255.255.255');\n`);
      assert.deepEqual(
        scanTree(dir).map((v) => `${v.file}:${v.line} ${v.address}`).sort(),
        ['bench/flood.bench.mjs:1 255.255.255.255', 'src/core/x.test.ts:2 192.168.0.255'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
