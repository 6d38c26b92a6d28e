/** Scenario results as JUnit XML (one testsuite per file, one testcase per scenario) for CI systems. */
import type { ScenarioResult } from './runner';

function esc(s: string): string {
  // XML 1.0 allows no control characters other than tab, LF and CR
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function junitXml(results: readonly ScenarioResult[]): string {
  const byFile = new Map<string, ScenarioResult[]>();
  for (const r of results) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  const secs = (ms: number) => (ms / 1000).toFixed(3);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const count = (rs: ScenarioResult[], s: string) => rs.filter((r) => r.status === s).length;
  out.push(`<testsuites tests="${results.length}" failures="${count([...results], 'failed')}" errors="${count([...results], 'error')}">`);
  for (const [file, rs] of byFile) {
    const total = rs.reduce((n, r) => n + r.durationMs, 0);
    out.push(`  <testsuite name="${esc(file)}" tests="${rs.length}" failures="${count(rs, 'failed')}" errors="${count(rs, 'error')}" time="${secs(total)}">`);
    for (const r of rs) {
      out.push(`    <testcase classname="${esc(file)}" name="${esc(r.name)}" file="${esc(file)}" line="${r.line}" time="${secs(r.durationMs)}">`);
      const failed = r.steps.find((s) => s.status === 'failed');
      if (r.status === 'failed') {
        const detail = failed ? `step ${failed.index + 1} (line ${failed.line}): ${failed.describe}\nexpected: ${failed.expected ?? ''}\nactual:   ${failed.actual ?? ''}` : '';
        out.push(`      <failure message="${esc(r.message ?? 'failed')}">${esc(detail)}</failure>`);
      } else if (r.status === 'error') {
        out.push(`      <error message="${esc(r.message ?? 'error')}"/>`);
      }
      if (r.output) out.push(`      <system-out>${esc(r.output)}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
