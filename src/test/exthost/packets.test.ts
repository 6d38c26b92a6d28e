/**
 * The saved packet library in the extension host: packets saved through the command (as the composer's Save… does)
 * land in sockdbg.packets.json in the workspace, show in the Connections view, are sent byte for byte to a
 * tutorial-style Python server, follow edits of the file on disk (bad entries left out), and are removed.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { getApi, python, PY_TCP_SERVER, treeRows, waitFor } from './helpers';

const run = <T>(command: string, ...args: unknown[]): Promise<T> => Promise.resolve(vscode.commands.executeCommand<T>(command, ...args));

describe('saved packet library', function () {
  this.timeout(60000);
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const file = folder ? path.join(folder, 'sockdbg.packets.json') : '';
  const opened: string[] = [];

  before(function () {
    if (!folder) throw new Error('the extension-host suite runs with a workspace folder');
    fs.rmSync(file, { force: true });
  });
  after(async () => {
    const api = await getApi();
    for (const id of opened) if (api.registry.get(id)) await api.registry.close(id).catch(() => undefined);
    fs.rmSync(file, { force: true });
  });

  const packetRows = async () => (await treeRows(await getApi())).filter((r) => r.contextValue === 'savedPacket').map((r) => `${r.label} — ${r.description}`);

  it('saves packets to sockdbg.packets.json and lists them in the Connections view', async () => {
    assert.equal(await run('socketDebugger.packets.save', { name: 'lunch', draft: { mode: 'text', text: '中午吃什么', encoding: 'utf-8' } }), 'lunch');
    assert.equal(await run('socketDebugger.packets.save', { name: 'size only', draft: { mode: 'struct', format: 'i', values: '8' }, framing: { kind: 'raw' } }), 'size only');
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { packets: Array<{ name: string; framing: unknown }> };
    assert.deepEqual(
      saved.packets.map((p) => [p.name, p.framing]),
      [
        ['lunch', { kind: 'connection' }],
        ['size only', { kind: 'raw' }],
      ],
    );
    await waitFor('the rows', async () => (await packetRows()).length === 2);
    assert.deepEqual(await packetRows(), ['lunch — text: 中午吃什么', 'size only — struct i: 8']);
  });

  it("sends a saved packet with the connection's framing, byte for byte", async () => {
    const server = python(PY_TCP_SERVER, [4 + 15 + 4, '']);
    const port = Number(await server.firstLine);
    const id = await run<string>('socketDebugger.tcp.connect', { port, framing: 'length:i' });
    opened.push(id);
    assert.equal(await run('socketDebugger.packets.send', { name: 'lunch', id }), 1);
    assert.equal(await run('socketDebugger.packets.send', { name: 'size only', id }), 1);
    const body = Buffer.from('中午吃什么', 'utf-8');
    const head = Buffer.alloc(4);
    head.writeInt32LE(body.length);
    const size = Buffer.alloc(4);
    size.writeInt32LE(8);
    const out = (await server.done).trim().split('\n');
    assert.equal(out[out.length - 1], Buffer.concat([head, body, size]).toString('hex'));
  });

  it('refuses what is not a packet, clearly', async () => {
    await assert.rejects(run('socketDebugger.packets.send', { name: 'nope', id: 'c1' }), /There is no saved packet named "nope"/);
    await assert.rejects(run('socketDebugger.packets.save', { name: ' padded', draft: { mode: 'hex', text: '00' } }), /not a valid packet name/);
    await assert.rejects(run('socketDebugger.packets.save', { name: 'x', draft: { mode: 'exec', text: 'id' } }), /Save a packet from the Packet Composer/);
  });

  it('follows edits of the file on disk, leaving out bad entries, and removes a packet', async () => {
    fs.writeFileSync(
      file,
      JSON.stringify({ packets: [{ name: 'hello', draft: { mode: 'hex', text: '68 65 6c 6c 6f' } }, { name: 'broken', draft: { mode: 'nope' } }] }),
    );
    await waitFor('the edited library', async () => JSON.stringify(await packetRows()) === JSON.stringify(['hello — hex: 68 65 6c 6c 6f']), 15000);
    assert.equal(await run('socketDebugger.packets.remove', { name: 'hello' }), true);
    assert.deepEqual((JSON.parse(fs.readFileSync(file, 'utf8')) as { packets: unknown[] }).packets, []);
    await waitFor('no rows', async () => (await packetRows()).length === 0);
  });
});
