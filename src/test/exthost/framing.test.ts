import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SocketDebuggerApi } from '../../extension/api';
import { getApi, python, treeRows, waitFor } from './helpers';

// A client written like the tutorial's: struct.pack('i', len(data)) + data, several frames in ONE send.
const PY_STICKY = `
import socket, struct, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
msgs = [m.encode('gbk') for m in sys.argv[2:]]
sk.send(b''.join(struct.pack('i', len(m)) + m for m in msgs))
head = sk.recv(4)
n = struct.unpack('i', head)[0]
body = b''
while len(body) < n:
    body += sk.recv(n - len(body))
sk.close()
print(body.decode('gbk'))
`;

describe('framing and encodings through the commands', () => {
  let api: SocketDebuggerApi;
  before(async () => {
    api = await getApi();
  });

  it('length:i + gbk: two frames stuck in one recv chunk are cut apart; the reply is framed the same way', async () => {
    const id = await vscode.commands.executeCommand<string>('socketDebugger.tcp.listen', { port: 0, framing: 'length:i', encoding: 'gbk' });
    try {
      const port = api.registry.get(id)!.local!.port;
      const peer = python(PY_STICKY, [port, '吃包子啊!', 'dir']);
      const peerId = await waitFor('the client', () => api.registry.children(id)[0]?.id);
      await waitFor('two frames', () => api.registry.get(peerId)?.stats.framesIn === 2);
      const info = api.registry.get(peerId)!;
      assert.equal(info.framing, 'length:i');
      assert.equal(info.encoding, 'gbk');
      assert.equal(info.stats.chunksIn, 1, 'both frames arrived in one chunk (sticky)');
      const frames = api.registry.history(peerId).frames.filter((f) => f.direction === 'in');
      assert.deepEqual(
        frames.map((f) => f.payload.toString('hex')),
        [Buffer.from([0xb3, 0xd4, 0xb0, 0xfc, 0xd7, 0xd3, 0xb0, 0xa1, 0x21]).toString('hex'), Buffer.from('dir').toString('hex')],
      );
      const row = (await treeRows(api)).find((r) => r.id === peerId);
      assert.match(row?.description ?? '', /↓ 20 B\/2/);
      await vscode.commands.executeCommand('socketDebugger.send', { id: peerId, text: '中午吃什么' });
      assert.equal((await peer.done).trim(), '中午吃什么');
    } finally {
      await api.registry.remove(id);
    }
  });

  it('a bad frame on a live connection is logged and notified once, offering to change the framing', async () => {
    const id = await vscode.commands.executeCommand<string>('socketDebugger.tcp.listen', { port: 0, framing: 'length:i,max=16' });
    try {
      const port = api.registry.get(id)!.local!.port;
      const before = api.errorsShown.length;
      const peer = python(
        `
import socket, struct, sys, time
sk = socket.socket(); sk.connect(('127.0.0.1', int(sys.argv[1])))
for _ in range(3):
    sk.send(struct.pack('i', 100000) + b'x' * 20)
    time.sleep(0.05)
sk.close()
`,
        [port],
      );
      await peer.done;
      await waitFor('the framing notification', () => api.errorsShown.length > before);
      await new Promise((r) => setTimeout(r, 300));
      const shown = api.errorsShown.slice(before);
      assert.equal(shown.length, 1, `one notification, not one per bad frame: ${shown.join(' | ')}`);
      assert.match(shown[0]!, /Framing error on 127\.0\.0\.1:\d+/);
    } finally {
      await api.registry.remove(id);
    }
  });

  it('openComposer: true opens the Packet Composer on the new connection', async () => {
    const id = await vscode.commands.executeCommand<string>('socketDebugger.udp.bind', { port: 0, openComposer: true });
    try {
      await waitFor('the composer tab', () =>
        vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputWebview && /composer/i.test(t.input.viewType))),
      );
    } finally {
      await api.registry.remove(id);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });
});
