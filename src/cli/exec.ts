/**
 * `sockdbg agent …` and `sockdbg exec …` (the argv given here excludes the subcommand word).
 * Exit codes: exec → the remote exit code (128+n when killed by signal n; 1 when the agent reports a code outside
 * 0–255), 1 usage, 2 network/auth failure; agent → 0 after SIGINT/SIGTERM, 1 usage, 2 cannot listen.
 * Usage errors are thrown as UsageError, printed by the CLI like every other command's.
 */
import { createWriteStream, readFileSync, statSync, type WriteStream } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { ExecAgent, type AuditRecord } from '../core/exec/agent';
import { ExecClientError, runRemote, type RemoteExecOptions } from '../core/exec/client';
import { DEFAULT_DIGEST, keyFromBytes, keyFromText, parseDigest, type ExecDigest } from '../core/exec/protocol';
import { createStreamDecoder, type StreamDecoder } from '../core/codec/encoding';
import { processContext, type CommandContext } from './context';
import { shortKeyWarning } from './commands/hmac';
import { errorMessage } from '../shared/errors';
import { UsageError } from './errors';
import { expectPositionals, optFlag, optString, parseEncoding, parsePort, parseRemotePort, parseSeconds, type OptionDefs, type ParsedArgs } from './args';
import { parseOrHelp } from './dispatch';

/**
 * The process streams the commands use: the CLI's CommandContext, with stdin optional (only --stdin reads it,
 * forwarding it to the remote command).
 */
export type ExecIO = Pick<CommandContext, 'stdout' | 'stderr' | 'onSignal'> & Partial<Pick<CommandContext, 'stdin'>>;

const KEY_OPTIONS: OptionDefs = {
  'key-file': { type: 'string' },
  'key-env': { type: 'string' },
  digest: { type: 'string' },
  'allow-short-key': { type: 'boolean' },
};
const AGENT_OPTIONS: OptionDefs = {
  ...KEY_OPTIONS,
  port: { type: 'string' },
  host: { type: 'string' },
  allow: { type: 'string', multiple: true },
  'allow-cwd': { type: 'string', multiple: true },
  'max-sessions': { type: 'string' },
  timeout: { type: 'string' },
  audit: { type: 'string' },
};
const EXEC_OPTIONS: OptionDefs = {
  ...KEY_OPTIONS,
  encoding: { type: 'string' },
  cwd: { type: 'string' },
  timeout: { type: 'string' },
  env: { type: 'string', multiple: true },
  shell: { type: 'boolean' },
  stdin: { type: 'boolean' },
};

function list(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

interface LoadedKey {
  key: Buffer;
  /** the environment variable it came from (never passed on to commands) */
  env?: string;
}

/** Reads the key from --key-file or --key-env; errors never include the key. Warns like ssh about a readable file. */
function loadKey(args: ParsedArgs, command: string, io: ExecIO): LoadedKey {
  const file = optString(args, 'key-file');
  const env = optString(args, 'key-env');
  if ((file === undefined) === (env === undefined)) throw new UsageError('give exactly one of --key-file F or --key-env VAR', command);
  try {
    if (file !== undefined) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw new Error(`cannot read the key file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
      }
      const mode = process.platform === 'win32' ? 0 : statSync(file).mode & 0o777;
      if (mode & 0o077) {
        io.stderr.write(`sockdbg ${command}: WARNING: the key file ${file} is accessible by others (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${file}\n`);
      }
      return { key: keyFromBytes(bytes, optFlag(args, 'allow-short-key')) };
    }
    const v = process.env[env as string];
    if (v === undefined || v === '') throw new Error(`the environment variable ${env} is not set`);
    return { key: keyFromText(v, optFlag(args, 'allow-short-key')), env };
  } catch (e) {
    throw new UsageError(errorMessage(e), command);
  }
}

function digestArg(args: ParsedArgs, command: string): ExecDigest {
  const d = optString(args, 'digest');
  if (d === undefined) return DEFAULT_DIGEST;
  try {
    return parseDigest(d);
  } catch (e) {
    throw new UsageError(errorMessage(e), command);
  }
}

function secondsArg(args: ParsedArgs, command: string): number | undefined {
  const ms = parseSeconds(optString(args, 'timeout'), command);
  return ms === undefined ? undefined : ms / 1000;
}

/** The bound address, not the --host text: "0", "::0", "0.0.0.0" and "::" all listen everywhere. */
export function isAllInterfaces(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

export async function runAgent(argv: string[], io: ExecIO = processContext()): Promise<number> {
  const cmd = 'agent';
  const args = parseOrHelp(cmd, argv, AGENT_OPTIONS, io);
  if (!args) return 0;
  expectPositionals(args, cmd, 0, 0, '');
  const port = parsePort(optString(args, 'port'), cmd);
  const allow = list(args, 'allow').map((src) => {
    try {
      return new RegExp(src);
    } catch (e) {
      throw new UsageError(`bad --allow pattern: ${errorMessage(e)}`, cmd);
    }
  });
  const maxSessions = optString(args, 'max-sessions');
  if (maxSessions !== undefined && (!/^\d+$/.test(maxSessions) || Number(maxSessions) < 1 || Number(maxSessions) > 10_000)) {
    throw new UsageError(`--max-sessions must be a whole number 1-10000, got '${maxSessions}'`, cmd);
  }
  const timeoutSec = secondsArg(args, cmd);
  const auditFile = optString(args, 'audit');
  const { key, env: keyEnv } = loadKey(args, cmd, io);
  const allowCwd = args.values['allow-cwd'] !== undefined ? list(args, 'allow-cwd') : undefined;
  const options: ConstructorParameters<typeof ExecAgent>[0] = {
    key,
    allowShortKey: optFlag(args, 'allow-short-key'),
    digest: digestArg(args, cmd),
    host: optString(args, 'host') ?? '127.0.0.1',
    port,
    allow,
    ...(allowCwd ? { allowCwd } : {}),
    ...(keyEnv !== undefined ? { dropEnv: [keyEnv] } : {}),
    ...(maxSessions !== undefined ? { maxSessions: Number(maxSessions) } : {}),
    ...(timeoutSec !== undefined ? { timeoutSec } : {}),
  };

  const log = (line: string): void => {
    io.stderr.write(`${new Date().toISOString()} ${line}\n`);
  };
  let audit: WriteStream | undefined;
  if (auditFile !== undefined) {
    audit = createWriteStream(auditFile, { flags: 'a', mode: 0o600 });
    const ok = await new Promise<boolean>((resolve) => {
      audit?.once('open', () => resolve(true));
      audit?.once('error', (e: NodeJS.ErrnoException) => {
        io.stderr.write(`sockdbg agent: cannot open the audit log ${auditFile}: ${e.code ?? e.message}\n`);
        resolve(false);
      });
    });
    if (!ok) return 1;
  }
  const weak = shortKeyWarning(key);
  if (weak !== undefined) io.stderr.write(weak);
  let agent: ExecAgent;
  try {
    agent = new ExecAgent({
      ...options,
      log,
      ...(audit ? { audit: (r: AuditRecord) => audit?.write(JSON.stringify(r) + '\n') } : {}),
    });
  } catch (e) {
    audit?.end();
    throw new UsageError(errorMessage(e), cmd); // e.g. an --allow-cwd directory that does not exist
  }
  let addr;
  try {
    addr = await agent.listen();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : err.message;
    io.stderr.write(`sockdbg agent: cannot listen on ${options.host}:${options.port}: ${why}\n`);
    audit?.end();
    return 2;
  }
  if (isAllInterfaces(addr.address)) {
    io.stderr.write(
      '\n!!! WARNING: the agent listens on ALL network interfaces. Anyone who can reach this port can try keys.\n' +
        '!!! Frames are authenticated but NOT encrypted: use a firewall, an SSH tunnel or a VPN.\n\n',
    );
  }
  log(`sockdbg agent listening on ${addr.address}:${addr.port} (digest ${options.digest}${options.allow?.length ? `, ${options.allow.length} allow pattern(s)` : ''})`);
  await new Promise<void>((resolve) => {
    const off = io.onSignal(() => {
      off();
      resolve();
    });
  });
  log('stopping');
  await agent.close();
  if (audit) await new Promise<void>((r) => audit?.end(() => r()));
  return 0;
}

function signalExitCode(signal: string | null): number {
  if (!signal) return 1;
  const n = (osConstants.signals as Record<string, number>)[signal];
  return typeof n === 'number' ? 128 + n : 1;
}

/** The exit status for a remote exit code: itself when 0–255, else 1 (a shell would wrap 256 around to 0). */
export function exitStatus(code: number): number {
  return Number.isInteger(code) && code >= 0 && code <= 255 ? code : 1;
}

export async function runExec(argv: string[], io: ExecIO = processContext()): Promise<number> {
  const cmd = 'exec';
  // everything after the first `--` is the remote command, never options of ours
  const dd = argv.indexOf('--');
  const args = parseOrHelp(cmd, dd >= 0 ? argv.slice(0, dd) : argv, EXEC_OPTIONS, io);
  if (!args) return 0;
  const command = dd >= 0 ? argv.slice(dd + 1) : [];
  if (args.positionals.length < 2) throw new UsageError('HOST and PORT are required', cmd);
  if (args.positionals.length > 2) throw new UsageError(`unexpected argument '${args.positionals[2]}' (put the command after --)`, cmd);
  const [host, portText] = args.positionals;
  const port = parseRemotePort(portText, cmd);
  if (command.length === 0) throw new UsageError('no command given (put it after --)', cmd);
  const encOption = optString(args, 'encoding');
  const encoding = encOption === undefined ? undefined : parseEncoding(encOption, cmd);
  const env: Record<string, string> = {};
  for (const kv of list(args, 'env')) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env needs NAME=VALUE, got '${kv}'`, cmd);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const cwd = optString(args, 'cwd');
  const timeoutSec = secondsArg(args, cmd);
  const shell = optFlag(args, 'shell') || command.length === 1;
  const opts: RemoteExecOptions = {
    host,
    port,
    key: loadKey(args, cmd, io).key,
    allowShortKey: optFlag(args, 'allow-short-key'),
    digest: digestArg(args, cmd),
    ...(shell ? { command: command.join(' ') } : { argv: command }),
    ...(cwd !== undefined ? { cwd } : {}),
    ...(timeoutSec !== undefined ? { timeoutSec } : {}),
    ...(Object.keys(env).length ? { env } : {}),
  };
  if (optFlag(args, 'stdin')) {
    if (!io.stdin) throw new UsageError('--stdin: no standard input to forward', cmd);
    opts.stdinStream = io.stdin;
  }

  const passthrough = encoding === undefined || encoding === 'utf8' || encoding === 'utf-8';
  const decoders: Record<'out' | 'err', StreamDecoder | undefined> = {
    out: passthrough ? undefined : createStreamDecoder(encoding as string),
    err: passthrough ? undefined : createStreamDecoder(encoding as string),
  };
  const writer =
    (stream: NodeJS.WritableStream, dec: StreamDecoder | undefined) =>
    (chunk: Buffer): void | Promise<void> => {
      const data = dec ? dec.write(chunk) : chunk;
      if (data.length === 0 || stream.write(data)) return;
      return new Promise<void>((resolve) => stream.once('drain', () => resolve()));
    };

  const weak = shortKeyWarning(opts.key);
  if (weak !== undefined) io.stderr.write(weak);
  const ac = new AbortController();
  let interrupted = 0;
  const off = io.onSignal(() => {
    interrupted++;
    if (interrupted === 1) ac.abort();
    else process.exit(130);
  });
  try {
    const r = await runRemote({ ...opts, signal: ac.signal }, { onStdout: writer(io.stdout, decoders.out), onStderr: writer(io.stderr, decoders.err) });
    const tailOut = decoders.out?.end();
    if (tailOut) io.stdout.write(tailOut);
    const tailErr = decoders.err?.end();
    if (tailErr) io.stderr.write(tailErr);
    if (r.timedOut) io.stderr.write(`sockdbg exec: the remote command timed out (killed by ${r.signal ?? 'signal'})\n`);
    if (r.exitCode !== null) {
      const status = exitStatus(r.exitCode);
      if (status !== r.exitCode) io.stderr.write(`sockdbg exec: the remote command exited with code ${r.exitCode}, outside 0-255\n`);
      return status;
    }
    return signalExitCode(r.signal);
  } catch (e) {
    if (e instanceof ExecClientError) {
      io.stderr.write(`sockdbg exec: ${e.message}\n`);
      return 2;
    }
    io.stderr.write(`sockdbg exec: ${errorMessage(e)}\n`);
    return 2;
  } finally {
    off();
  }
}
