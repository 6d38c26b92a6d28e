// `sockdbg relay` end to end: the tutorial's programs through the relay, with and without faults (dist/cli.js).
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { cli, runCli, python, listeningPort, peerPort, killAll, cleanupTemp, CLI, type Proc } from './test/harness';
import { JSON_HEADER_SERVER } from './test/peers';
import { JSON_HEADER_CLIENT, NAIVE_CLIENT, NAIVE_SERVER } from './test/relay-peers';

type Ev = Record<string, unknown>;

/** stops a relay (SIGTERM: it closes its files and exits 0) */
async function stop(p: Proc): Promise<number | null> {
  p.child.kill('SIGTERM');
  return (await p.exit()).code;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

describe('sockdbg relay (tutorial programs through the relay)', function () {
  this.timeout(30000);
  before(function () {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  });
  afterEach(() => killAll());
  after(() => cleanupTemp());

  it('the json-header client and server survive random re-chunking (fixed seed); --json names pair and lane', async () => {
    const server = python(JSON_HEADER_SERVER);
    const sp = await peerPort(server);
    const relay = cli(['relay', '--listen', '0', '--to', `127.0.0.1:${sp}`, '--s2c-framing', 'json-header', '--chunk', 'random:1-7', '--seed', '42', '--lane', 's2c', '--gap', '1', '--json', '--once']);
    const rp = await listeningPort(relay);
    const client = python(JSON_HEADER_CLIENT, [String(rp), 'echo hello', 'echo 吃包子啊', 'printf "%0300d" 7']);
    const out = await client.exit(20000);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(out.stdout.trim().split('\n'), ['result:hello', 'result:吃包子啊', `result:${'0'.repeat(299)}7`]);
    const done = await relay.exit(10000);
    assert.equal(done.code, 0, done.stderr);
    const events = relay.events;
    // the answers were really cut: many 1–7 byte pieces on s2c, none on c2s
    const pieces = events.filter((e) => e.type === 'piece');
    assert.ok(pieces.length > 40, `${pieces.length} pieces`);
    assert.ok(pieces.every((p) => p.lane === 's2c' && p.pair === 'p1' && (p.len as number) >= 1 && (p.len as number) <= 7));
    const frames = events.filter((e) => e.type === 'frame');
    assert.deepEqual(frames.map((f) => [f.pair, f.lane, (f.header as Ev).total_size]), [
      ['p1', 's2c', 6],
      ['p1', 's2c', 13],
      ['p1', 's2c', 300],
    ]);
    const commands = events.filter((e) => e.type === 'chunk' && e.lane === 'c2s').map((e) => e.text);
    assert.deepEqual(commands, ['echo hello', 'echo 吃包子啊', 'printf "%0300d" 7']);
    const close = events.find((e) => e.type === 'close');
    assert.equal(close?.pair, 'p1');
    assert.equal((close?.s2c as Ev).bytesIn, (close?.s2c as Ev).bytesOut);

    // the same seed cuts the stream at the same offsets (pieces also end where a read of the relay ended, and
    // how the server's three sends arrive may differ from run to run)
    const cuts = (evs: Ev[]): { cuts: Set<number>; ends: Set<number> } => {
      const reads = new Set(evs.filter((e) => e.type === 'chunk' && e.lane === 's2c').map((e) => (e.offset as number) + (e.len as number)));
      const ends = evs.filter((e) => e.type === 'piece' && e.lane === 's2c').map((e) => (e.offset as number) + (e.len as number));
      return { cuts: new Set(ends.filter((x) => !reads.has(x))), ends: new Set(ends) };
    };
    const server2 = python(JSON_HEADER_SERVER);
    const relay2 = cli(['relay', '--listen', '0', '--to', `127.0.0.1:${await peerPort(server2)}`, '--s2c-framing', 'json-header', '--chunk', 'random:1-7', '--seed', '42', '--lane', 's2c', '--gap', '1', '--json', '--once']);
    const again = python(JSON_HEADER_CLIENT, [String(await listeningPort(relay2)), 'echo hello', 'echo 吃包子啊', 'printf "%0300d" 7']);
    assert.equal((await again.exit(20000)).code, 0);
    await relay2.exit(10000);
    const one = cuts(events);
    const two = cuts(relay2.events);
    assert.ok(one.cuts.size > 30, `${one.cuts.size} cut points`);
    // every cut point of one run is a piece end of the other
    assert.deepEqual([...one.cuts].filter((x) => !two.ends.has(x)), []);
    assert.deepEqual([...two.cuts].filter((x) => !one.ends.has(x)), []);
  });

  it('the naive recv(1024) pair visibly breaks when the relay cuts its message; unchanged without faults', async () => {
    const run = async (faults: string[]): Promise<{ server: string; client: string }> => {
      const server = python(NAIVE_SERVER);
      const relay = cli(['relay', '--listen', '0', '--to', `127.0.0.1:${await peerPort(server)}`, '--once', '--quiet', ...faults]);
      const client = python(NAIVE_CLIENT, [String(await listeningPort(relay)), 'hello, world!']);
      const c = await client.exit();
      const s = await server.exit();
      await relay.exit();
      return { server: s.stdout.split('\n')[1] ?? '', client: c.stdout.trim() };
    };
    const clean = await run([]);
    assert.equal(clean.server, 'server got:hello, world!');
    assert.equal(clean.client, 'client got:you said hello, world!');
    const cut = await run(['--chunk', '3', '--gap', '200']);
    assert.equal(cut.server, 'server got:hel');
    assert.equal(cut.client, 'client got:you');
  });

  it('prints both lanes for people; a refused upstream closes that client, the relay keeps listening', async () => {
    const dead = await freePort();
    const relay = cli(['relay', '--listen', '127.0.0.1:0', '--to', `127.0.0.1:${dead}`]);
    const rp = await listeningPort(relay);
    assert.match(relay.lines[0], new RegExp(`^listening on 127\\.0\\.0\\.1:${rp} \\(tcp relay to 127\\.0\\.0\\.1:${dead}\\)$`));
    for (let i = 0; i < 2; i++) {
      const c = python(NAIVE_CLIENT, [String(rp), 'hi']);
      await c.exit();
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await stop(relay), 0);
    const errors = relay.stderr.trim().split('\n');
    assert.equal(errors.length, 2, relay.stderr);
    assert.match(errors[0], /^sockdbg: pair p1: upstream connection to 127\.0\.0\.1:\d+ refused \(ECONNREFUSED\); client 127\.0\.0\.1:\d+ closed$/);
    assert.match(errors[1], /^sockdbg: pair p2: upstream /);
  });

  it('every fault option reaches the relay (the naive pair, --json events)', async () => {
    const run = async (faults: string[]): Promise<{ server: string; client: string; events: Ev[]; why: string }> => {
      const server = python(NAIVE_SERVER);
      const relay = cli(['relay', '--listen', '0', '--to', `127.0.0.1:${await peerPort(server)}`, '--once', '--json', ...faults]);
      const client = python(NAIVE_CLIENT, [String(await listeningPort(relay)), 'hello, world!']);
      const c = await client.exit();
      const s = await server.exit();
      await relay.exit();
      return { server: s.stdout.split('\n')[1] ?? '', client: c.stdout.trim(), events: relay.events, why: `${faults.join(' ')}: server ${JSON.stringify(s.stdout + s.stderr)} client ${JSON.stringify(c.stdout + c.stderr)} relay ${relay.stdout}${relay.stderr}` };
    };
    const pieces = (events: Ev[], lane: string): unknown[] => events.filter((e) => e.type === 'piece' && e.lane === lane).map((e) => e.len);
    const split = await run(['--chunk', 'split:5', '--lane', 'c2s', '--gap', '200']);
    assert.deepEqual(pieces(split.events, 'c2s'), [5, 8], split.why);
    assert.equal(split.server, 'server got:hello', split.why);
    // the naive receivers read once: they see only the first piece
    const drip = await run(['--drip', '4/5', '--lane', 's2c']);
    assert.equal(drip.client, 'client got:you', drip.why);
    assert.ok(pieces(drip.events, 's2c').every((n) => n === 4), drip.why);
    const rate = await run(['--rate', '100', '--lane', 'c2s']);
    assert.equal(rate.server, 'server got:hello', rate.why);
    assert.equal(pieces(rate.events, 'c2s')[0], 5, rate.why);
    const delayed = await run(['--delay', '20:10', '--seed', '1']);
    assert.equal(delayed.client, 'client got:you said hello, world!', delayed.why);
    const merged = await run(['--chunk', 'merge:30']);
    assert.deepEqual(pieces(merged.events, 's2c'), [22], merged.why);
    const dropped = await run(['--drop', 's2c']);
    assert.equal(dropped.client, 'client got:', dropped.why);
    assert.ok(dropped.events.some((e) => e.type === 'fault' && e.action === 'drop' && e.lane === 's2c' && e.bytes === 22), dropped.why);
    const half = await run(['--half-close', 'c2s:5']);
    assert.equal(half.server, 'server got:hello', half.why);
    assert.equal(half.client, 'client got:you said hello', half.why);
    const reset = await run(['--reset-after', '5']);
    assert.equal(reset.server, 'server got:hello', reset.why);
    assert.ok(reset.events.some((e) => e.type === 'fault' && e.action === 'reset'), reset.why);
    assert.equal(reset.events.find((e) => e.type === 'close')?.reason, 'reset-by-relay', reset.why);
  });

  it('rejects bad options with exit 1 and a clear message', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['relay', '--listen', '0'], /--to is required/],
      [['relay', '--to', '127.0.0.1:9'], /--listen is required/],
      [['relay', '--listen', '0', '--to', '9'], /--to must be HOST:PORT, got '9'/],
      [['relay', '--listen', '0', '--to', '127.0.0.1:9', '--chunk', 'random:9-2'], /bad --chunk 'random:9-2': in random:A-B, B must be ≥ A/],
      [['relay', '--listen', '0', '--to', '127.0.0.1:9', '--delay', 'soon'], /bad --delay 'soon'/],
      [['relay', '--listen', '0', '--to', '127.0.0.1:9', '--udp', '--reset-after', '3'], /--reset-after acts on TCP streams, not with --udp/],
      [['relay', '--listen', '0', '--to', '127.0.0.1:9', '--framing', 'length:Z'], /bad --framing 'length:Z'/],
      [['replay', '/nonexistent.jsonl', '--to', '127.0.0.1:9'], /cannot read recording/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
  });
});
