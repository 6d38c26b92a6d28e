/** The prologue every command group shares (`sockdbg tcp|udp|struct <subcommand> …`). */
import type { CommandContext } from './context';
import { UsageError, EXIT_OK } from './errors';
import { printHelp } from './help';
import { parseCommandArgs, type OptionDefs, type ParsedArgs } from './args';

export type Subcommand = (argv: string[], ctx: CommandContext) => number | Promise<number>;

/**
 * Runs `argv[0]` of `group` with the rest of argv. No subcommand prints the group's help and exits 1; `help`,
 * `--help`, `-h` print it and exit 0; an unknown one is a usage error naming the known ones.
 */
export async function dispatchSubcommand(group: string, argv: string[], ctx: CommandContext, subcommands: Record<string, Subcommand>): Promise<number> {
  const sub = argv[0];
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    printHelp(ctx, group);
    return sub === undefined ? 1 : EXIT_OK;
  }
  const run = Object.hasOwn(subcommands, sub) ? subcommands[sub] : undefined;
  if (!run) throw new UsageError(`unknown ${group} command '${sub}' (${Object.keys(subcommands).join(' or ')})`, group);
  return run(argv.slice(1), ctx);
}

/**
 * Parses a subcommand's arguments; with `--help`/`-h` prints its help instead and returns undefined (the caller
 * exits 0).
 */
export function parseOrHelp(command: string, argv: string[], options: OptionDefs, ctx: Pick<CommandContext, 'stdout'>): ParsedArgs | undefined {
  const args = parseCommandArgs(command, argv, options);
  if (!args.help) return args;
  printHelp(ctx, command);
  return undefined;
}
