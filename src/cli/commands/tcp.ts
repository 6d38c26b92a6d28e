/** `sockdbg tcp listen` and `sockdbg tcp connect`. */
import * as readline from 'node:readline';
import { decodeText } from '../../core/codec/encoding';
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
  parseFraming,
  parseHexArg,
  encodeTextArg,
  type OptionDefs,
} from '../args';
import { STEP_OPTIONS, parseOutgoing, type Outgoing } from './outgoing';
import { sendFileStep } from './fileStep';
import { Conversation } from './conversation';
import { TypedInput, typedPayload, parseTarget, TypedRouter } from './stdin';
import { EXIT_OK, UsageError, describeNetworkError } from '../errors';
import { dispatchSubcommand, parseOrHelp } from '../dispatch';
import { errorCode } from '../../shared/errors';
import { formatEndpoint, formatHostPort } from '../../shared/format';
import { Session, isSocketErrorCode } from './session';
import { CliRules, RULES_OPTIONS } from './rules';
import { createReplier } from './reply';
import { InputLedger } from './connectInput';
import { FAULT_OPTIONS, senderFaults, seedNotice } from './fault-options';
import type { TcpConnectOptions } from '../../core/types';

export function runTcp(argv: string[], ctx: CommandContext): Promise<number> {
  return dispatchSubcommand('tcp', argv, ctx, { listen: tcpListen, connect: tcpConnect });
}

// ---- tcp listen --------------------------------------------------------------------------------------

const LISTEN_OPTIONS: OptionDefs = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  framing: { type: 'string' },
  encoding: { type: 'string', short: 'e' },
  echo: { type: 'boolean' },
  reply: { type: 'string' },
  'reply-hex': { type: 'string' },
  once: { type: 'boolean' },
  count: { type: 'string', short: 'n' },
  output: { type: 'string', short: 'o' },
  quiet: { type: 'boolean', short: 'q' },
  json: { type: 'boolean' },
  'no-delay': { type: 'boolean' },
  ...STEP_OPTIONS,
  'send-framing': { type: 'string' },
  to: { type: 'string' },
  'no-stdin': { type: 'boolean' },
  ansi: { type: 'boolean' },
  ...RULES_OPTIONS,
  ...FAULT_OPTIONS,
};

async function tcpListen(argv: string[], ctx: CommandContext): Promise<number> {
  const cmd = 'tcp listen';
  const args = parseOrHelp(cmd, argv, LISTEN_OPTIONS, ctx);
  if (!args) return EXIT_OK;
  expectPositionals(args, cmd, 0, 0, '');
  const port = parsePort(optString(args, 'port'), cmd);
  const host = optString(args, 'host') ?? '127.0.0.1';
  exclusive(args, cmd, ['echo', 'reply', 'reply-hex', 'rules']);
  const rules = CliRules.fromArgs(args);
  const framing = parseFraming(optString(args, 'framing') ?? rules?.framing, cmd);
  const encoding = parseEncoding(optString(args, 'encoding') ?? rules?.encoding, cmd);
  const sendFramingOpt = optString(args, 'send-framing');
  const sendFraming = sendFramingOpt !== undefined ? parseFraming(sendFramingOpt, cmd, '--send-framing') : (rules?.sendFraming ?? framing);
  const out = parseOutgoing(args, cmd, { encoding, framing, sendFraming, stream: true });
  const target = parseTarget(optString(args, 'to'));
  if (target === undefined) throw new UsageError(`--to must be newest, all or a connection id such as c2, got '${optString(args, 'to') ?? ''}'`, cmd);
  const replyText = optString(args, 'reply');
  const replyHex = optString(args, 'reply-hex');
  const reply = replyText !== undefined ? encodeTextArg(replyText, out.sendEncoding, cmd, '--reply') : replyHex !== undefined ? parseHexArg(replyHex, cmd, '--reply-hex') : undefined;
  const echo = optFlag(args, 'echo');
  const once = optFlag(args, 'once');
  const count = parseCount(optString(args, 'count'), cmd);
  const faults = senderFaults(args, cmd, false);

  const s = new Session(ctx, { command: cmd, json: optFlag(args, 'json'), quiet: optFlag(args, 'quiet'), encoding, framing, count, output: optString(args, 'output'), ansi: optFlag(args, 'ansi') });
  await s.openOutput();
  const reg = s.registry;
  const answer = createReplier(s, { echo, reply, sendOptions: out.sendOptions });
  let servedId: string | undefined;
  if (rules) s.add(rules);
  s.trackChunks();
  // --send/--expect steps run on each accepted client; typed lines go to the newest client (or --to)
  const conversations = new Map<string, Conversation>();
  const sendTo = (id: string, payload: Buffer) => {
    s.sent(id, s.peers.get(id) ?? id, payload, out.sendEncoding);
    return reg.send(id, payload, out.sendOptions);
  };
  let input: TypedInput | undefined;
  const router = new TypedRouter(target, () => [...s.peers.keys()], (ids, line) => {
    const payload = typedPayload(s, line, { encoding: out.sendEncoding, eol: out.eol, emptyIsNothing: sendFraming === 'raw' });
    if (payload === undefined) return;
    for (const id of ids) {
      router.inflight++;
      s.track(
        sendTo(id, payload).finally(() => {
          router.inflight--;
          input?.drained();
        }),
      );
    }
  });
  if (!optFlag(args, 'no-stdin')) input = new TypedInput(s, (line) => router.line(line), () => router.backlog);

  s.add(
    reg.onDidOpen((e) => {
      if (e.info.kind !== 'tcp-peer' || s.isFinished) return;
      if (once && servedId !== undefined) {
        // --once: one client at a time; turn the others away
        void reg.close(e.id).catch(() => undefined);
        return;
      }
      if (once) servedId = e.id;
      const peer = formatEndpoint(e.info.remote) ?? e.info.label;
      s.peers.set(e.id, peer);
      s.reporter.open(e.id, peer, e.time);
      if (out.steps.length > 0) {
        const id = e.id;
        const conv = new Conversation(s, () => peer, out.steps, { timeoutMs: out.expectTimeoutMs, send: (p) => sendTo(id, p), sendFile: (st) => sendFileStep(s, id, peer, st, out, { report: true }), sendFailed: (err) => s.reporter.warn(errorCode(err) ?? 'ERROR', describeNetworkError(err, peer, 'send').message, id) });
        conversations.set(id, conv);
        conv.start();
      }
      router.flush();
      input?.drained();
    }),
  );
  s.add(
    reg.onDidFrame((e) => {
      if (e.frame.direction !== 'in') return;
      const peer = s.peers.get(e.id);
      if (peer === undefined) return; // a client turned away by --once
      const f = e.frame;
      if (f.incomplete) return s.unfinished(e.id, f.payload, { peer, time: f.time, offset: f.start });
      const last = s.received(e.id, f.payload, { peer, header: f.header, time: f.time, offset: f.start, span: f });
      const conv = conversations.get(e.id);
      if (conv) conv.frame(decodeText(f.payload, encoding));
      answer?.({ id: e.id }, f.payload);
      rules?.onFrame(s, e.id, f.payload, f.header, { send: (p) => reg.send(e.id, p, { framing: rules.sendFraming, reply: true }), close: () => reg.close(e.id) });
      if (last) s.finish(EXIT_OK);
    }),
  );
  s.add(
    reg.onDidClose((e) => {
      rules?.forget(e.id);
      if (s.isFinished) return;
      if (e.info.kind === 'tcp-peer') {
        const peer = s.peers.get(e.id);
        if (peer === undefined) return;
        s.reporter.close(e.id, peer, e.reason, e.info.stats, e.time);
        conversations.get(e.id)?.stop();
        conversations.delete(e.id);
        s.forget(e.id);
        if (once && e.id === servedId) s.finish(EXIT_OK);
      } else if (e.info.kind === 'tcp-server') {
        s.fail({ code: 'ECLOSED', message: `the server on ${e.info.label} closed unexpectedly` });
      }
    }),
  );
  s.add(
    reg.onDidError((e) => {
      // socket and send errors (errno-style codes) surface as close reasons or failed sends;
      // this reports framing errors (with connection and stream offset) and listener failures
      if (s.isFinished || isSocketErrorCode(e.code)) return;
      s.reporter.warn(e.code, e.message, e.id, e.offset);
    }),
  );

  try {
    const info = await reg.listenTcp({ host, port, framing, encoding, ...(optFlag(args, 'no-delay') ? { noDelay: true } : {}), ...(faults ? { faults } : {}) });
    s.reporter.listening('tcp', info.local?.address ?? host, info.local?.port ?? port);
    const seed = seedNotice(args, faults);
    if (seed) s.reporter.notice('FAULT_SEED', seed);
  } catch (err) {
    s.fail(describeNetworkError(err, formatHostPort(host, port), 'listen'));
  }
  return s.done;
}

// ---- tcp connect -------------------------------------------------------------------------------------

const CONNECT_OPTIONS: OptionDefs = {
  ...STEP_OPTIONS,
  ansi: { type: 'boolean' },
  framing: { type: 'string' },
  'send-framing': { type: 'string' },
  encoding: { type: 'string', short: 'e' },
  count: { type: 'string', short: 'n' },
  timeout: { type: 'string', short: 't' },
  output: { type: 'string', short: 'o' },
  quiet: { type: 'boolean', short: 'q' },
  json: { type: 'boolean' },
  reconnect: { type: 'boolean' },
  'no-delay': { type: 'boolean' },
  keepalive: { type: 'boolean' },
  ...FAULT_OPTIONS,
};

async function tcpConnect(argv: string[], ctx: CommandContext): Promise<number> {
  const cmd = 'tcp connect';
  const args = parseOrHelp(cmd, argv, CONNECT_OPTIONS, ctx);
  if (!args) return EXIT_OK;
  expectPositionals(args, cmd, 2, 2, 'HOST and PORT');
  const [host, portText] = args.positionals;
  const port = parseRemotePort(portText, cmd);
  const framing = parseFraming(optString(args, 'framing'), cmd);
  const sendFramingOpt = optString(args, 'send-framing');
  const sendFraming = sendFramingOpt !== undefined ? parseFraming(sendFramingOpt, cmd, '--send-framing') : framing;
  const encoding = parseEncoding(optString(args, 'encoding'), cmd);
  const count = parseCount(optString(args, 'count'), cmd);
  const timeoutMs = parseSeconds(optString(args, 'timeout'), cmd);
  // --send, --send-hex, --send-file and --expect in command-line order
  const out = parseOutgoing(args, cmd, { encoding, framing, sendFraming, stream: true });
  const target = formatHostPort(host, port);
  const reconnect = optFlag(args, 'reconnect');
  const faults = senderFaults(args, cmd, false);
  const socketOptions: Partial<TcpConnectOptions> = {
    ...(faults ? { faults } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(optFlag(args, 'no-delay') ? { noDelay: true } : {}),
    ...(optFlag(args, 'keepalive') ? { keepAlive: true } : {}),
    // backoff 0.5 s, 1 s, 2 s … capped at 30 s, for ever (until Ctrl-C, --count or --timeout)
    // without --reconnect, the peer's FIN leaves our side open until the input is sent (InputLedger)
    ...(reconnect ? { reconnect: {} } : { allowHalfOpen: true }),
  };

  const s = new Session(ctx, { command: cmd, json: optFlag(args, 'json'), quiet: optFlag(args, 'quiet'), encoding, framing, count, output: optString(args, 'output'), ansi: optFlag(args, 'ansi') });
  await s.openOutput();
  const reg = s.registry;
  let connId: string | undefined;
  let peer = target;
  let conversation: Conversation | undefined;
  s.trackChunks();

  // --timeout: idle timer, restarted whenever bytes arrive
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    if (timeoutMs === undefined || s.isFinished) return;
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => {
      const secs = timeoutMs / 1000;
      if (s.framesIn === 0) s.fail({ code: 'ETIMEDOUT', message: `nothing received from ${peer} within ${secs} s` });
      else if (count !== undefined && s.framesIn < count) s.fail({ code: 'ETIMEDOUT', message: `timed out after ${secs} s idle: received ${s.framesIn} of ${count} frames from ${peer}` });
      else s.finish(EXIT_OK);
    }, timeoutMs);
  };
  s.add({ dispose: () => idle && clearTimeout(idle) });

  s.add(
    reg.onDidOpen((e) => {
      if (e.info.kind === 'tcp-client') connId = e.id;
    }),
  );
  s.add(
    reg.onDidReceiveChunk((e) => {
      if (e.id === connId && e.chunk.direction === 'in') armIdle();
    }),
  );
  // --reconnect: the connection keeps its id; its state goes 'reconnecting' → 'open' after each drop
  let attempt = 0;
  let onReconnected: (() => void) | undefined;
  let ledger: InputLedger | undefined;
  s.add(
    reg.onDidChangeState((e) => {
      if (e.id !== connId || s.isFinished) return;
      if (e.info.state === 'half-closed') ledger?.peerFinished();
      else if (e.info.state === 'reconnecting') {
        attempt = 1;
        s.forget(e.id);
        s.reporter.reconnecting(e.id, peer, attempt, e.time);
      } else if (e.info.state === 'open' && attempt > 0) {
        attempt = 0;
        peer = formatEndpoint(e.info.remote) ?? target;
        s.reporter.open(e.id, peer, e.time, true);
        onReconnected?.();
      }
    }),
  );
  s.add(
    reg.onDidFrame((e) => {
      if (e.id !== connId || e.frame.direction !== 'in') return;
      armIdle();
      const f = e.frame;
      if (f.incomplete) s.unfinished(e.id, f.payload, { peer, time: f.time, offset: f.start });
      else {
        const last = s.received(e.id, f.payload, { peer, header: f.header, time: f.time, offset: f.start, span: f });
        if (conversation) conversation.frame(decodeText(f.payload, encoding));
        if (last) s.finish(EXIT_OK);
      }
    }),
  );
  s.add(
    reg.onDidClose((e) => {
      if (e.id !== connId || s.isFinished) return;
      s.reporter.close(e.id, peer, e.reason, e.info.stats, e.time);
      const waiting = conversation?.waitingFor;
      if (waiting !== undefined && e.reason !== 'reset' && e.reason !== 'error' && e.reason !== 'timeout') s.fail({ code: 'ECLOSED', message: `${peer} closed the connection during ${waiting}` });
      else if (e.reason === 'reset') s.fail({ code: 'ECONNRESET', message: `connection to ${peer} reset by peer` });
      else if (e.reason === 'error' || e.reason === 'timeout') s.fail({ code: e.reason === 'timeout' ? 'ETIMEDOUT' : 'ERROR', message: e.info.error ?? `connection to ${peer} failed` });
      else if (count !== undefined && s.framesIn < count) s.fail({ code: 'ECLOSED', message: `${peer} closed the connection after ${s.framesIn} of ${count} frames` });
      else s.finish(EXIT_OK);
    }),
  );
  s.add(
    reg.onDidError((e) => {
      if (e.id === undefined || e.id !== connId || s.isFinished) return;
      if (attempt > 0 && reg.get(e.id)?.state === 'reconnecting') {
        // a failed reconnect attempt: the next one follows after the backoff
        s.reporter.reconnecting(e.id, peer, ++attempt, e.time, e.message.replace(/^.*?reconnect attempt \d+: /, ''));
        return;
      }
      if (isSocketErrorCode(e.code)) return;
      s.reporter.warn(e.code, e.message, e.id, e.offset);
    }),
  );

  let id: string;
  try {
    const info = await reg.connectTcp({ host, port, framing, encoding, ...socketOptions });
    id = connId = info.id;
    peer = formatEndpoint(info.remote) ?? target;
  } catch (err) {
    s.fail(describeNetworkError(err, target, 'connect'));
    return s.done;
  }
  s.reporter.open(id, peer);
  const seed = seedNotice(args, faults);
  if (seed) s.reporter.notice('FAULT_SEED', seed, id);
  armIdle();
  // turns (an --expect) are a dialogue like typing: when the peer finishes, so do we; plain --send payloads and piped
  // input are still sent after the peer's FIN
  const turns = out.steps.some((st) => st.kind === 'expect');
  const input = (ledger = new InputLedger(s, id, () => peer, turns || (out.steps.length === 0 && ctx.stdin.isTTY === true)));
  const sendFailed = (err: unknown) => {
    // bytes a fault plan's half-close or reset kept back: already reported (FAULT_RESET, FAULT_HALF_CLOSE)
    if (s.isFinished || errorCode(err)?.startsWith('FAULT_')) return;
    const message = describeNetworkError(err, peer, 'send').message;
    // with --reconnect a send that meets a dropped connection is lost, not fatal
    if (reconnect) s.reporter.warn(errorCode(err) ?? 'ERROR', message, id);
    else s.fail({ code: errorCode(err) ?? 'ERROR', message });
  };

  if (out.steps.length > 0) {
    // an --expect last: the command is done once it is met (unless --count says how many frames to wait for)
    const endsWithExpect = out.steps[out.steps.length - 1].kind === 'expect';
    const conv = new Conversation(s, () => peer, out.steps, {
      timeoutMs: out.expectTimeoutMs,
      send: (p) => {
        // sends show in the transcript when they take turns (plain --send keeps the output of received frames only)
        if (turns) s.sent(id, peer, p, out.sendEncoding);
        input.take(p.length);
        return reg.send(id, p, out.sendOptions).then(() => input.sent(p.length));
      },
      sendFile: (st) => sendFileStep(s, id, peer, st, out, { report: turns, ledger: input }),
      sendFailed,
      onComplete: () => {
        input.inputEnded();
        if (endsWithExpect && count === undefined) s.finish(EXIT_OK);
      },
    });
    conversation = conv;
    conv.start();
    // --reconnect: each new connection goes through the steps again (a login, a subscription…)
    onReconnected = () => conv.restart();
  } else {
    pumpStdin(s, id, input, sendFraming, out, sendFailed);
  }
  return s.done;
}

/** Sends stdin like ncat: lines from a terminal, a byte stream from a pipe; FIN at end of input. */
function pumpStdin(s: Session, id: string, input: InputLedger, sendFraming: string, out: Outgoing, sendFailed: (err: unknown) => void): void {
  const { stdin } = s.ctx;
  const reg = s.registry;
  const endInput = () => {
    input.inputEnded();
    if (!s.isFinished) s.track(reg.end(id), () => undefined);
  };
  if (stdin.isTTY !== true && sendFraming === 'raw' && !out.eolGiven) {
    // a pipe in raw mode: bytes pass through unchanged, with backpressure
    let chain: Promise<void> = Promise.resolve();
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      stdin.pause();
      input.take(buf.length);
      chain = chain.then(() => reg.send(id, buf, { framed: false })).then(() => {
        input.sent(buf.length);
        if (!s.isFinished) stdin.resume();
      });
      s.track(chain, sendFailed);
    };
    const onEnd = () => void chain.then(endInput, () => undefined);
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    s.add({
      dispose: () => {
        stdin.off('data', onData);
        stdin.off('end', onEnd);
        stdin.pause();
      },
    });
    stdin.resume();
    return;
  }
  // a terminal, --eol, or a framed send: one message per line, like Python's input() (no line ending unless --eol)
  const rl = readline.createInterface({ input: stdin, crlfDelay: Infinity, terminal: false });
  let chain: Promise<void> = Promise.resolve();
  rl.on('line', (line) => {
    const encoded = typedPayload(s, line, { encoding: out.sendEncoding, eol: out.eol, emptyIsNothing: sendFraming === 'raw' });
    if (encoded === undefined) return;
    s.sent(id, s.peers.get(id) ?? reg.get(id)?.label ?? id, encoded, out.sendEncoding);
    input.take(encoded.length);
    chain = chain.then(() => reg.send(id, encoded, out.sendOptions)).then(() => input.sent(encoded.length));
    s.track(chain, sendFailed);
  });
  rl.once('close', () => void chain.then(endInput, () => undefined));
  s.add({ dispose: () => rl.close() });
}
