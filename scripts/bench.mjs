// `npm run bench` (= npm run build && node scripts/bench.mjs): compiles the engine for Node (out/, via
// `tsc -p tsconfig.test.json`), then runs every bench/*.bench.mjs in its own process (in name order, with the
// open-file limit raised to the hard limit), prints a summary table and writes bench-results/latest.json.
//
//   node scripts/bench.mjs                 all benchmarks
//   node scripts/bench.mjs decode tcp      only those whose file name contains "decode" or "tcp"
//   BENCH_QUICK=1 node scripts/bench.mjs   smaller sizes (a smoke run, figures not representative)
//
// A bench prints its own lines and ends with one `@@BENCH {json}` line (see bench/lib/common.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const skipCompile = process.argv.includes('--no-compile');

if (!skipCompile) {
  console.log('▶ compiling the engine for the benchmarks (tsc -p tsconfig.test.json → out/)');
  const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.test.json'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    // tsc still emits; a type error elsewhere must not stop the benchmarks of modules that compiled
    const lines = (r.stdout + r.stderr).trim().split('\n');
    console.log(`  tsc reported ${lines.length} line(s) of errors; running on what was emitted. First: ${lines[0]}`);
  }
}

const benchDir = join(root, 'bench');
const files = readdirSync(benchDir)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no benchmark matches ' + filters.join(' '));
  process.exit(1);
}

function runBench(file) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    // Raise the soft open-file limit to the hard one (the many-clients bench needs > 10 000 descriptors).
    const cmd = `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "${process.execPath}" --expose-gc "${join(benchDir, file)}"`;
    const child = spawn('bash', ['-c', cmd], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let result;
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('@@BENCH ')) {
          try {
            result = JSON.parse(line.slice(8));
          } catch {
            console.log('  (unreadable result line)');
          }
        } else {
          console.log(line);
        }
      }
    });
    child.on('close', (code, signal) => {
      const seconds = (Date.now() - t0) / 1000;
      if (!result) result = { bench: file, title: file, rows: [], notes: [], failed: `exited with ${code ?? signal} and no result` };
      else if (code !== 0) result.failed = `exited with ${code ?? signal}`;
      result.file = file;
      result.seconds = seconds;
      resolve(result);
    });
  });
}

const results = [];
for (const f of files) results.push(await runBench(f));

// ---- summary table
const num = (n) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 }) : '–');
const table = [['Benchmark', 'Figure', 'Baseline (same run)', 'Ratio', 'Target', 'Met']];
for (const r of results) {
  if (r.skipped || r.failed) {
    table.push([r.title, r.skipped ? `skipped: ${r.skipped}` : `FAILED: ${r.failed}`, '', '', '', '']);
  }
  for (const row of r.rows) {
    table.push([
      r.title,
      `${row.name}: ${num(row.value)} ${row.unit}`,
      row.baseline ? `${row.baseline.name}: ${num(row.baseline.value)} ${row.baseline.unit}` : '',
      row.ratio !== undefined ? num(row.ratio) : '',
      row.target ?? '',
      row.target ? (row.pass ? 'yes' : 'NO') : '',
    ]);
  }
}
const widths = table[0].map((_, i) => Math.min(70, Math.max(...table.map((row) => row[i].length))));
console.log('\n=== summary (' + `${cpus().length} CPU, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}` + ') ===');
for (const [i, row] of table.entries()) {
  console.log(row.map((c, j) => c.padEnd(widths[j])).join(' | '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
}

const outDir = join(root, 'bench-results');
if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true });
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: totalmem() / 2 ** 30, node: process.version, platform: process.platform };
writeFileSync(join(outDir, 'latest.json'), JSON.stringify({ date: new Date().toISOString(), machine, results }, null, 2) + '\n');
console.log(`\nwrote bench-results/latest.json`);
process.exit(results.some((r) => r.failed) ? 1 : 0);
