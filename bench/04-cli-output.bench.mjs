/* global process, Buffer, performance */
// 4. Receiving 1 GiB in raw mode through `sockdbg tcp listen --output FILE --quiet` (dist/cli.js) stays under
//    150 MB RSS: the CLI's peak RSS (VmHWM from /proc/<pid>/status) is sampled while a separate sender process
//    streams 1 GiB over loopback; the file is then checked byte for byte and deleted. Baseline, same run: a
//    minimal Node receiver, socket.pipe(fs.createWriteStream(FILE)) (bench/lib/pipe-to-file.mjs).
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { existsSync, mkdtempSync, openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reporter, root, procMemory, MB, GB, fmt, rng, sleep } from './lib/common.mjs';

const quick = !!process.env.BENCH_QUICK;
const TOTAL = (quick ? 128 : 1024) * 1024 * 1024;
const rep = reporter('cli-output', `sockdbg tcp listen --output: ${quick ? '128 MiB' : '1 GiB'} raw`);
const BLOCK = 256 * 1024;
const cli = join(root, 'dist', 'cli.js');

if (!existsSync(cli)) {
  rep.skip('dist/cli.js not built (npm run build)');
  process.exit(0);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitListening(port, child, output) {
  const t = Date.now();
  while (Date.now() - t < 15_000) {
    if (child.exitCode !== null) throw new Error(`receiver exited with ${child.exitCode}: ${output().trim().slice(0, 400)}`);
    const ok = await new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error('receiver did not listen within 15 s');
}

/** The file must be the sender's byte stream: its 256 KiB pseudo-random block repeated. */
function verifyFile(file) {
  const r = rng(1234);
  const block = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i++) block[i] = (r() * 256) | 0;
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(BLOCK * 32);
  let pos = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      for (let off = 0; off < n; off += BLOCK) {
        const len = Math.min(BLOCK, n - off);
        if (buf.compare(block, 0, len, off, off + len) !== 0) return `mismatch near byte ${pos + off}`;
      }
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
  return pos === TOTAL ? '' : `file has ${pos} bytes, expected ${TOTAL}`;
}

/** Runs one receiver (argv) on a fresh port, streams TOTAL bytes into it, samples its peak RSS. */
async function run(name, argsFor, dir) {
  const file = join(dir, name.replace(/\W+/g, '-') + '.bin');
  const port = await freePort();
  const child = spawn(process.execPath, argsFor(port, file), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out.length < 4096 ? (out += d) : undefined));
  child.stderr.on('data', (d) => (out.length < 4096 ? (out += d) : undefined));
  try {
    await waitListening(port, child, () => out);
    const t0 = performance.now();
    const sender = spawn(process.execPath, [join(root, 'bench/lib/sender.mjs'), '127.0.0.1', String(port), String(TOTAL)], { stdio: 'ignore' });
    let peak = 0;
    const deadline = Date.now() + 120_000;
    for (;;) {
      peak = Math.max(peak, procMemory(child.pid).peak || 0);
      const size = existsSync(file) ? statSync(file).size : 0;
      if (size >= TOTAL) break;
      if (child.exitCode !== null) throw new Error(`receiver exited with ${child.exitCode} after ${size} bytes: ${out.trim().slice(0, 400)}`);
      if (Date.now() > deadline) throw new Error(`only ${size} of ${TOTAL} bytes written after 120 s`);
      await sleep(20);
    }
    const ms = performance.now() - t0;
    await sleep(200); // let the receiver settle, then take the final high-water mark
    peak = Math.max(peak, procMemory(child.pid).peak || 0);
    sender.kill();
    const problem = verifyFile(file);
    return { peak, gbps: TOTAL / GB / (ms / 1000), problem };
  } finally {
    child.kill();
    await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
    rmSync(file, { force: true });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'sockdbg-bench-'));
try {
  rep.log(`${TOTAL / 2 ** 20} MiB from a separate sender process; files in ${dir} (deleted afterwards)`);
  const base = await run('baseline pipe-to-file', (port, file) => [join(root, 'bench/lib/pipe-to-file.mjs'), '127.0.0.1', String(port), file], dir);
  rep.log(`baseline socket.pipe(file): peak RSS ${fmt(base.peak / MB, 0)} MB, ${fmt(base.gbps)} GB/s${base.problem ? ' — ' + base.problem : ''}`);
  let res;
  try {
    res = await run('sockdbg', (port, file) => [cli, 'tcp', 'listen', '--host', '127.0.0.1', '--port', String(port), '--output', file, '--quiet'], dir);
  } catch (err) {
    rep.skip(`sockdbg tcp listen --output did not work: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(0);
  }
  rep.log(`sockdbg: ${fmt(res.gbps)} GB/s into the file; ${res.problem ? 'FILE CHECK FAILED: ' + res.problem : 'file intact'}`);
  rep.row({
    name: `sockdbg --output peak RSS (${fmt(res.gbps)} GB/s${res.problem ? ', FILE CORRUPT' : ', file intact'})`,
    value: res.peak / MB,
    unit: 'MB',
    baseline: { name: 'socket.pipe(file)', value: base.peak / MB, unit: 'MB' },
    ratio: res.peak / base.peak,
    target: '< 150 MB',
    pass: res.peak < 150 * MB && !res.problem,
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
rep.done();
