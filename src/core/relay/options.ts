/**
 * A relay's fault options as text, the one validation both front ends use: `sockdbg relay --chunk …` and the
 * extension's New Relay / Set Faults prompts. Each option is spelled as on the command line; errors name it.
 */
import {
  FaultSpecError,
  parseByteCount,
  parseChunkSpec,
  parseDelaySpec,
  parseDripSpec,
  parseHalfCloseSpec,
  parseLanes,
  type ChunkMode,
  type FaultOptions,
} from './faults';

/** the fault options, in the order the CLI's help and the prompts list them */
export const FAULT_OPTION_NAMES = ['chunk', 'seed', 'delay', 'drip', 'rate', 'gap', 'lane', 'reset-after', 'half-close', 'drop'] as const;
export type FaultOptionName = (typeof FAULT_OPTION_NAMES)[number];
/** options as text, e.g. `{ chunk: 'random:1-7', seed: '42' }` */
export type FaultSpecs = Partial<Record<FaultOptionName, string>>;

/** options that act on a TCP stream and are refused for a UDP relay (datagrams are kept whole) */
export const STREAM_ONLY_FAULTS: readonly FaultOptionName[] = ['chunk', 'drip', 'reset-after', 'half-close'];

/** a bad fault option: the message names the option (`bad --chunk 'x': …`) */
export class FaultOptionError extends FaultSpecError {
  constructor(
    readonly option: FaultOptionName | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'FaultOptionError';
  }
}

/** parses one option's text into its part of FaultOptions; throws FaultSpecError (the message without the option name) */
export function parseFaultOption(name: FaultOptionName, text: string): FaultOptions {
  switch (name) {
    case 'chunk':
      return { chunk: parseChunkSpec(text) };
    case 'seed':
      return { seed: parseByteCount(text, 'seed', 0) >>> 0 };
    case 'delay':
      return { delay: parseDelaySpec(text) };
    case 'drip':
      return { drip: parseDripSpec(text) };
    case 'rate':
      return { rate: parseByteCount(text, 'rate (bytes/s)') };
    case 'gap':
      return { gapMs: parseByteCount(text, 'gap (ms)', 0) };
    case 'lane':
      return { lanes: parseLanes(text) };
    case 'reset-after':
      return { resetAfter: parseByteCount(text, 'reset-after (bytes)', 0) };
    case 'half-close':
      return { halfClose: parseHalfCloseSpec(text) };
    case 'drop':
      return { drop: parseLanes(text) };
  }
}

/** the message of a bad option, or undefined (the prompts' validateInput) */
export function checkFaultOption(name: FaultOptionName, text: string): string | undefined {
  try {
    parseFaultOption(name, text);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** every given option, checked together; `udp` refuses the stream-only ones. Throws FaultOptionError. */
export function parseFaultSpecs(specs: FaultSpecs, udp = false): FaultOptions {
  const out: FaultOptions = {};
  for (const name of FAULT_OPTION_NAMES) {
    const text = specs[name];
    if (text === undefined) continue;
    try {
      Object.assign(out, parseFaultOption(name, text));
    } catch (err) {
      throw new FaultOptionError(name, `bad --${name} '${text}': ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (udp) {
    const streamOnly = STREAM_ONLY_FAULTS.filter((n) => specs[n] !== undefined);
    if (streamOnly.length > 0) throw new FaultOptionError(streamOnly[0], `${streamOnly.map((n) => `--${n}`).join(', ')} ${streamOnly.length === 1 ? 'acts' : 'act'} on TCP streams, not with --udp (datagrams are kept whole)`);
  }
  return out;
}

function chunkText(c: ChunkMode): string {
  switch (c.kind) {
    case 'fixed':
      return String(c.size);
    case 'random':
      return `random:${c.min}-${c.max}`;
    case 'split':
      return `split:${c.offsets.join(',')}`;
    case 'merge':
      return `merge:${c.windowMs}`;
  }
}

/** the options as text again (what parseFaultSpecs reads back to the same options) */
export function faultSpecs(f: FaultOptions | undefined): FaultSpecs {
  const s: FaultSpecs = {};
  if (!f) return s;
  if (f.chunk) s.chunk = chunkText(f.chunk);
  if (f.seed !== undefined) s.seed = String(f.seed);
  if (f.delay) s.delay = f.delay.jitter ? `${f.delay.ms}:${f.delay.jitter}` : String(f.delay.ms);
  if (f.drip) s.drip = `${f.drip.bytes}/${f.drip.everyMs}`;
  if (f.rate !== undefined) s.rate = String(f.rate);
  if (f.gapMs !== undefined) s.gap = String(f.gapMs);
  if (f.lanes) s.lane = f.lanes.length === 2 ? 'both' : f.lanes[0];
  if (f.resetAfter !== undefined) s['reset-after'] = String(f.resetAfter);
  if (f.halfClose) s['half-close'] = `${f.halfClose.lane}:${f.halfClose.after}`;
  if (f.drop) s.drop = f.drop.length === 2 ? 'both' : f.drop[0];
  return s;
}

/** `--chunk random:1-7 --seed 42`, or '' without faults */
export function describeFaults(f: FaultOptions | undefined): string {
  return Object.entries(faultSpecs(f))
    .map(([k, v]) => `--${k} ${v}`)
    .join(' ');
}
