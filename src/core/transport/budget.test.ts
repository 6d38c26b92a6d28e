/**
 * Memory under hostile traffic: the histories of many connections together stay within the registry's budget
 * (a UDP flood from many source ports; per-connection limits alone would keep 4096 peers × historyMaxBytes).
 */
import * as assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { ConnectionRegistry, DECODE_BUDGET_FACTOR, HISTORY_BUDGET_FACTOR } from '../registry';
import type { ErrorEvent } from '../types';

function send(s: dgram.Socket, b: Buffer, port: number): Promise<void> {
  return new Promise((resolve, reject) => s.send(b, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
}

describe('registry: history budget across connections', function () {
  this.timeout(20_000);

  it('a UDP flood from many senders keeps the recorded history within the budget, dropping the idlest first', async () => {
    const perConn = 64 * 1024;
    const budget = perConn * HISTORY_BUDGET_FACTOR; // 2 MiB
    const r = new ConnectionRegistry({ historyMaxBytes: perConn });
    const errors: ErrorEvent[] = [];
    r.onDidError((e) => errors.push(e));
    let received = 0;
    r.onDidReceiveChunk((e) => (received += e.chunk.data.length));
    try {
      const udp = await r.bindUdp({ port: 0 });
      const port = udp.local!.port;
      const datagram = Buffer.alloc(32 * 1024, 0x41);
      const senders: dgram.Socket[] = [];
      for (let p = 0; p < 64; p++) {
        const s = dgram.createSocket('udp4');
        senders.push(s);
        for (let i = 0; i < 2; i++) {
          await send(s, datagram, port);
          await new Promise((res) => setTimeout(res, 1));
        }
      }
      await new Promise((res) => setTimeout(res, 100));
      for (const s of senders) s.close();
      // without a budget every peer keeps its 64 KiB (twice: chunks and frames), far above 2 MiB
      assert.ok(received >= 3 * 1024 * 1024, `only ${received} bytes arrived`);
      const peers = r.children(udp.id);
      let held = 0;
      for (const p of peers) {
        const h = r.history(p.id);
        for (const c of h.chunks) held += c.data.length;
        for (const f of h.frames) held += f.payload.length;
      }
      assert.ok(held <= budget + Math.max(64 * 1024, budget / 16), `histories hold ${held} bytes, budget ${budget}`);
      // the most recent sender still has its history; the first ones were dropped
      assert.ok(r.history(peers[peers.length - 1].id).chunks.length > 0);
      assert.equal(r.history(peers[0].id).chunks.length, 0);
      assert.equal(errors.filter((e) => e.code === 'HISTORY_BUDGET').length, 1);
    } finally {
      r.dispose();
    }
  });

  it('many clients each holding an unfinished frame cannot make the decoders hold more than the budget', async () => {
    const maxFrame = 256 * 1024;
    const budget = maxFrame * DECODE_BUDGET_FACTOR; // 4 MiB
    const r = new ConnectionRegistry({ maxFrameSize: maxFrame });
    const errors: ErrorEvent[] = [];
    r.onDidError((e) => errors.push(e));
    let received = 0;
    r.onDidReceiveChunk((e) => (received += e.chunk.data.length));
    const clients: net.Socket[] = [];
    try {
      const server = await r.listenTcp({ port: 0, framing: 'length:!I' });
      const port = server.local!.port;
      const partial = 200 * 1024;
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32BE(maxFrame - 1); // a legal length, whose payload never completes
      const n = 32;
      for (let i = 0; i < n; i++) {
        const s = net.connect(port, '127.0.0.1');
        s.on('error', () => undefined);
        clients.push(s);
        await new Promise<void>((res) => s.once('connect', () => res()));
        await new Promise<void>((res) => s.write(Buffer.concat([prefix, Buffer.alloc(partial, 0x42)]), () => res()));
      }
      const expected = n * (partial + 4);
      const until = Date.now() + 10_000;
      while (received < expected && Date.now() < until) await new Promise((res) => setTimeout(res, 20));
      assert.equal(received, expected);
      const dropped = errors.filter((e) => e.code === 'FRAME_BUFFER_BUDGET').length;
      // what the clients still hold in the decoders is within the budget (plus one check interval)
      const held = (n - dropped) * (partial + 4);
      assert.ok(held <= budget + budget / 16, `decoders hold ${held} bytes (${dropped} frames given up), budget ${budget}`);
      assert.ok(dropped > 0);
    } finally {
      for (const s of clients) s.destroy();
      r.dispose();
    }
  });

  it('small frames cut from large datagrams do not keep the datagrams alive in the history', async () => {
    // room for every datagram twice: its chunk and the unfinished frame that carries its last 60 KiB
    const r = new ConnectionRegistry({ historyMaxBytes: 48 * 1024 * 1024, historyMaxFrames: 1000 });
    let received = 0;
    r.onDidReceiveChunk(() => received++);
    const s = dgram.createSocket('udp4');
    try {
      const udp = await r.bindUdp({ port: 0, framing: 'length:!H' });
      const port = udp.local!.port;
      // a 1-byte frame, then the start of a frame the datagram never completes (INCOMPLETE_FRAME)
      const datagram = Buffer.concat([Buffer.from([0, 1, 0x61, 0xff, 0xff]), Buffer.alloc(60 * 1024, 0x42)]);
      for (let i = 0; i < 300; i++) {
        await send(s, datagram, port);
        if (i % 4 === 3) await new Promise((res) => setTimeout(res, 1));
      }
      // loopback may drop some datagrams: wait until no more arrive
      for (let last = -1; last !== received; ) {
        last = received;
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.ok(received >= 100, `only ${received} datagrams arrived`);
      const peer = r.children(udp.id)[0];
      // each datagram also leaves an unfinished frame (flagged incomplete, a copy of its own bytes)
      const frames = r.history(peer.id).frames.filter((f) => f.incomplete !== true);
      assert.equal(frames.length, received);
      const backing = new Set<ArrayBufferLike>();
      let pinned = 0;
      for (const f of frames) {
        assert.equal(f.payload.toString(), 'a');
        if (!backing.has(f.payload.buffer)) {
          backing.add(f.payload.buffer);
          pinned += f.payload.buffer.byteLength;
        }
      }
      assert.ok(pinned <= 2 * 1024 * 1024, `${frames.length} one-byte frames keep ${pinned} bytes alive`);
    } finally {
      s.close();
      r.dispose();
    }
  });
});
