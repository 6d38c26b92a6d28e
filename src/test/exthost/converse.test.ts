/**
 * Speaking first and answering the last peer from the extension, as the tutorial's controllers and UDP chat do:
 * Send on Accept greets every client a server accepts; Reply to Last Peer answers whoever spoke last to a UDP socket.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { getApi, python, waitFor } from './helpers';

const run = <T>(command: string, ...args: unknown[]): Promise<T> => Promise.resolve(vscode.commands.executeCommand<T>(command, ...args));

/** the tutorial's executor: connects and prints what the server says first (or "nothing" after 1 s) */
const PY_LISTENER = `
import socket, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
sk.settimeout(1)
try:
    print(sk.recv(1024).decode('utf-8'))
except socket.timeout:
    print('nothing')
sk.close()
`;

/** the tutorial's UDP chat client: says something, prints the answer */
const PY_UDP_CHAT = `
import socket, sys
sk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sk.sendto('在吗'.encode('utf-8'), ('127.0.0.1', int(sys.argv[1])))
sk.settimeout(10)
print(sk.recvfrom(1024)[0].decode('utf-8'))
`;

describe('speaking first and replying to the last peer', function () {
  this.timeout(30000);

  it('Send on Accept greets every client the server accepts, until turned off', async () => {
    const api = await getApi();
    const server = await run<string>('socketDebugger.tcp.listen', { port: 0 });
    try {
      const port = api.registry.get(server)!.local!.port;
      assert.equal(await run('socketDebugger.sendOnAccept', { id: server, text: 'dir' }), true);
      assert.equal((await python(PY_LISTENER, [port]).done).trim(), 'dir');
      assert.equal((await python(PY_LISTENER, [port]).done).trim(), 'dir');
      assert.equal(await run('socketDebugger.sendOnAccept', { id: server, off: true }), true);
      assert.equal((await python(PY_LISTENER, [port]).done).trim(), 'nothing');
      await assert.rejects(run('socketDebugger.sendOnAccept', { id: 'c99999', text: 'x' }), /c99999/);
    } finally {
      await api.registry.close(server);
    }
  });

  it('Reply to Last Peer answers whoever spoke last to a UDP socket', async () => {
    const api = await getApi();
    const sock = await run<string>('socketDebugger.udp.bind', { port: 0 });
    try {
      await assert.rejects(run('socketDebugger.replyToLastPeer', { id: sock, text: 'x' }), /has not heard from any peer yet/);
      const port = api.registry.get(sock)!.local!.port;
      const chat = python(PY_UDP_CHAT, [port]);
      await waitFor('the peer', () => api.registry.children(sock).some((p) => p.stats.framesIn > 0));
      assert.equal(await run('socketDebugger.replyToLastPeer', { id: sock, text: '在' }), 3);
      assert.equal((await chat.done).trim(), '在');
    } finally {
      await api.registry.close(sock);
    }
  });
});
