import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { PY_TCP_CLIENT, getApi, hex, python, waitFor } from './helpers';

// Runs only in the untrusted-workspace pass of scripts/vscode-test.mjs (see index.ts).
describe('[restricted] restricted mode (untrusted workspace)', () => {
  it('the workspace is untrusted, the extension still activates and connections work', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'this pass must run in an untrusted workspace');
    const api = await getApi();
    const id = await vscode.commands.executeCommand<string>('socketDebugger.tcp.listen', { port: 0 });
    const port = api.registry.get(id)!.local!.port;
    const peer = python(PY_TCP_CLIENT, [port, hex('ping'), 4]);
    const peerId = await waitFor('the client', () => api.registry.children(id)[0]?.id);
    await waitFor('ping', () => api.registry.get(peerId)?.stats.bytesIn === 4);
    await vscode.commands.executeCommand('socketDebugger.send', { id: peerId, text: 'pong' });
    assert.equal((await peer.done).trim().split('\n').pop(), hex('pong'));
    await vscode.commands.executeCommand('socketDebugger.stopServer', { id });
  });
});
