/** Spawning commands in their own process group and killing the whole tree. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface SpawnRequest {
  command?: string;
  argv?: string[];
  cwd?: string;
  env?: Record<string, string>;
}

/** Spawns detached (its own process group on POSIX) so the whole tree can be signalled at once. */
export function spawnTree(req: SpawnRequest): ChildProcess {
  const opts = {
    cwd: req.cwd,
    env: req.env ? { ...process.env, ...req.env } : process.env,
    detached: process.platform !== 'win32',
    windowsHide: true,
    stdio: ['pipe', 'pipe', 'pipe'] as ['pipe', 'pipe', 'pipe'],
  };
  if (req.command !== undefined) return spawn(req.command, { ...opts, shell: true });
  const argv = req.argv ?? [];
  return spawn(argv[0], argv.slice(1), opts);
}

/** Signals the process group led by pid (POSIX) or the tree (Windows, taskkill /T). Never throws. */
export function killTree(pid: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (process.platform === 'win32') {
    try {
      const k = spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
      k.on('error', () => undefined);
    } catch {
      // nothing left to kill
    }
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** True when a process with this pid exists and is not a zombie (Linux /proc check when available). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}
