// Relays in the extension host: start one by command, carry a conversation, hold / inject / release a lane, cut a pair.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as vscode from 'vscode';
import { getApi, waitFor } from './helpers';

const run = <T>(command: string, ...args: unknown[]): Promise<T> => Promise.resolve(vscode.commands.executeCommand<T>(command, ...args));

describe('relays (socketDebugger.relay.*)', () => {
  it('relays a conversation; hold, inject, release and cut act on the live pair', async () => {
    await getApi();
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const upPort = (echo.address() as net.AddressInfo).port;
    const started = await run<{ id: string; port: number }>('socketDebugger.relay.start', { port: 0, to: { host: '127.0.0.1', port: upPort } });
    try {
      assert.match(started.id, /^r\d+$/);
      const c = net.connect(started.port, '127.0.0.1');
      let got = '';
      let closed = false;
      c.on('data', (d: Buffer) => (got += d.toString()));
      c.on('close', () => (closed = true));
      c.on('error', () => undefined);
      c.write('ping;');
      await waitFor('the echo through the relay', () => got === 'ping;');
      await run('socketDebugger.relay.hold', { relay: started.id, pair: 'p1', lane: 'c2s' });
      // injected while held: it waits in the lane, and what the client sends next waits behind it
      await run('socketDebugger.relay.inject', { relay: started.id, pair: 'p1', lane: 'c2s', text: 'injected;' });
      c.write('held;');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(got, 'ping;', 'nothing crosses a held lane');
      await run('socketDebugger.relay.release', { relay: started.id, pair: 'p1', lane: 'c2s' });
      await waitFor('injected and held bytes, in order', () => got === 'ping;injected;held;');
      await run('socketDebugger.relay.cut', { relay: started.id, pair: 'p1' });
      await waitFor('the client to be closed', () => closed);
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand('socketDebugger.relay.hold', { relay: 'r999', pair: 'p1', lane: 'c2s' })), /No relay r999/);
    } finally {
      await run('socketDebugger.relay.stop', { relay: started.id });
      await new Promise<void>((r) => echo.close(() => r()));
    }
  });
});
