import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { extensionPath, getApi, tcpPortIsFree, waitFor } from './helpers';

// Last file on purpose: after deactivate() the extension's sockets are gone.
describe('deactivate', () => {
  it('closes every socket and frees every port', async () => {
    const api = await getApi();
    const srv = await vscode.commands.executeCommand<string>('socketDebugger.tcp.listen', { port: 0 });
    const port = api.registry.get(srv)!.local!.port;
    const cli = await vscode.commands.executeCommand<string>('socketDebugger.tcp.connect', { port });
    const udp = await vscode.commands.executeCommand<string>('socketDebugger.udp.bind', { port: 0 });
    await waitFor('the accepted client', () => api.registry.children(srv).length === 1);
    assert.equal(await tcpPortIsFree(port), false);
    // the module the extension host loaded (same require cache): call its deactivate like VS Code does
    const main = (await import(path.join(extensionPath(), 'dist/extension.js'))) as { deactivate(): Promise<void> };
    await main.deactivate();
    for (const id of [srv, cli, udp]) assert.equal(api.registry.get(id)?.state, 'closed', `${id} closed`);
    assert.ok(api.registry.children(srv).every((c) => c.state === 'closed'));
    assert.equal(await tcpPortIsFree(port), true, `port ${port} is free again`);
  });
});
