/**
 * python3 for the tests (stdlib only, peers written the way the seed tutorial writes them). Not part of the engine.
 * - `pythonJson`: reference values — JSON in on stdin, JSON out on stdout (synchronous).
 * - `runPython`: a program run to completion (its stdout).
 * - `startPython`: a long-running peer; a serving peer prints its port as its first line.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * A TCP listener on 127.0.0.1 with backlog 0 that never accepts: it prints its port; once its accept queue is full
 * the kernel drops further SYNs, so a connect to it stays pending (until its timeout, a cancel, or the peer's end).
 */
export const PY_NEVER_ACCEPTS = `
import socket, sys
sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen(0)
print(sk.getsockname()[1], flush=True)
sys.stdin.read()
`;

/** Runs `script` with `input` as JSON on stdin and returns the JSON it prints. */
export function pythonJson(script: string, input: unknown, timeoutMs = 30_000): unknown {
  return JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', timeout: timeoutMs }));
}

/** Runs a python3 program; resolves with its stdout, rejects on a non-zero exit (stderr in the message). */
export function runPython(code: string, args: string[] = [], timeoutMs = 15000): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('python3', ['-c', code, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => p.kill(), timeoutMs);
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.on('close', (status) => {
      clearTimeout(timer);
      if (status === 0) resolve(out);
      else reject(new Error(`python3 exited with ${status}: ${err}`));
    });
  });
}

export interface PythonPeer {
  readonly child: ChildProcessWithoutNullStreams;
  /** stdout so far */
  readonly stdout: string;
  /** stderr so far */
  readonly stderr: string;
  /** the exit status (null when killed) */
  readonly exited: Promise<number | null>;
  /** the first stdout line (complete, trimmed) that matches; rejects after `timeoutMs` or if the peer exits first */
  line(re: RegExp, timeoutMs?: number): Promise<string>;
  /** the port a serving peer prints as its first line */
  port(timeoutMs?: number): Promise<number>;
  kill(): void;
}

/** Starts a python3 program (unbuffered output); stdin is a pipe (a peer may block reading it until killed). */
export function startPython(code: string, args: string[] = []): PythonPeer {
  const child = spawn('python3', ['-u', '-c', code, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let exitedYet = false;
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    wake();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin.on('error', () => {}); // the peer may exit before reading its stdin
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (e) => {
      err += String(e);
      exitedYet = true;
      resolve(null);
      wake();
    });
    child.on('close', (status) => {
      exitedYet = true;
      resolve(status);
      wake();
    });
  });
  const line = (re: RegExp, timeoutMs = 10_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const lines = out.split('\n');
        if (!exitedYet) lines.pop(); // the last piece may be an incomplete line
        const hit = lines.map((l) => l.trim()).find((l) => re.test(l));
        if (hit !== undefined) done(() => resolve(hit));
        else if (exitedYet) done(() => reject(new Error(`python3 exited before printing a line matching ${re}: ${err}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`python3 printed no line matching ${re} in ${timeoutMs} ms: ${err}`))), timeoutMs);
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });
  return {
    child,
    get stdout() {
      return out;
    },
    get stderr() {
      return err;
    },
    exited,
    line,
    port: async (timeoutMs?: number) => Number(await line(/^\d+$/, timeoutMs)),
    kill: () => child.kill(),
  };
}

/** A server written like the tutorial's: recv in a loop until the peer closes; prints the sizes, then the bytes as hex. */
export const RECV_SIZES_SERVER = `
import socket, json

sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen()
print(sk.getsockname()[1])
conn, addr = sk.accept()
sizes = []
data = b''
err = ''
while True:
    try:
        chunk = conn.recv(65536)
    except ConnectionResetError:
        err = 'reset'
        break
    if not chunk:
        break
    sizes.append(len(chunk))
    data += chunk
print(json.dumps({'sizes': sizes, 'hex': data.hex(), 'err': err}))
conn.close()
`;

export interface RecvReport {
  sizes: number[];
  hex: string;
  err: string;
}
