/** The files `sockdbg relay` writes as it runs: --record (JSON lines) and --pcap (pcapng). */
import { RelayRecorder } from '../../core/relay';
import { UsageError } from '../errors';
import { errorMessage } from '../../shared/errors';
import type { RelayCliOptions } from './relay-options';

export type RelayOutputs = RelayRecorder;

export function openRelayOutputs(o: RelayCliOptions, command: string): RelayOutputs {
  return new RelayRecorder({ ...(o.record !== undefined ? { record: o.record } : {}), ...(o.pcap !== undefined ? { pcap: o.pcap } : {}), framing: o.framing, ...(o.laneFraming ? { laneFraming: o.laneFraming } : {}) }, (what, path, err) => {
    throw new UsageError(`cannot write --${what} file '${path}': ${errorMessage(err)}`, command);
  });
}
