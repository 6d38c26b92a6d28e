/** `sockdbg udp bind` and `sockdbg udp send`. */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { CommandContext } from '../context';
import {
  optString,
  optFlag,
  exclusive,
  expectPositionals,
  parsePort,
  parseRemotePort,
  parseCount,
  parseSeconds,
  parseEncoding,
  parseHexArg,
  parseByteSize,
  encodeTextArg,
  type OptionDefs,
} from '../args';
import { errorMessage } from '../../shared/errors';
import { UsageError, EXIT_OK, describeNetworkError } from '../errors';
import { dispatchSubcommand, parseOrHelp } from '../dispatch';
import { formatEndpoint, formatHostPort, parseHostPort, plural } from '../../shared/format';
import { Session, isSocketErrorCode } from './session';
import { CliRules, RULES_OPTIONS } from './rules';
import { parseEol } from './outgoing';
import { TypedInput, typedPayload } from './stdin';
import { createReplier } from './reply';
import { FAULT_OPTIONS, senderFaults, seedNotice } from './fault-options';

/** how long `udp send --wait` waits without --timeout */
export const DEFAULT_WAIT_MS = 10_000;

export function runUdp(argv: string[], ctx: CommandContext): Promise<number> {
  return dispatchSubcommand('udp', argv, ctx, { bind: udpBind, send: udpSend });
}

// ---- udp bind ----------------------------------------------------------------------------------------

const BIND_OPTIONS: OptionDefs = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  encoding: { type: 'string', short: 'e' },
  echo: { type: 'boolean' },
  reply: { type: 'string' },
  count: { type: 'string', short: 'n' },
  json: { type: 'boolean' },
  broadcast: { type: 'boolean' },
  'send-encoding': { type: 'string' },
  eol: { type: 'string' },
  to: { type: 'string' },
  'no-stdin': { type: 'boolean' },
  ansi: { type: 'boolean' },
  'recv-buffer': { type: 'string' },
  ...RULES_OPTIONS,
  ...FAULT_OPTIONS,
};

/** `--to HOST:PORT` (IPv6 in brackets) */
function parseTo(value: string, command: string): { address: string; port: number } {
  const to = parseHostPort(value);
  if (!to) throw new UsageError(`--to must be HOST:PORT (e.g. 127.0.0.1:8005, [::1]:8005), got '${value}'`, command);
  return to;
}

async function udpBind(argv: string[], ctx: CommandContext): Promise<number> {
  const cmd = 'udp bind';
  const args = parseOrHelp(cmd, argv, BIND_OPTIONS, ctx);
  if (!args) return EXIT_OK;
  expectPositionals(args, cmd, 0, 0, '');
  const port = parsePort(optString(args, 'port'), cmd);
  const host = optString(args, 'host') ?? '127.0.0.1';
  exclusive(args, cmd, ['echo', 'reply', 'rules']);
  const rules = CliRules.fromArgs(args);
  const faults = senderFaults(args, cmd, true);
  const encoding = parseEncoding(optString(args, 'encoding') ?? rules?.encoding, cmd);
  const replyText = optString(args, 'reply');
  const sendEncodingOpt = optString(args, 'send-encoding');
  const sendEncoding = sendEncodingOpt !== undefined ? parseEncoding(sendEncodingOpt, cmd) : encoding;
  const eol = parseEol(optString(args, 'eol'), cmd);
  const toOpt = optString(args, 'to');
  // typed lines go to the last peer heard from; --to names one before anyone is heard
  let lastPeer = toOpt !== undefined ? parseTo(toOpt, cmd) : undefined;
  const reply = replyText !== undefined ? encodeTextArg(replyText, sendEncoding, cmd, '--reply') : undefined;
  const echo = optFlag(args, 'echo');
  const count = parseCount(optString(args, 'count'), cmd);

  const recvBufferSize = parseByteSize(optString(args, 'recv-buffer'), cmd, '--recv-buffer');

  const s = new Session(ctx, { command: cmd, json: optFlag(args, 'json'), quiet: false, encoding, framing: 'raw', count, ansi: optFlag(args, 'ansi') });
  const reg = s.registry;
  const answer = createReplier(s, { echo, reply });
  let socketId: string | undefined;
  if (rules) s.add(rules);
  // typed lines wait for a peer (and stdin pauses while too many wait or are in flight)
  const waiting: Buffer[] = [];
  let inflight = 0;
  let input: TypedInput | undefined;
  const sendTyped = (payload: Buffer) => {
    if (lastPeer === undefined || socketId === undefined) {
      waiting.push(payload);
      return;
    }
    const to = lastPeer;
    s.sent(socketId, formatHostPort(to.address, to.port), payload, sendEncoding);
    inflight++;
    s.track(
      reg.send(socketId, payload, { to }).finally(() => {
        inflight--;
        input?.drained();
      }),
    );
  };
  if (!optFlag(args, 'no-stdin')) {
    input = new TypedInput(
      s,
      (line) => {
        const payload = typedPayload(s, line, { encoding: sendEncoding, eol, emptyIsNothing: false });
        if (payload !== undefined) sendTyped(payload);
      },
      () => waiting.length + inflight,
    );
  }

  s.add(
    reg.onDidFrame((e) => {
      if (e.frame.direction !== 'in' || s.isFinished) return;
      const remote = e.frame.remote ?? reg.get(e.id)?.remote;
      const peer = formatEndpoint(remote) ?? e.id;
      const last = s.received(e.id, e.frame.payload, { peer, time: e.frame.time, datagram: true, offset: e.frame.start });
      if (remote) {
        lastPeer = { address: remote.address, port: remote.port };
        for (const p of waiting.splice(0)) sendTyped(p);
      }
      if (answer) answer(remote && socketId !== undefined ? { id: socketId, to: { address: remote.address, port: remote.port } } : { id: e.id }, e.frame.payload);
      const to = remote && socketId !== undefined ? { id: socketId, opts: { to: { address: remote.address, port: remote.port }, reply: true } } : { id: e.id, opts: { reply: true } };
      rules?.onFrame(s, peer, e.frame.payload, undefined, { send: (p) => reg.send(to.id, p, to.opts), close: async () => undefined });
      if (last) s.finish(EXIT_OK);
    }),
  );
  s.add(
    reg.onDidError((e) => {
      if (s.isFinished || isSocketErrorCode(e.code)) return;
      s.reporter.warn(e.code, e.message, e.id, e.offset);
    }),
  );

  try {
    const info = await reg.bindUdp({
      host,
      port,
      encoding,
      ...(optFlag(args, 'broadcast') ? { broadcast: true } : {}),
      ...(recvBufferSize !== undefined ? { recvBufferSize } : {}),
      ...(faults ? { faults } : {}),
    });
    socketId = info.id;
    s.reporter.listening('udp', info.local?.address ?? host, info.local?.port ?? port);
    const seed = seedNotice(args, faults);
    if (seed) s.reporter.notice('FAULT_SEED', seed);
    for (const p of waiting.splice(0)) sendTyped(p);
  } catch (err) {
    s.fail(describeNetworkError(err, formatHostPort(host, port), 'bind'));
  }
  return s.done;
}

// ---- udp send ----------------------------------------------------------------------------------------

const SEND_OPTIONS: OptionDefs = {
  hex: { type: 'string', short: 'x' },
  wait: { type: 'boolean', short: 'w' },
  timeout: { type: 'string', short: 't' },
  encoding: { type: 'string', short: 'e' },
  json: { type: 'boolean' },
  broadcast: { type: 'boolean' },
  ...FAULT_OPTIONS,
};

export function readAll(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stdin.on('data', (c: Buffer | string) => parts.push(typeof c === 'string' ? Buffer.from(c) : c));
    stdin.once('end', () => resolve(Buffer.concat(parts)));
    stdin.once('error', reject);
    stdin.resume();
  });
}

async function udpSend(argv: string[], ctx: CommandContext): Promise<number> {
  const cmd = 'udp send';
  const args = parseOrHelp(cmd, argv, SEND_OPTIONS, ctx);
  if (!args) return EXIT_OK;
  expectPositionals(args, cmd, 2, 3, 'HOST and PORT');
  const [host, portText, text] = args.positionals;
  const port = parseRemotePort(portText, cmd);
  const encoding = parseEncoding(optString(args, 'encoding'), cmd);
  const faults = senderFaults(args, cmd, true);
  const hex = optString(args, 'hex');
  if (text !== undefined && hex !== undefined) throw new UsageError('give either TEXT or --hex, not both', cmd);
  const wait = optFlag(args, 'wait');
  const timeoutOpt = parseSeconds(optString(args, 'timeout'), cmd);
  if (timeoutOpt !== undefined && !wait) throw new UsageError('--timeout needs --wait', cmd);
  const timeoutMs = timeoutOpt ?? DEFAULT_WAIT_MS;
  let payload: Buffer | undefined = text !== undefined ? encodeTextArg(text, encoding, cmd, 'TEXT') : hex !== undefined ? parseHexArg(hex, cmd, '--hex') : undefined;

  const target = formatHostPort(host, port);
  const s = new Session(ctx, { command: cmd, json: optFlag(args, 'json'), quiet: false, encoding, framing: 'raw', count: 1 });
  const reg = s.registry;

  // resolve the host first: the local socket must have the same address family
  let address = host;
  let family = isIP(host);
  if (family === 0) {
    try {
      const r = await lookup(host, { order: 'ipv4first' });
      address = r.address;
      family = r.family;
    } catch (err) {
      s.fail(describeNetworkError(err, host, 'send'));
      return s.done;
    }
  }
  if (payload === undefined) {
    try {
      payload = await readAll(ctx.stdin);
    } catch (err) {
      throw new UsageError(`cannot read stdin: ${errorMessage(err)}`, cmd);
    }
  }

  let socketId: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  s.add({ dispose: () => timer && clearTimeout(timer) });
  s.add(
    reg.onDidFrame((e) => {
      if (e.frame.direction !== 'in' || s.isFinished) return;
      const peer = formatEndpoint(e.frame.remote ?? reg.get(e.id)?.remote) ?? target;
      if (s.received(e.id, e.frame.payload, { peer, time: e.frame.time, datagram: true })) s.finish(EXIT_OK);
    }),
  );


  try {
    const info = await reg.bindUdp({ host: family === 6 ? '::' : '0.0.0.0', port: 0, encoding, ...(optFlag(args, 'broadcast') ? { broadcast: true } : {}), ...(faults ? { faults } : {}) });
    socketId = info.id;
  } catch (err) {
    s.fail(describeNetworkError(err, 'a local UDP port', 'bind'));
    return s.done;
  }
  try {
    if (wait) {
      timer = setTimeout(() => s.fail({ code: 'ETIMEDOUT', message: `no reply from ${target} within ${timeoutMs / 1000} s` }), timeoutMs);
    }
    await reg.send(socketId, payload, { to: { address, port } });
  } catch (err) {
    s.fail(describeNetworkError(err, target, 'send'));
    return s.done;
  }
  if (!s.reporter.json && !wait) ctx.stdout.write(`sent ${plural(payload.length, 'byte')} to ${target}\n`);
  if (!wait) s.finish(EXIT_OK);
  return s.done;
}
