import * as assert from 'node:assert/strict';
import { DisposableStore } from './events';

describe('core/events', () => {
  it('disposes a store in reverse order, and at once what is added after', () => {
    const order: number[] = [];
    const s = new DisposableStore();
    s.add({ dispose: () => order.push(1) });
    s.add({ dispose: () => order.push(2) });
    s.dispose();
    s.add({ dispose: () => order.push(3) });
    assert.deepEqual(order, [2, 1, 3]);
  });
});
