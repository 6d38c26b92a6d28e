/** `sockdbg relay`: a TCP or UDP relay between the user's client and server that shows both lanes and injects faults. */
import type { CommandContext } from '../context';
import { parseOrHelp } from '../dispatch';
import { expectPositionals } from '../args';
import { EXIT_OK, describeNetworkError } from '../errors';
import { formatHumanFrame, jsonLine } from '../output';
import { formatClockTime, formatHostPort } from '../../shared/format';
import { decodeText, createStreamDecoder, isBinaryForm } from '../../core/codec/encoding';
import { TcpRelay, UdpRelay, shapes, type RelayEvent, type LaneCounters, type Lane } from '../../core/relay';
import { RELAY_OPTIONS, relayOptions, type RelayCliOptions } from './relay-options';
import { openRelayOutputs, type RelayOutputs } from './relay-files';

const ARROW: Record<Lane, string> = { c2s: '>', s2c: '<' };

function countersText(c: Record<Lane, LaneCounters>): string {
  const lane = (l: Lane): string => {
    const x = c[l];
    return `${l} ${x.bytesIn}→${x.bytesOut} bytes${x.dropped > 0 ? ` (${x.dropped} dropped)` : ''}`;
  };
  return `${lane('c2s')}, ${lane('s2c')}`;
}

/** Prints relay events: JSON lines with --json, short human lines otherwise. */
class RelayPrinter {
  private readonly decoders = new Map<string, ReturnType<typeof createStreamDecoder>>();

  constructor(
    private readonly ctx: CommandContext,
    private readonly o: RelayCliOptions,
  ) {}

  private out(line: string): void {
    this.ctx.stdout.write(line + '\n');
  }

  private text(pair: string, lane: Lane, data: Buffer, stream: boolean): string {
    if (!stream || isBinaryForm(this.o.encoding)) return decodeText(data, this.o.encoding);
    const key = `${pair}/${lane}`;
    let d = this.decoders.get(key);
    if (!d) {
      d = createStreamDecoder(this.o.encoding);
      this.decoders.set(key, d);
    }
    return d.write(data);
  }

  event(e: RelayEvent): void {
    const { json, quiet } = this.o;
    switch (e.type) {
      case 'listening': {
        const to = formatHostPort(e.upstream.host, e.upstream.port);
        if (json) this.out(jsonLine({ type: 'listening', proto: e.proto, host: e.local.address, port: e.local.port, to, seed: e.seed }));
        else this.out(`listening on ${formatHostPort(e.local.address, e.local.port)} (${e.proto} relay to ${to})`);
        return;
      }
      case 'open': {
        const client = formatHostPort(e.client.address, e.client.port);
        const upstream = formatHostPort(e.upstream.address, e.upstream.port);
        if (json) this.out(jsonLine({ type: 'open', pair: e.pair, client, upstream }));
        else this.out(`${formatClockTime(e.time)} ${e.pair} ${client} ⇄ ${upstream} open`);
        return;
      }
      case 'chunk': {
        // people see what arrived on raw lanes, frames on framed ones; --json always carries the chunks (boundaries)
        if (quiet || (!json && (this.o.laneFraming?.[e.lane] ?? this.o.framing) !== 'raw' && !this.o.udp)) return;
        const text = this.text(e.pair, e.lane, e.data, !this.o.udp);
        if (json) this.out(jsonLine({ type: 'chunk', pair: e.pair, lane: e.lane, offset: e.offset, len: e.data.length, hex: e.data.toString('hex'), text }));
        else this.out(formatHumanFrame({ conn: e.pair, peer: `${e.pair} ${e.lane}`, payload: e.data, text, time: e.time, textOnly: isBinaryForm(this.o.encoding) }, ARROW[e.lane]));
        return;
      }
      case 'frame': {
        if (quiet) return;
        const text = decodeText(e.payload, this.o.encoding);
        if (json) {
          const ev: Record<string, unknown> = { type: 'frame', pair: e.pair, lane: e.lane, offset: e.start, len: e.payload.length, hex: e.payload.toString('hex'), text };
          if (e.header) ev.header = e.header;
          this.out(jsonLine(ev));
        } else {
          this.out(formatHumanFrame({ conn: e.pair, peer: `${e.pair} ${e.lane}`, payload: e.payload, text, header: e.header, time: e.time, textOnly: isBinaryForm(this.o.encoding) }, ARROW[e.lane]));
        }
        return;
      }
      case 'piece':
        if (json && shapes(this.o.faults, e.lane) && !quiet) this.out(jsonLine({ type: 'piece', pair: e.pair, lane: e.lane, offset: e.offset, len: e.size }));
        return;
      case 'end':
        if (json) this.out(jsonLine({ type: 'end', pair: e.pair, lane: e.lane, offset: e.offset }));
        else if (!quiet) this.out(`${formatClockTime(e.time)} ${e.pair} ${e.lane} end (FIN after ${e.offset} bytes)`);
        return;
      case 'fault':
        if (json) this.out(jsonLine({ type: 'fault', pair: e.pair, ...(e.lane ? { lane: e.lane } : {}), action: e.action, ...(e.offset !== undefined ? { offset: e.offset } : {}), ...(e.bytes !== undefined ? { bytes: e.bytes } : {}) }));
        else if (!quiet && e.action !== 'drop') this.out(`${formatClockTime(e.time)} ${e.pair}${e.lane ? ` ${e.lane}` : ''} ${e.action === 'reset' ? 'reset (RST) sent to both peers' : `half-closed (FIN) after ${e.offset ?? 0} bytes`}`);
        return;
      case 'framing-error':
      case 'error':
        if (json) this.out(jsonLine({ type: 'error', ...('pair' in e && e.pair !== undefined ? { pair: e.pair } : {}), ...('lane' in e && e.lane !== undefined ? { lane: e.lane } : {}), code: e.code, message: e.message, ...('offset' in e && e.offset !== undefined ? { offset: e.offset } : {}) }));
        else this.ctx.stderr.write(`sockdbg: ${e.message}\n`);
        return;
      case 'unfinished': {
        const message = `pair ${e.pair} ${e.lane}: ${e.bytes} bytes of an unfinished frame at stream offset ${e.offset} when the lane ended`;
        if (json) this.out(jsonLine({ type: 'unfinished', pair: e.pair, lane: e.lane, offset: e.offset, bytes: e.bytes, message }));
        else this.ctx.stderr.write(`sockdbg: ${message}\n`);
        return;
      }
      case 'upstream-error':
        if (json) this.out(jsonLine({ type: 'upstream-error', pair: e.pair, client: formatHostPort(e.client.address, e.client.port), code: e.code, message: e.message }));
        else this.ctx.stderr.write(`sockdbg: ${e.message}\n`);
        return;
      case 'close':
        for (const l of ['c2s', 's2c'] as const) this.decoders.delete(`${e.pair}/${l}`);
        if (json) this.out(jsonLine({ type: 'close', pair: e.pair, reason: e.reason, c2s: e.counters.c2s, s2c: e.counters.s2c }));
        else this.out(`${formatClockTime(e.time)} ${e.pair} closed (${e.reason}): ${countersText(e.counters)}`);
        return;
    }
  }
}

export async function runRelay(argv: string[], ctx: CommandContext): Promise<number> {
  const cmd = 'relay';
  const args = parseOrHelp(cmd, argv, RELAY_OPTIONS, ctx);
  if (!args) return EXIT_OK;
  expectPositionals(args, cmd, 0, 0, '');
  const o = relayOptions(args, cmd);
  const outputs: RelayOutputs = openRelayOutputs(o, cmd);
  const printer = new RelayPrinter(ctx, o);
  const opts = { host: o.listen.host, port: o.listen.port, upstream: o.to, framing: o.framing, ...(o.laneFraming ? { laneFraming: o.laneFraming } : {}), faults: o.faults };
  const relay = o.udp ? new UdpRelay(opts) : new TcpRelay(opts);
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));
  relay.onEvent((e) => {
    outputs.event(e);
    printer.event(e);
    if (o.once && (e.type === 'close' || e.type === 'upstream-error')) finish(EXIT_OK);
  });
  const offSignal = ctx.onSignal(() => finish(EXIT_OK));
  try {
    await relay.listen();
  } catch (err) {
    offSignal();
    outputs.close();
    throw describeNetworkError(err, formatHostPort(o.listen.host, o.listen.port), o.udp ? 'bind' : 'listen');
  }
  if (!o.json && !o.quiet && o.faults.seed === undefined && (shapes(o.faults, 'c2s') || shapes(o.faults, 's2c'))) {
    ctx.stdout.write(`seed ${relay.seed} (repeat this run with --seed ${relay.seed})\n`);
  }
  const code = await done;
  offSignal();
  await relay.close();
  outputs.close();
  return code;
}
