/**
 * `sockdbg agent …` and `sockdbg exec …` (the argv given here excludes the subcommand word).
 * Exit codes: exec → the remote exit code (128+n when killed by signal n), 1 usage, 2 network/auth failure;
 * agent → 0 after SIGINT/SIGTERM, 1 usage, 2 cannot listen.
 */
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { ExecAgent, type AuditRecord } from '../core/exec/agent';
import { ExecClientError, runRemote, type RemoteExecOptions } from '../core/exec/client';
import { DEFAULT_DIGEST, keyFromText, parseDigest, type ExecDigest } from '../core/exec/protocol';
import { shortKeyWarning } from './commands/hmac';
import { createStreamDecoder, normalizeEncoding, type StreamDecoder } from '../core/codec/encoding';
import { processContext, type CommandContext } from './context';

/**
 * The process streams the commands use: the CLI's CommandContext, with stdin optional (only --stdin reads it,
 * forwarding it to the remote command).
 */
export type ExecIO = Pick<CommandContext, 'stdout' | 'stderr' | 'onSignal'> & Partial<Pick<CommandContext, 'stdin'>>;

class Usage extends Error {}

const AGENT_USAGE =
  'usage: sockdbg agent --port N [--host 127.0.0.1] (--key-file F | --key-env VAR) [--digest sha256]\n' +
  '                     [--allow REGEX]... [--max-sessions N] [--timeout SEC] [--audit FILE] [--allow-short-key]\n' +
  '       --allow: the whole command line must match one REGEX; with an allowlist, shell commands containing\n' +
  '       ; & | ` $ ( ) < > or a line break are refused (send argv instead), and so is --env';
const EXEC_USAGE =
  'usage: sockdbg exec HOST PORT (--key-file F | --key-env VAR) [--digest sha256] [--encoding ENC] [--cwd DIR]\n' +
  '                    [--timeout SEC] [--env NAME=VALUE]... [--shell] [--stdin] [--allow-short-key] -- COMMAND [ARG...]\n' +
  '       --allow-short-key: accept a key under 16 bytes (the tutorial\'s b"wyb"), for check_conn programs only\n' +
  '       one COMMAND word runs through the remote shell (like ssh); several run as an argument vector';

interface Parsed {
  positional: string[];
  rest: string[] | undefined;
  flags: Map<string, string[]>;
}

/** Parses `--name value`, `--name=value` and boolean flags; everything after `--` is kept apart. */
function parseArgs(argv: string[], valued: Set<string>, booleans: Set<string>): Parsed {
  const out: Parsed = { positional: [], rest: undefined, flags: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.rest = argv.slice(i + 1);
      break;
    }
    if (a.startsWith('--') || a === '-h') {
      const eq = a.indexOf('=');
      const name = a === '-h' ? 'help' : a.slice(2, eq >= 0 ? eq : undefined);
      if (booleans.has(name)) {
        if (eq >= 0) throw new Usage(`--${name} takes no value`);
        out.flags.set(name, ['true']);
        continue;
      }
      if (!valued.has(name)) throw new Usage(`unknown option '${a}'`);
      let v: string;
      if (eq >= 0) v = a.slice(eq + 1);
      else {
        if (i + 1 >= argv.length) throw new Usage(`--${name} needs a value`);
        v = argv[++i];
      }
      const list = out.flags.get(name) ?? [];
      list.push(v);
      out.flags.set(name, list);
      continue;
    }
    out.positional.push(a);
  }
  return out;
}

function single(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  if (!v) return undefined;
  if (v.length > 1) throw new Usage(`--${name} given more than once`);
  return v[0];
}

function intArg(value: string, what: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new Usage(`${what} must be a whole number, got '${value}'`);
  const n = Number(value);
  if (n < min || n > max) throw new Usage(`${what} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function secondsArg(value: string, what: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) throw new Usage(`${what} must be a positive number of seconds, got '${value}'`);
  return n;
}

/** Reads the key from --key-file or --key-env; errors never include the key. */
function loadKey(p: Parsed): Buffer {
  const file = single(p, 'key-file');
  const env = single(p, 'key-env');
  if ((file === undefined) === (env === undefined)) throw new Usage('give exactly one of --key-file F or --key-env VAR');
  let text: string;
  if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new Usage(`cannot read the key file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  } else {
    const v = process.env[env as string];
    if (v === undefined || v === '') throw new Usage(`the environment variable ${env} is not set`);
    text = v;
  }
  try {
    return keyFromText(text, p.flags.has('allow-short-key'));
  } catch (e) {
    throw new Usage((e as Error).message);
  }
}

function digestArg(p: Parsed): ExecDigest {
  const d = single(p, 'digest');
  if (d === undefined) return DEFAULT_DIGEST;
  try {
    return parseDigest(d);
  } catch (e) {
    throw new Usage((e as Error).message);
  }
}

function isAllInterfaces(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '' || host === '[::]' || host === '*';
}

export async function runAgent(argv: string[], io: ExecIO = processContext()): Promise<number> {
  let options: ConstructorParameters<typeof ExecAgent>[0];
  let auditFile: string | undefined;
  try {
    const p = parseArgs(argv, new Set(['port', 'host', 'key-file', 'key-env', 'digest', 'allow', 'max-sessions', 'timeout', 'audit']), new Set(['help', 'allow-short-key']));
    if (p.flags.has('help')) {
      io.stdout.write(AGENT_USAGE + '\n');
      return 0;
    }
    if (p.positional.length || p.rest) throw new Usage(`unexpected argument '${(p.positional[0] ?? p.rest?.[0]) as string}'`);
    const port = single(p, 'port');
    if (port === undefined) throw new Usage('--port N is required');
    const allow = (p.flags.get('allow') ?? []).map((src) => {
      try {
        return new RegExp(src);
      } catch (e) {
        throw new Usage(`bad --allow pattern: ${(e as Error).message}`);
      }
    });
    const maxSessions = single(p, 'max-sessions');
    const timeout = single(p, 'timeout');
    auditFile = single(p, 'audit');
    options = {
      key: loadKey(p),
      allowShortKey: p.flags.has('allow-short-key'),
      digest: digestArg(p),
      host: single(p, 'host') ?? '127.0.0.1',
      port: intArg(port, '--port', 0, 65535),
      allow,
      ...(maxSessions !== undefined ? { maxSessions: intArg(maxSessions, '--max-sessions', 1, 10_000) } : {}),
      ...(timeout !== undefined ? { timeoutSec: secondsArg(timeout, '--timeout') } : {}),
    };
  } catch (e) {
    if (e instanceof Usage) {
      io.stderr.write(`sockdbg agent: ${e.message}\n${AGENT_USAGE}\n`);
      return 1;
    }
    throw e;
  }

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
  const weak = shortKeyWarning(options.key);
  if (weak !== undefined) io.stderr.write(weak);
  const agent = new ExecAgent({
    ...options,
    log,
    ...(audit ? { audit: (r: AuditRecord) => audit?.write(JSON.stringify(r) + '\n') } : {}),
  });
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
  if (isAllInterfaces(options.host ?? '')) {
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

export async function runExec(argv: string[], io: ExecIO = processContext()): Promise<number> {
  let opts: RemoteExecOptions;
  let encoding: string | undefined;
  try {
    const p = parseArgs(argv, new Set(['key-file', 'key-env', 'digest', 'encoding', 'cwd', 'timeout', 'env']), new Set(['help', 'shell', 'stdin', 'allow-short-key']));
    if (p.flags.has('help')) {
      io.stdout.write(EXEC_USAGE + '\n');
      return 0;
    }
    if (p.positional.length !== 2) throw new Usage(p.positional.length < 2 ? 'HOST and PORT are required' : `unexpected argument '${p.positional[2]}' (put the command after --)`);
    const [host, port] = p.positional;
    const cmd = p.rest ?? [];
    if (cmd.length === 0) throw new Usage('no command given (put it after --)');
    const enc = single(p, 'encoding');
    if (enc !== undefined) {
      try {
        encoding = normalizeEncoding(enc);
      } catch (e) {
        throw new Usage((e as Error).message);
      }
    }
    const env: Record<string, string> = {};
    for (const kv of p.flags.get('env') ?? []) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new Usage(`--env needs NAME=VALUE, got '${kv}'`);
      env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    const cwd = single(p, 'cwd');
    const timeout = single(p, 'timeout');
    const shell = p.flags.has('shell') || cmd.length === 1;
    opts = {
      host,
      port: intArg(port, 'PORT', 1, 65535),
      key: loadKey(p),
      allowShortKey: p.flags.has('allow-short-key'),
      digest: digestArg(p),
      ...(shell ? { command: cmd.join(' ') } : { argv: cmd }),
      ...(cwd !== undefined ? { cwd } : {}),
      ...(timeout !== undefined ? { timeoutSec: secondsArg(timeout, '--timeout') } : {}),
      ...(Object.keys(env).length ? { env } : {}),
    };
    if (p.flags.has('stdin')) {
      if (!io.stdin) throw new Usage('--stdin: no standard input to forward');
      opts.stdinStream = io.stdin;
    }
  } catch (e) {
    if (e instanceof Usage) {
      io.stderr.write(`sockdbg exec: ${e.message}\n${EXEC_USAGE}\n`);
      return 1;
    }
    throw e;
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
    if (r.exitCode !== null) return r.exitCode;
    return signalExitCode(r.signal);
  } catch (e) {
    if (e instanceof ExecClientError) {
      io.stderr.write(`sockdbg exec: ${e.message}\n`);
      return 2;
    }
    io.stderr.write(`sockdbg exec: ${(e as Error).message}\n`);
    return 2;
  } finally {
    off();
  }
}
