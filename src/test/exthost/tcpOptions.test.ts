import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as vscode from 'vscode';
import type { SocketDebuggerApi } from '../../extension/api';
import type { ConnectionState } from '../../core/types';
import { getApi, python, waitFor } from './helpers';

const run = (command: string, ...args: unknown[]): Promise<unknown> => Promise.resolve(vscode.commands.executeCommand(command, ...args));

/** like the seed's server, but it drops its first client at once; the second one gets a greeting */
const PY_DROP_FIRST_SERVER = `
import socket, sys
sk = socket.socket()
sk.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sk.bind(('127.0.0.1', 0))
sk.listen(5)
print(sk.getsockname()[1], flush=True)
conn, addr = sk.accept()
conn.close()
if sys.argv[1] == 'once':
    sk.close()
    sys.exit(0)
conn, addr = sk.accept()
conn.send('欢迎回来'.encode('utf-8'))
while conn.recv(1024):
    pass
conn.close()
sk.close()
`;

/** accepts one client, greets it and holds the connection until the client closes */
const PY_HOLD_SERVER = `
import socket
sk = socket.socket()
sk.bind(('127.0.0.1', 0))
sk.listen(5)
print(sk.getsockname()[1], flush=True)
conn, addr = sk.accept()
conn.send(b'ready')
while conn.recv(1024):
    pass
conn.close()
sk.close()
`;

function ss(args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => execFile('ss', args, { timeout: 5000 }, (err, stdout) => resolve(err ? undefined : stdout)));
}

describe('TCP client and UDP socket options (reconnect, noDelay, keepAlive, timeoutMs, broadcast)', function () {
  let api: SocketDebuggerApi;
  const opened: string[] = [];
  const config = () => vscode.workspace.getConfiguration('socketDebugger');

  before(async () => {
    api = await getApi();
  });

  afterEach(async () => {
    for (const id of opened.splice(0)) if (api.registry.get(id)) await api.registry.remove(id);
  });

  /** connects with `options`, then follows the client through the server's drop: states seen and text received */
  async function throughADrop(options: Record<string, unknown>): Promise<void> {
    const server = python(PY_DROP_FIRST_SERVER, ['twice']);
    const port = Number(await server.firstLine);
    // recorded for every connection: the drop may come before the command resolves with the id
    const stateLog: Array<{ id: string; state: ConnectionState }> = [];
    const frameLog: Array<{ id: string; payload: Buffer }> = [];
    const subs = [
      api.registry.onDidChangeState((e) => stateLog.push({ id: e.id, state: e.info.state })),
      api.registry.onDidFrame((e) => {
        if (e.frame.direction === 'in') frameLog.push({ id: e.id, payload: e.frame.payload });
      }),
    ];
    try {
      const id = await vscode.commands.executeCommand<string>('socketDebugger.tcp.connect', { port, ...options });
      opened.push(id);
      const states = () => stateLog.filter((e) => e.id === id).map((e) => e.state);
      const received = () => frameLog.filter((e) => e.id === id).map((e) => e.payload);
      await waitFor('the greeting on the second connection', () => Buffer.concat(received()).toString('utf8') === '欢迎回来', 8000);
      assert.ok(states().includes('reconnecting'), `states seen: ${states().join(', ')}`);
      assert.equal(states()[states().length - 1], 'open');
      const info = api.registry.get(id);
      assert.equal(info?.kind, 'tcp-client');
      assert.equal(info?.state, 'open');
      assert.equal(api.registry.list().filter((c) => c.kind === 'tcp-client' && c.remote?.port === port).length, 1, 'one client, the same id');
      await run('socketDebugger.disconnect', { id });
      await server.done;
    } finally {
      for (const s of subs) s.dispose();
      server.kill();
    }
  }

  it('reconnect: true → the same connection goes reconnecting → open and receives on the new connection', async () => {
    await throughADrop({ reconnect: true });
  });

  it('the socketDebugger.tcpClient.autoReconnect setting applies when the options say nothing', async () => {
    await config().update('tcpClient.autoReconnect', true, vscode.ConfigurationTarget.Global);
    try {
      await throughADrop({});
    } finally {
      await config().update('tcpClient.autoReconnect', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('reconnect.maxAttempts: gives up and closes once the server is gone; reconnect: false overrides the setting', async () => {
    const server = python(PY_DROP_FIRST_SERVER, ['once']);
    const port = Number(await server.firstLine);
    const id = await vscode.commands.executeCommand<string>('socketDebugger.tcp.connect', { port, reconnect: { initialDelayMs: 50, maxDelayMs: 100, maxAttempts: 2 } });
    opened.push(id);
    await server.done;
    const info = await waitFor('the client to give up', () => (api.registry.get(id)?.state === 'closed' ? api.registry.get(id) : undefined), 8000);
    assert.notEqual(info.closeReason, 'local');

    await config().update('tcpClient.autoReconnect', true, vscode.ConfigurationTarget.Global);
    try {
      const again = python(PY_DROP_FIRST_SERVER, ['once']);
      const port2 = Number(await again.firstLine);
      const id2 = await vscode.commands.executeCommand<string>('socketDebugger.tcp.connect', { port: port2, reconnect: false });
      opened.push(id2);
      const closed = await waitFor('the client to close without reconnecting', () => (api.registry.get(id2)?.state === 'closed' ? api.registry.get(id2) : undefined), 8000);
      assert.equal(closed.closeReason, 'fin');
      await again.done;
    } finally {
      await config().update('tcpClient.autoReconnect', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('keepAlive: true and noDelay are applied to the socket (keep-alive timer seen with ss)', async function () {
    const server = python(PY_HOLD_SERVER);
    const port = Number(await server.firstLine);
    const id = await vscode.commands.executeCommand<string>('socketDebugger.tcp.connect', { port, keepAlive: true, noDelay: false, timeoutMs: 3000 });
    opened.push(id);
    await waitFor('the greeting', () => (api.registry.get(id)?.stats.bytesIn ?? 0) >= 5);
    const out = await ss(['-tnoH', 'state', 'established', 'dst', `127.0.0.1:${port}`]);
    await run('socketDebugger.disconnect', { id });
    await server.done;
    if (out === undefined) {
      console.log('      (ss is not available: only checked that the options are accepted and the connection works)');
      return;
    }
    assert.match(out, /timer:\(keepalive,/, out);
  });

  it('udp.bind broadcast: a broadcast destination is refused without it and delivered with it (option or setting)', async () => {
    // 127.255.255.255 is loopback's broadcast address: the kernel checks SO_BROADCAST for it and the datagram stays
    // on lo, where a receiver bound to 0.0.0.0 gets it. Nothing a test sends leaves the machine.
    const receiver = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => receiver.bind(0, '0.0.0.0', resolve));
    const received: string[] = [];
    receiver.on('message', (m) => received.push(m.toString()));
    const to = `127.255.255.255:${receiver.address().port}`;
    try {
      const without = await vscode.commands.executeCommand<string>('socketDebugger.udp.bind', { port: 0, host: '127.0.0.1', broadcast: false });
      opened.push(without);
      await assert.rejects(run('socketDebugger.send', { id: without, text: 'nope', to }), /EACCES|permission/i);

      const withIt = await vscode.commands.executeCommand<string>('socketDebugger.udp.bind', { port: 0, host: '127.0.0.1', broadcast: true });
      opened.push(withIt);
      assert.equal(await run('socketDebugger.send', { id: withIt, text: 'hi', to }), 2);
      await waitFor('the broadcast by option', () => received.includes('hi'));

      await config().update('udp.broadcast', true, vscode.ConfigurationTarget.Global);
      try {
        const bySetting = await vscode.commands.executeCommand<string>('socketDebugger.udp.bind', { port: 0, host: '127.0.0.1' });
        opened.push(bySetting);
        assert.equal(await run('socketDebugger.send', { id: bySetting, text: 'ho', to }), 2);
        await waitFor('the broadcast by setting', () => received.includes('ho'));
      } finally {
        await config().update('udp.broadcast', undefined, vscode.ConfigurationTarget.Global);
      }
      assert.deepEqual(received, ['hi', 'ho']);
    } finally {
      receiver.close();
    }
  });

  it('rejects bad option values with clear errors, before connecting', async () => {
    const connect = (o: Record<string, unknown>) => run('socketDebugger.tcp.connect', { port: 9, ...o });
    const before = api.registry.list().length;
    await assert.rejects(connect({ reconnect: 'yes' }), /reconnect must be true, false or \{initialDelayMs, maxDelayMs, maxAttempts\}/);
    await assert.rejects(connect({ reconnect: [1] }), /reconnect must be true, false or/);
    await assert.rejects(connect({ reconnect: { retries: 3 } }), /reconnect has unknown key "retries" \(allowed: initialDelayMs, maxDelayMs, maxAttempts\)/);
    await assert.rejects(connect({ reconnect: { initialDelayMs: -1 } }), /reconnect\.initialDelayMs must be a positive number of milliseconds/);
    await assert.rejects(connect({ reconnect: { initialDelayMs: 1000, maxDelayMs: 10 } }), /reconnect\.maxDelayMs \(10\) must not be less than reconnect\.initialDelayMs \(1000\)/);
    await assert.rejects(connect({ reconnect: { maxAttempts: 1.5 } }), /reconnect\.maxAttempts must be a whole number from 1/);
    await assert.rejects(connect({ noDelay: 'on' }), /noDelay must be true or false \(got "on"\)/);
    await assert.rejects(connect({ keepAlive: 1 }), /keepAlive must be true or false \(got 1\)/);
    await assert.rejects(connect({ timeoutMs: 0 }), /timeoutMs must be a positive number of milliseconds/);
    await assert.rejects(connect({ timeoutMs: 3e9 }), /timeoutMs must be a positive number of milliseconds/);
    await assert.rejects(run('socketDebugger.udp.bind', { port: 0, broadcast: 'yes' }), /broadcast must be true or false/);
    assert.equal(api.registry.list().length, before, 'nothing was created');
  });
});
