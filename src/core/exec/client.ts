/**
 * Programmatic remote-exec client: authenticates to an agent (and makes the agent prove the key before any
 * command leaves), runs one command and streams its output to callbacks with backpressure.
 */
import { errorMessage } from '../../shared/errors';
import * as net from 'node:net';
import {
  DEFAULT_DIGEST,
  DIR_AGENT_TO_CLIENT,
  DIR_CLIENT_TO_AGENT,
  FrameReader,
  FrameWriter,
  NONCE_BYTES,
  ProtocolError,
  STATUS_ACCEPTED,
  STATUS_REFUSED,
  agentProof,
  checkKey,
  clientProof,
  digestSize,
  newNonce,
  safeEqual,
  sessionKey,
  type ExecDigest,
  type Frame,
} from './protocol';
import { PeerClosedError, SocketReader } from './socketReader';

export type ExecClientErrorCode =
  | 'network' // cannot connect, or the connection broke
  | 'refused' // the agent refused our answer (wrong key or digest)
  | 'impostor' // the peer failed to prove it holds the key; nothing was sent
  | 'protocol' // malformed or unauthenticated frame from the agent
  | 'remote' // the agent reported an error (not allowed, busy, spawn failed…)
  | 'cancelled' // cancelled before the command was sent
  | 'timeout'; // connect/handshake took too long

export class ExecClientError extends Error {
  constructor(
    readonly code: ExecClientErrorCode,
    message: string,
    /** for code 'remote': the agent's error code, e.g. "not-allowed" */
    readonly remoteCode?: string,
  ) {
    super(message);
    this.name = 'ExecClientError';
  }
}

export interface ExecClientStats {
  /** the most received-but-undelivered bytes held at once */
  maxBufferedBytes: number;
  /** every byte received from the agent */
  bytesReceived: number;
}

export interface RemoteExecOptions {
  host: string;
  port: number;
  key: Buffer;
  digest?: ExecDigest;
  /** a shell command line (run with the agent's shell) … */
  command?: string;
  /** … or an argument vector (no shell) */
  argv?: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** seconds; the agent may enforce a lower limit */
  timeoutSec?: number;
  /** written to the command's stdin, which is then closed (unless stdinStream is given) */
  stdin?: Buffer | string;
  /** streamed to the command's stdin after `stdin`, with backpressure; stdin is closed when it ends */
  stdinStream?: NodeJS.ReadableStream;
  /** connect + handshake limit, default 10000 */
  connectTimeoutMs?: number;
  /** aborting before the command is sent rejects with 'cancelled'; afterwards it cancels the remote command */
  signal?: AbortSignal;
  /** filled in while running (tests of bounded memory) */
  stats?: ExecClientStats;
  /** accept a key shorter than MIN_KEY_BYTES (check_conn compatibility; the caller warns) */
  allowShortKey?: boolean;
}

export interface RemoteExecHandlers {
  onStarted?(pid: number): void;
  /** return a promise to apply backpressure: no more output is read until it settles */
  onStdout?(chunk: Buffer): void | Promise<void>;
  onStderr?(chunk: Buffer): void | Promise<void>;
}

export interface RemoteExecResult {
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  timedOut: boolean;
  cancelled: boolean;
  pid?: number;
}

/** Connects; `created` gets the socket at once so that a timeout or an abort can destroy it while connecting. */
function connect(host: string, port: number, created: (s: net.Socket) => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    created(s);
    const onError = (e: NodeJS.ErrnoException): void => {
      s.destroy();
      const why = e.code === 'ECONNREFUSED' ? 'connection refused' : e.code === 'ENOTFOUND' ? 'host not found' : e.message;
      reject(new ExecClientError('network', `cannot connect to ${host}:${port}: ${why}`));
    };
    const onClose = (): void => reject(new ExecClientError('network', `cannot connect to ${host}:${port}: connection attempt aborted`));
    s.once('error', onError);
    s.once('close', onClose);
    s.once('connect', () => {
      s.off('error', onError);
      s.off('close', onClose);
      resolve(s);
    });
  });
}

/** where to reach an agent and how to prove ourselves: what a handshake needs */
export type AgentAddress = Pick<RemoteExecOptions, 'host' | 'port' | 'key' | 'digest' | 'connectTimeoutMs' | 'signal' | 'allowShortKey'>;

interface Session {
  socket: net.Socket;
  reader: SocketReader;
  /** the session key both sides derived */
  sk: Buffer;
  digest: ExecDigest;
  where: string;
}

/**
 * Connects and runs the mutual-authentication handshake: we answer the agent's challenge, then the agent proves it
 * holds the key too. Rejects with an ExecClientError ('refused' for a wrong key or digest, 'impostor', 'timeout', …).
 */
async function handshake(opts: AgentAddress): Promise<Session> {
  checkKey(opts.key, opts.allowShortKey);
  const digest = opts.digest ?? DEFAULT_DIGEST;
  const where = `${opts.host}:${opts.port}`;
  const signal = opts.signal;
  if (signal?.aborted) throw new ExecClientError('cancelled', 'cancelled before connecting');

  let socket: net.Socket | undefined;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    socket?.destroy();
  }, opts.connectTimeoutMs ?? 10_000);
  const onAbortEarly = (): void => {
    socket?.destroy();
  };
  signal?.addEventListener('abort', onAbortEarly);
  let reader: SocketReader;
  let sk: Buffer;
  try {
    try {
      socket = await connect(opts.host, opts.port, (s) => (socket = s));
    } catch (e) {
      if (signal?.aborted) throw new ExecClientError('cancelled', 'cancelled while connecting');
      if (timedOut) throw new ExecClientError('timeout', `cannot connect to ${where} within ${opts.connectTimeoutMs ?? 10_000} ms`);
      throw e;
    }
    if (timedOut || signal?.aborted) socket.destroy();
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    reader = new SocketReader(socket);
    const step = async (n: number, closedMessage: string, code: ExecClientErrorCode = 'network'): Promise<Buffer> => {
      try {
        return await reader.read(n);
      } catch (e) {
        if (signal?.aborted) throw new ExecClientError('cancelled', 'cancelled before the command was sent');
        if (timedOut) throw new ExecClientError('timeout', `no complete handshake from ${where} within ${opts.connectTimeoutMs ?? 10_000} ms`);
        const cause = e instanceof PeerClosedError && e.cause ? ` (${e.cause.message})` : '';
        throw new ExecClientError(code, closedMessage + cause);
      }
    };
    const nonceA = await step(NONCE_BYTES, `${where} closed the connection before sending a challenge (agent busy, or not a sockdbg agent)`);
    const answer = clientProof(digest, opts.key, nonceA);
    socket.write(answer);
    const status = await step(
      1,
      `${where} closed the connection after our answer without a verdict, so whether it accepted the key cannot be told from here: ` +
        `a server that only checks clients (like the tutorial's check_conn) closes either way and prints its verdict itself ('合法的客户端' or '不合法的客户端'), ` +
        `while a sockdbg agent answers 'accepted' or 'refused'. Challenge ${nonceA.toString('hex')}, our ${digest} answer ${answer.toString('hex')} ` +
        `(check it: sockdbg hmac --digest ${digest} --key … --hex ${nonceA.toString('hex')})`,
      'refused',
    );
    if (status[0] === STATUS_REFUSED) throw new ExecClientError('refused', `${where} refused the key (wrong key or wrong --digest)`);
    if (status[0] !== STATUS_ACCEPTED) throw new ExecClientError('protocol', `${where} sent an unexpected handshake status 0x${status[0].toString(16)} (not a sockdbg agent?)`);
    const nonceB = newNonce();
    socket.write(nonceB);
    const proofA = await step(digestSize(digest), `${where} closed the connection instead of proving it holds the key`, 'impostor');
    if (!safeEqual(proofA, agentProof(digest, opts.key, nonceA, nonceB))) {
      throw new ExecClientError('impostor', `${where} failed to prove it holds the key; the command was not sent (impostor, or a different key on the agent)`);
    }
    if (signal?.aborted) throw new ExecClientError('cancelled', 'cancelled before the command was sent');
    sk = sessionKey(digest, opts.key, nonceA, nonceB);
  } catch (e) {
    socket?.destroy();
    if (e instanceof ExecClientError) throw e;
    throw new ExecClientError('network', `${where}: ${errorMessage(e)}`);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbortEarly);
  }
  return { socket, reader, sk, digest, where };
}

/**
 * Checks that an agent answers and that it and we hold the same key (and digest), without running anything:
 * the handshake, then a clean close (the agent logs a client that left before asking).
 */
export async function verifyAgent(opts: AgentAddress): Promise<void> {
  const { socket } = await handshake(opts);
  socket.end();
}

export async function runRemote(opts: RemoteExecOptions, handlers: RemoteExecHandlers = {}): Promise<RemoteExecResult> {
  if ((opts.command === undefined) === (opts.argv === undefined)) throw new Error('runRemote: give exactly one of command or argv');
  const { socket, reader, sk, digest, where } = await handshake(opts);
  const signal = opts.signal;

  const sock = socket;
  const writer = new FrameWriter(digest, sk, DIR_CLIENT_TO_AGENT);
  const frames = new FrameReader(digest, sk, DIR_AGENT_TO_CLIENT, reader.queue);
  const send = (header: Record<string, unknown> & { type: string }, body?: Buffer): boolean => {
    if (sock.destroyed) return true;
    let ok = true;
    for (const part of writer.encode(header, body)) ok = sock.write(part);
    return ok;
  };
  const stdin = typeof opts.stdin === 'string' ? Buffer.from(opts.stdin, 'utf8') : opts.stdin;
  send(
    {
      type: 'exec',
      ...(opts.command !== undefined ? { command: opts.command, shell: true } : { argv: opts.argv, shell: false }),
      ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
      ...(opts.env !== undefined ? { env: opts.env } : {}),
      ...(opts.timeoutSec !== undefined ? { timeout: opts.timeoutSec } : {}),
      ...(opts.stdinStream ? { stdin_open: true } : {}),
    },
    stdin,
  );
  const stopStdin = opts.stdinStream ? pipeStdin(opts.stdinStream, sock, send) : undefined;

  return new Promise<RemoteExecResult>((resolve, reject) => {
    let settled = false;
    let blocked = false;
    let pid: number | undefined;
    let cancelTimer: NodeJS.Timeout | undefined;
    let peerClosed: PeerClosedError | undefined;
    const stats = opts.stats;
    const finish = (err: Error | undefined, result?: RemoteExecResult): void => {
      if (settled) return;
      settled = true;
      if (cancelTimer) clearTimeout(cancelTimer);
      stopStdin?.();
      signal?.removeEventListener('abort', onAbort);
      if (stats) stats.maxBufferedBytes = Math.max(stats.maxBufferedBytes, reader.maxBuffered);
      if (err) {
        sock.destroy();
        reject(err);
      } else {
        sock.end();
        resolve(result as RemoteExecResult);
      }
    };
    const onAbort = (): void => {
      send({ type: 'cancel' });
      cancelTimer = setTimeout(() => finish(new ExecClientError('network', `${where} did not confirm the cancellation`)), 5000);
    };
    signal?.addEventListener('abort', onAbort);

    const deliver = (f: Frame): void => {
      const t = f.header.type;
      if (t === 'stdout' || t === 'stderr') {
        if (stats) stats.bytesReceived += f.body.length;
        const h = t === 'stdout' ? handlers.onStdout : handlers.onStderr;
        const r = h?.(f.body);
        if (r && typeof (r as Promise<void>).then === 'function') {
          blocked = true;
          reader.pause();
          (r as Promise<void>).then(
            () => {
              blocked = false;
              reader.resume();
              pump();
            },
            (e: unknown) => finish(e instanceof Error ? e : new Error(String(e))),
          );
        }
      } else if (t === 'started') {
        if (typeof f.header.pid === 'number') {
          pid = f.header.pid;
          handlers.onStarted?.(pid);
        }
      } else if (t === 'exit') {
        const h = f.header;
        finish(undefined, {
          exitCode: typeof h.code === 'number' ? h.code : null,
          signal: typeof h.signal === 'string' ? h.signal : null,
          durationMs: typeof h.duration_ms === 'number' ? h.duration_ms : 0,
          timedOut: h.timed_out === true,
          cancelled: h.cancelled === true,
          ...(pid !== undefined ? { pid } : {}),
        });
      } else if (t === 'error') {
        const code = typeof f.header.code === 'string' ? f.header.code : 'error';
        const msg = typeof f.header.message === 'string' ? f.header.message : 'unknown error';
        finish(new ExecClientError('remote', `agent error (${code}): ${msg}`, code));
      }
      // other types are ignored (forward compatibility)
    };

    function pump(): void {
      try {
        while (!blocked && !settled) {
          const f = frames.next();
          if (!f) break;
          deliver(f);
        }
      } catch (e) {
        if (e instanceof ProtocolError) finish(new ExecClientError('protocol', `bad frame from ${where}: ${e.message}`));
        else finish(e as Error);
      }
      if (stats) stats.maxBufferedBytes = Math.max(stats.maxBufferedBytes, reader.maxBuffered);
      if (peerClosed && !blocked && !settled) {
        const why = peerClosed.cause ? ` (${peerClosed.cause.message})` : '';
        finish(new ExecClientError('network', `${where} closed the connection before the command finished${why}`));
      }
    }

    reader.startFrames(pump, (e) => {
      peerClosed = e;
      pump(); // frames already received are delivered first
    });
  });
}

const STDIN_CHUNK = 256 * 1024;

/** Forwards a readable stream as "stdin" frames, pausing it while the socket is behind; returns a stop function. */
function pipeStdin(
  src: NodeJS.ReadableStream,
  sock: net.Socket,
  send: (header: Record<string, unknown> & { type: string }, body?: Buffer) => boolean,
): () => void {
  let done = false;
  const onDrain = (): void => {
    if (!done) src.resume();
  };
  const onData = (d: Buffer | string): void => {
    const b = typeof d === 'string' ? Buffer.from(d, 'utf8') : d;
    let ok = true;
    for (let off = 0; off < b.length; off += STDIN_CHUNK) ok = send({ type: 'stdin' }, b.subarray(off, off + STDIN_CHUNK)) && ok;
    if (!ok) {
      src.pause();
      sock.once('drain', onDrain);
    }
  };
  const onEnd = (): void => {
    if (!done) send({ type: 'stdin', eof: true });
  };
  const onError = (): void => onEnd();
  src.on('data', onData);
  src.once('end', onEnd);
  src.once('error', onError);
  src.resume();
  return () => {
    done = true;
    src.off('data', onData);
    src.off('end', onEnd);
    src.off('error', onError);
    sock.off('drain', onDrain);
    src.pause();
  };
}
