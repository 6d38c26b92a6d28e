// Faults changed on a running relay: open pairs take them for their later reads (drop, half-close, reset budget),
// new pairs start with them, and a seed given replaces the relay's.
import * as assert from 'node:assert/strict';
import { collect, ofType, startTcpRelay, tcpConnect, tcpServer, until } from '../test/relay';

describe('relay: setFaults on a running relay', () => {
  it('drops a lane from now on, then resets the pair when a reset budget is spent; a new pair starts with the faults', async () => {
    const up = await tcpServer((s) => s.pipe(s));
    const r = await startTcpRelay(up.port);
    try {
      const c = await tcpConnect(r.port);
      const back = collect(c);
      let got = '';
      c.on('data', (d: Buffer) => (got += d.toString()));
      c.write('one;');
      await until(() => got === 'one;', 'the echo before any fault');
      r.relay.setFaults({ drop: ['s2c'], seed: 5 });
      assert.equal(r.relay.seed, 5);
      c.write('two;');
      await until(() => ofType(r.events, 'fault').some((e) => e.action === 'drop' && e.lane === 's2c'), 'the s2c answer dropped');
      assert.equal(got, 'one;');
      assert.equal(r.relay.pair('p1')?.counters().s2c.dropped, 4);
      // a reset budget counts from when it is set: 3 more bytes, then RST to both peers
      r.relay.setFaults({ resetAfter: 3 });
      c.write('three;');
      const end = await back;
      assert.equal(end.error, 'ECONNRESET');
      assert.equal(got, 'one;', 'the 3 bytes of budget went to the server (c2s); then both peers were reset');
      await until(() => ofType(r.events, 'close').some((e) => e.pair === 'p1'), 'p1 closed');
      assert.equal(ofType(r.events, 'close').find((e) => e.pair === 'p1')?.reason, 'reset-by-relay');

      // a new pair gets the faults at once
      r.relay.setFaults({ drop: ['c2s'] });
      const c2 = await tcpConnect(r.port);
      c2.write('lost');
      await until(() => (r.relay.pair('p2')?.counters().c2s.dropped ?? 0) === 4, 'p2 c2s dropped');
      c2.destroy();
    } finally {
      await r.close();
      await up.close();
    }
  });
});
