/**
 * The fault options every sender of `sockdbg` takes (`relay`, `tcp connect|listen`, `udp`): parseArgs definitions,
 * read by the core (a relay: parseFaultSpecs in src/core/relay/options.ts; our own senders: senderFaultPlan).
 */
import type { OptionDefs, ParsedArgs } from '../args';
import { UsageError } from '../errors';
import { errorMessage } from '../../shared/errors';
import { FAULT_OPTION_NAMES, parseFaultSpecs, shapes, type FaultOptions, type FaultSpecs } from '../../core/relay';
import { senderFaultPlan } from '../../core/relay/faultArgs';

export const FAULT_OPTIONS: OptionDefs = Object.fromEntries(FAULT_OPTION_NAMES.map((n) => [n, { type: 'string' as const }]));

/** the fault options of `args`: a relay's (`datagrams`: --udp), or a sender's (a drawn seed for random faults) */
export function faultOptions(args: ParsedArgs, command: string, where: { relay: boolean; datagrams: boolean }): FaultOptions {
  const specs: FaultSpecs = {};
  for (const n of FAULT_OPTION_NAMES) {
    const v = args.values[n];
    if (typeof v === 'string') specs[n] = v;
  }
  try {
    return where.relay ? parseFaultSpecs(specs, where.datagrams) : senderFaultPlan(specs, where.datagrams);
  } catch (err) {
    throw new UsageError(errorMessage(err), command);
  }
}

/** the faults of a sender, or undefined when none was asked for */
export function senderFaults(args: ParsedArgs, command: string, datagrams: boolean): FaultOptions | undefined {
  const f = faultOptions(args, command, { relay: false, datagrams });
  return Object.keys(f).length > 0 ? f : undefined;
}

/** `fault seed N (repeat …)` for a run whose random faults drew their seed (so that it can be repeated exactly) */
export function seedNotice(args: ParsedArgs, faults: FaultOptions | undefined): string | undefined {
  if (!faults || faults.seed === undefined || args.values.seed !== undefined || !shapes(faults)) return undefined;
  return `fault seed ${faults.seed} (repeat this run with --seed ${faults.seed})`;
}
