/** `sockdbg agent …` and `sockdbg exec …`: the dispatcher hands their arguments to src/cli/exec.ts, which parses and runs them. */
import type { CommandContext } from '../context';
import { runAgent, runExec } from '../exec';

export async function runDelegated(cmd: 'agent' | 'exec', argv: string[], ctx: CommandContext): Promise<number> {
  return cmd === 'agent' ? runAgent(argv, ctx) : runExec(argv, ctx);
}
