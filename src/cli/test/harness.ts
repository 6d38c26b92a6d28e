/**
 * Test harness for the CLI: spawns `node dist/cli.js …` and Python peers written the way the seed
 * tutorial writes them; every child is tracked and killed by `killAll()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLI = process.env.SOCKDBG_CLI ?? resolve(__dirname, '../../../../dist/cli.js');

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];

export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class Proc {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  /** all output is in (the process exited and its pipes closed) */
  private closed = false;
  private waiters: Array<() => void> = [];

  constructor(readonly child: ChildProcess) {
    children.add(child);
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      this.stdout += d;
      this.notify();
    });
    child.stderr?.on('data', (d: string) => {
      this.stderr += d;
      this.notify();
    });
    this.exited = new Promise((res) => {
      child.once('close', (code) => {
        children.delete(child);
        this.closed = true;
        this.notify();
        res({ code, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  private notify(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  /** complete stdout lines (a last line without its newline only once the process is done: it may be cut mid-write) */
  get lines(): string[] {
    const parts = this.stdout.split('\n');
    if (!this.closed) parts.pop();
    return parts.filter((l) => l.length > 0);
  }

  /** JSON events printed so far (with --json). */
  get events(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** Waits until a stdout line satisfies `pred`; fails with the output so far after `ms`. */
  async waitLine(pred: (line: string) => boolean, ms = 8000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.lines.find(pred);
      if (hit !== undefined) return hit;
      if (this.closed || Date.now() > deadline) {
        throw new Error(`no matching line; exit=${this.child.exitCode} stdout=${JSON.stringify(this.stdout)} stderr=${JSON.stringify(this.stderr)}`);
      }
      await new Promise<void>((res) => {
        const t = setTimeout(res, Math.max(10, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  /** Waits for exit, killing the process after `ms`. */
  async exit(ms = 8000): Promise<Exit> {
    const t = setTimeout(() => this.child.kill('SIGKILL'), ms);
    const e = await this.exited;
    clearTimeout(t);
    return e;
  }
}

export function cli(args: string[], opts: { stdin?: 'pipe' | 'ignore'; env?: NodeJS.ProcessEnv } = {}): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: [opts.stdin ?? 'pipe', 'pipe', 'pipe'], ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}) });
  return new Proc(child);
}

/** Runs the CLI to completion with optional stdin content. */
export async function runCli(args: string[], input?: string | Buffer, ms = 8000): Promise<Exit> {
  const p = cli(args);
  if (input !== undefined) p.child.stdin?.end(input);
  else p.child.stdin?.end();
  return p.exit(ms);
}

/** Starts a Python program (source text); argv follows the script path. */
export function python(source: string, args: string[] = []): Proc {
  return pythonFile(writePython(source), args);
}

function writePython(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sockdbg-py-'));
  tempDirs.push(dir);
  const file = join(dir, 'peer.py');
  writeFileSync(file, source);
  return file;
}

/** Starts a Python program from its file (e.g. one of examples/). */
export function pythonFile(file: string, args: string[] = []): Proc {
  const child = spawn('python3', ['-u', file, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Proc(child);
}

/** A TCP port free on 127.0.0.1 right now (bound and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sockdbg-cli-'));
  tempDirs.push(dir);
  return dir;
}

/** The port from the first line of a listening CLI (JSON "listening" event or "listening on host:port"). */
export async function listeningPort(p: Proc): Promise<number> {
  const line = await p.waitLine((l) => /"listening"|^listening on |^bound on /.test(l));
  if (line.startsWith('{')) return Number((JSON.parse(line) as { port: number }).port);
  const m = /:(\d+) \(/.exec(line);
  if (!m) throw new Error(`no port in ${line}`);
  return Number(m[1]);
}

/** A Python peer prints its port as its first line. */
export async function peerPort(p: Proc): Promise<number> {
  const line = await p.waitLine((l) => /^\d+$/.test(l.trim()));
  return Number(line.trim());
}

export function killAll(): void {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
}

export function cleanupTemp(): void {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
