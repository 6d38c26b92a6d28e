/* global process, console, setTimeout */
// Shared helpers for the benchmarks in bench/*.bench.mjs (run by scripts/bench.mjs, each in its own process).
// The engine is loaded from the compiled test output (out/src/..., produced by `npx tsc -p tsconfig.test.json`,
// which scripts/bench.mjs runs first); the CLI from dist/cli.js (produced by `npm run build`).
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

/** Loads a compiled module of the engine, e.g. engine('core/registry'); undefined (with the reason) when it is missing. */
export function engine(mod) {
  const file = join(root, 'out', 'src', mod + '.js');
  if (!existsSync(file)) return { missing: `out/src/${mod}.js not built (has src/${mod}.ts landed?)` };
  try {
    return { mod: require(file) };
  } catch (err) {
    return { missing: `out/src/${mod}.js failed to load: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Peak resident set (VmHWM) and current RSS of a process, in bytes, from /proc (Linux). */
export function procMemory(pid = process.pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => {
      const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(s);
      return m ? Number(m[1]) * 1024 : NaN;
    };
    return { peak: kb('VmHWM'), rss: kb('VmRSS') };
  } catch {
    return { peak: NaN, rss: NaN };
  }
}

export const MB = 1024 * 1024;
export const GB = 1e9;

export function fmt(n, digits = 2) {
  if (!Number.isFinite(n)) return String(n);
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/**
 * Reporter: each bench collects rows and ends with report.done(), which prints a machine-readable line that
 * scripts/bench.mjs picks up: `@@BENCH {"bench":…,"rows":[…]}`.
 * A row: { name, value, unit, baseline?: {name, value, unit}, ratio?, target?, pass? }.
 */
export function reporter(bench, title) {
  const rows = [];
  const notes = [];
  console.log(`\n=== ${title} ===`);
  return {
    log: (...a) => console.log('  ' + a.join(' ')),
    note: (s) => {
      notes.push(s);
      console.log('  note: ' + s);
    },
    row(r) {
      rows.push(r);
      const base = r.baseline ? `  vs ${r.baseline.name} ${fmt(r.baseline.value)} ${r.baseline.unit}` : '';
      const ratio = r.ratio !== undefined ? `  ratio ${fmt(r.ratio)}` : '';
      const target = r.target ? `  target ${r.target}: ${r.pass ? 'MET' : 'NOT MET'}` : '';
      console.log(`  ${r.name}: ${fmt(r.value)} ${r.unit}${base}${ratio}${target}`);
    },
    skip(reason) {
      console.log(`  skipped: ${reason}`);
      console.log('@@BENCH ' + JSON.stringify({ bench, title, skipped: reason, rows, notes }));
    },
    done() {
      console.log('@@BENCH ' + JSON.stringify({ bench, title, rows, notes }));
    },
  };
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** A deterministic pseudo-random generator (mulberry32). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
