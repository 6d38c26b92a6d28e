/** `sockdbg replay FILE` (play a recorded pair against a server or to a client, with a diff) and `sockdbg pcap FILE OUT`. */
import { connect, createServer, isIPv6, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import type { CommandContext } from '../context';
import { parseOrHelp } from '../dispatch';
import { expectPositionals, exclusive, optFlag, optString, parseFraming, parseSeconds, type OptionDefs } from '../args';
import { EXIT_OK, UsageError, describeNetworkError } from '../errors';
import { errorMessage } from '../../shared/errors';
import { jsonLine } from '../output';
import { formatHostPort } from '../../shared/format';
import { readRecording, laneFramingOf, replayPair, replayUdpPair, recordedPairs, diffLane, diffDatagrams, laneData, writePcapng, type Recording, type DiffLine } from '../../core/relay';
import { parseEndpointArg } from './relay-options';

type Endpoint = { host: string; port: number };

/** `replay --diff`: what came back differs from the recording */
export const EXIT_DIFFERENT = 4;

const REPLAY_OPTIONS: OptionDefs = {
  to: { type: 'string', short: 't' },
  listen: { type: 'string', short: 'l' },
  pair: { type: 'string' },
  diff: { type: 'boolean' },
  framing: { type: 'string', short: 'f' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
};

function load(path: string, command: string): Recording {
  try {
    return readRecording(path);
  } catch (err) {
    throw new UsageError(`cannot read recording: ${errorMessage(err)}`, command);
  }
}

function preview(b: Buffer): string {
  const shown = b.subarray(0, 32);
  return `${shown.toString('hex').replace(/(..)(?!$)/g, '$1 ')}${b.length > 32 ? ' …' : ''} (${b.length} bytes)`;
}

function diffText(lane: string, l: DiffLine): string {
  const head = `frame ${l.frame} (${lane} offset ${l.offset})`;
  switch (l.status) {
    case 'same':
      return `${head}: same (${l.len} bytes)`;
    case 'differs':
      return `${head}: differs at byte ${l.at}\n  expected ${preview(l.expected)}\n  got      ${preview(l.got)}`;
    case 'missing':
      return `${head}: missing, expected ${preview(l.expected)}`;
    case 'extra':
      return `${head}: extra, got ${preview(l.got)}`;
  }
}

function diffJson(lane: string, l: DiffLine): Record<string, unknown> {
  const ev: Record<string, unknown> = { type: 'diff', lane, frame: l.frame, status: l.status, offset: l.offset };
  if (l.status === 'same') ev.len = l.len;
  if (l.status === 'differs') ev.at = l.at;
  if (l.status === 'differs' || l.status === 'missing') ev.expected = l.expected.toString('hex');
  if (l.status === 'differs' || l.status === 'extra') ev.got = l.got.toString('hex');
  return ev;
}

export async function runReplay(argv: string[], ctx: CommandContext): Promise<number> {
  const cmd = 'replay';
  const args = parseOrHelp(cmd, argv, REPLAY_OPTIONS, ctx);
  if (!args) return EXIT_OK;
  expectPositionals(args, cmd, 1, 1, 'FILE (a recording made with sockdbg relay --record)');
  exclusive(args, cmd, ['to', 'listen']);
  const toText = optString(args, 'to');
  const listenText = optString(args, 'listen');
  if (toText === undefined && listenText === undefined) throw new UsageError('give --to HOST:PORT (replay as the client) or --listen [HOST:]PORT (as the server)', cmd);
  const rec = load(args.positionals[0], cmd);
  const pairs = recordedPairs(rec);
  const pair = optString(args, 'pair') ?? pairs[0];
  if (pair === undefined || !pairs.includes(pair)) {
    throw new UsageError(pairs.length === 0 ? 'the recording holds no connection' : `no pair '${pair}' in the recording (it holds ${pairs.join(', ')})`, cmd);
  }
  const framingOverride = optString(args, 'framing') !== undefined ? parseFraming(optString(args, 'framing'), cmd) : undefined;
  const waitMs = parseSeconds(optString(args, 'timeout'), cmd) ?? 5000;
  const json = optFlag(args, 'json');
  const out = (s: string): void => void ctx.stdout.write(s + '\n');

  if (rec.header.proto === 'udp') {
    const where = toText !== undefined ? { to: parseEndpointArg(toText, cmd, '--to') } : { listen: parseEndpointArg(listenText, cmd, '--listen', '127.0.0.1') };
    return replayUdp(rec, pair, where, waitMs, optFlag(args, 'diff'), { json, out });
  }
  let socket: Socket;
  let role: 'client' | 'server';
  if (toText !== undefined) {
    role = 'client';
    const to = parseEndpointArg(toText, cmd, '--to');
    socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: to.host, port: to.port, allowHalfOpen: true }, () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', (err) => reject(describeNetworkError(err, formatHostPort(to.host, to.port), 'connect')));
    });
  } else {
    role = 'server';
    const at = parseEndpointArg(listenText, cmd, '--listen', '127.0.0.1');
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(describeNetworkError(err, formatHostPort(at.host, at.port), 'listen')));
      server.listen(at.port, at.host, () => resolve());
    });
    const a = server.address();
    const port = typeof a === 'object' && a ? a.port : at.port;
    out(json ? jsonLine({ type: 'listening', proto: 'tcp', host: at.host, port }) : `listening on ${formatHostPort(at.host, port)} (tcp, replaying ${pair} as the server)`);
    socket = await new Promise<Socket>((resolve) => server.once('connection', (s: Socket) => resolve(s)));
    server.close();
    socket.resume();
  }
  const result = await replayPair(rec, socket, { role, pair, waitMs });
  const expected = laneData(rec, pair, result.gotLane);
  const summary = { type: 'replayed', pair, role, sent: result.sent, got: result.got.length, expected: expected.reduce((n, b) => n + b.length, 0) };
  out(json ? jsonLine({ ...summary, ...(result.error ? { error: result.error } : {}) }) : `replayed ${pair} as the ${role}: sent ${result.sent} bytes (${result.sentLane}), got ${result.got.length} bytes (${result.gotLane}), the recording had ${summary.expected}${result.error ? `; ${result.error}` : ''}`);
  if (!optFlag(args, 'diff')) return EXIT_OK;
  return printDiff(diffLane(expected, result.got, framingOverride ?? laneFramingOf(rec.header, result.gotLane)), result.gotLane, { json, out });
}

interface Out {
  json: boolean;
  out: (s: string) => void;
}

function printDiff(d: { same: boolean; lines: DiffLine[] }, lane: string, { json, out }: Out): number {
  for (const l of d.lines) out(json ? jsonLine(diffJson(lane, l)) : diffText(lane, l));
  const bad = d.lines.filter((l) => l.status !== 'same').length;
  out(json ? jsonLine({ type: 'diff-summary', same: d.same, frames: d.lines.length, different: bad }) : d.same ? `no difference (${d.lines.length} frames)` : `${bad} of ${d.lines.length} frames differ`);
  return d.same ? EXIT_OK : EXIT_DIFFERENT;
}

/**
 * A UDP pair as the client (its c2s datagrams to `to`, the answers compared) or as the server (bound at `listen`: waits
 * for a client's datagram, answers it with the s2c datagrams, compares what the client sent), datagram by datagram.
 */
async function replayUdp(rec: Recording, pair: string, where: { to: Endpoint } | { listen: Endpoint }, waitMs: number, diff: boolean, o: Out): Promise<number> {
  const role = 'to' in where ? 'client' : 'server';
  const at = 'to' in where ? where.to : where.listen;
  const socket = createSocket(isIPv6(at.host) ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err) => reject(describeNetworkError(err, formatHostPort(at.host, at.port), role === 'client' ? 'connect' : 'bind')));
    if (role === 'client') socket.connect(at.port, at.host, () => resolve());
    else socket.bind(at.port, at.host, () => resolve());
  });
  if (role === 'server') {
    const port = socket.address().port;
    o.out(o.json ? jsonLine({ type: 'listening', proto: 'udp', host: at.host, port }) : `bound on ${formatHostPort(at.host, port)} (udp, replaying ${pair} as the server)`);
  }
  const result = await replayUdpPair(rec, socket, { pair, waitMs, role });
  const gotLane = role === 'client' ? 's2c' : 'c2s';
  const expected = laneData(rec, pair, gotLane);
  const gotBytes = result.got.reduce((n, b) => n + b.length, 0);
  const expBytes = expected.reduce((n, b) => n + b.length, 0);
  const client = result.client ? formatHostPort(result.client.address, result.client.port) : undefined;
  o.out(
    o.json
      ? jsonLine({ type: 'replayed', pair, role, sent: result.sent, got: gotBytes, expected: expBytes, datagrams: result.got.length, ...(client ? { client } : {}), ...(result.ignored ? { ignored: result.ignored } : {}), ...(result.error ? { error: result.error } : {}) })
      : `replayed ${pair} as the ${role} (udp${client ? `, to ${client}` : ''}): sent ${result.sent} bytes, got ${result.got.length} datagrams (${gotBytes} bytes), the recording had ${expected.length} (${expBytes} bytes)${result.ignored ? `; ${result.ignored} datagrams from other addresses ignored` : ''}${result.error ? `; ${result.error}` : ''}`,
  );
  return diff ? printDiff(diffDatagrams(expected, result.got), gotLane, o) : EXIT_OK;
}

export function runPcap(argv: string[], ctx: CommandContext): Promise<number> {
  const cmd = 'pcap';
  const args = parseOrHelp(cmd, argv, { json: { type: 'boolean' } }, ctx);
  if (!args) return Promise.resolve(EXIT_OK);
  expectPositionals(args, cmd, 2, 2, 'FILE and OUT.pcapng');
  const [file, outPath] = args.positionals;
  const rec = load(file, cmd);
  let packets: number;
  try {
    packets = writePcapng(rec, outPath);
  } catch (err) {
    throw new UsageError(`cannot write '${outPath}': ${errorMessage(err)}`, cmd);
  }
  ctx.stdout.write((optFlag(args, 'json') ? jsonLine({ type: 'pcap', file: outPath, packets }) : `wrote ${packets} packets to ${outPath}`) + '\n');
  return Promise.resolve(EXIT_OK);
}
