/**
 * How a relay reports a listener that threw: an 'error' event naming the pair, the lane and the stream offset of the
 * event it was handling (once; a throwing error listener is ignored).
 */
import type { GuardedEmitter } from '../events';
import { errorMessage } from '../../shared/errors';
import type { RelayEvent } from './types';

let reporting = false;

export function listenerFailed(emitter: GuardedEmitter<RelayEvent>, err: unknown, e: RelayEvent): void {
  if (reporting) return;
  reporting = true;
  try {
    const pair = 'pair' in e ? e.pair : undefined;
    const lane = 'lane' in e ? e.lane : undefined;
    const offset = e.type === 'frame' ? e.start : 'offset' in e ? e.offset : undefined;
    const where = [pair !== undefined ? `pair ${pair}` : 'relay', lane, offset !== undefined ? `stream offset ${offset}` : undefined].filter((x) => x !== undefined).join(' ');
    emitter.fire({
      type: 'error',
      ...(pair !== undefined ? { pair } : {}),
      ...(lane !== undefined ? { lane } : {}),
      code: 'LISTENER_ERROR',
      message: `${where}: a relay event listener threw on the '${e.type}' event: ${errorMessage(err)}`,
      time: Date.now(),
    });
  } finally {
    reporting = false;
  }
}
