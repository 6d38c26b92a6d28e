/* global process, performance */
// 6. Relay throughput with no fault: sender → `sockdbg relay` → sink, against sender → socat → sink, the same bytes
//    in the same run (socat TCP-LISTEN:p,reuseaddr TCP:127.0.0.1:q; installed with apt-get when missing and root).
//    Sender, relay and sink are separate processes. Also the relay's peak RSS (VmHWM).
//    Targets: relay >= 0.8 x socat; RSS < 150 MB. 2 GiB per run (BENCH_QUICK: 256 MiB).
import * as net from 'node:net';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { engine, reporter, root, GB, MB, median, fmt, procMemory, sleep } from './lib/common.mjs';

const rep = reporter('relay', 'Relay throughput, no fault (loopback)');
const quick = !!process.env.BENCH_QUICK;
const TOTAL = (quick ? 256 : 2048) * 1024 * 1024;
const RUNS = Number(process.env.BENCH_RUNS || (quick ? 1 : 3));
const CLI = join(root, 'dist/cli.js');

const sys = engine('cli/test/system');
if (sys.missing) {
  rep.skip(sys.missing);
  process.exit(0);
}
let haveSocat;
try {
  haveSocat = sys.mod.ensureTool('socat', 'socat');
} catch (err) {
  rep.skip(String(err instanceof Error ? err.message : err));
  process.exit(1);
}
if (!haveSocat) {
  rep.skip('socat is not installed and we are not root to install it');
  process.exit(0);
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** a counting sink; resolves with the bytes per second from the first byte to FIN */
async function sink() {
  let bytes = 0;
  let t0 = 0;
  let done;
  const finished = new Promise((r) => (done = r));
  const server = net.createServer((s) => {
    s.on('data', (d) => {
      if (bytes === 0) t0 = performance.now();
      bytes += d.length;
    });
    s.on('end', () => {
      s.end();
      if (bytes > 0) done(performance.now() - t0);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    result: finished.then(async (ms) => {
      await new Promise((r) => server.close(r));
      if (bytes !== TOTAL) throw new Error(`sink got ${bytes} of ${TOTAL} bytes`);
      return bytes / GB / (ms / 1000);
    }),
  };
}

function sender(port) {
  const child = spawn(process.execPath, [join(root, 'bench/lib/sender.mjs'), '127.0.0.1', String(port), String(TOTAL)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sender exited with ${code}`)))));
}

/** waits until a socket listens on 127.0.0.1:`port` (read from /proc/net/tcp: a probe connection would use up socat's one) */
async function listening(port) {
  const want = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (let i = 0; i < 400; i++) {
    const rows = readFileSync('/proc/net/tcp', 'utf8').split('\n').map((l) => l.trim().split(/\s+/));
    if (rows.some((r) => r[1] === want && r[3] === '0A')) return;
    await sleep(25);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

async function throughSocat() {
  const s = await sink();
  const port = await freePort();
  const child = spawn('socat', [`TCP-LISTEN:${port},reuseaddr,bind=127.0.0.1`, `TCP:127.0.0.1:${s.port}`], { stdio: 'ignore' });
  await listening(port);
  await sender(port);
  const gbps = await s.result;
  child.kill();
  return { gbps, peak: NaN };
}

async function throughRelay() {
  const s = await sink();
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'relay', '--listen', `127.0.0.1:${port}`, '--to', `127.0.0.1:${s.port}`, '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] });
  await listening(port);
  await sender(port);
  const gbps = await s.result;
  const { peak } = procMemory(child.pid);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  return { gbps, peak };
}

const variants = [
  ['socat', throughSocat],
  ['sockdbg relay', throughRelay],
];
const results = new Map(variants.map(([n]) => [n, []]));
const peaks = [];
rep.log(`${TOTAL / MB} MiB per run, ${RUNS} run(s) per variant, interleaved`);
for (let run = 0; run < RUNS; run++) {
  for (const [name, fn] of variants) {
    const { gbps, peak } = await fn();
    results.get(name).push(gbps);
    if (Number.isFinite(peak)) peaks.push(peak);
    rep.log(`run ${run + 1} ${name}: ${fmt(gbps)} GB/s${Number.isFinite(peak) ? `, peak RSS ${fmt(peak / MB, 1)} MB` : ''}`);
  }
}
const best = (n) => Math.max(...results.get(n));
const ratio = median(results.get('sockdbg relay').map((x, i) => x / results.get('socat')[i]));
rep.row({
  name: `sockdbg relay (best of ${RUNS}; median ${fmt(median(results.get('sockdbg relay')))})`,
  value: best('sockdbg relay'),
  unit: 'GB/s',
  baseline: { name: 'socat', value: best('socat'), unit: 'GB/s' },
  ratio,
  target: '>= 0.8 x socat',
  pass: ratio >= 0.8,
});
const peak = Math.max(...peaks);
rep.row({ name: 'sockdbg relay peak RSS', value: peak / MB, unit: 'MB', target: '< 150 MB', pass: peak < 150 * MB });
rep.done();
process.exit(0);
