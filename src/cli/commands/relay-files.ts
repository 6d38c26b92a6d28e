/** The files `sockdbg relay` writes as it runs: --record (JSON lines) and --pcap (pcapng). */
import { EntryClock, RecordWriter, PcapngWriter, type RelayEvent } from '../../core/relay';
import { UsageError } from '../errors';
import { errorMessage } from '../../shared/errors';
import type { RelayCliOptions } from './relay-options';

export interface RelayOutputs {
  event(e: RelayEvent): void;
  close(): void;
}

export function openRelayOutputs(o: RelayCliOptions, command: string): RelayOutputs {
  const open = <T>(what: string, path: string, make: () => T): T => {
    try {
      return make();
    } catch (err) {
      throw new UsageError(`cannot write ${what} file '${path}': ${errorMessage(err)}`, command);
    }
  };
  const { record: recordPath, pcap: pcapPath } = o;
  const record = recordPath !== undefined ? open('--record', recordPath, () => new RecordWriter(recordPath)) : undefined;
  const pcap = pcapPath !== undefined ? open('--pcap', pcapPath, () => new PcapngWriter(pcapPath)) : undefined;
  // one clock: the recording and the live pcapng carry the same timestamps
  const clock = new EntryClock(o.framing, o.laneFraming);
  return {
    event(e) {
      if (!record && !pcap) return;
      const x = clock.take(e);
      if (x === undefined) return;
      record?.take(x);
      pcap?.take(x);
    },
    close() {
      record?.close();
      pcap?.close();
    },
  };
}
