import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SocketDebuggerApi } from '../../extension/api';
import { PY_NEVER_ACCEPTS } from '../../core/test/python';
import { PY_TCP_CLIENT, PY_TCP_SERVER, PY_UDP_PEER, extensionPath, getApi, hex, python, treeRows, waitFor } from './helpers';

const lastLine = (s: string) => s.trim().split('\n').pop() ?? '';
const run = (command: string, ...args: unknown[]): Promise<unknown> => Promise.resolve(vscode.commands.executeCommand(command, ...args));

describe('commands (executeCommand with options) against real peers on loopback', function () {
  let api: SocketDebuggerApi;
  const opened: string[] = [];

  before(async () => {
    api = await getApi();
  });

  afterEach(async () => {
    for (const id of opened.splice(0)) if (api.registry.get(id)) await api.registry.remove(id);
  });

  it('registers every command declared in package.json', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(extensionPath(), 'package.json'), 'utf8')) as { contributes: { commands: Array<{ command: string }> } };
    const all = new Set(await vscode.commands.getCommands(true));
    const declared = pkg.contributes.commands.map((c) => c.command);
    assert.ok(declared.length >= 13);
    for (const c of declared) assert.ok(all.has(c), `command ${c} is declared but not registered`);
  });

  it('tcp.listen → a server in the tree; a Python client appears as its child with live counters; send reaches it byte for byte', async () => {
    const id = await vscode.commands.executeCommand<string>('socketDebugger.tcp.listen', { port: 0, host: '127.0.0.1', framing: 'raw', encoding: 'utf-8' });
    opened.push(id);
    assert.match(id, /^c\d+$/);
    const info = api.registry.get(id);
    assert.equal(info?.kind, 'tcp-server');
    assert.equal(info?.state, 'listening');
    const port = info!.local!.port;
    assert.ok(port > 0);

    let rows = await treeRows(api);
    const serverRow = rows.find((r) => r.id === id);
    assert.ok(serverRow, 'server row in the tree');
    assert.equal(serverRow.depth, 0);
    assert.equal(serverRow.label, `TCP :${port}`);
    assert.equal(serverRow.description, `↓ 0 B/0 ↑ 0 B/0 · ${id}`);
    assert.equal(serverRow.contextValue, 'tcp-server.listening send');

    const reply = '中午吃什么';
    const peer = python(PY_TCP_CLIENT, [port, hex('吃包子啊!'), Buffer.byteLength(reply)]);
    const peerId = await waitFor('the accepted client', () => api.registry.children(id)[0]?.id);
    await waitFor('the client bytes', () => (api.registry.get(peerId)?.stats.bytesIn ?? 0) >= Buffer.byteLength('吃包子啊!'));
    rows = await treeRows(api);
    const peerRow = rows.find((r) => r.id === peerId);
    assert.ok(peerRow, 'client row under the server');
    assert.equal(peerRow.depth, 1);
    assert.equal(peerRow.contextValue, 'tcp-peer.open send fin');
    // the row names the peer by its port (loopback), its counters first and the id last; the tooltip has the rest
    const peerPort = api.registry.get(peerId)!.remote!.port;
    assert.equal(peerRow.label, `:${peerPort}`);
    assert.equal(peerRow.description, `↓ 13 B/1 ↑ 0 B/0 · ${peerId}`);

    const item = await api.tree.getTreeItem(peerRow.node);
    assert.ok(item.tooltip instanceof vscode.MarkdownString);
    assert.match(item.tooltip.value, /raw/);
    assert.ok(item.tooltip.value.includes(`127\\.0\\.0\\.1:${peerPort}`), item.tooltip.value);
    assert.ok(item.tooltip.value.includes(`127\\.0\\.0\\.1:${port}`), item.tooltip.value);
    assert.match(item.tooltip.value, /13 bytes, 1 frame/);
    assert.ok(item.iconPath instanceof vscode.ThemeIcon);
    assert.equal(item.iconPath.id, 'plug');
    assert.equal(item.iconPath.color?.id, 'charts.blue');
    const serverIcon = (await api.tree.getTreeItem(serverRow.node)).iconPath;
    assert.ok(serverIcon instanceof vscode.ThemeIcon);
    assert.equal(serverIcon.id, 'server');
    assert.equal(serverIcon.color?.id, 'charts.green');

    const sent = await vscode.commands.executeCommand<number>('socketDebugger.send', { id: peerId, text: reply });
    assert.equal(sent, Buffer.byteLength(reply));
    assert.equal(lastLine(await peer.done), hex(reply));
    await waitFor('the client to close', () => api.registry.get(peerId)?.state === 'closed');
    rows = await treeRows(api);
    const closedRow = rows.find((r) => r.id === peerId);
    assert.equal(closedRow?.contextValue, 'tcp-peer.closed');
    assert.match(closedRow?.description ?? '', /closed/);
    const closedIcon = (await api.tree.getTreeItem(closedRow!.node)).iconPath;
    assert.ok(closedIcon instanceof vscode.ThemeIcon);
    assert.equal(closedIcon.id, 'debug-disconnect');
    assert.equal(closedIcon.color?.id, 'disabledForeground');
  });

  it('send to a server goes to all its clients; hex and escapes inputs', async () => {
    const id = await vscode.commands.executeCommand<string>('socketDebugger.tcp.listen', { port: 0 });
    opened.push(id);
    const port = api.registry.get(id)!.local!.port;
    const a = python(PY_TCP_CLIENT, [port, '', 5]);
    const b = python(PY_TCP_CLIENT, [port, '', 5]);
    await a.firstLine;
    await b.firstLine;
    await waitFor('two clients', () => api.registry.children(id).filter((c) => c.state === 'open').length === 2);
    await vscode.commands.executeCommand('socketDebugger.send', { id, hex: '01 02' });
    await vscode.commands.executeCommand('socketDebugger.send', { id, escapes: 'a\\x00\\n' });
    assert.equal(lastLine(await a.done), '010261000a');
    assert.equal(lastLine(await b.done), '010261000a');
  });

  it('tcp.connect → a client to a Python server, in the tree; both directions arrive exactly', async () => {
    const server = python(PY_TCP_SERVER, [3, hex('pong')]);
    const port = Number(await server.firstLine);
    const id = await vscode.commands.executeCommand<string>('socketDebugger.tcp.connect', { host: '127.0.0.1', port, encoding: 'gbk' });
    opened.push(id);
    const info = api.registry.get(id)!;
    assert.equal(info.kind, 'tcp-client');
    assert.equal(info.encoding, 'gbk');
    const rows = await treeRows(api);
    const row = rows.find((r) => r.id === id);
    assert.ok(row);
    assert.equal(row.label, `→ :${port}`);
    assert.equal(row.contextValue, 'tcp-client.open send fin');
    await vscode.commands.executeCommand('socketDebugger.send', { id, text: '吃' }); // 2 bytes in GBK
    await vscode.commands.executeCommand('socketDebugger.send', { id, hex: '21' });
    assert.equal(lastLine(await server.done), Buffer.from([0xb3, 0xd4, 0x21]).toString('hex'));
    await waitFor('the reply', () => (api.registry.get(id)?.stats.bytesIn ?? 0) === 4);
    const received = api.registry.history(id).chunks.filter((c) => c.direction === 'in');
    assert.equal(Buffer.concat(received.map((c) => c.data)).toString(), 'pong');
  });

  it('udp.bind → a socket; a Python peer appears as its child; reply to the peer and send with `to`', async () => {
    const id = await vscode.commands.executeCommand<string>('socketDebugger.udp.bind', { port: 0, host: '127.0.0.1' });
    opened.push(id);
    const port = api.registry.get(id)!.local!.port;
    const peer = python(PY_UDP_PEER, [port, hex('hello udp')]);
    const peerPort = Number(await peer.firstLine);
    const peerId = await waitFor('the UDP peer', () => api.registry.children(id)[0]?.id);
    const rows = await treeRows(api);
    assert.equal(rows.find((r) => r.id === id)?.contextValue, 'udp.listening send');
    const prow = rows.find((r) => r.id === peerId);
    assert.ok(prow);
    assert.equal(rows.find((r) => r.id === id)?.label, `UDP :${port}`);
    assert.equal(prow.label, `:${peerPort}`);
    assert.equal(prow.depth, 1);
    assert.equal(prow.contextValue, 'udp-peer.open send');
    await vscode.commands.executeCommand('socketDebugger.send', { id: peerId, text: 'back' });
    assert.equal(lastLine(await peer.done), hex('back'));

    // a second peer, addressed explicitly from the socket
    const p2 = python(PY_UDP_PEER, [port, hex('x')]);
    const p2port = Number(await p2.firstLine);
    await waitFor('the second peer', () => api.registry.children(id).length === 2);
    await vscode.commands.executeCommand('socketDebugger.send', { id, text: 'to you', to: `127.0.0.1:${p2port}` });
    assert.equal(lastLine(await p2.done), hex('to you'));
    await assert.rejects(run('socketDebugger.send', { id, text: 'nowhere' }), /destination/);
  });

  it('changeFraming, copyAddress, clearHistory, saveReceived, closeSocket', async () => {
    const id = await vscode.commands.executeCommand<string>('socketDebugger.udp.bind', { port: 0 });
    opened.push(id);
    const port = api.registry.get(id)!.local!.port;
    const peer = python(PY_UDP_PEER, [port, 'b3d4b0fc']); // 吃包 in GBK
    await waitFor('the datagram', () => api.registry.children(id)[0]);
    const peerId = api.registry.children(id)[0]!.id;
    await vscode.commands.executeCommand('socketDebugger.send', { id: peerId, hex: '00' });
    await peer.done;

    const r = await vscode.commands.executeCommand<{ framing: string; encoding: string }>('socketDebugger.changeFraming', { id, encoding: 'GBK' });
    assert.equal(r.encoding, 'gbk');
    assert.equal(api.registry.get(id)?.encoding, 'gbk');
    await assert.rejects(run('socketDebugger.changeFraming', { id, encoding: 'klingon' }), /unknown encoding/);
    await assert.rejects(run('socketDebugger.changeFraming', { id }), /framing and\/or encoding/);

    assert.equal(await vscode.commands.executeCommand('socketDebugger.copyAddress', { id }), `127.0.0.1:${port}`);
    assert.match(String(await vscode.commands.executeCommand('socketDebugger.copyAddress', { id: peerId })), /^127\.0\.0\.1:\d+$/);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockdbg-save-'));
    try {
      const file = await vscode.commands.executeCommand<string>('socketDebugger.saveReceived', { id: peerId, path: path.join(dir, 'in.bin') });
      assert.deepEqual([...fs.readFileSync(file)], [0xb3, 0xd4, 0xb0, 0xfc]);
      const txt = await vscode.commands.executeCommand<string>('socketDebugger.saveReceived', { id: peerId, path: path.join(dir, 'in.txt') });
      assert.match(fs.readFileSync(txt, 'utf8'), /b3 d4 b0 fc\n$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }

    assert.equal(await vscode.commands.executeCommand('socketDebugger.clearHistory', { id }), true);
    assert.equal(api.registry.history(peerId).chunks.length, 0);

    assert.equal(await vscode.commands.executeCommand('socketDebugger.closeSocket', { id }), true);
    await waitFor('the socket to close', () => api.registry.get(id)?.state === 'closed');
    const rows = await treeRows(api);
    assert.equal(rows.find((x) => x.id === id)?.contextValue, 'udp.closed');
    assert.equal(await vscode.commands.executeCommand('socketDebugger.remove', { id }), true);
    assert.equal((await treeRows(api)).some((x) => x.id === id), false);
  });

  it('disconnect, closeClient, stopServer, halfClose, clearClosed', async () => {
    const srv = await vscode.commands.executeCommand<string>('socketDebugger.tcp.listen', { port: 0 });
    opened.push(srv);
    const port = api.registry.get(srv)!.local!.port;
    const cli = await vscode.commands.executeCommand<string>('socketDebugger.tcp.connect', { port });
    opened.push(cli);
    const cli2 = await vscode.commands.executeCommand<string>('socketDebugger.tcp.connect', { port });
    opened.push(cli2);
    await waitFor('two accepted clients', () => api.registry.children(srv).length === 2);
    const [p1] = api.registry.children(srv);
    assert.equal(await vscode.commands.executeCommand('socketDebugger.halfClose', { id: cli2 }), true);
    await waitFor('the FIN to reach the server side', () => api.registry.children(srv).some((c) => c.state === 'half-closed' || c.state === 'closed'));
    assert.equal(await vscode.commands.executeCommand('socketDebugger.closeClient', { id: p1!.id }), true);
    await waitFor('the client to see the close', () => api.registry.get(cli)?.state === 'closed' || api.registry.get(cli2)?.state === 'closed');
    assert.equal(await vscode.commands.executeCommand('socketDebugger.disconnect', { id: cli }), true);
    assert.equal(await vscode.commands.executeCommand('socketDebugger.stopServer', { id: srv }), true);
    await waitFor('the server to stop', () => api.registry.get(srv)?.state === 'closed');
    assert.equal(api.registry.get(srv)?.state, 'closed');
    const removed = await vscode.commands.executeCommand<number>('socketDebugger.clearClosed');
    assert.ok(removed >= 2);
    assert.equal(api.registry.get(srv), undefined);
  });

  it('a first connect in progress is a tree row (spinner, elapsed time) that Cancel Connect cancels: ECANCELED, no error notification', async () => {
    const listener = python(PY_NEVER_ACCEPTS, [], 60000);
    try {
      const port = Number(await listener.firstLine);
      const before = api.errorsShown.length;
      // fill the accept queue; the later connects stay pending
      const attempts = [0, 1, 2, 3].map(() => run('socketDebugger.tcp.connect', { host: '127.0.0.1', port, timeoutMs: 20000 }).then((id) => (opened.push(String(id)), id), (e: unknown) => e));
      const pending = await waitFor('a pending connect row', async () => {
        const rows = (await treeRows(api)).filter((r) => r.node.type === 'pending');
        return rows.length > 0 && rows;
      });
      const row = pending[0];
      assert.equal(row.depth, 0);
      assert.equal(row.label, `connecting to :${port}…`);
      assert.equal(row.contextValue, 'pendingConnect');
      assert.match(row.description, /^\d+ s · c\d+$/);
      const item = await api.tree.getTreeItem(row.node);
      assert.ok(item.iconPath instanceof vscode.ThemeIcon);
      assert.equal(item.iconPath.id, 'loading~spin');
      // the tooltip names the host in full (the label leaves loopback out, like the other rows)
      assert.ok(item.tooltip instanceof vscode.MarkdownString);
      assert.match(item.tooltip.value, new RegExp(`connecting to 127\\\\\\.0\\\\\\.0\\\\\\.1:${port}`));
      const id = row.node.type === 'pending' ? row.node.id : '';
      assert.equal(api.registry.get(id), undefined);

      // the row's inline action passes its node; the command cancels that connect alone
      assert.equal(await run('socketDebugger.cancelConnect', row.node), true);
      await waitFor('the row to go', async () => !(await treeRows(api)).some((r) => r.node.type === 'pending' && r.node.id === id));
      await assert.rejects(run('socketDebugger.cancelConnect', id), /not a connect in progress/);
      // by id string too, for the rest; every canceled connect rejects its caller with ECANCELED
      for (const p of api.registry.pendingConnects()) assert.equal(await run('socketDebugger.cancelConnect', p.id), true);
      const outcomes = await Promise.all(attempts);
      // each one either opened (the accept queue's room) or was canceled, none failed otherwise
      const canceled = outcomes.filter((o) => o instanceof Error && o.message.startsWith(`connect to 127.0.0.1:${port} canceled`));
      assert.ok(canceled.length >= 1);
      assert.equal(canceled.length + outcomes.filter((o) => typeof o === 'string').length, 4, outcomes.map(String).join('\n'));
      assert.deepEqual(api.registry.pendingConnects(), []);
      assert.equal(api.errorsShown.length, before, 'a cancel is no failure');
    } finally {
      listener.kill();
    }
  });

  it('rejects bad options and socket failures with clear errors (no notification)', async () => {
    const before = api.errorsShown.length;
    await assert.rejects(run('socketDebugger.tcp.listen', { port: 70000 }), /port must be an integer from 0 to 65535/);
    await assert.rejects(run('socketDebugger.tcp.connect', { port: 0 }), /port must be an integer from 1 to 65535/);
    await assert.rejects(run('socketDebugger.tcp.listen', { port: 0, encoding: 'nope' }), /unknown encoding/);
    await assert.rejects(run('socketDebugger.tcp.listen', { port: 0, framing: 'length:' }), /framing/);
    await assert.rejects(run('socketDebugger.send', { id: 'c999999', text: 'x' }), /no connection with id "c999999"/);

    const id = await vscode.commands.executeCommand<string>('socketDebugger.tcp.listen', { port: 0 });
    opened.push(id);
    const port = api.registry.get(id)!.local!.port;
    await assert.rejects(run('socketDebugger.tcp.listen', { port }), (e: Error) => /EADDRINUSE|in use/.test(e.message));
    await assert.rejects(run('socketDebugger.send', { id, text: 'x' }), /no connected clients|ENOTCONN/);
    await assert.rejects(run('socketDebugger.send', { id }), /exactly one of text, hex, base64 or escapes/);
    await vscode.commands.executeCommand('socketDebugger.stopServer', { id });
    await assert.rejects(run('socketDebugger.tcp.connect', { port, timeoutMs: 3000 }), /ECONNREFUSED|refused/);
    assert.equal(api.errorsShown.length, before, 'programmatic failures do not pop notifications');
  });

  it('refreshes the tree at most ~10 times a second under a flood', async () => {
    const id = await vscode.commands.executeCommand<string>('socketDebugger.tcp.listen', { port: 0 });
    opened.push(id);
    const port = api.registry.get(id)!.local!.port;
    const flood = python(
      `
import socket, sys, time
sk = socket.socket(); sk.connect(('127.0.0.1', int(sys.argv[1])))
sk.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
end = time.time() + 1.0
n = 0
while time.time() < end:
    sk.send(b'x' * 100); n += 1
    time.sleep(0.0005)
sk.close(); print(n)
`,
      [port],
    );
    await waitFor('the client', () => api.registry.children(id)[0]);
    const t0 = Date.now();
    const r0 = api.tree.refreshCount;
    const n = Number(lastLine(await flood.done));
    const peer = api.registry.children(id)[0]!;
    await waitFor('all bytes', () => (api.registry.get(peer.id)?.stats.bytesIn ?? 0) === n * 100);
    await api.tree.settled();
    const elapsed = Date.now() - t0;
    const refreshes = api.tree.refreshCount - r0;
    const chunks = api.registry.get(peer.id)!.stats.chunksIn;
    assert.ok(chunks > 50, `the flood produced ${chunks} chunks`);
    // throttled (never more often than the workbench's 200 ms debounce lets through) yet at least once a second
    assert.ok(refreshes <= Math.ceil(elapsed / 200) + 2, `${refreshes} refreshes in ${elapsed} ms for ${chunks} chunks`);
    assert.ok(refreshes >= Math.floor(elapsed / 1000), `only ${refreshes} refreshes in ${elapsed} ms of continuous traffic`);
  });

  it('accepts extra tree sections (e.g. remote exec agents) and removes them', async () => {
    const emitter = new vscode.EventEmitter<void>();
    const items = ['agent-1'];
    const section = api.addTreeSection<string>({
      id: 'test-section',
      label: 'Test Agents',
      getChildren: (e) => (e === undefined ? items : []),
      getTreeItem: (e) => new vscode.TreeItem(e),
      onDidChange: emitter.event,
    });
    try {
      let rows = await treeRows(api);
      assert.ok(rows.some((r) => r.id === 'section:test-section' && r.label === 'Test Agents' && r.depth === 0));
      assert.ok(rows.some((r) => r.label === 'agent-1' && r.depth === 1));
      items.length = 0;
      emitter.fire();
      rows = await treeRows(api);
      assert.equal(rows.some((r) => r.id === 'section:test-section'), false, 'an empty section is hidden');
    } finally {
      section.dispose();
      emitter.dispose();
    }
    assert.equal((await treeRows(api)).some((r) => r.id === 'section:test-section'), false);
  });

  it('showLog and openComposer run without throwing', async () => {
    await vscode.commands.executeCommand('socketDebugger.showLog');
    await vscode.commands.executeCommand('socketDebugger.openComposer');
  });
});
