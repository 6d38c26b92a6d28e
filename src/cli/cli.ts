/** Command dispatch of `sockdbg`; `run` returns the exit code and never throws for user errors. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandContext } from './context';
import { errorMessage } from '../shared/errors';
import { UsageError, NetworkError, EXIT_USAGE, EXIT_NETWORK } from './errors';
import { printHelp, usageHint } from './help';
import { runStruct } from './commands/struct';
import { runHmac } from './commands/hmac';
import { runTcp } from './commands/tcp';
import { runUdp } from './commands/udp';
import { runDelegated } from './commands/delegate';
import { runScenarios } from './commands/run';
import { runDecode } from './commands/decode';
import { ProtocolFileError } from '../core/protocol/errors';

export function version(): string {
  // dist/cli.js (bundle) and out/src/cli/cli.js (tests) find the extension's package.json above them; the npm
  // package's cli.js (packages/sockdbg) has its own beside it
  for (const rel of ['.', '..', '../..', '../../..']) {
    try {
      const pkg: unknown = JSON.parse(readFileSync(join(__dirname, rel, 'package.json'), 'utf8'));
      if (typeof pkg === 'object' && pkg !== null && ['socket-debugger', 'sockdbg'].includes(String((pkg as { name?: unknown }).name))) {
        const v = (pkg as { version?: unknown }).version;
        if (typeof v === 'string') return v;
      }
    } catch {
      // try the next candidate
    }
  }
  return 'unknown';
}

export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  try {
    const [cmd, ...rest] = argv;
    switch (cmd) {
      case undefined:
        printHelp(ctx, 'main');
        return EXIT_USAGE;
      case '-h':
      case '--help':
      case 'help':
        printHelp(ctx, rest[0] !== undefined ? rest.join(' ') : 'main');
        return 0;
      case '-V':
      case '-v':
      case '--version':
      case 'version':
        ctx.stdout.write(`sockdbg ${version()}\n`);
        return 0;
      case 'tcp':
        return await runTcp(rest, ctx);
      case 'udp':
        return await runUdp(rest, ctx);
      case 'struct':
        return await runStruct(rest, ctx);
      case 'run':
        return await runScenarios(rest, ctx);
      case 'decode':
        return await runDecode(rest, ctx);
      case 'hmac':
        return runHmac(rest, ctx);
      case 'agent':
      case 'exec':
        return await runDelegated(cmd, rest, ctx);
      default:
        throw new UsageError(cmd.startsWith('-') ? `unknown option '${cmd}'` : `unknown command '${cmd}'`);
    }
  } catch (err) {
    return reportFailure(err, ctx);
  }
}

export function reportFailure(err: unknown, ctx: CommandContext): number {
  if (err instanceof UsageError) {
    ctx.stderr.write(`sockdbg: ${err.message}\n${usageHint(err.command)}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof ProtocolFileError) {
    // every problem found, each as file:line:col: message
    ctx.stderr.write(`${err.report.split('\n').map((l) => `sockdbg: ${l}`).join('\n')}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof NetworkError) {
    ctx.stderr.write(`sockdbg: ${err.message}\n`);
    return EXIT_NETWORK;
  }
  // not a user error: still one line, plus the stack only when asked for
  ctx.stderr.write(`sockdbg: internal error: ${errorMessage(err)}\n`);
  if (process.env.SOCKDBG_DEBUG && err instanceof Error && err.stack) ctx.stderr.write(err.stack + '\n');
  return 3;
}
