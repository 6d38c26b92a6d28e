/**
 * A fault plan for one of our own senders (a TCP client or server, a UDP socket) from the option spellings: the
 * relay's reading (options.ts) with a sender's rules — no lanes (`--lane`, `--drop`), `--half-close N` (bytes sent),
 * datagrams kept whole — and a drawn seed when random faults come without one. The CLI (tcp, udp) and the extension's
 * Set Connection Faults… use it.
 */
import { FaultSpecError, shapes, type FaultOptions } from './faults';
import { describeFaults, FAULT_OPTION_NAMES, parseFaultSpecs, STREAM_ONLY_FAULTS, type FaultOptionName, type FaultSpecs } from './options';
import { randomSeed } from './prng';

/** the faults that name a relay's lanes */
const RELAY_ONLY: readonly FaultOptionName[] = ['lane', 'drop'];

/** the plan `specs` ask of a sender; throws FaultSpecError naming the option */
export function senderFaultPlan(specs: FaultSpecs, datagrams: boolean): FaultOptions {
  const given = (names: readonly FaultOptionName[]): string[] => names.filter((n) => specs[n] !== undefined).map((n) => `--${n}`);
  if (datagrams) {
    const bad = given(STREAM_ONLY_FAULTS);
    if (bad.length > 0) throw new FaultSpecError(`${bad.join(', ')} ${bad.length === 1 ? 'acts' : 'act'} on TCP streams, not on UDP (datagrams are kept whole)`);
  }
  const relayOnly = given(RELAY_ONLY);
  if (relayOnly.length > 0) throw new FaultSpecError(`${relayOnly.join(', ')} ${relayOnly.length === 1 ? 'names' : 'name'} a relay's lanes; a connection's faults act on what it sends`);
  const hc = specs['half-close'];
  if (hc !== undefined && !/^\d+$/.test(hc)) throw new FaultSpecError(`bad --half-close '${hc}': a connection's half-close is N, the bytes sent before its FIN`);
  const plan = parseFaultSpecs({ ...specs, ...(hc !== undefined ? { 'half-close': `c2s:${hc}` } : {}) });
  if (plan.seed === undefined && shapes(plan)) plan.seed = randomSeed();
  return plan;
}

/** a sender's plan as it is typed (`--chunk 3 --delay 20:5 --half-close 10`) */
export function senderFaultText(f: FaultOptions | undefined): string {
  if (!f) return '';
  const { halfClose, ...rest } = f;
  return [describeFaults(rest), halfClose ? `--half-close ${halfClose.after}` : ''].filter((s) => s !== '').join(' ');
}

/** `--chunk 3 --delay 20:5` (the command line's spelling, typed in one line) as option texts */
export function faultSpecsOf(text: string): FaultSpecs {
  const words = text.trim().split(/\s+/).filter((w) => w !== '');
  const out: FaultSpecs = {};
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
