/**
 * A fault plan from its option spellings (`--chunk random:1-7 --seed 42 …`): the one reading of them that the CLI
 * (`sockdbg relay`, `tcp`, `udp`) and the extension's Set Faults… share, over the value parsers of faults.ts.
 */
import { shapes, parseByteCount, parseChunkSpec, parseDelaySpec, parseDripSpec, parseHalfCloseSpec, parseLanes, FaultSpecError, type FaultOptions } from './faults';
import { randomSeed } from './prng';

export const FAULT_OPTION_NAMES = ['chunk', 'seed', 'delay', 'drip', 'rate', 'gap', 'lane', 'reset-after', 'half-close', 'drop'] as const;
export type FaultOptionName = (typeof FAULT_OPTION_NAMES)[number];

/** the faults that cut or end a byte stream: refused for datagrams, which are kept whole */
const STREAM_ONLY: readonly FaultOptionName[] = ['chunk', 'drip', 'reset-after', 'half-close'];
/** the faults that name a relay's lanes */
const RELAY_ONLY: readonly FaultOptionName[] = ['lane', 'drop'];

export interface FaultContext {
  /** a relay (lanes, `--half-close LANE[:N]`) or one of our own senders (`--half-close N`) */
  relay: boolean;
  /** datagrams (UDP): only delay, jitter and rate apply */
  datagrams: boolean;
}

/**
 * The plan the option values ask for; a sender (not a relay) without a seed gets a drawn one when its faults are
 * random. Throws FaultSpecError naming the option (`bad --chunk '0': …`).
 */
export function faultPlanFrom(values: Partial<Record<FaultOptionName, string>>, where: FaultContext): FaultOptions {
  const given = (names: readonly FaultOptionName[]): string[] => names.filter((n) => values[n] !== undefined).map((n) => `--${n}`);
  if (where.datagrams) {
    const bad = given(STREAM_ONLY);
    if (bad.length > 0) throw new FaultSpecError(`${bad.join(', ')} ${bad.length === 1 ? 'acts' : 'act'} on TCP streams, not on UDP (datagrams are kept whole)`);
  }
  if (!where.relay) {
    const bad = given(RELAY_ONLY);
    if (bad.length > 0) throw new FaultSpecError(`${bad.join(', ')} ${bad.length === 1 ? 'names' : 'name'} a relay's lanes; a connection's faults act on what it sends`);
  }
  const read = <T>(name: FaultOptionName, parse: (s: string) => T): T | undefined => {
    const v = values[name];
    if (v === undefined) return undefined;
    try {
      return parse(v);
    } catch (err) {
      throw new FaultSpecError(`bad --${name} '${v}': ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const f: FaultOptions = {};
  const chunk = read('chunk', parseChunkSpec);
  if (chunk) f.chunk = chunk;
  const seed = read('seed', (s) => parseByteCount(s, 'seed', 0));
  if (seed !== undefined) f.seed = seed >>> 0;
  const delay = read('delay', parseDelaySpec);
  if (delay) f.delay = delay;
  const drip = read('drip', parseDripSpec);
  if (drip) f.drip = drip;
  const rate = read('rate', (s) => parseByteCount(s, 'rate (bytes/s)'));
  if (rate !== undefined) f.rate = rate;
  const gap = read('gap', (s) => parseByteCount(s, 'gap (ms)', 0));
  if (gap !== undefined) f.gapMs = gap;
  const lanes = read('lane', parseLanes);
  if (lanes) f.lanes = lanes;
  const resetAfter = read('reset-after', (s) => parseByteCount(s, 'reset-after (bytes)', 0));
  if (resetAfter !== undefined) f.resetAfter = resetAfter;
  const halfClose = read('half-close', where.relay ? parseHalfCloseSpec : (s) => ({ lane: 'c2s' as const, after: parseByteCount(s, 'half-close (bytes)', 0) }));
  if (halfClose) f.halfClose = halfClose;
  const drop = read('drop', parseLanes);
  if (drop) f.drop = drop;
  if (!where.relay && f.seed === undefined && shapes(f)) f.seed = randomSeed();
  return f;
}

/** `--chunk 3 --delay 20:5` (the command line's spelling, typed in one line) as option values */
export function faultValuesOf(text: string): Partial<Record<FaultOptionName, string>> {
  const words = text.trim().split(/\s+/).filter((w) => w !== '');
  const out: Partial<Record<FaultOptionName, string>> = {};
  for (let i = 0; i < words.length; i += 2) {
    const name = words[i].replace(/^--/, '');
    if (!words[i].startsWith('--') || !(FAULT_OPTION_NAMES as readonly string[]).includes(name)) {
      throw new FaultSpecError(`'${words[i]}' is not a fault option (${FAULT_OPTION_NAMES.map((n) => `--${n}`).join(', ')})`);
    }
    const value = words[i + 1];
    if (value === undefined) throw new FaultSpecError(`${words[i]} needs a value`);
    out[name as FaultOptionName] = value;
  }
  return out;
}

/** a plan in the spelling faultValuesOf reads (to show and edit it); a sender's half-close as `N` */
export function faultText(f: FaultOptions | undefined, relay = false): string {
  if (!f) return '';
  const c = f.chunk;
  const parts: Array<[string, string | undefined]> = [
    ['chunk', c?.kind === 'fixed' ? String(c.size) : c?.kind === 'random' ? `random:${c.min}-${c.max}` : c?.kind === 'split' ? `split:${c.offsets.join(',')}` : c ? `merge:${c.windowMs}` : undefined],
    ['seed', f.seed?.toString()],
    ['delay', f.delay ? `${f.delay.ms}:${f.delay.jitter}` : undefined],
    ['drip', f.drip ? `${f.drip.bytes}/${f.drip.everyMs}` : undefined],
    ['rate', f.rate?.toString()],
    ['gap', f.gapMs?.toString()],
    ['lane', f.lanes?.length === 1 ? f.lanes[0] : undefined],
    ['reset-after', f.resetAfter?.toString()],
    ['half-close', f.halfClose ? (relay ? `${f.halfClose.lane}:${f.halfClose.after}` : String(f.halfClose.after)) : undefined],
    ['drop', f.drop ? (f.drop.length === 2 ? 'both' : f.drop[0]) : undefined],
  ];
  return parts
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([n, v]) => `--${n} ${v}`)
    .join(' ');
}
