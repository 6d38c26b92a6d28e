/**
 * The remote-exec agent: listens, authenticates clients (and proves itself to them), and hands each authenticated
 * connection to an AgentSession; decides what a restricted (allowlisted) key may run, where, with which environment.
 */
import { errorMessage } from '../../shared/errors';
import * as net from 'node:net';
import { statSync } from 'node:fs';
import {
  DEFAULT_DIGEST,
  MAX_FRAME_BUFFER,
  MAX_HANDSHAKE_BUFFER,
  NONCE_BYTES,
  SHELL_CONTROL,
  STATUS_ACCEPTED,
  STATUS_REFUSED,
  agentProof,
  checkKey,
  clientProof,
  commandLine,
  digestSize,
  newNonce,
  safeEqual,
  sessionKey,
  type ExecDigest,
  type ExecRequest,
} from './protocol';
import { PeerClosedError, SocketReader, closeSoon } from './socketReader';
import { AgentSession, type AuditRecord, type SessionHost } from './session';
import { FailureTracker, PROOF_DEADLINE_MS, PendingHandshakes } from './admission';
import { checkCwd, childEnv, resolveRoots } from './policy';

export type { AuditOutcome, AuditRecord } from './session';

export interface ExecAgentOptions {
  key: Buffer;
  digest?: ExecDigest;
  /** default 127.0.0.1 */
  host?: string;
  /** default 0 (ephemeral) */
  port?: number;
  /** full-match patterns for the command line; empty/undefined = everything allowed */
  allow?: RegExp[];
  /** concurrent running commands; default 8 */
  maxSessions?: number;
  /** per-command limit in seconds (the client may ask for less); default none */
  timeoutSec?: number;
  /** the whole unauthenticated phase, up to the exec request; default PROOF_DEADLINE_MS (3 s) */
  handshakeTimeoutMs?: number;
  /** delay of the refusal after a peer's n-th consecutive wrong answer (that connection only); default 100·2^(n-1) ms, capped at 2 s */
  failureDelayMs?: (failures: number) => number;
  /** unauthenticated connections kept at once, in total and per address (the oldest is evicted beyond) */
  maxPending?: number;
  maxPendingPerAddress?: number;
  /**
   * Directories (and everything below them) where a restricted agent (allowlist, or this option given) runs a
   * request's "cwd"; its own directory is always allowed. Without a restriction "cwd" is free.
   */
  allowCwd?: string[];
  /** the agent's own directory (default process.cwd()) */
  cwd?: string;
  /** environment variables never passed to commands (the one the key came from) */
  dropEnv?: string[];
  /** the environment commands start from (default process.env) */
  env?: NodeJS.ProcessEnv;
  /** grace between SIGTERM and SIGKILL when killing a tree; default 2000 */
  killGraceMs?: number;
  audit?: (record: AuditRecord) => void;
  log?: (line: string) => void;
  /** accept a key shorter than MIN_KEY_BYTES (check_conn compatibility; the caller warns) */
  allowShortKey?: boolean;
}

export interface ExecAgentStats {
  /** the largest socket write queue seen in any session (bytes) */
  maxQueuedBytes: number;
  /** the largest backlog of stdin bytes waiting for a command to read them */
  maxStdinQueuedBytes: number;
  activeSessions: number;
  pendingHandshakes: number;
  /** unauthenticated connections closed to make room for newer ones */
  evictedHandshakes: number;
  failedHandshakes: number;
  commandsStarted: number;
}

export class ExecAgent implements SessionHost {
  readonly stats: ExecAgentStats = {
    maxQueuedBytes: 0,
    maxStdinQueuedBytes: 0,
    activeSessions: 0,
    pendingHandshakes: 0,
    evictedHandshakes: 0,
    failedHandshakes: 0,
    commandsStarted: 0,
  };
  private readonly server: net.Server;
  private readonly digest: ExecDigest;
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<AgentSession>();
  private readonly failures: FailureTracker;
  private readonly pending: PendingHandshakes;
  private readonly ownCwd: string;
  private readonly cwdRoots: string[];
  private closing = false;

  constructor(readonly options: ExecAgentOptions) {
    checkKey(options.key, options.allowShortKey);
    this.digest = options.digest ?? DEFAULT_DIGEST;
    this.failures = new FailureTracker(options.failureDelayMs);
    this.pending = new PendingHandshakes(options.maxPending, options.maxPendingPerAddress);
    [this.ownCwd] = resolveRoots([options.cwd ?? process.cwd()]);
    this.cwdRoots = resolveRoots(options.allowCwd ?? []);
    // a client's FIN is read as hanging up, but the exit frame can still be sent on our side
    this.server = net.createServer({ allowHalfOpen: true }, (s) => this.onConnection(s));
  }

  /** Starts listening; resolves with the bound address. */
  listen(): Promise<net.AddressInfo> {
    const host = this.options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.server.once('error', onError);
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as net.AddressInfo);
      });
    });
  }

  get address(): net.AddressInfo | undefined {
    const a = this.server.address();
    return a && typeof a === 'object' ? a : undefined;
  }

  /** Stops listening, kills every running command and closes every connection. */
  async close(): Promise<void> {
    this.closing = true;
    for (const s of this.sessions) s.terminate('SIGKILL');
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  log(line: string): void {
    this.options.log?.(line);
  }

  audit(rec: Omit<AuditRecord, 'time'>): void {
    this.options.audit?.({ time: new Date().toISOString(), ...rec });
  }

  noteQueued(n: number): void {
    if (n > this.stats.maxQueuedBytes) this.stats.maxQueuedBytes = n;
  }

  /** Failures currently remembered for a peer address (tests, diagnostics). */
  failuresOf(addr: string): number {
    return this.failures.count(addr);
  }

  private onConnection(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setNoDelay(true);
    void this.handshake(socket);
  }

  private async handshake(socket: net.Socket): Promise<void> {
    const addr = socket.remoteAddress ?? '?';
    const peer = `${addr}:${socket.remotePort ?? 0}`;
    const reader = new SocketReader(socket);
    reader.setLimit(MAX_HANDSHAKE_BUFFER);
    const d = this.digest;
    const key = this.options.key;
    // beyond the caps, the oldest unauthenticated connection makes room: idle sockets cannot keep anyone out
    let unregister: (() => void) | undefined = this.pending.add(addr, () => {
      this.stats.evictedHandshakes++;
      socket.destroy();
    });
    this.stats.pendingHandshakes = this.pending.size;
    let authenticated = false;
    const done = (): void => {
      unregister?.();
      unregister = undefined;
      this.stats.pendingHandshakes = this.pending.size;
    };
    let timer: NodeJS.Timeout | undefined = setTimeout(() => {
      this.log(`handshake timeout from ${peer}`);
      socket.destroy();
    }, this.options.handshakeTimeoutMs ?? PROOF_DEADLINE_MS);
    try {
      const nonceA = newNonce();
      socket.write(nonceA);
      const proof = await reader.read(digestSize(d));
      if (!safeEqual(proof, clientProof(d, key, nonceA))) {
        this.stats.failedHandshakes++;
        const delay = this.failures.fail(addr);
        this.log(`refused ${peer}: wrong answer to the challenge`);
        this.audit({ peer, outcome: 'auth-failed' });
        // only this connection's verdict waits (brute force slows down, other clients of that address do not)
        if (delay > 0) {
          clearTimeout(timer);
          timer = undefined;
          await new Promise((r) => setTimeout(r, delay));
        }
        // nothing more is read from a refused peer, and its connection does not stay open
        closeSoon(socket, reader, Buffer.of(STATUS_REFUSED), 0);
        return;
      }
      this.failures.succeed(addr);
      done();
      this.log(`authenticated ${peer}`);
      authenticated = true;
      socket.write(Buffer.of(STATUS_ACCEPTED));
      const nonceB = await reader.read(NONCE_BYTES);
      socket.write(agentProof(d, key, nonceA, nonceB));
      const sk = sessionKey(d, key, nonceA, nonceB);
      reader.setLimit(MAX_FRAME_BUFFER);
      const session = new AgentSession(this, socket, reader, peer, sk, timer);
      timer = undefined;
      this.sessions.add(session);
      session.onEnd = () => this.sessions.delete(session);
      session.start();
    } catch (e) {
      if (!(e instanceof PeerClosedError)) this.log(`handshake with ${peer} failed: ${errorMessage(e)}`);
      else if (authenticated) this.log(`${peer} closed after authenticating (a client that only answers the challenge, like the tutorial's check_conn client)`);
      socket.destroy();
    } finally {
      done();
      if (timer) clearTimeout(timer);
    }
  }

  /** Registers a running command; false when the limit is reached. */
  acquire(): boolean {
    if (this.stats.activeSessions >= (this.options.maxSessions ?? 8)) return false;
    this.stats.activeSessions++;
    return true;
  }

  release(): void {
    this.stats.activeSessions--;
  }

  get hasAllowlist(): boolean {
    return (this.options.allow?.length ?? 0) > 0;
  }

  /** A restricted agent chooses where commands run: it has an allowlist, or --allow-cwd was given. */
  get restrictsCwd(): boolean {
    return this.hasAllowlist || this.options.allowCwd !== undefined;
  }

  /** Whole-line match; the multiline flag is dropped so that ^ and $ cannot match at a newline inside the line. */
  isAllowed(line: string): boolean {
    const allow = this.options.allow;
    if (!allow || allow.length === 0) return true;
    return allow.some((re) => {
      const full = new RegExp(`^(?:${re.source})$`, re.flags.replace(/[gym]/g, ''));
      return full.test(line);
    });
  }

  /**
   * Why a request is refused by the allowlist, or undefined when it may run. With an allowlist, a shell command
   * must be one simple command (no ; & | ` $ ( ) < > or newline, which would chain or substitute commands the
   * pattern did not see) and "env" is refused (PATH, LD_PRELOAD, BASH_ENV… would change what an allowed command runs).
   */
  refusal(req: ExecRequest): string | undefined {
    if (!this.hasAllowlist) return undefined;
    if (req.command !== undefined && SHELL_CONTROL.test(req.command)) {
      return 'the agent has an allowlist: shell commands may not contain ; & | ` $ ( ) < > or a newline (use argv)';
    }
    if (req.env && Object.keys(req.env).length > 0) return 'the agent has an allowlist: "env" is not accepted';
    if (!this.isAllowed(commandLine(req))) return 'the command is not in the agent\'s allowlist';
    return undefined;
  }

  /** Where a request runs: a restricted agent only in its own directory or below an --allow-cwd root. */
  placement(req: ExecRequest): { cwd: string | undefined } | { code: 'not-allowed' | 'spawn-failed'; message: string } {
    if (this.restrictsCwd) {
      const v = checkCwd(req.cwd, this.ownCwd, this.cwdRoots);
      return v.ok ? { cwd: v.cwd ?? this.ownCwd } : { code: 'not-allowed', message: v.message };
    }
    if (req.cwd !== undefined && !isDirectory(req.cwd)) return { code: 'spawn-failed', message: `working directory not found: ${req.cwd}` };
    return { cwd: req.cwd ?? this.options.cwd };
  }

  /** The command's environment: never the key's variable; for an allowlisted agent, repository config hooks off. */
  environment(req: ExecRequest, marker: string): NodeJS.ProcessEnv {
    return childEnv({
      base: this.options.env ?? process.env,
      drop: this.options.dropEnv ?? [],
      hardened: this.hasAllowlist,
      ...(req.env ? { extra: req.env } : {}),
      marker,
    });
  }

  get commandTimeoutSec(): number | undefined {
    return this.options.timeoutSec;
  }

  get killGraceMs(): number {
    return this.options.killGraceMs ?? 2000;
  }

  get frameDigest(): ExecDigest {
    return this.digest;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
