/**
 * One authenticated connection on the agent: runs its one command, streams output with backpressure, and kills the
 * whole process tree (including descendants that left its process group) on cancel, timeout or hang-up.
 */
import { errorMessage } from '../../shared/errors';
import type * as net from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  DIR_AGENT_TO_CLIENT,
  DIR_CLIENT_TO_AGENT,
  FrameReader,
  FrameWriter,
  MAX_TIMEOUT_MS,
  ProtocolError,
  commandLine,
  parseExecRequest,
  type AgentErrorCode,
  type ExecDigest,
  type ExecRequest,
  type Frame,
} from './protocol';
import { closeSoon, type SocketReader } from './socketReader';
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

/** What a session needs from its agent. */
export interface SessionHost {
  readonly frameDigest: ExecDigest;
  readonly commandTimeoutSec: number | undefined;
  readonly killGraceMs: number;
  readonly stats: { maxStdinQueuedBytes: number; commandsStarted: number };
  log(line: string): void;
  audit(rec: Omit<AuditRecord, 'time'>): void;
  noteQueued(n: number): void;
  /** why the request may not run, or undefined */
  refusal(req: ExecRequest): string | undefined;
  /** where it runs: the checked cwd, or a refusal (not-allowed) or a missing directory (spawn-failed) */
  placement(req: ExecRequest): { cwd: string | undefined } | { code: 'not-allowed' | 'spawn-failed'; message: string };
  /** the complete environment of the command */
  environment(req: ExecRequest, marker: string): NodeJS.ProcessEnv;
  acquire(): boolean;
  release(): void;
}

const OUTPUT_CHUNK = 256 * 1024;
/** Pending stdin bytes for the command above which the agent stops reading the client's socket. */
const STDIN_HIGH_WATER = 8 * 1024 * 1024;
/** After the command exits, how long its pipes may stay quiet before the agent stops waiting for them (ms) … */
const PIPE_GRACE_MS = 300;
/** … and how long processes it left behind may keep writing to them at most. */
const LEFTOVER_OUTPUT_MS = 3000;

/** A command line for a log line: quoted, with control characters escaped (a hostile argv cannot forge log lines). */
export function logSafe(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export class AgentSession {
  onEnd: (() => void) | undefined;
  private readonly writer: FrameWriter;
  private readonly frames: FrameReader;
  private readonly marker = randomBytes(16).toString('hex');
  private child: ChildProcess | undefined;
  private req: ExecRequest | undefined;
  private acquired = false;
  private finished = false;
  private cancelled = false;
  private timedOut = false;
  private disconnected = false;
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private outputCount = 0;
  private startedAt = 0;
  private killTimer: NodeJS.Timeout | undefined;
  private cmdTimer: NodeJS.Timeout | undefined;
  private pipeTimer: NodeJS.Timeout | undefined;
  private paused = false;
  private stdinPaused = false;

  constructor(
    private readonly agent: SessionHost,
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
      case 'stdin':
        this.onStdin(f);
        break;
      default:
        throw new ProtocolError('bad-message', `unexpected "${f.header.type}" frame`);
    }
  }

  private onStdin(f: Frame): void {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || stdin.writableEnded) return;
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
      this.agent.log(`session ${this.peer}: not allowed: ${logSafe(line)}`);
      this.fail('not-allowed', refusal, 'not-allowed');
      return;
    }
    const place = this.agent.placement(req);
    if ('code' in place) {
      if (place.code === 'not-allowed') this.agent.log(`session ${this.peer}: not allowed: cwd ${logSafe(req.cwd ?? '')}`);
      this.fail(place.code, place.message, place.code);
      return;
    }
    if (!this.agent.acquire()) {
      this.fail('busy', 'the agent is running its maximum number of commands; try again later', 'busy');
      return;
    }
    this.acquired = true;
    this.startedAt = Date.now();
    let child: ChildProcess;
    try {
      child = spawnTree({ ...req, cwd: place.cwd }, this.agent.environment(req, this.marker));
    } catch (e) {
      this.fail('spawn-failed', errorMessage(e), 'spawn-failed');
      return;
    }
    this.child = child;
    if (child.pid === undefined) {
      child.once('error', (e) => this.fail('spawn-failed', e.message, 'spawn-failed'));
      return;
    }
    this.agent.stats.commandsStarted++;
    this.agent.log(`session ${this.peer}: pid ${child.pid}: ${logSafe(line)}`);
    this.send({ type: 'started', pid: child.pid });
    child.on('error', (e) => this.agent.log(`session ${this.peer}: ${e.message}`));
    child.stdin?.on('error', () => undefined);
    if (stdin.length) child.stdin?.write(stdin);
    if (!req.stdinOpen) child.stdin?.end();
    child.stdout?.on('data', (b: Buffer) => this.output('stdout', b));
    child.stderr?.on('data', (b: Buffer) => this.output('stderr', b));
    child.on('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      this.exited = { code, signal };
      this.watchPipes();
    });
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
    this.outputCount++;
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

  /**
   * The command has exited but its pipes may be held open by processes it left behind (a `setsid` child, a
   * daemon). Output keeps flowing while it arrives (at most LEFTOVER_OUTPUT_MS); once the pipes are quiet, or the
   * client is not behind, the agent stops waiting for them and reports the exit.
   */
  private watchPipes(): void {
    const exitedAt = Date.now();
    let seen = this.outputCount;
    const check = (): void => {
      this.pipeTimer = undefined;
      if (this.finished || !this.exited) return;
      const flowing = this.outputCount !== seen;
      seen = this.outputCount;
      if (this.paused || (flowing && Date.now() - exitedAt < LEFTOVER_OUTPUT_MS)) {
        this.pipeTimer = setTimeout(check, PIPE_GRACE_MS);
        return;
      }
      this.agent.log(`session ${this.peer}: pid ${this.child?.pid ?? '?'} exited; processes it left behind still hold its output, which is no longer read`);
      const { code, signal } = this.exited;
      this.child?.stdout?.destroy();
      this.child?.stderr?.destroy();
      this.onClose(code, signal);
    };
    this.pipeTimer = setTimeout(check, PIPE_GRACE_MS);
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

  /**
   * The client closed its side (FIN) or the connection broke: the client has hung up. The command is killed like
   * on cancel; its exit frame is still sent if the socket takes it (same as the Python agent).
   */
  private onDisconnect(): void {
    if (this.finished) return;
    this.disconnected = true;
    // nobody may read the output any more: let the pipes drain so that 'close' can fire
    this.paused = false;
    this.child?.stdout?.resume();
    this.child?.stderr?.resume();
    if (this.child?.pid !== undefined) {
      this.agent.log(`session ${this.peer}: client hung up; killing pid ${this.child.pid}`);
      this.terminate('SIGTERM');
    } else if (!this.child) {
      this.end();
    }
  }

  /**
   * Kills the process tree: its process group and every process carrying this session's marker (descendants that
   * called setsid), `signal` now and SIGKILL after the grace period.
   */
  terminate(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) {
      if (!this.child) this.end();
      return;
    }
    const kill = (sig: NodeJS.Signals): void => killTree(pid, sig, this.marker, this.exited !== undefined);
    kill(signal);
    if (signal !== 'SIGKILL' && !this.killTimer) {
      this.killTimer = setTimeout(() => kill('SIGKILL'), this.agent.killGraceMs);
      this.killTimer.unref();
    }
  }

  private end(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    if (this.cmdTimer) clearTimeout(this.cmdTimer);
    if (this.pipeTimer) clearTimeout(this.pipeTimer);
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
