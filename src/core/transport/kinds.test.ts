/** Each connection kind's own send / close / half-close, checked against its declared capabilities (real sockets on loopback). */
import * as assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { SocketError } from '../errors';
import type { ChunkEvent, ConnectionInfo, FrameEvent } from '../types';
import { REGISTRY_KINDS, KIND_CAPABILITIES, canHalfClose, canSend, framesPerSend } from '../../shared/connections';
import { collect, connectRaw, next, readUntil, waitFor } from './testing';
import { useRegistry } from '../test/registry';

describe('core/transport: connection kinds', function () {
  this.timeout(20000);
  const reg = useRegistry();

  /** a server with one accepted client, our client to it, and a UDP socket with one peer: every kind once */
  async function everyKind(): Promise<Map<string, ConnectionInfo>> {
    const server = await reg.listenTcp({ port: 0 });
    const accepted = next(reg.onDidOpen, (e) => e.info.kind === 'tcp-peer');
    const client = await reg.connectTcp({ host: '127.0.0.1', port: server.local!.port });
    const peer = (await accepted).info;
    const udp = await reg.bindUdp({ port: 0 });
    const other = await reg.bindUdp({ port: 0 });
    await reg.send(udp.id, Buffer.from('hi'), { to: { address: '127.0.0.1', port: other.local!.port } });
    const udpPeer = reg.children(udp.id)[0]!;
    return new Map(Object.entries({ 'tcp-server': server.id, 'tcp-peer': peer.id, 'tcp-client': client.id, udp: udp.id, 'udp-peer': udpPeer.id }).map(([k, id]) => [k, reg.get(id)!]));
  }

  /** does a send on `id` succeed? (a UDP socket gets a destination, as its capabilities ask) */
  async function sends(info: ConnectionInfo, to: { address: string; port: number }): Promise<boolean> {
    const options = KIND_CAPABILITIES[info.kind].needsDestination ? { to } : {};
    try {
      await reg.send(info.id, Buffer.from('x'), options);
      return true;
    } catch (e) {
      assert.ok(e instanceof SocketError, String(e));
      return false;
    }
  }

  it('canSend(info, children) says exactly when a send succeeds, open and closed, for every kind', async () => {
    const all = await everyKind();
    assert.deepEqual([...all.keys()].sort(), [...REGISTRY_KINDS].sort());
    const sink = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
    const to = { address: '127.0.0.1', port: sink.address().port };
    try {
      for (const info of all.values()) {
        const now = reg.get(info.id)!;
        assert.equal(canSend(now, reg.children(now.id)), true, now.kind);
        assert.equal(await sends(now, to), true, now.kind);
      }
      // a server whose clients are gone cannot send; a closed connection of any kind cannot either
      await reg.close(all.get('tcp-peer')!.id);
      const server = reg.get(all.get('tcp-server')!.id)!;
      assert.equal(canSend(server, reg.children(server.id)), false);
      assert.equal(await sends(server, to), false);
      for (const id of [all.get('tcp-client')!.id, all.get('udp-peer')!.id, all.get('udp')!.id, server.id]) {
        await reg.close(id);
        const closed = reg.get(id)!;
        assert.equal(canSend(closed, reg.children(id)), false, closed.kind);
        assert.equal(await sends(closed, to), false, closed.kind);
      }
    } finally {
      sink.close();
    }
  });

  it('half-close is offered and works only where the capabilities say so', async () => {
    const all = await everyKind();
    for (const info of all.values()) {
      const can = canHalfClose(info);
      assert.equal(can, KIND_CAPABILITIES[info.kind].canHalfClose, info.kind);
      if (can) await reg.end(info.id);
      else await assert.rejects(reg.end(info.id), (e: unknown) => e instanceof SocketError && e.code === 'EOPNOTSUPP' && e.message.includes(info.id));
    }
  });

  it('a server sends to each open client: framesPerSend frames, one per client', async () => {
    const server = await reg.listenTcp({ port: 0 });
    const a = await connectRaw(server.local!.port);
    const b = await connectRaw(server.local!.port);
    try {
      await waitFor(() => reg.children(server.id).length === 2);
      const frames = collect(reg.onDidFrame);
      assert.equal(framesPerSend(reg.get(server.id)!, reg.children(server.id)), 2);
      await reg.send(server.id, Buffer.from('both'));
      assert.deepEqual((await Promise.all([readUntil(a, 4), readUntil(b, 4)])).map(String), ['both', 'both']);
      assert.equal(frames.filter((f) => f.frame.direction === 'out').length, 2);
      assert.equal(reg.get(server.id)!.stats.framesOut, 2);
    } finally {
      a.destroy();
      b.destroy();
    }
  });

  it('closeAll closes every kind at once', async () => {
    const all = await everyKind();
    await reg.closeAll();
    for (const info of all.values()) assert.equal(reg.get(info.id)!.state, 'closed', info.kind);
  });

  it('a UDP send the kernel refuses (EACCES: broadcast without SO_BROADCAST) is reported and not counted', async () => {
    // 127.255.255.255 is loopback's broadcast address: the kernel applies the SO_BROADCAST check and nothing leaves lo
    const udp = await reg.bindUdp({ host: '127.0.0.1', port: 0 });
    const chunks = collect(reg.onDidReceiveChunk);
    const frames = collect(reg.onDidFrame);
    const errors = collect(reg.onDidError);
    await assert.rejects(reg.send(udp.id, Buffer.from('anyone?'), { to: { address: '127.255.255.255', port: 9 } }), (e: unknown) => e instanceof SocketError && e.code === 'EACCES');
    const peer = reg.children(udp.id)[0]!;
    for (const info of [reg.get(udp.id)!, reg.get(peer.id)!]) {
      assert.equal(info.stats.bytesOut, 0, info.kind);
      assert.equal(info.stats.framesOut, 0, info.kind);
    }
    assert.deepEqual(chunks, []);
    assert.deepEqual(frames, []);
    assert.deepEqual(reg.history(peer.id).frames, []);
    assert.deepEqual(errors.map((e) => [e.id, e.code]), [[peer.id, 'EACCES']]);
  });

  it('a UDP send is recorded before its reply arrives (event order), counted once sent', async () => {
    const echo = dgram.createSocket('udp4');
    echo.on('message', (m, r) => echo.send(m, r.port, r.address));
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    try {
      const udp = await reg.bindUdp({ port: 0 });
      const events: Array<{ dir: string; text: string }> = [];
      const frameOf = (e: FrameEvent): void => void events.push({ dir: e.frame.direction, text: e.frame.payload.toString() });
      reg.onDidFrame(frameOf);
      const outChunks: ChunkEvent[] = [];
      reg.onDidReceiveChunk((e) => (e.chunk.direction === 'out' ? outChunks.push(e) : undefined));
      const to = { address: '127.0.0.1', port: echo.address().port };
      const n = 20;
      await Promise.all(Array.from({ length: n }, (_, i) => reg.send(udp.id, Buffer.from(`m${i}`), { to })));
      await waitFor(() => events.filter((e) => e.dir === 'in').length === n);
      for (let i = 0; i < n; i++) {
        const out = events.findIndex((e) => e.dir === 'out' && e.text === `m${i}`);
        const back = events.findIndex((e) => e.dir === 'in' && e.text === `m${i}`);
        assert.ok(out >= 0 && out < back, `m${i}: out at ${out}, reply at ${back}`);
      }
      assert.equal(outChunks.length, n);
      assert.equal(reg.get(udp.id)!.stats.bytesOut, outChunks.reduce((s, e) => s + e.chunk.data.length, 0));
      assert.equal(reg.get(udp.id)!.stats.framesOut, n);
    } finally {
      echo.close();
    }
  });

  it('every connection reports the capabilities of its kind', async () => {
    const all = await everyKind();
    for (const info of all.values()) {
      const caps = KIND_CAPABILITIES[info.kind];
      assert.equal(reg.children(info.id).length > 0, caps.container, info.kind);
    }
  });
});
