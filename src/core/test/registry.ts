/** Test helper: a fresh ConnectionRegistry for each test of a suite, every socket closed and the registry disposed after it. */
import { ConnectionRegistry } from '../registry';
import type { RegistryOptions } from '../types';

/**
 * Call inside a `describe`: returns a stand-in that forwards to the current test's registry, so a suite writes
 * `const reg = useRegistry();` once and uses `reg` in every test.
 */
export function useRegistry(options?: RegistryOptions): ConnectionRegistry {
  let current: ConnectionRegistry | undefined;
  beforeEach(() => {
    current = new ConnectionRegistry(options);
  });
  afterEach(async () => {
    const r = current;
    current = undefined;
    if (!r) return;
    await r.closeAll();
    r.dispose();
  });
  const live = (): ConnectionRegistry => {
    if (!current) throw new Error('useRegistry(): the registry exists only while a test runs');
    return current;
  };
  return new Proxy({} as ConnectionRegistry, {
    get(_target, key) {
      const r = live();
      const v: unknown = Reflect.get(r, key, r);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(r) : v;
    },
  });
}
