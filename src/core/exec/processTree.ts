/** Spawning commands in their own process group and killing the whole tree. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { SESSION_MARKER_VAR } from './policy';

export interface SpawnRequest {
  command?: string;
  argv?: string[];
  cwd?: string;
}

/**
 * Spawns detached (its own session and process group on POSIX) so the whole tree can be signalled at once;
 * `env` is the complete environment (see childEnv).
 */
export function spawnTree(req: SpawnRequest, env: NodeJS.ProcessEnv): ChildProcess {
  const opts = {
    cwd: req.cwd,
    env,
    detached: process.platform !== 'win32',
    windowsHide: true,
    stdio: ['pipe', 'pipe', 'pipe'] as ['pipe', 'pipe', 'pipe'],
  };
  if (req.command !== undefined) return spawn(req.command, { ...opts, shell: true });
  const argv = req.argv ?? [];
  return spawn(argv[0], argv.slice(1), opts);
}

/**
 * Signals the process group led by pid (POSIX) or the tree (Windows, taskkill /T), and on Linux every process
 * whose environment carries `marker` (descendants that left the group with setsid). `exited`: the leader is gone,
 * so only its group is signalled, never its (reusable) pid. Never throws.
 */
export function killTree(pid: number, signal: NodeJS.Signals = 'SIGTERM', marker?: string, exited = false): void {
  if (marker !== undefined) killMarked(marker, signal);
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
    if (exited) return; // its pid may belong to another process by now
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

/** Pids of this user's processes whose environment holds SESSION_MARKER_VAR=marker (Linux /proc; else none). */
export function markedProcesses(marker: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const entry = `${SESSION_MARKER_VAR}=${marker}`;
  const found: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(entry)) found.push(Number(name));
    } catch {
      // gone, or another user's process
    }
  }
  return found;
}

function killMarked(marker: string, signal: NodeJS.Signals): void {
  for (const pid of markedProcesses(marker)) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
