import * as assert from 'node:assert/strict';
import { DisposableStore, Emitter, once } from './events';

describe('core/events', () => {
  it('delivers events to listeners until they are disposed', () => {
    const em = new Emitter<number>();
    const seen: number[] = [];
    const d = em.event((n) => seen.push(n));
    em.fire(1);
    d.dispose();
    em.fire(2);
    assert.deepEqual(seen, [1]);
  });

  it('lets a listener dispose itself while firing without skipping others', () => {
    const em = new Emitter<string>();
    const seen: string[] = [];
    const d: { dispose(): void } = em.event(() => { seen.push('a'); d.dispose(); });
    em.event(() => seen.push('b'));
    em.fire('x');
    em.fire('y');
    assert.deepEqual(seen, ['a', 'b', 'b']);
  });

  it('disposes a store in reverse order, and at once what is added after', () => {
    const order: number[] = [];
    const s = new DisposableStore();
    s.add({ dispose: () => order.push(1) });
    s.add({ dispose: () => order.push(2) });
    s.dispose();
    s.add({ dispose: () => order.push(3) });
    assert.deepEqual(order, [2, 1, 3]);
  });

  it('once() resolves with the next event', async () => {
    const em = new Emitter<number>();
    const p = once(em.event);
    em.fire(7);
    em.fire(8);
    assert.equal(await p, 7);
    assert.equal(em.hasListeners, false);
  });
});
