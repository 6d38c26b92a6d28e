/* global process, performance */
// 1. Raw TCP receive throughput on loopback: the engine (ConnectionRegistry, raw framing, with a chunk listener
//    like the CLI and the extension have) against a minimal Node `net` sink, in the same run, same sender.
//    The sender is a separate process (bench/lib/sender.mjs), so sender and receiver each get a core.
//    Target: engine >= 0.8 x the plain sink.
import * as net from 'node:net';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { engine, reporter, root, GB, median, fmt } from './lib/common.mjs';

const rep = reporter('tcp-throughput', 'Raw TCP receive throughput (loopback)');
const quick = !!process.env.BENCH_QUICK;
const TOTAL = (quick ? 128 : 1024) * 1024 * 1024;
const RUNS = Number(process.env.BENCH_RUNS || (quick ? 1 : 5));

const reg = engine('core/registry');
if (reg.missing) {
  rep.skip(reg.missing);
  process.exit(0);
}
const { ConnectionRegistry } = reg.mod;

function startSender(port) {
  const child = spawn(process.execPath, [join(root, 'bench/lib/sender.mjs'), '127.0.0.1', String(port), String(TOTAL)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sender exited with ${code}`))));
  });
}

/** baseline: the smallest useful receiver, counting bytes */
async function plainSink() {
  let bytes = 0;
  let t0 = 0;
  let done;
  const finished = new Promise((r) => (done = r));
  const server = net.createServer((s) => {
    t0 = performance.now();
    s.on('data', (d) => (bytes += d.length));
    s.on('end', () => done(performance.now() - t0));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const sender = startSender(server.address().port);
  const ms = await finished;
  await sender;
  await new Promise((r) => server.close(r));
  if (bytes !== TOTAL) throw new Error(`plain sink got ${bytes} of ${TOTAL} bytes`);
  return bytes / GB / (ms / 1000);
}

/** the engine: a registry TCP server in raw framing */
async function engineSink(options) {
  const registry = new ConnectionRegistry(options);
  let bytes = 0;
  let t0 = 0;
  let done;
  const finished = new Promise((r) => (done = r));
  registry.onDidOpen((e) => {
    if (e.info.kind === 'tcp-peer') t0 = performance.now();
  });
  registry.onDidReceiveChunk((e) => {
    if (e.chunk.direction === 'in') bytes += e.chunk.data.length;
  });
  registry.onDidClose((e) => {
    if (e.info.kind === 'tcp-peer') done(performance.now() - t0);
  });
  const info = await registry.listenTcp({ host: '127.0.0.1', port: 0, framing: 'raw' });
  const sender = startSender(info.local.port);
  const ms = await finished;
  await sender;
  await registry.closeAll();
  registry.dispose();
  if (bytes !== TOTAL) throw new Error(`engine got ${bytes} of ${TOTAL} bytes`);
  return bytes / GB / (ms / 1000);
}

const variants = [
  ['plain net sink', () => plainSink()],
  ['engine, history on (default)', () => engineSink({})],
  ['engine, recordHistory: false', () => engineSink({ recordHistory: false })],
];
const results = new Map(variants.map(([n]) => [n, []]));
rep.log(`${TOTAL / 2 ** 20} MiB per run, ${RUNS} run(s) per variant, interleaved`);
for (let run = 0; run < RUNS; run++) {
  for (const [name, fn] of variants) {
    const gbps = await fn();
    results.get(name).push(gbps);
    rep.log(`run ${run + 1} ${name}: ${fmt(gbps)} GB/s`);
    globalThis.gc?.();
  }
}
// Value: the best run (what the machine can do when the other tenants are quiet). Ratio: the median of the
// per-round ratios — each round runs sink and engine back to back, so a load spike hits both alike.
const best = (n) => Math.max(...results.get(n));
const base = best('plain net sink');
for (const name of variants.slice(1).map(([n]) => n)) {
  const v = best(name);
  const ratio = median(results.get(name).map((x, i) => x / results.get('plain net sink')[i]));
  rep.row({
    name: `${name} (best of ${RUNS}; median ${fmt(median(results.get(name)))})`,
    value: v,
    unit: 'GB/s',
    baseline: { name: 'plain net sink', value: base, unit: 'GB/s' },
    ratio,
    target: '>= 0.8 x sink',
    pass: ratio >= 0.8,
  });
}
rep.done();
process.exit(0);
