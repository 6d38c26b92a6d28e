/**
 * Save Session and Reset Counters in the extension host, over a tutorial-style conversation: the session file has
 * both directions in order; resetting counters zeroes them and keeps the history.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { getApi, python, waitFor } from './helpers';

const run = <T>(command: string, ...args: unknown[]): Promise<T> => Promise.resolve(vscode.commands.executeCommand<T>(command, ...args));

/** the tutorial's first client: sends, reads the reply, sends again, reads again */
const PY_TURNS = `
import socket, sys
sk = socket.socket()
sk.connect(('127.0.0.1', int(sys.argv[1])))
for m in ['wyb', '中午吃什么']:
    sk.send(m.encode('utf-8'))
    print(sk.recv(1024).decode('utf-8'), flush=True)
sk.close()
`;

describe('Save Session and Reset Counters', function () {
  this.timeout(30000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sockdbg-session-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("saves a server's conversation with its client, both directions in order, then resets the counters", async () => {
    const api = await getApi();
    const server = await run<string>('socketDebugger.tcp.listen', { port: 0 });
    const port = api.registry.get(server)!.local!.port;
    const sub = api.registry.onDidFrame((e) => {
      if (e.frame.direction === 'in') void run('socketDebugger.send', { id: e.id, text: `收到 ${e.frame.payload.toString('utf-8')}` });
    });
    try {
      const client = python(PY_TURNS, [port]);
      assert.equal((await client.done).trim(), '收到 wyb\n收到 中午吃什么');
      const peer = api.registry.children(server)[0]!.id;
      await waitFor('four frames', () => api.registry.history(peer).frames.length === 4);

      const file = path.join(tmp, 'session.jsonl');
      assert.equal(await run('socketDebugger.saveSession', { id: server, path: file }), file);
      const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { conn: string; dir: string; text: string });
      assert.deepEqual(
        lines.map((l) => [l.conn, l.dir, l.text]),
        [
          [peer, 'in', 'wyb'],
          [peer, 'out', '收到 wyb'],
          [peer, 'in', '中午吃什么'],
          [peer, 'out', '收到 中午吃什么'],
        ],
      );
      const text = path.join(tmp, 'session.txt');
      await run('socketDebugger.saveSession', { id: peer, path: text, format: 'text' });
      assert.match(fs.readFileSync(text, 'utf8'), /↓ .*wyb\n.*↑ .*收到 wyb\n/);
      await assert.rejects(run('socketDebugger.saveSession', { id: peer, path: text, format: 'pdf' }), /format must be one of "text", "hex", "jsonl"/);

      assert.ok(api.registry.get(server)!.stats.bytesIn > 0);
      assert.equal(await run('socketDebugger.resetCounters', { id: server }), true);
      for (const id of [server, peer]) {
        const s = api.registry.get(id)!.stats;
        assert.deepEqual([s.bytesIn, s.bytesOut, s.framesIn, s.framesOut], [0, 0, 0, 0], id);
      }
      assert.equal(api.registry.history(peer).frames.length, 4, 'the history stays');
    } finally {
      sub.dispose();
      await api.registry.close(server);
    }
  });
});
