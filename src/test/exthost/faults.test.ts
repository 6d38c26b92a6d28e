/**
 * Set Faults… in the extension host: a fault plan on a TCP client cuts what it sends into pieces that a tutorial-style
 * Python receiver's recv() returns apart; the plan shows on the connection and clears; bad plans are refused clearly.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { getApi, python } from './helpers';
import { RECV_SIZES_SERVER, type RecvReport } from '../../core/test/python';

const run = <T>(command: string, ...args: unknown[]): Promise<T> => Promise.resolve(vscode.commands.executeCommand<T>(command, ...args));

describe('Set Faults… (fault injection on our own senders)', function () {
  this.timeout(60000);

  it('cuts what a TCP client sends (pieces apart), shows the plan, clears it; refuses bad plans', async () => {
    const api = await getApi();
    const server = python(RECV_SIZES_SERVER, [], 30000);
    const port = Number(await server.firstLine);
    const id = await run<string>('socketDebugger.tcp.connect', { port });
    try {
      assert.equal(await run('socketDebugger.setFaults', { id, faults: '--chunk 3 --gap 15 --seed 7' }), true);
      assert.deepEqual(api.registry.get(id)!.faults, { chunk: { kind: 'fixed', size: 3 }, gapMs: 15, seed: 7 });
      await run('socketDebugger.send', { id, text: 'abcdefghijklmnopqrstuvwxyz0123' });
      assert.equal(await run('socketDebugger.setFaults', { id, faults: '' }), true);
      assert.equal(api.registry.get(id)!.faults, undefined);
      await run('socketDebugger.send', { id, text: '-whole' });
      await api.registry.end(id);
      const got = JSON.parse((await server.done).trim().split('\n').pop()!) as RecvReport;
      assert.equal(Buffer.from(got.hex, 'hex').toString(), 'abcdefghijklmnopqrstuvwxyz0123-whole');
      assert.ok(got.sizes.filter((n) => n === 3).length >= 6, `recv sizes ${got.sizes.join(',')}`);

      await assert.rejects(run('socketDebugger.setFaults', { id, faults: '--chunk 0' }), /"faults": bad --chunk '0': chunk size must be a whole number ≥ 1/);
      await assert.rejects(run('socketDebugger.setFaults', { id, faults: '--lane c2s' }), /--lane names a relay's lanes/);
      const udp = await run<string>('socketDebugger.udp.bind', { port: 0 });
      await assert.rejects(run('socketDebugger.setFaults', { id: udp, faults: '--chunk 3' }), /--chunk acts on TCP streams, not on UDP/);
      assert.equal(await run('socketDebugger.setFaults', { id: udp, faults: '--delay 5:2 --seed 1' }), true);
      assert.deepEqual(api.registry.get(udp)!.faults, { delay: { ms: 5, jitter: 2 }, seed: 1 });
      await api.registry.close(udp);
    } finally {
      server.kill();
      if (api.registry.get(id)) await api.registry.close(id).catch(() => undefined);
    }
  });
});
