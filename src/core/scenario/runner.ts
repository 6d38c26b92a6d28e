/**
 * Runs a scenario: spawns the program under test if asked, opens the channel, carries out the steps in order and
 * reports each with what was expected and what arrived. A step that fails ends the scenario ('failed'); a socket
 * that cannot be set up ends it with 'error' (the CLI's exit code 2). The program is always stopped afterwards.
 */
import type { ChildProcess } from 'node:child_process';
import { toHex } from '../../shared/bytes';
import { killTree, spawnTree } from '../exec/processTree';
import { FrameView } from '../rules/match';
import type { RenderContext } from '../rules/template';
import { describeMessage } from '../protocol/message';
import { ChannelError, connectTcp, listenTcp, udpChannel, waitUdpBound, type Channel, type Frame } from './channel';
import { substituteEnv, type Scenario, type Step } from './compile';

export type Status = 'passed' | 'failed' | 'error';

export interface StepResult {
  index: number;
  line: number;
  describe: string;
  status: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  expected?: string;
  actual?: string;
  message?: string;
}

export interface ScenarioResult {
  name: string;
  file: string;
  line: number;
  status: Status;
  durationMs: number;
  steps: StepResult[];
  /** the failing step's or the setup's message */
  message?: string;
  /** what the spawned program printed (the last 4 KiB) */
  output?: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** stops a running scenario (the Test Explorer's cancel) */
  signal?: AbortSignal;
}

const OUTPUT_TAIL = 4096;

/** How a frame reads in a report: its text when printable, else hex; its message and fields when one fits. */
export function describeFrame(f: Frame, scenario: Scenario): string {
  const view = new FrameView(f.payload, scenario.encoding, scenario.model, f.header);
  const text = view.text();
  // eslint-disable-next-line no-control-regex
  const printable = !/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]/.test(text) && !/\\x[0-9a-f]{2}/.test(text);
  let s = printable ? JSON.stringify(text) : `hex ${toHex(f.payload, ' ')}`;
  const m = view.message();
  if (m) s += ` = ${describeMessage(m)}`;
  if (f.header) s += ` header ${JSON.stringify(f.header)}`;
  return s;
}

class Program {
  private child: ChildProcess;
  output = '';
  exitCode: number | null | undefined;
  private readyWaiter: (() => void) | undefined;

  /** `env`: the complete environment of the program */
  constructor(command: string, cwd: string, env: NodeJS.ProcessEnv, stdin: string | undefined) {
    this.child = spawnTree({ command, cwd }, env);
    const take = (d: Buffer) => {
      this.output = (this.output + d.toString('utf8')).slice(-OUTPUT_TAIL);
      this.readyWaiter?.();
    };
    this.child.stdout?.on('data', take);
    this.child.stderr?.on('data', take);
    this.child.stdin?.on('error', () => undefined);
    if (stdin !== undefined) this.child.stdin?.write(stdin);
    this.child.on('error', (err) => {
      this.output += `\n${err.message}`;
      this.exitCode = null;
    });
    this.child.on('exit', (code) => {
      this.exitCode = code;
      this.readyWaiter?.();
    });
  }

  async ready(re: RegExp, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(this.output)) {
      if (this.exitCode !== undefined || Date.now() >= deadline) return false;
      await new Promise<void>((res) => {
        const t = setTimeout(res, deadline - Date.now());
        this.readyWaiter = () => {
          clearTimeout(t);
          res();
        };
      });
    }
    return true;
  }

  stop(): Promise<void> {
    if (this.exitCode !== undefined || this.child.pid === undefined) return Promise.resolve();
    const pid = this.child.pid;
    return new Promise((res) => {
      const hard = setTimeout(() => killTree(pid, 'SIGKILL'), 1000);
      this.child.once('exit', () => {
        clearTimeout(hard);
        res();
      });
      this.child.stdin?.end();
      killTree(pid, 'SIGTERM');
    });
  }
}

export async function runScenario(sc: Scenario, opts: RunOptions = {}): Promise<ScenarioResult> {
  const started = Date.now();
  const env = { ...process.env, ...opts.env };
  const steps: StepResult[] = sc.steps.map((s, index) => ({ index, line: s.line, describe: s.describe, status: 'skipped', durationMs: 0 }));
  const result = (status: Status, message?: string, program?: Program): ScenarioResult => ({
    name: sc.name,
    file: sc.file,
    line: sc.line,
    status,
    durationMs: Date.now() - started,
    steps,
    ...(message !== undefined ? { message } : {}),
    ...(program ? { output: program.output } : {}),
  });
  let program: Program | undefined;
  let channel: Channel | undefined;
  let server: { dispose(): void } | undefined;
  const startProgram = async (port: number) => {
    if (!sc.spawn) return;
    const command = substituteEnv(sc.spawn.command, { ...env, PORT: String(port), HOST: sc.host });
    program = new Program(command, sc.spawn.cwd, { ...env, PYTHONUNBUFFERED: '1', ...sc.spawn.env }, sc.spawn.stdin);
    if (sc.spawn.ready && !(await program.ready(sc.spawn.ready, sc.timeoutMs))) {
      throw new ChannelError(`the program '${command}' did not print a line matching ${sc.spawn.ready} within ${sc.timeoutMs / 1000} s${program.exitCode !== undefined ? ` (it exited with ${program.exitCode})` : ''}`, 'ESPAWN');
    }
  };
  const onAbort = () => channel?.dispose();
  opts.signal?.addEventListener('abort', onAbort);
  try {
    if (sc.transport === 'tcp' && sc.role === 'connect') {
      await startProgram(sc.port);
      channel = await connectTcp(sc.host, sc.port, sc.framing, sc.sendFraming, sc.spawn ? sc.timeoutMs : 0);
    } else if (sc.transport === 'tcp') {
      const l = await listenTcp(sc.host, sc.port, sc.framing, sc.sendFraming);
      server = l;
      await startProgram(l.port);
      channel = await l.accept(sc.timeoutMs);
    } else {
      channel = await udpChannel(sc.role, sc.host, sc.port);
      await startProgram(sc.role === 'listen' ? channel.port : sc.port);
      if (sc.spawn && sc.role === 'connect' && !(await waitUdpBound(sc.port, sc.timeoutMs))) {
        throw new ChannelError(`the program did not bind UDP port ${sc.port} within ${sc.timeoutMs / 1000} s${program?.exitCode !== undefined ? ` (it exited with ${program.exitCode})` : ''}`, 'ESPAWN');
      }
    }
    for (let i = 0; i < sc.steps.length; i++) {
      if (opts.signal?.aborted) return result('failed', 'cancelled', program);
      const t0 = Date.now();
      const r = await runStep(sc, sc.steps[i], i, channel, program);
      Object.assign(steps[i], r, { durationMs: Date.now() - t0 });
      if (r.status === 'failed') return result('failed', `step ${i + 1} (line ${sc.steps[i].line}): ${r.message ?? 'failed'}`, program);
    }
    return result('passed', undefined, program);
  } catch (err) {
    if (err instanceof ChannelError) return result('error', err.message, program);
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    channel?.dispose();
    server?.dispose();
    await program?.stop();
  }
}

async function runStep(sc: Scenario, step: Step, index: number, ch: Channel, program: Program | undefined): Promise<Partial<StepResult>> {
  const exited = () => (program && program.exitCode !== undefined ? ` (the program exited with ${program.exitCode})` : '');
  switch (step.kind) {
    case 'send': {
      const ctx: RenderContext = { seq: index + 1, frame: Buffer.alloc(0), text: () => '', vars: new Map() };
      try {
        await ch.send(step.render(ctx));
        return { status: 'passed' };
      } catch (err) {
        return { status: 'failed', message: `cannot send: ${err instanceof Error ? err.message : String(err)}${exited()}` };
      }
    }
    case 'expect': {
      const next = await ch.next(step.timeoutMs);
      if ('timeout' in next) return { status: 'failed', expected: step.describe, actual: `nothing within ${step.timeoutMs / 1000} s${exited()}`, message: `expected ${step.describe}, got nothing within ${step.timeoutMs / 1000} s${exited()}` };
      if ('closed' in next) return { status: 'failed', expected: step.describe, actual: `connection closed${next.error ? `: ${next.error}` : ''}`, message: `expected ${step.describe}, but the connection closed${next.error ? ` (${next.error})` : ''}${exited()}` };
      const view = new FrameView(next.payload, sc.encoding, sc.model, next.header);
      const actual = describeFrame(next, sc);
      if (step.matcher(view, new Map())) return { status: 'passed', actual };
      return { status: 'failed', expected: step.describe, actual, message: `expected ${step.describe}, got ${actual}` };
    }
    case 'sleep':
      await new Promise((r) => setTimeout(r, step.ms));
      return { status: 'passed' };
    case 'close':
      await ch.close();
      return { status: 'passed' };
    case 'expect-close': {
      const next = await ch.next(step.timeoutMs);
      if ('closed' in next) return { status: 'passed' };
      const actual = 'timeout' in next ? `still open after ${step.timeoutMs / 1000} s` : describeFrame(next, sc);
      return { status: 'failed', expected: 'the connection closes', actual, message: `expected the connection to close, got ${actual}` };
    }
  }
}
