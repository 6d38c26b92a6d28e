/**
 * The running relays of the window: start (with faults and recording), stop, change faults, export the recording as
 * pcapng; the Relays view reads them, the composer shows their pairs (RelayLanes). A thin owner over src/core/relay.
 */
import * as fs from 'node:fs';
import type * as vscode from 'vscode';
import { ProtocolFileError } from '../../core/protocol/errors';
import { parseProtocolFile } from '../../core/protocol/load';
import type { ProtocolModel } from '../../core/protocol/model';
import { readRecording, RelayRecorder, RelayView, TcpRelay, UdpRelay, writePcapng, type FaultOptions } from '../../core/relay';
import { errorMessage } from '../../shared/errors';
import type { RelayLanes } from '../composer/relayLanes';
import type { RelayStartOptions } from './options';

export interface RunningRelay {
  readonly view: RelayView;
  readonly recorder?: RelayRecorder;
  /** the recording file, when recording */
  readonly record?: string;
  readonly pcap?: string;
}

/** the messages of a protocol file, for the notes of a relay's frames (its rules do not act on relays) */
function readProtocolModel(file: string): ProtocolModel {
  try {
    return parseProtocolFile(fs.readFileSync(file, 'utf8'), file).model;
  } catch (err) {
    throw new RelayError('EPROTOCOL', `cannot use the protocol file ${file}: ${err instanceof ProtocolFileError ? err.report : errorMessage(err)}`);
  }
}

export class RelayError extends Error {
  constructor(
    readonly code: 'ENORELAY' | 'ELISTEN' | 'ERECORD' | 'ENOTRECORDING' | 'EPROTOCOL',
    message: string,
  ) {
    super(message);
    this.name = 'RelayError';
  }
}

export class RelayService implements vscode.Disposable {
  private readonly running = new Map<string, RunningRelay>();
  /** the relays' views by id (the Relays view reads them) */
  readonly views = new Map<string, RelayView>();
  private next = 1;
  private readonly changeListeners: Array<() => void> = [];

  constructor(
    private readonly log: vscode.LogOutputChannel,
    readonly lanes: RelayLanes,
  ) {}

  /** called on every change of a relay (throttle before painting) */
  onDidChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  private changed(): void {
    for (const l of this.changeListeners) l();
  }

  get(id: string): RunningRelay {
    const r = this.running.get(id);
    if (!r) throw new RelayError('ENORELAY', `No relay ${id}`);
    return r;
  }

  view(id: string): RelayView {
    return this.get(id).view;
  }

  isRecording(id: string): boolean {
    return this.running.get(id)?.record !== undefined;
  }

  /** `record`, `pcap` and `protocolFile` are file paths, already resolved */
  async start(o: RelayStartOptions): Promise<{ id: string; port: number }> {
    const messages = o.protocolFile !== undefined ? readProtocolModel(o.protocolFile) : undefined;
    const options = { host: o.host ?? '127.0.0.1', port: o.port, upstream: o.to, ...(o.framing !== undefined ? { framing: o.framing } : {}), ...(o.faults ? { faults: o.faults } : {}) };
    const relay = o.udp ? new UdpRelay(options) : new TcpRelay(options);
    const id = `r${this.next++}`;
    let recorder: RelayRecorder | undefined;
    if (o.record !== undefined || o.pcap !== undefined) {
      recorder = new RelayRecorder({ ...(o.record !== undefined ? { record: o.record } : {}), ...(o.pcap !== undefined ? { pcap: o.pcap } : {}), framing: o.framing ?? 'raw' }, (what, path, err) => {
        throw new RelayError('ERECORD', `cannot write the ${what === 'pcap' ? 'pcapng' : 'recording'} file ${path}: ${errorMessage(err)}`);
      });
      const rec = recorder;
      relay.onEvent((e) => rec.event(e));
    }
    const view = new RelayView(relay);
    relay.onEvent((e) => {
      if (e.type === 'upstream-error' || e.type === 'error' || e.type === 'framing-error') this.log.warn(`${id}: ${e.message}`);
      else if (e.type === 'open') this.log.info(`${id} ${e.pair}: ${e.client.address}:${e.client.port} relayed to ${e.upstream.address}:${e.upstream.port}`);
    });
    view.onDidChange(() => this.changed());
    let port: number;
    try {
      port = (await relay.listen()).port;
    } catch (err) {
      view.dispose();
      recorder?.close();
      throw new RelayError('ELISTEN', `Cannot start the relay: ${errorMessage(err)}`);
    }
    this.running.set(id, { view, ...(recorder ? { recorder } : {}), ...(o.record !== undefined ? { record: o.record } : {}), ...(o.pcap !== undefined ? { pcap: o.pcap } : {}) });
    this.views.set(id, view);
    this.lanes.add(id, view, o.encoding ?? 'utf-8', messages);
    this.log.info(`${id}: relay on ${port} to ${o.to.host}:${o.to.port} (seed ${relay.seed})${o.record !== undefined ? `, recording to ${o.record}` : ''}`);
    this.changed();
    return { id, port };
  }

  async stop(id: string): Promise<void> {
    const r = this.get(id);
    this.running.delete(id);
    this.views.delete(id);
    this.lanes.remove(id);
    await r.view.relay.close();
    r.recorder?.close();
    r.view.dispose();
    this.changed();
  }

  /** new faults for a running relay (see TcpRelay.setFaults) */
  setFaults(id: string, faults: FaultOptions | undefined): void {
    this.view(id).relay.setFaults(faults);
    this.log.info(`${id}: faults set`);
    this.changed();
  }

  /** writes what the relay has recorded so far as pcapng; resolves with the number of packets */
  exportPcap(id: string, out: string): number {
    const r = this.get(id);
    if (r.record === undefined) throw new RelayError('ENOTRECORDING', `Relay ${id} is not recording: start it with a recording to export one`);
    return writePcapng(readRecording(r.record), out);
  }

  dispose(): void {
    for (const id of [...this.running.keys()]) void this.stop(id);
  }
}
