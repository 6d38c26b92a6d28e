/**
 * The remote-exec agent: listens, authenticates clients (and proves itself to them), runs one command per
 * connection, streams its output with backpressure and kills the process tree on cancel or disconnect.
 */
import * as net from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import {
  DEFAULT_DIGEST,
  DIR_AGENT_TO_CLIENT,
  DIR_CLIENT_TO_AGENT,
  FrameReader,
  FrameWriter,
  MAX_FRAME_BUFFER,
  MAX_HANDSHAKE_BUFFER,
  MAX_TIMEOUT_MS,
  NONCE_BYTES,
  SHELL_CONTROL,
  ProtocolError,
  STATUS_ACCEPTED,
  STATUS_REFUSED,
  agentProof,
  checkKey,
  clientProof,
  commandLine,
  digestSize,
  newNonce,
  parseExecRequest,
  safeEqual,
  sessionKey,
  type AgentErrorCode,
  type ExecDigest,
  type ExecRequest,
  type Frame,
} from './protocol';
import { PeerClosedError, SocketReader } from './socketReader';
import { killTree, spawnTree } from './processTree';

export type AuditOutcome =
  | 'exit'
  | 'timeout'
  | 'cancelled'
  | 'disconnected'
  | 'auth-failed'
  | 'not-allowed'
  | 'busy'
  | 'spawn-failed'
  | 'bad-request'
  | 'bad-mac';

export interface AuditRecord {
  time: string;
  peer: string;
  outcome: AuditOutcome;
  command?: string;
  argv?: string[];
  cwd?: string;
  exit_code?: number | null;
  signal?: string | null;
  duration_ms?: number;
  pid?: number;
}

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
  /** default 5000 */
  handshakeTimeoutMs?: number;
  /** delay before serving a peer address after its n-th consecutive failure; default 250·2^(n-1) ms, max 10 s */
  failureDelayMs?: (failures: number) => number;
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
  failedHandshakes: number;
  commandsStarted: number;
}

/** unauthenticated connections at once (each holds at most MAX_HANDSHAKE_BUFFER bytes for 5 s) … */
const MAX_PENDING_HANDSHAKES = 256;
/** … and from one address, so that one peer cannot keep everybody else out */
const MAX_PENDING_PER_ADDRESS = 64;
const OUTPUT_CHUNK = 256 * 1024;
/** Pending stdin bytes for the command above which the agent stops reading the client's socket. */
const STDIN_HIGH_WATER = 8 * 1024 * 1024;
/** How long a finished or refused connection may stay open, once our last bytes are flushed, before it is cut. */
const LINGER_MS = 5000;

/** Closes our side gracefully, stops buffering the peer, and destroys the socket if the peer lingers. */
function closeSoon(socket: net.Socket, reader: SocketReader, last?: Buffer, lingerMs = LINGER_MS): void {
  reader.discard();
  if (socket.destroyed) return;
  const onFinish = (): void => {
    if (lingerMs <= 0) {
      socket.destroy();
      return;
    }
    const t = setTimeout(() => socket.destroy(), lingerMs);
    t.unref();
    socket.once('close', () => clearTimeout(t));
  };
  if (last) socket.end(last, onFinish);
  else socket.end(onFinish);
}

function defaultFailureDelay(failures: number): number {
  return failures <= 0 ? 0 : Math.min(250 * 2 ** (failures - 1), 10_000);
}

export class ExecAgent {
  readonly stats: ExecAgentStats = { maxQueuedBytes: 0, maxStdinQueuedBytes: 0, activeSessions: 0, pendingHandshakes: 0, failedHandshakes: 0, commandsStarted: 0 };
  private readonly server: net.Server;
  private readonly digest: ExecDigest;
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<AgentSession>();
  private readonly failures = new Map<string, { count: number; last: number }>();
  private readonly pendingByAddress = new Map<string, number>();
  private closing = false;

  constructor(readonly options: ExecAgentOptions) {
    checkKey(options.key, options.allowShortKey);
    this.digest = options.digest ?? DEFAULT_DIGEST;
    this.server = net.createServer((s) => this.onConnection(s));
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

  private failureDelay(addr: string): number {
    const f = this.failures.get(addr);
    if (!f) return 0;
    if (Date.now() - f.last > 15 * 60_000) {
      this.failures.delete(addr);
      return 0;
    }
    return (this.options.failureDelayMs ?? defaultFailureDelay)(f.count);
  }

  private recordFailure(addr: string): void {
    this.stats.failedHandshakes++;
    const f = this.failures.get(addr) ?? { count: 0, last: 0 };
    f.count++;
    f.last = Date.now();
    this.failures.set(addr, f);
    if (this.failures.size > 10_000) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }

  private onConnection(socket: net.Socket): void {
    const addr = socket.remoteAddress ?? '?';
    if (this.closing || this.stats.pendingHandshakes >= MAX_PENDING_HANDSHAKES || (this.pendingByAddress.get(addr) ?? 0) >= MAX_PENDING_PER_ADDRESS) {
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
    this.stats.pendingHandshakes++;
    this.pendingByAddress.set(addr, (this.pendingByAddress.get(addr) ?? 0) + 1);
    let timer: NodeJS.Timeout | undefined;
    let pending = true;
    let authenticated = false;
    const done = (): void => {
      if (pending) {
        pending = false;
        this.stats.pendingHandshakes--;
        const n = (this.pendingByAddress.get(addr) ?? 1) - 1;
        if (n > 0) this.pendingByAddress.set(addr, n);
        else this.pendingByAddress.delete(addr);
      }
    };
    try {
      const delay = this.failureDelay(addr);
      if (delay > 0) {
        await new Promise((r) => setTimeout(r, delay));
        if (socket.destroyed) return;
      }
      timer = setTimeout(() => {
        this.log(`handshake timeout from ${peer}`);
        socket.destroy();
      }, this.options.handshakeTimeoutMs ?? 5000);
      const nonceA = newNonce();
      socket.write(nonceA);
      const proof = await reader.read(digestSize(d));
      if (!safeEqual(proof, clientProof(d, key, nonceA))) {
        this.recordFailure(addr);
        this.log(`refused ${peer}: wrong answer to the challenge`);
        this.audit({ peer, outcome: 'auth-failed' });
        // nothing more is read from a refused peer, and its connection does not stay open
        closeSoon(socket, reader, Buffer.of(STATUS_REFUSED), 0);
        return;
      }
      this.failures.delete(addr);
      this.log(`authenticated ${peer}`);
      authenticated = true;
      socket.write(Buffer.of(STATUS_ACCEPTED));
      const nonceB = await reader.read(NONCE_BYTES);
      socket.write(agentProof(d, key, nonceA, nonceB));
      const sk = sessionKey(d, key, nonceA, nonceB);
      done();
      reader.setLimit(MAX_FRAME_BUFFER);
      const session = new AgentSession(this, socket, reader, peer, sk, timer);
      timer = undefined;
      this.sessions.add(session);
      session.onEnd = () => this.sessions.delete(session);
      session.start();
    } catch (e) {
      if (!(e instanceof PeerClosedError)) this.log(`handshake with ${peer} failed: ${(e as Error).message}`);
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

class AgentSession {
  onEnd: (() => void) | undefined;
  private readonly writer: FrameWriter;
  private readonly frames: FrameReader;
  private child: ChildProcess | undefined;
  private req: ExecRequest | undefined;
  private acquired = false;
  private finished = false;
  private cancelled = false;
  private timedOut = false;
  private disconnected = false;
  private startedAt = 0;
  private killTimer: NodeJS.Timeout | undefined;
  private cmdTimer: NodeJS.Timeout | undefined;
  private paused = false;
  private stdinPaused = false;

  constructor(
    private readonly agent: ExecAgent,
    private readonly socket: net.Socket,
    private readonly reader: SocketReader,
    private readonly peer: string,
    sk: Buffer,
    private handshakeTimer: NodeJS.Timeout | undefined,
  ) {
    this.writer = new FrameWriter(agent.frameDigest, sk, DIR_AGENT_TO_CLIENT);
    this.frames = new FrameReader(agent.frameDigest, sk, DIR_CLIENT_TO_AGENT, reader.queue);
  }

  start(): void {
    this.socket.on('drain', () => this.onDrain());
    this.reader.startFrames(
      () => this.pump(),
      () => this.onDisconnect(),
    );
  }

  private pump(): void {
    if (this.finished) return;
    try {
      for (let f = this.frames.next(); f; f = this.frames.next()) {
        this.onFrame(f);
        if (this.finished) return;
      }
    } catch (e) {
      if (e instanceof ProtocolError) {
        const code: AgentErrorCode = e.code === 'bad-mac' ? 'bad-mac' : e.code === 'bad-message' ? 'bad-request' : 'protocol';
        this.agent.log(`session ${this.peer}: ${e.message}`);
        this.fail(code, e.message, code === 'bad-mac' ? 'bad-mac' : 'bad-request');
      } else {
        throw e;
      }
    }
  }

  private send(header: Record<string, unknown> & { type: string }, body?: Buffer): boolean {
    if (this.socket.destroyed || !this.socket.writable) return true;
    let ok = true;
    for (const part of this.writer.encode(header, body)) ok = this.socket.write(part);
    this.agent.noteQueued(this.socket.writableLength);
    return ok;
  }

  private onFrame(f: Frame): void {
    if (!this.req) {
      if (this.handshakeTimer) {
        clearTimeout(this.handshakeTimer);
        this.handshakeTimer = undefined;
      }
      const req = parseExecRequest(f.header);
      this.req = req;
      this.run(req, f.body);
      return;
    }
    switch (f.header.type) {
      case 'cancel':
        this.cancelled = true;
        this.terminate('SIGTERM');
        break;
      case 'stdin': {
        const stdin = this.child?.stdin;
        if (!stdin || stdin.destroyed || stdin.writableEnded) break;
        if (f.body.length) stdin.write(f.body);
        if (stdin.writableLength > this.agent.stats.maxStdinQueuedBytes) this.agent.stats.maxStdinQueuedBytes = stdin.writableLength;
        if (f.header.eof === true) stdin.end();
        else if (stdin.writableLength > STDIN_HIGH_WATER && !this.stdinPaused) {
          // the command is not reading its stdin: stop reading the client until it does (bounded memory)
          this.stdinPaused = true;
          this.reader.pause();
          const resume = (): void => {
            if (!this.stdinPaused) return;
            this.stdinPaused = false;
            stdin.off('drain', resume);
            stdin.off('close', resume);
            this.reader.resume();
          };
          stdin.on('drain', resume);
          stdin.on('close', resume);
        }
        break;
      }
      default:
        throw new ProtocolError('bad-message', `unexpected "${f.header.type}" frame`);
    }
  }

  private auditBase(): Omit<AuditRecord, 'time' | 'outcome'> {
    const r = this.req;
    return {
      peer: this.peer,
      ...(r?.command !== undefined ? { command: r.command } : {}),
      ...(r?.argv ? { command: commandLine(r), argv: r.argv } : {}),
      ...(r?.cwd ? { cwd: r.cwd } : {}),
    };
  }

  private run(req: ExecRequest, stdin: Buffer): void {
    const line = commandLine(req);
    const refusal = this.agent.refusal(req);
    if (refusal !== undefined) {
      this.agent.log(`session ${this.peer}: not allowed: ${line}`);
      this.fail('not-allowed', refusal, 'not-allowed');
      return;
    }
    if (!this.agent.acquire()) {
      this.fail('busy', 'the agent is running its maximum number of commands; try again later', 'busy');
      return;
    }
    this.acquired = true;
    this.startedAt = Date.now();
    if (req.cwd !== undefined && !isDirectory(req.cwd)) {
      this.fail('spawn-failed', `working directory not found: ${req.cwd}`, 'spawn-failed');
      return;
    }
    let child: ChildProcess;
    try {
      child = spawnTree(req);
    } catch (e) {
      this.fail('spawn-failed', (e as Error).message, 'spawn-failed');
      return;
    }
    this.child = child;
    if (child.pid === undefined) {
      child.once('error', (e) => this.fail('spawn-failed', e.message, 'spawn-failed'));
      return;
    }
    this.agent.stats.commandsStarted++;
    this.agent.log(`session ${this.peer}: pid ${child.pid}: ${line}`);
    this.send({ type: 'started', pid: child.pid });
    child.on('error', (e) => this.agent.log(`session ${this.peer}: ${e.message}`));
    child.stdin?.on('error', () => undefined);
    if (stdin.length) child.stdin?.write(stdin);
    if (!req.stdinOpen) child.stdin?.end();
    child.stdout?.on('data', (b: Buffer) => this.output('stdout', b));
    child.stderr?.on('data', (b: Buffer) => this.output('stderr', b));
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => this.onClose(code, signal));
    const limits = [this.agent.commandTimeoutSec, req.timeout].filter((t): t is number => typeof t === 'number' && t > 0);
    if (limits.length) {
      this.cmdTimer = setTimeout(() => {
        this.timedOut = true;
        this.terminate('SIGTERM');
      }, Math.min(Math.min(...limits) * 1000, MAX_TIMEOUT_MS));
    }
  }

  private output(type: 'stdout' | 'stderr', b: Buffer): void {
    let ok = true;
    for (let off = 0; off < b.length; off += OUTPUT_CHUNK) ok = this.send({ type }, b.subarray(off, off + OUTPUT_CHUNK)) && ok;
    if (!ok && !this.paused) {
      this.paused = true;
      this.child?.stdout?.pause();
      this.child?.stderr?.pause();
    }
  }

  private onDrain(): void {
    if (!this.paused) return;
    this.paused = false;
    this.child?.stdout?.resume();
    this.child?.stderr?.resume();
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.finished) return;
    const duration = Date.now() - this.startedAt;
    this.send({ type: 'exit', code, signal, duration_ms: duration, timed_out: this.timedOut, cancelled: this.cancelled });
    const outcome: AuditOutcome = this.disconnected ? 'disconnected' : this.timedOut ? 'timeout' : this.cancelled ? 'cancelled' : 'exit';
    this.agent.audit({ ...this.auditBase(), outcome, exit_code: code, signal, duration_ms: duration, pid: this.child?.pid });
    this.end();
  }

  /** Sends an error frame, audits, kills anything running and closes. */
  private fail(code: AgentErrorCode, message: string, outcome: AuditOutcome): void {
    if (this.finished) return;
    this.send({ type: 'error', code, message });
    this.agent.audit({ ...this.auditBase(), outcome, ...(this.child?.pid ? { pid: this.child.pid } : {}) });
    if (this.child?.pid !== undefined) this.terminate('SIGKILL');
    this.end();
  }

  private onDisconnect(): void {
    if (this.finished) return;
    this.disconnected = true;
    // nobody reads the output any more: let the pipes drain so that 'close' can fire
    this.paused = false;
    this.child?.stdout?.resume();
    this.child?.stderr?.resume();
    if (this.child?.pid !== undefined) {
      this.agent.log(`session ${this.peer}: client disconnected; killing pid ${this.child.pid}`);
      this.terminate('SIGTERM');
    } else if (!this.child) {
      this.end();
    }
  }

  /** Kills the process tree: `signal` now, SIGKILL after the grace period. */
  terminate(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) {
      if (!this.child) this.end();
      return;
    }
    killTree(pid, signal);
    if (signal !== 'SIGKILL' && !this.killTimer) {
      this.killTimer = setTimeout(() => killTree(pid, 'SIGKILL'), this.agent.killGraceMs);
      this.killTimer.unref();
    }
  }

  private end(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    if (this.cmdTimer) clearTimeout(this.cmdTimer);
    if (this.acquired) this.agent.release();
    this.acquired = false;
    if (this.stdinPaused) {
      this.stdinPaused = false;
      this.reader.resume();
    }
    closeSoon(this.socket, this.reader);
    this.onEnd?.();
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
