/** `sockdbg agent …` and `sockdbg exec …` belong to the remote-exec module (src/cli/exec.ts). */
import type { CommandContext } from '../context';
import { EXIT_USAGE } from '../errors';

export async function runDelegated(cmd: 'agent' | 'exec', _argv: string[], ctx: CommandContext): Promise<number> {
  ctx.stderr.write(`sockdbg: '${cmd}' is not available in this build yet\n`);
  return EXIT_USAGE;
}
