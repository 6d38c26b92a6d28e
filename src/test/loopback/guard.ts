// Finds network addresses in test and benchmark code that would send traffic off the machine. Tests may name only
// loopback (127.0.0.0/8, ::1), the any-address 0.0.0.0 / :: (for binding), and IPv4-mapped loopback. A line that names
// another address only as text (an error message to format, never a destination) carries the marker below.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const NOT_A_DESTINATION = 'loopback-guard: text only, never sent';

export interface Violation {
  file: string;
  line: number;
  address: string;
}

const IPV4 = /(?<![\w.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?!\.?\d)/g;
const MAPPED = /(?<![\w:.])::ffff:(\d{1,3}(?:\.\d{1,3}){3})(?![\w.])/gi;
// an IPv6 literal: with '::' somewhere, or all eight groups (a time such as 16:04:25 has neither)
const IPV6 = /(?<![\w:.])((?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}|(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})*)?::(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})*)?)(?![\w:.])/g;

function ipv4Allowed(octets: number[]): boolean {
  return octets[0] === 127 || octets.every((o) => o === 0);
}

function ipv6Allowed(addr: string): boolean {
  const a = addr.toLowerCase();
  return a === '::' || a === '::1' || a === '::0' || /^(0{1,4}:){7}0{0,3}1$/.test(a);
}

/** the off-machine addresses named in one file's text, line by line */
export function scanText(text: string, file = '<text>'): Violation[] {
  const out: Violation[] = [];
  text.split('\n').forEach((original, i) => {
    if (original.includes(NOT_A_DESTINATION)) return;
    // IPv4-mapped IPv6 first, judged by its IPv4 part, then blanked so the other patterns do not see its pieces
    const lineText = original.replace(MAPPED, (whole: string, v4: string) => {
      if (!ipv4Allowed(v4.split('.').map(Number))) out.push({ file, line: i + 1, address: whole });
      return ' '.repeat(whole.length);
    });
    for (const m of lineText.matchAll(IPV4)) {
      const octets = m.slice(1, 5).map(Number);
      if (octets.some((o) => o > 255)) continue;
      if (!ipv4Allowed(octets)) out.push({ file, line: i + 1, address: m[0] });
    }
    for (const m of lineText.matchAll(IPV6)) {
      const addr = m[1];
      if (!ipv6Allowed(addr)) out.push({ file, line: i + 1, address: addr });
    }
  });
  return out;
}

// the guard's own test plants off-machine addresses as text for the scanner; nothing there is sent
const SELF = ['src/test/loopback/guard.test.ts'];

/** is this file test or benchmark code (what the guard reads)? */
export function isTestCode(rel: string): boolean {
  const p = rel.split(sep).join('/');
  if (p.includes('node_modules/')) return false;
  if (/^src\/.*\.ts$/.test(p)) return /\.test\.ts$/.test(p) || /\/test\//.test(p);
  return /^bench\/.*\.(mjs|js|ts|py)$/.test(p);
}

/** every violation in the test and benchmark code below root */
export function scanTree(root: string): Violation[] {
  const out: Violation[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name === 'out' || name === 'dist' || name.startsWith('.')) continue;
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const rel = relative(root, full);
        if (isTestCode(rel) && !SELF.includes(rel.split(sep).join('/'))) out.push(...scanText(readFileSync(full, 'utf8'), rel));
      }
    }
  };
  for (const top of ['src', 'bench']) {
    try {
      walk(join(root, top));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return out;
}
