/** `sockdbg relay` options: parseArgs definitions and their validation into relay options (faults: fault-options.ts). */
import { isIP } from 'node:net';
import { optString, optFlag, parsePort, parseFraming, parseEncoding, type OptionDefs, type ParsedArgs } from '../args';
import { UsageError } from '../errors';
import type { FaultOptions, Lane } from '../../core/relay';
import { FAULT_OPTIONS, faultOptions } from './fault-options';

export const RELAY_OPTIONS: OptionDefs = {
  listen: { type: 'string', short: 'l' },
  to: { type: 'string', short: 't' },
  udp: { type: 'boolean', short: 'u' },
  framing: { type: 'string', short: 'f' },
  'c2s-framing': { type: 'string' },
  's2c-framing': { type: 'string' },
  encoding: { type: 'string', short: 'e' },
  ...FAULT_OPTIONS,
  record: { type: 'string' },
  pcap: { type: 'string' },
  once: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  json: { type: 'boolean' },
};

export interface RelayCliOptions {
  listen: { host: string; port: number };
  to: { host: string; port: number };
  udp: boolean;
  framing: string;
  /** set when --c2s-framing or --s2c-framing is given */
  laneFraming?: Record<Lane, string>;
  encoding: string;
  faults: FaultOptions;
  record?: string;
  pcap?: string;
  once: boolean;
  quiet: boolean;
  json: boolean;
}

/** `[HOST:]PORT`, `[::1]:PORT`; `defaultHost` when no host is given (undefined: a host is required) */
export function parseEndpointArg(text: string | undefined, command: string, what: string, defaultHost?: string): { host: string; port: number } {
  if (text === undefined) throw new UsageError(`${what} is required`, command);
  let host: string | undefined;
  let portText = text;
  const bracket = /^\[([^\]]+)\]:(.*)$/.exec(text);
  if (bracket) {
    host = bracket[1];
    portText = bracket[2];
  } else if (text.includes(':') && isIP(text) !== 6) {
    host = text.slice(0, text.lastIndexOf(':'));
    portText = text.slice(text.lastIndexOf(':') + 1);
  }
  host ??= defaultHost;
  if (host === undefined || host === '') throw new UsageError(`${what} must be HOST:PORT, got '${text}'`, command);
  const port = parsePort(portText, command, what);
  if (port === 0 && defaultHost === undefined) throw new UsageError(`${what} port must be 1-65535, got '0'`, command);
  return { host, port };
}

export function relayOptions(args: ParsedArgs, command: string): RelayCliOptions {
  const udp = optFlag(args, 'udp');
  const faults = faultOptions(args, command, { relay: true, datagrams: udp });
  const framing = parseFraming(optString(args, 'framing'), command);
  const c2sText = optString(args, 'c2s-framing');
  const s2cText = optString(args, 's2c-framing');
  const laneFraming =
    c2sText !== undefined || s2cText !== undefined
      ? {
          c2s: c2sText !== undefined ? parseFraming(c2sText, command, '--c2s-framing') : framing,
          s2c: s2cText !== undefined ? parseFraming(s2cText, command, '--s2c-framing') : framing,
        }
      : undefined;
  if (udp) {
    if (framing !== 'raw' || laneFraming) throw new UsageError(`--framing is for TCP streams; with --udp each datagram is one message`, command);
  }
  const record = optString(args, 'record');
  const pcap = optString(args, 'pcap');
  return {
    listen: parseEndpointArg(optString(args, 'listen'), command, '--listen', '127.0.0.1'),
    to: parseEndpointArg(optString(args, 'to'), command, '--to'),
    udp,
    framing,
    ...(laneFraming ? { laneFraming } : {}),
    encoding: parseEncoding(optString(args, 'encoding'), command),
    faults,
    ...(record !== undefined ? { record } : {}),
    ...(pcap !== undefined ? { pcap } : {}),
    once: optFlag(args, 'once'),
    quiet: optFlag(args, 'quiet'),
    json: optFlag(args, 'json'),
  };
}
