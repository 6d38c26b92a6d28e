/**
 * The relay commands' options objects (scripts, tests) and their checks: each key checked, errors naming it. The
 * fault options go through the same validation as `sockdbg relay` (core/relay/options). Pure (no `vscode`).
 */
import { faultSpecs, parseFaultSpecs, type FaultOptions } from '../../core/relay';
import { isRelayLane, type RelayLane } from '../../shared/connections';
import { errorMessage } from '../../shared/errors';
import { checkEncodingOption, checkFramingOption, checkPort, CommandOptionsError, optBoolean, optString, type RawOptions } from '../commandOptions';

/** `socketDebugger.relay.start` → resolves with the relay id (r1, r2 …) and the port it listens on */
export interface RelayStartOptions {
  /** 0 = any free port */
  port: number;
  host?: string;
  to: { host: string; port: number };
  udp?: boolean;
  framing?: string;
  /** how the composer shows payloads as text (default utf-8) */
  encoding?: string;
  faults?: FaultOptions;
  /** record the conversation to this file (absolute, or relative to the first workspace folder) */
  record?: string;
  /** write a pcapng file while the relay runs */
  pcap?: string;
  /** a protocol file (*.sockdbg.yaml): frames of the pair's lanes that fit one of its messages show its fields */
  protocolFile?: string;
}

/** the other commands: a relay, and a pair and lane where they act on one */
export interface RelayTarget {
  relay: string;
  pair?: string;
  lane?: RelayLane;
  /** inject: the bytes as UTF-8 text … */
  text?: string;
  /** … or as hex */
  hex?: string;
}

/** `socketDebugger.relay.setFaults`: the new faults (none: no faults from now on) */
export interface RelayFaultsOptions {
  relay: string;
  faults?: FaultOptions;
}

/** `socketDebugger.relay.exportPcap`: where to write the pcapng (default: the recording's name with .pcapng) */
export interface RelayExportOptions {
  relay: string;
  path?: string;
}

/** a relay, pair or lane as one id: `r1`, `r1.p2`, `r1.p2.c2s` (a pair's id is its id in the composer) */
export function relayTargetId(t: Pick<RelayTarget, 'relay' | 'pair' | 'lane'>): string {
  return [t.relay, t.pair, t.pair !== undefined ? t.lane : undefined].filter((x) => x !== undefined).join('.');
}

export function parseRelayTargetId(id: string): Pick<RelayTarget, 'relay' | 'pair' | 'lane'> {
  const [relay, pair, lane] = id.split('.');
  return { relay, ...(pair !== undefined ? { pair } : {}), ...(isRelayLane(lane) ? { lane } : {}) };
}

/** untrusted fault options: written as text and read back by the CLI's parser, so both accept exactly the same */
export function checkFaults(v: unknown, udp = false): FaultOptions | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new CommandOptionsError('faults must be an object, e.g. { chunk: { kind: "fixed", size: 3 } }');
  try {
    return parseFaultSpecs(faultSpecs(v as FaultOptions), udp);
  } catch (e) {
    throw new CommandOptionsError(`bad faults: ${errorMessage(e)}`);
  }
}

function checkRelayId(o: RawOptions): string {
  const relay = optString(o, 'relay');
  if (relay === undefined || !/^r\d+$/.test(relay)) throw new CommandOptionsError('options.relay (the relay id, e.g. "r1") is required');
  return relay;
}

export function checkRelayStart(o: RawOptions): RelayStartOptions {
  const to = o.to;
  if (typeof to !== 'object' || to === null) throw new CommandOptionsError('options.to ({ host, port }: the server to forward to) is required');
  const t = to as RawOptions;
  const host = optString(t, 'host');
  if (!host) throw new CommandOptionsError('options.to.host is required');
  const udp = optBoolean(o, 'udp') ?? false;
  const framing = optString(o, 'framing');
  const encoding = optString(o, 'encoding');
  const faults = checkFaults(o.faults, udp);
  const bind = optString(o, 'host');
  const record = optString(o, 'record');
  const pcap = optString(o, 'pcap');
  const protocolFile = optString(o, 'protocolFile');
  if (udp && framing !== undefined && checkFramingOption(framing) !== 'raw') throw new CommandOptionsError('framing is for TCP streams; with udp each datagram is one message');
  return {
    port: checkPort(o.port ?? 0, true),
    to: { host, port: checkPort(t.port, false, 'to.port') },
    ...(bind !== undefined ? { host: bind } : {}),
    ...(udp ? { udp } : {}),
    ...(framing !== undefined ? { framing: checkFramingOption(framing) } : {}),
    ...(encoding !== undefined ? { encoding: checkEncodingOption(encoding) } : {}),
    ...(faults ? { faults } : {}),
    ...(record ? { record } : {}),
    ...(pcap ? { pcap } : {}),
    ...(protocolFile ? { protocolFile } : {}),
  };
}

export function checkRelayTarget(o: RawOptions): RelayTarget {
  const relay = checkRelayId(o);
  const pair = optString(o, 'pair');
  const lane = o.lane;
  if (lane !== undefined && !isRelayLane(lane)) throw new CommandOptionsError(`lane must be "c2s" or "s2c" (got ${JSON.stringify(lane)})`);
  const text = optString(o, 'text');
  const hex = optString(o, 'hex');
  if (hex !== undefined && !/^([0-9a-f]{2}\s*)*$/i.test(hex.trim())) throw new CommandOptionsError('hex must be pairs of hex digits, e.g. "0a 0b"');
  return { relay, ...(pair !== undefined ? { pair } : {}), ...(lane !== undefined ? { lane } : {}), ...(text !== undefined ? { text } : {}), ...(hex !== undefined ? { hex } : {}) };
}

export function checkRelayFaults(o: RawOptions): RelayFaultsOptions {
  const faults = checkFaults(o.faults);
  return { relay: checkRelayId(o), ...(faults ? { faults } : {}) };
}

export function checkRelayExport(o: RawOptions): RelayExportOptions {
  const path = optString(o, 'path');
  return { relay: checkRelayId(o), ...(path ? { path } : {}) };
}
