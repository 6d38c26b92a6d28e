/**
 * The fault options every sender of `sockdbg` takes (`relay`, `tcp connect|listen`, `udp`): parseArgs definitions and
 * their validation into the core's FaultOptions, with the spellings parsed by src/core/relay/faults.ts.
 */
import { optString, type OptionDefs, type ParsedArgs } from '../args';
import { UsageError } from '../errors';
import { errorMessage } from '../../shared/errors';
import {
  parseChunkSpec,
  parseDelaySpec,
  parseDripSpec,
  parseHalfCloseSpec,
  parseLanes,
  parseByteCount,
  shapes,
  type FaultOptions,
} from '../../core/relay';
import { randomSeed } from '../../core/relay/prng';

export const FAULT_OPTIONS: OptionDefs = {
  chunk: { type: 'string' },
  seed: { type: 'string' },
  delay: { type: 'string' },
  drip: { type: 'string' },
  rate: { type: 'string' },
  gap: { type: 'string' },
  lane: { type: 'string' },
  'reset-after': { type: 'string' },
  'half-close': { type: 'string' },
  drop: { type: 'string' },
};

/** the faults that cut or end a byte stream: refused for datagrams, which are kept whole */
const STREAM_ONLY = ['chunk', 'drip', 'reset-after', 'half-close'];
/** the faults that name a relay's lanes */
const RELAY_ONLY = ['lane', 'drop'];

export interface FaultContext {
  /** a relay (lanes, `--half-close LANE[:N]`) or one of our own senders (`--half-close N`) */
  relay: boolean;
  /** datagrams (UDP): only delay, jitter and rate apply */
  datagrams: boolean;
}

function fault<T>(args: ParsedArgs, name: string, command: string, parse: (s: string) => T): T | undefined {
  const v = optString(args, name);
  if (v === undefined) return undefined;
  try {
    return parse(v);
  } catch (err) {
    throw new UsageError(`bad --${name} '${v}': ${errorMessage(err)}`, command);
  }
}

function given(args: ParsedArgs, names: string[]): string[] {
  return names.filter((n) => args.values[n] !== undefined).map((n) => `--${n}`);
}

/** the fault options of `args`; a sender (not a relay) without --seed gets a drawn seed when its faults are random */
export function faultOptions(args: ParsedArgs, command: string, where: FaultContext): FaultOptions {
  if (where.datagrams) {
    const bad = given(args, STREAM_ONLY);
    if (bad.length > 0) throw new UsageError(`${bad.join(', ')} ${bad.length === 1 ? 'acts' : 'act'} on TCP streams, not on UDP (datagrams are kept whole)`, command);
  }
  if (!where.relay) {
    const bad = given(args, RELAY_ONLY);
    if (bad.length > 0) throw new UsageError(`${bad.join(', ')} ${bad.length === 1 ? 'names' : 'name'} a relay's lanes; a connection's faults act on what it sends`, command);
  }
  const faults: FaultOptions = {};
  const chunk = fault(args, 'chunk', command, parseChunkSpec);
  if (chunk) faults.chunk = chunk;
  const seed = fault(args, 'seed', command, (s) => parseByteCount(s, 'seed', 0));
  if (seed !== undefined) faults.seed = seed >>> 0;
  const delay = fault(args, 'delay', command, parseDelaySpec);
  if (delay) faults.delay = delay;
  const drip = fault(args, 'drip', command, parseDripSpec);
  if (drip) faults.drip = drip;
  const rate = fault(args, 'rate', command, (s) => parseByteCount(s, 'rate (bytes/s)'));
  if (rate !== undefined) faults.rate = rate;
  const gap = fault(args, 'gap', command, (s) => parseByteCount(s, 'gap (ms)', 0));
  if (gap !== undefined) faults.gapMs = gap;
  const lanes = fault(args, 'lane', command, parseLanes);
  if (lanes) faults.lanes = lanes;
  const resetAfter = fault(args, 'reset-after', command, (s) => parseByteCount(s, 'reset-after (bytes)', 0));
  if (resetAfter !== undefined) faults.resetAfter = resetAfter;
  const halfClose = fault(args, 'half-close', command, where.relay ? parseHalfCloseSpec : (s) => ({ lane: 'c2s' as const, after: parseByteCount(s, 'half-close (bytes)', 0) }));
  if (halfClose) faults.halfClose = halfClose;
  const drop = fault(args, 'drop', command, parseLanes);
  if (drop) faults.drop = drop;
  if (!where.relay && faults.seed === undefined && shapes(faults)) faults.seed = randomSeed();
  return faults;
}

/** the faults of a sender, or undefined when none was asked for */
export function senderFaults(args: ParsedArgs, command: string, datagrams: boolean): FaultOptions | undefined {
  const f = faultOptions(args, command, { relay: false, datagrams });
  return Object.keys(f).length > 0 ? f : undefined;
}

/** `seed N (repeat …)` for a run whose random faults drew their seed (so that it can be repeated exactly) */
export function seedNotice(args: ParsedArgs, faults: FaultOptions | undefined): string | undefined {
  if (!faults || faults.seed === undefined || args.values.seed !== undefined || !shapes(faults)) return undefined;
  return `fault seed ${faults.seed} (repeat this run with --seed ${faults.seed})`;
}
