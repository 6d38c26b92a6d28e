// Relays in the extension host: start one by command, carry a conversation, hold / inject / release a lane, save a
// pair's received data and session, cut a pair;
// start with faults and a recording, change the faults of a running relay, export the recording as pcapng.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
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
      // Save Received Data on the pair: what the relay read on a lane, raw; both lanes as a hex dump in order
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockdbg-relay-save-'));
      try {
        const pairId = `${started.id}.p1`;
        const save = (o: Record<string, unknown>): Promise<string> => run<string>('socketDebugger.saveReceived', { id: pairId, ...o });
        await waitFor('the echo read back on s2c', async () => fs.readFileSync(await save({ path: path.join(dir, 's2c.bin'), lane: 's2c' }), 'latin1') === 'ping;injected;held;');
        // c2s: the client's bytes as the relay read them; the injected bytes were never read from the client
        assert.equal(fs.readFileSync(await save({ path: path.join(dir, 'c2s.bin'), lane: 'c2s' }), 'latin1'), 'ping;held;');
        const dump = fs.readFileSync(await save({ path: path.join(dir, 'both.txt') }), 'utf8').trim().split('\n');
        assert.match(dump[0], /c2s →\s+5\s+70 69 6e 67 3b$/, 'the first read: ping; from the client');
        assert.match(dump[1], /s2c ←\s+5\s+70 69 6e 67 3b$/, 'then its echo');
        assert.deepEqual(dump.map((l) => /(c2s|s2c)/.exec(l)?.[1]).slice(0, 2), ['c2s', 's2c']);
        await assert.rejects(save({ path: path.join(dir, 'x.bin'), format: 'raw' }), /raw bytes need lane "c2s" or "s2c"/);
        // Save Session: both lanes' frames in order with timestamps, the injected frame marked
        const session = fs.readFileSync(await run<string>('socketDebugger.saveSession', { id: pairId, path: path.join(dir, 'session.jsonl') }), 'utf8');
        const frames = session.trim().split('\n').map((l) => JSON.parse(l) as { dir: string; text: string; time: string; injected?: boolean });
        const c2sFrames = frames.filter((f) => f.dir === 'c2s');
        // in time order: 'held;' was read while the lane was held; the injected bytes count from when they were written
        assert.deepEqual(c2sFrames.map((f) => f.text), ['ping;', 'held;', 'injected;']);
        assert.deepEqual(c2sFrames.map((f) => f.injected === true), [false, false, true]);
        assert.equal(frames.filter((f) => f.dir === 's2c').map((f) => f.text).join(''), 'ping;injected;held;');
        assert.equal(frames[0].dir, 'c2s');
        assert.ok(frames.every((f, i) => i === 0 || f.time >= frames[i - 1].time), 'in time order');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      await run('socketDebugger.relay.cut', { relay: started.id, pair: 'p1' });
      await waitFor('the client to be closed', () => closed);
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand('socketDebugger.relay.hold', { relay: 'r999', pair: 'p1', lane: 'c2s' })), /No relay r999/);
    } finally {
      await run('socketDebugger.relay.stop', { relay: started.id });
      await new Promise<void>((r) => echo.close(() => r()));
    }
  });

  it('starts with faults and a recording, takes new faults while running, and exports the recording as pcapng', async () => {
    await getApi();
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const upPort = (echo.address() as net.AddressInfo).port;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockdbg-relay-'));
    const record = path.join(dir, 'session.jsonl');
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('socketDebugger.relay.start', { port: 0, to: { host: '127.0.0.1', port: upPort }, faults: { chunk: { kind: 'random', min: 9, max: 2 } } })), /bad faults: bad --chunk 'random:9-2'/);
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('socketDebugger.relay.start', { port: 0, to: { host: '127.0.0.1', port: upPort }, udp: true, faults: { resetAfter: 3 } })), /--reset-after acts on TCP streams/);
    const started = await run<{ id: string; port: number }>('socketDebugger.relay.start', { port: 0, to: { host: '127.0.0.1', port: upPort }, faults: { chunk: { kind: 'fixed', size: 2 }, lanes: ['s2c'], seed: 7 }, record });
    try {
      const reads: number[] = [];
      let got = '';
      const c = net.connect(started.port, '127.0.0.1');
      c.on('data', (d: Buffer) => {
        reads.push(d.length);
        got += d.toString();
      });
      c.on('error', () => undefined);
      c.write('abcdef');
      await waitFor('the echo, cut every 2 bytes on s2c', () => got === 'abcdef');
      assert.ok(Math.max(...reads) <= 2, `reads of at most 2 bytes, got ${reads.join(',')}`);
      const text = await run<string>('socketDebugger.relay.setFaults', { relay: started.id, faults: { delay: { ms: 1, jitter: 0 }, drop: ['s2c'] } });
      assert.equal(text, '--delay 1 --drop s2c');
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand('socketDebugger.relay.setFaults', { relay: started.id, faults: { drop: ['up'] } })), /bad --drop 'up'/);
      c.write('gone');
      const injected = (await run<number>('socketDebugger.relay.inject', { relay: started.id, pair: 'p1', lane: 'c2s', hex: '21' })) ?? 0;
      assert.equal(injected, 1);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(got, 'abcdef', 'the s2c lane is dropped now');
      const out = await run<string>('socketDebugger.relay.exportPcap', { relay: started.id, path: path.join(dir, 'session.pcapng') });
      const pcap = fs.readFileSync(out);
      assert.equal(pcap.readUInt32LE(0), 0x0a0d0d0a, 'a pcapng section header block');
      const lines = fs.readFileSync(record, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; lane?: string; b64?: string });
      assert.equal(lines[0].type, 'recording');
      const c2s = lines.filter((l) => l.type === 'data' && l.lane === 'c2s').map((l) => Buffer.from(l.b64 ?? '', 'base64').toString()).join('');
      assert.equal(c2s, 'abcdefgone');
      c.destroy();
    } finally {
      await run('socketDebugger.relay.stop', { relay: started.id });
      await new Promise<void>((r) => echo.close(() => r()));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
