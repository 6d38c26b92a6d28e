/* global process, Buffer, performance */
// 5. Protocol-file rules (issue 10).
//    a) Matching and templating: frames/s through 50 rules (49 that do not match — regex, text-contains,
//       starts-with, hex with ?? wildcards, message + where — and a last one with captures and {{seq}}), against
//       the same engine with that one rule alone, measured alternately in the same run. Target >= 200k frames/s.
//    b) Auto-reply latency on loopback: `sockdbg tcp listen --rules` (dist/cli.js) answering a Node client that
//       sends one frame and waits for the reply, against `sockdbg tcp listen --echo` in the same run. Target p99 < 2 ms.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engine, reporter, fmt, root, median } from './lib/common.mjs';

const rep = reporter('rules', 'Protocol-file rules: 50-rule matching and auto-reply latency');
const quick = !!process.env.BENCH_QUICK;
const load = engine('core/protocol/load');
if (load.missing) {
  rep.skip(load.missing);
  process.exit(0);
}
const { parseProtocolFile } = load.mod;

const MESSAGES = `messages:
  reading:
    format: '<BBHf'
    fields: [kind, unit, seq, value]
    match: {kind: 2}
    checksum: {algorithm: crc16-modbus, append: '<H'}
`;
const LAST = `  - when: {regex: '^echo (\\w+) (\\d+)$'}
    reply: {text: 'ECHO {{1}} #{{seq}} n={{2}}'}
`;
function fiftyRules() {
  const kinds = [
    (i) => `  - when: {regex: '^cmd${i} (\\d+)$'}\n    reply: {text: 'ok {{1}}'}\n`,
    (i) => `  - when: {text-contains: 'needle${i}'}\n    reply: {text: 'found'}\n`,
    (i) => `  - when: {starts-with: 'GET /${i}'}\n    reply: {text: 'HTTP/1.0 200 OK'}\n`,
    (i) => `  - when: {hex: '01 03 ?? ${(i & 0xff).toString(16).padStart(2, '0')} *'}\n    reply: {hex: '01 03 00 {{crc16-modbus:le}}'}\n`,
    (i) => `  - when: {message: reading, where: {unit: ${i}, value: {gt: 100}}}\n    reply: {message: reading, values: {kind: 2, unit: '{{unit}}', seq: '{{seq}}', value: 0}}\n`,
  ];
  let s = `${MESSAGES}rules:\n`;
  for (let i = 0; i < 49; i++) s += kinds[i % kinds.length](i);
  return s + LAST;
}

const many = parseProtocolFile(fiftyRules(), '50.sockdbg.yaml');
const one = parseProtocolFile(`${MESSAGES}rules:\n${LAST}`, '1.sockdbg.yaml');
if (many.rules.rules.length !== 50) throw new Error('expected 50 rules');
const frames = Array.from({ length: 1024 }, (_, i) => Buffer.from(`echo word${i % 17} ${i}`));

function pump(file, n) {
  const s = file.rules.session();
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const a = s.handle(frames[i & 1023], undefined, 0);
    if (a === undefined || a === 'limited') throw new Error('no reply');
    bytes += a.replies[0].length;
  }
  return bytes;
}

// the reply budget would pause a session after 1000 replies in one "second": lift it for the measurement
many.model.repliesPerSecond = one.model.repliesPerSecond = Number.MAX_SAFE_INTEGER;
const n = quick ? 50_000 : 300_000;
const reps = quick ? 2 : 5;
pump(many, 20_000);
pump(one, 20_000);
const a = [];
const b = [];
for (let r = 0; r < reps; r++) {
  let t = performance.now();
  pump(many, n);
  a.push(performance.now() - t);
  t = performance.now();
  pump(one, n);
  b.push(performance.now() - t);
}
const fps = n / (Math.min(...a) / 1000);
const base = n / (Math.min(...b) / 1000);
const ratio = median(a.map((ms, i) => b[i] / ms));
rep.row({ name: `frames through 50 rules, last one matching (best of ${reps})`, value: fps / 1e3, unit: 'k frames/s', baseline: { name: 'the matching rule alone', value: base / 1e3, unit: 'k frames/s' }, ratio, target: '>= 200k frames/s', pass: fps >= 200e3 });

// ---- b) latency over loopback -------------------------------------------------------------------------------
const CLI = join(root, 'dist', 'cli.js');
if (!existsSync(CLI)) {
  rep.note('dist/cli.js missing (npm run build): latency not measured');
  rep.done();
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), 'sockdbg-bench-rules-'));
const rulesFile = join(dir, 'r.sockdbg.yaml');
writeFileSync(rulesFile, `framing: line\n${fiftyRules().replace('rules:\n', 'limits: {replies-per-second: 1000000}\nrules:\n')}`);

function startServer(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'tcp', 'listen', '--port', '0', '--quiet', '--no-delay', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /:(\d+) \(tcp\)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

async function roundTrips(port, count) {
  const sock = connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise((r) => sock.once('connect', r));
  const times = [];
  let pending;
  let buf = '';
  sock.on('data', (d) => {
    buf += d;
    if (buf.includes('\n')) {
      buf = buf.slice(buf.indexOf('\n') + 1);
      pending();
    }
  });
  for (let i = 0; i < count; i++) {
    const t = process.hrtime.bigint();
    await new Promise((r) => {
      pending = r;
      sock.write(`echo word ${i}\n`);
    });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  sock.destroy();
  return times.sort((x, y) => x - y);
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const trips = quick ? 500 : 3000;
const rules = await startServer(['--rules', rulesFile]);
const echo = await startServer(['--framing', 'line', '--echo']);
try {
  await roundTrips(rules.port, 200);
  await roundTrips(echo.port, 200);
  const tr = await roundTrips(rules.port, trips);
  const te = await roundTrips(echo.port, trips);
  rep.log(`${trips} round trips each: rules p50 ${fmt(pct(tr, 0.5), 3)} ms, echo p50 ${fmt(pct(te, 0.5), 3)} ms`);
  const p99 = pct(tr, 0.99);
  const ep99 = pct(te, 0.99);
  rep.row({ name: 'auto-reply latency p99 (50 rules, line framing, loopback)', value: p99, unit: 'ms', baseline: { name: 'sockdbg tcp listen --echo', value: ep99, unit: 'ms' }, ratio: p99 / ep99, target: '< 2 ms', pass: p99 < 2 });
} finally {
  rules.child.kill();
  echo.child.kill();
  rmSync(dir, { recursive: true, force: true });
}
rep.done();
