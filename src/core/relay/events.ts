/** How a relay reports a listener that threw: an 'error' event (once; a throwing error listener is ignored). */
import type { GuardedEmitter } from '../events';
import { errorMessage } from '../../shared/errors';
import type { RelayEvent } from './types';

let reporting = false;

export function listenerFailed(emitter: GuardedEmitter<RelayEvent>, err: unknown): void {
  if (reporting) return;
  reporting = true;
  try {
    emitter.fire({ type: 'error', code: 'LISTENER_ERROR', message: `a relay event listener failed: ${errorMessage(err)}`, time: Date.now() });
  } finally {
    reporting = false;
  }
}
