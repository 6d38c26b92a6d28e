/** `sockdbg agent …` and `sockdbg exec …` belong to the remote-exec module (src/cli/exec.ts, helper EXEC). */
import type { CommandContext } from '../context';
import { runAgent, runExec } from '../exec';

export async function runDelegated(cmd: 'agent' | 'exec', argv: string[], ctx: CommandContext): Promise<number> {
  return cmd === 'agent' ? runAgent(argv, ctx) : runExec(argv, ctx);
}
