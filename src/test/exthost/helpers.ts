/** Helpers for the extension-host tests: the extension's API, polling, and Python peers written like the seed's. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as net from 'node:net';
import * as vscode from 'vscode';
import type { SocketDebuggerApi } from '../../extension/api';
import type { TreeNode } from '../../extension/tree';

export const EXTENSION_ID = 'socket-debugger.socket-debugger';

export async function getApi(): Promise<SocketDebuggerApi> {
  const ext = vscode.extensions.getExtension<SocketDebuggerApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

export function extensionPath(): string {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return ext.extensionPath;
}

/** polls `cond` every 20 ms until it returns a truthy value (returned) or `timeoutMs` passes (throws `what`) */
export async function waitFor<T>(what: string, cond: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface PythonPeer {
  proc: ChildProcessWithoutNullStreams;
  /** resolves with stdout once the process exits with 0 (rejects with stderr otherwise) */
  done: Promise<string>;
  /** resolves with the first stdout line (e.g. a port the peer printed) */
  firstLine: Promise<string>;
  kill(): void;
}

/** runs a Python 3 program (stdlib only) with arguments; killed after `timeoutMs` */
export function python(code: string, args: Array<string | number> = [], timeoutMs = 15000): PythonPeer {
  const proc = spawn('python3', ['-u', '-c', code, ...args.map(String)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let resolveLine: (s: string) => void = () => undefined;
  const firstLine = new Promise<string>((r) => (resolveLine = r));
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (d: string) => {
    out += d;
    const i = out.indexOf('\n');
    if (i >= 0) resolveLine(out.slice(0, i));
  });
  proc.stderr.on('data', (d: string) => (err += d));
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const done = new Promise<string>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`python exited with ${code ?? signal}: ${err.trim() || out.trim()}`));
    });
  });
  done.catch(() => undefined);
  return { proc, done, firstLine, kill: () => proc.kill('SIGKILL') };
}

/** true when nothing listens on 127.0.0.1:port (we can bind it ourselves) */
export function tcpPortIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/** the tree's rows: [label, description, contextValue] for the root nodes and their children */
export async function treeRows(api: SocketDebuggerApi): Promise<Array<{ id: string | undefined; label: string; description: string; contextValue: string; depth: number; node: TreeNode }>> {
  await api.tree.settled();
  const rows: Array<{ id: string | undefined; label: string; description: string; contextValue: string; depth: number; node: TreeNode }> = [];
  const walk = async (parent: TreeNode | undefined, depth: number) => {
    for (const node of await api.tree.getChildren(parent)) {
      const item = await api.tree.getTreeItem(node);
      const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
      rows.push({ id: item.id, label, description: typeof item.description === 'string' ? item.description : '', contextValue: item.contextValue ?? '', depth, node });
      if (depth < 3) await walk(node, depth + 1);
    }
  };
  await walk(undefined, 0);
  return rows;
}

export const PY_TCP_CLIENT = `
import socket, sys, binascii
# like the seed: connect, send, receive
port = int(sys.argv[1]); payload = binascii.unhexlify(sys.argv[2]); want = int(sys.argv[3])
sk = socket.socket()
sk.connect(('127.0.0.1', port))
print('connected', flush=True)
if payload:
    sk.send(payload)
got = b''
while len(got) < want:
    data = sk.recv(1024)
    if not data:
        break
    got += data
sk.close()
print(binascii.hexlify(got).decode())
`;

export const PY_TCP_SERVER = `
import socket, sys, binascii
# like the seed: bind, listen, accept, recv, send
sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen(5)
print(sk.getsockname()[1], flush=True)
conn, addr = sk.accept()
want = int(sys.argv[1]); reply = binascii.unhexlify(sys.argv[2])
got = b''
while len(got) < want:
    data = conn.recv(1024)
    if not data:
        break
    got += data
if reply:
    conn.send(reply)
conn.close()
sk.close()
print(binascii.hexlify(got).decode())
`;

export const PY_UDP_PEER = `
import socket, sys, binascii
# like the seed: sendto, recvfrom
port = int(sys.argv[1]); msg = binascii.unhexlify(sys.argv[2])
sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sk.bind(('127.0.0.1', 0))
sk.settimeout(10)
print(sk.getsockname()[1], flush=True)
sk.sendto(msg, ('127.0.0.1', port))
data, addr = sk.recvfrom(65535)
sk.close()
print(binascii.hexlify(data).decode())
`;

export function hex(s: string, enc: BufferEncoding = 'utf8'): string {
  return Buffer.from(s, enc).toString('hex');
}
