// 1,000 pairs open at once through one relay: every byte of every lane arrives, to the right peer, in order.
import * as assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { ofType, pattern, startTcpRelay, tcpConnect, tcpServer, until } from '../test/relay';

const PAIRS = 1000;
const BYTES = 2048;

describe('relay: many pairs', function () {
  this.timeout(60000);

  it(`carries ${PAIRS} concurrent pairs with nothing lost (each echoes its own pattern)`, async () => {
    const up = await tcpServer((s) => s.pipe(s));
    const r = await startTcpRelay(up.port);
    const clients: Socket[] = [];
    try {
      // open them all (in batches, to stay inside the listen backlog), keep them all open
      for (let i = 0; i < PAIRS; i += 100) {
        clients.push(...(await Promise.all(Array.from({ length: Math.min(100, PAIRS - i) }, () => tcpConnect(r.port)))));
      }
      await until(() => ofType(r.events, 'open').length === PAIRS, `${PAIRS} open pairs`, 30000);
      assert.equal(r.relay.pairCount, PAIRS);
      const results = await Promise.all(
        clients.map(
          (c, i) =>
            new Promise<boolean>((resolve) => {
              const want = pattern(BYTES, i);
              const parts: Buffer[] = [];
              c.on('data', (d: Buffer) => parts.push(d));
              c.on('end', () => resolve(Buffer.concat(parts).equals(want)));
              c.on('error', () => resolve(false));
              c.end(want);
            }),
        ),
      );
      assert.equal(results.filter((ok) => ok).length, PAIRS);
      await until(() => ofType(r.events, 'close').length === PAIRS, 'every pair to close', 30000);
      const closes = ofType(r.events, 'close');
      assert.ok(closes.every((c) => c.reason === 'fin' && c.counters.c2s.bytesOut === BYTES && c.counters.s2c.bytesOut === BYTES && c.counters.c2s.dropped === 0));
    } finally {
      for (const c of clients) c.destroy();
      await r.close();
      await up.close();
    }
  });
});
