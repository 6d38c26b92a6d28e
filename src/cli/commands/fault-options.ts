/**
 * The fault options every sender of `sockdbg` takes (`relay`, `tcp connect|listen`, `udp`): parseArgs definitions, read
 * into a plan by the core's faultPlanFrom (src/core/relay/faultArgs.ts, shared with the extension's Set Faults…).
 */
import type { OptionDefs, ParsedArgs } from '../args';
import { UsageError } from '../errors';
import { errorMessage } from '../../shared/errors';
import { shapes, type FaultOptions } from '../../core/relay';
import { FAULT_OPTION_NAMES, faultPlanFrom, type FaultContext, type FaultOptionName } from '../../core/relay/faultArgs';

export const FAULT_OPTIONS: OptionDefs = Object.fromEntries(FAULT_OPTION_NAMES.map((n) => [n, { type: 'string' as const }]));

/** the fault options of `args` (a sender without --seed gets a drawn seed when its faults are random) */
export function faultOptions(args: ParsedArgs, command: string, where: FaultContext): FaultOptions {
  const values: Partial<Record<FaultOptionName, string>> = {};
  for (const n of FAULT_OPTION_NAMES) {
    const v = args.values[n];
    if (typeof v === 'string') values[n] = v;
  }
  try {
    return faultPlanFrom(values, where);
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
