/** What a running relay writes as it goes: the recording (JSON lines) and a live pcapng, stamped by one clock. */
import { EntryClock, RecordWriter } from './record';
import { PcapngWriter } from './pcapng';
import type { Lane, RelayEvent } from './types';

export interface RelayRecorderOptions {
  /** the recording file */
  record?: string;
  /** the pcapng file written while the relay runs */
  pcap?: string;
  framing: string;
  laneFraming?: Record<Lane, string>;
}

export class RelayRecorder {
  private readonly record: RecordWriter | undefined;
  private readonly pcap: PcapngWriter | undefined;
  private readonly clock: EntryClock;

  /** opens the files; throws (with `what` the option that named the file failing) when one cannot be written */
  constructor(o: RelayRecorderOptions, onOpenError: (what: 'record' | 'pcap', path: string, err: unknown) => never) {
    const open = <T>(what: 'record' | 'pcap', path: string, make: () => T): T => {
      try {
        return make();
      } catch (err) {
        return onOpenError(what, path, err);
      }
    };
    const { record, pcap } = o;
    this.record = record !== undefined ? open('record', record, () => new RecordWriter(record)) : undefined;
    try {
      this.pcap = pcap !== undefined ? open('pcap', pcap, () => new PcapngWriter(pcap)) : undefined;
    } catch (err) {
      this.record?.close();
      throw err;
    }
    // one clock: the recording and the live pcapng carry the same timestamps
    this.clock = new EntryClock(o.framing, o.laneFraming);
  }

  /** the relay's events, from `listening` on */
  event(e: RelayEvent): void {
    if (!this.record && !this.pcap) return;
    const x = this.clock.take(e);
    if (x === undefined) return;
    this.record?.take(x);
    this.pcap?.take(x);
  }

  close(): void {
    this.record?.close();
    this.pcap?.close();
  }
}
