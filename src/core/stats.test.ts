import * as assert from 'node:assert/strict';
import { ConnectionCounters, RateMeter, now } from './stats';

describe('core/stats', () => {
  it('counts bytes, chunks and activity per direction', () => {
    const c = new ConnectionCounters();
    c.addIn(10, 1000.5);
    c.addIn(5, 1001);
    c.addOut(7, 1002);
    c.framesIn += 2;
    const s = c.snapshot(1002);
    assert.equal(s.bytesIn, 15);
    assert.equal(s.chunksIn, 2);
    assert.equal(s.bytesOut, 7);
    assert.equal(s.framesIn, 2);
    assert.equal(s.framesOut, 0);
    assert.equal(s.lastActivity, 1002);
  });

  it('computes the rate over the last seconds from per-second buckets', () => {
    const m = new RateMeter();
    assert.equal(m.rate(5000), 0);
    const t0 = 1_000_000_000;
    for (let i = 0; i < 10; i++) m.add(1000, t0 + i * 100); // 10 000 bytes during one second
    assert.equal(m.rate(t0 + 1000), 10000);
    // steady 1000 B/s for 10 s: about 1000 B/s
    const m2 = new RateMeter();
    for (let s = 0; s < 10; s++) m2.add(1000, t0 + s * 1000);
    const r = m2.rate(t0 + 9999);
    assert.ok(r > 900 && r < 1100, String(r));
    // nothing for a while: 0
    assert.equal(m2.rate(t0 + 30000), 0);
  });

  it('timestamps are epoch ms with sub-ms precision', () => {
    const t = now();
    assert.ok(Math.abs(t - Date.now()) < 50);
  });
});
