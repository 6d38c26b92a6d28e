/**
 * A relay pair in the composer (relayLanes.ts, sources.ts, the bridge and host): both lanes reach the webview as the
 * pair's two directions with their lane named, the lane's reads and its written pieces as chunks, history on load,
 * injection into a chosen lane, and new faults on a running relay re-cutting the pieces. Real sockets on 127.0.0.1.
 */
import * as assert from 'node:assert/strict';
import { ConnectionRegistry } from '../../core/registry';
import { RelayView, type RelayOptions } from '../../core/relay';
import type { ProtocolModel } from '../../core/protocol/model';
import { collect, startTcpRelay, tcpConnect, tcpServer, until } from '../../core/test/relay';
import type { ChunkItem, DataMessage, FrameItem, HistoryMessage, HostToWebview, InitMessage } from '../../shared/protocol';
import { parseProtocolFile } from '../../core/protocol/load';
import { READING_MESSAGES } from '../../core/test/protocol';
import { ComposerHost } from './host';
import { RelayLanes } from './relayLanes';

/** an echo server behind relay r1, shown in a composer host; `close` frees all of it */
async function relayInComposer(options: Partial<RelayOptions>, messages?: ProtocolModel) {
  const up = await tcpServer((s) => s.pipe(s));
  const r = await startTcpRelay(up.port, options);
  const view = new RelayView(r.relay);
  const lanes = new RelayLanes();
  lanes.add('r1', view, 'utf-8', messages);
  const registry = new ConnectionRegistry();
  const posted: HostToWebview[] = [];
  const clipboard: string[] = [];
  const host = new ComposerHost({ registry, relays: lanes, post: (m) => void posted.push(m), writeClipboard: (t) => void clipboard.push(t), bridge: { intervalMs: 5, annotate: (conn, f) => lanes.annotate(conn, f) } });
  const close = async (): Promise<void> => {
    host.dispose();
    lanes.dispose();
    view.dispose();
    await r.close();
    await up.close();
    await registry.closeAll();
  };
  return { r, lanes, posted, host, clipboard, close };
}

describe('composer: relay lanes', () => {
  it('shows both lanes framed, the reads and the pieces after faults, injects into a lane, and follows new faults', async () => {
    const { r, posted, host, clipboard, close } = await relayInComposer({ framing: 'line', faults: { chunk: { kind: 'fixed', size: 2 }, lanes: ['s2c'], gapMs: 0 } });
    const frames = (): FrameItem[] => posted.flatMap((m) => (m.type === 'data' ? (m as DataMessage).batch.frames : []));
    const chunks = (): ChunkItem[] => posted.flatMap((m) => (m.type === 'data' ? (m as DataMessage).chunks : []));
    try {
      await host.handle({ type: 'ready' });
      const c = await tcpConnect(r.port);
      const back = collect(c);
      c.write('ping\n');
      await until(() => frames().filter((f) => f.conn === 'r1.p1').length === 2, 'both lanes framed');
      const fs = frames().filter((f) => f.conn === 'r1.p1');
      assert.deepEqual(
        fs.map((f) => `${f.lane}:${f.dir}:${f.text}`),
        ['c2s:out:ping', 's2c:in:ping'],
      );
      await until(() => chunks().filter((k) => k.written && k.lane === 's2c').length === 3, 'the s2c pieces');
      // s2c is cut every 2 bytes on the way out; c2s is written as it was read
      assert.deepEqual(chunks().filter((k) => k.written && k.lane === 's2c').map((k) => [k.offset, k.length]), [[0, 2], [2, 2], [4, 1]]);
      assert.deepEqual(chunks().filter((k) => !k.written && k.lane === 'c2s').map((k) => k.length), [5]);
      const summary = posted.flatMap((m) => (m.type === 'connections' ? m.connections : [])).find((x) => x.id === 'r1.p1');
      assert.equal(summary?.kind, 'relay-pair');
      assert.deepEqual(summary?.lanes, { c2s: { framing: 'line' }, s2c: { framing: 'line' } });

      // inject into s2c: the client gets it, framed with the lane's framing, and not shaped
      await host.handle({ type: 'send', reqId: 1, draft: { mode: 'text', text: 'hi', encoding: 'utf-8' }, target: { ids: ['r1.p1'], lane: 's2c' }, framing: { kind: 'connection' } });
      const result = posted.find((m) => m.type === 'sendResult');
      assert.deepEqual(result, { type: 'sendResult', reqId: 1, ok: true, sent: 1 });
      // the injected bytes show in the lane's log as a frame marked injected (the bytes written, framing included;
      // no room in the lane's source stream: start = end, where they went in), and as an injected written piece
      await until(() => frames().some((f) => f.injected), 'the injected frame');
      const inj = frames().filter((f) => f.injected);
      assert.deepEqual(inj.map((f) => [f.lane, f.dir, f.text, f.length, f.start, f.end]), [['s2c', 'in', 'hi\n', 3, 5, 5]]);
      // its seq is its own: neither the lane's frames nor its reads (a raw lane's frames) share it (copy finds it)
      assert.ok(frames().filter((f) => f.dir === 'in' && !f.injected).every((f) => f.seq !== inj[0].seq));
      await until(() => chunks().some((k) => k.injected), 'the injected piece');
      assert.deepEqual(chunks().filter((k) => k.injected).map((k) => [k.lane, k.written, k.offset, k.length]), [['s2c', true, 5, 3]]);
      await host.handle({ type: 'copy', conn: 'r1.p1', dir: 'in', seq: inj[0].seq, format: 'text' });
      assert.equal(clipboard.pop(), 'hi\n');
      // a bad lane is refused by validation
      await host.handle({ type: 'send', reqId: 2, draft: { mode: 'text', text: 'x', encoding: 'utf-8' }, target: { ids: ['r1.p1'], lane: 'sideways' }, framing: { kind: 'connection' } });
      assert.equal(host.rejected, 1);

      // new faults on the running relay: c2s is now cut every byte
      r.relay.setFaults({ chunk: { kind: 'fixed', size: 1 }, lanes: ['c2s'], gapMs: 0 });
      c.write('abc\n');
      await until(() => chunks().filter((k) => k.written && k.lane === 'c2s').length === 5, 'the re-cut c2s pieces');
      assert.deepEqual(chunks().filter((k) => k.written && k.lane === 'c2s').map((k) => k.length), [5, 1, 1, 1, 1]);
      // the s2c answer is no longer cut; its piece sits at its source offset (5), not after the 3 injected bytes
      await until(() => chunks().filter((k) => k.written && !k.injected && k.lane === 's2c').length === 4, 'the s2c answer written');
      assert.deepEqual(chunks().filter((k) => k.written && !k.injected && k.lane === 's2c').map((k) => [k.offset, k.length]).pop(), [5, 4]);

      // history on (re)load: both lanes' frames and both kinds of chunks
      await host.handle({ type: 'requestHistory', conn: 'r1.p1' });
      const h = posted.filter((m): m is HistoryMessage => m.type === 'history').pop();
      assert.ok(h);
      assert.deepEqual(h.batch.frames.map((f) => `${f.lane}:${f.injected ? 'injected ' : ''}${JSON.stringify(f.text)}`), ['c2s:"ping"', 's2c:"ping"', 's2c:injected "hi\\n"', 'c2s:"abc"', 's2c:"abc"']);
      assert.ok(h.chunks.some((k) => k.injected && k.lane === 's2c' && k.length === 3));
      assert.ok(h.chunks.some((k) => k.written && k.lane === 'c2s' && k.length === 1));
      c.end();
      assert.equal((await back).data.toString(), 'ping\nhi\nabc\n');
      // the pair closes: the webview hears of it
      await until(() => posted.some((m) => m.type === 'connections' && m.connections.some((x) => x.id === 'r1.p1' && x.state === 'closed')), 'the pair closed');
      const init = posted.find((m): m is InitMessage => m.type === 'init');
      assert.ok(init);
    } finally {
      await close();
    }
  });

  it("notes a lane's frames with the relay's protocol file, as connections' frames are", async () => {
    const file = parseProtocolFile(READING_MESSAGES, 'r.sockdbg.yaml');
    const reading = file.model.messages.get('reading')?.encode({ kind: 2, unit: 1, seq: 7, value: 101.5 });
    assert.ok(reading);
    const { r, lanes, posted, host, close } = await relayInComposer({ framing: 'length:>H' }, file.model);
    try {
      await host.handle({ type: 'ready' });
      const c = await tcpConnect(r.port);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(reading.length);
      c.write(Buffer.concat([len, reading, Buffer.from([0, 2]), Buffer.from('hi')]));
      const frames = (): FrameItem[] => posted.flatMap((m) => (m.type === 'data' ? (m as DataMessage).batch.frames : []));
      await until(() => frames().length === 4, 'two frames on each lane');
      const notes = frames().map((f) => `${f.lane}:${f.note ?? '-'}`);
      assert.deepEqual(notes, [
        'c2s:message reading {"kind":2,"unit":1,"seq":7,"value":101.5} crc16-modbus ✓',
        'c2s:-',
        's2c:message reading {"kind":2,"unit":1,"seq":7,"value":101.5} crc16-modbus ✓',
        's2c:-',
      ]);
      assert.equal(lanes.messagesFor('r1.p1'), file.model);
      c.destroy();
    } finally {
      await close();
    }
  });
});
