/** `sockdbg run FILE… [--scenario NAME]… [--junit OUT.xml] [--json]`: runs a protocol file's scenarios as tests. */
import { writeFileSync } from 'node:fs';
import type { CommandContext } from '../context';
import { optFlag, optString, type OptionDefs } from '../args';
import { parseOrHelp } from '../dispatch';
import { EXIT_NETWORK, EXIT_OK, UsageError } from '../errors';
import { errorMessage } from '../../shared/errors';
import { jsonLine } from '../output';
import { loadProtocolFile } from '../../core/protocol/load';
import type { Scenario } from '../../core/scenario/compile';
import { junitXml } from '../../core/scenario/junit';
import { runScenario, type ScenarioResult } from '../../core/scenario/runner';

/** exit code when a scenario fails (a network error, 2, takes precedence) */
export const EXIT_FAILED = 1;

const OPTIONS: OptionDefs = {
  scenario: { type: 'string', multiple: true, short: 's' },
  junit: { type: 'string' },
  json: { type: 'boolean' },
};

export async function runScenarios(argv: string[], ctx: CommandContext): Promise<number> {
  const cmd = 'run';
  const args = parseOrHelp(cmd, argv, OPTIONS, ctx);
  if (!args) return EXIT_OK;
  if (args.positionals.length === 0) throw new UsageError('missing FILE (a *.sockdbg.yaml protocol file)', cmd);
  const wanted = args.ordered.filter((o) => o.name === 'scenario').map((o) => o.value ?? '');
  const json = optFlag(args, 'json');
  const junit = optString(args, 'junit');

  // load everything first: a bad file or an unknown --scenario changes nothing and runs nothing
  const all: Scenario[] = args.positionals.flatMap((file) => [...loadProtocolFile(file).scenarios]);
  for (const name of wanted) {
    if (!all.some((s) => s.name === name)) {
      throw new UsageError(`no scenario named '${name}' (scenarios: ${all.map((s) => `'${s.name}'`).join(', ') || 'none'})`, cmd);
    }
  }
  const chosen = wanted.length > 0 ? all.filter((s) => wanted.includes(s.name)) : all;
  if (chosen.length === 0) throw new UsageError(`${args.positionals.join(', ')} has no scenarios:`, cmd);

  const abort = new AbortController();
  const unregister = ctx.onSignal(() => abort.abort());
  const results: ScenarioResult[] = [];
  try {
    for (const sc of chosen) {
      if (abort.signal.aborted) break;
      const r = await runScenario(sc, { signal: abort.signal });
      results.push(r);
      ctx.stdout.write(json ? jsonLine({ type: 'scenario', ...r }) + '\n' : formatResult(r));
    }
  } finally {
    unregister();
  }
  const count = (st: string) => results.filter((r) => r.status === st).length;
  const summary = { passed: count('passed'), failed: count('failed'), errors: count('error') };
  if (json) ctx.stdout.write(jsonLine({ type: 'summary', scenarios: results.length, ...summary }) + '\n');
  else ctx.stdout.write(`${results.length} scenario${results.length === 1 ? '' : 's'}: ${summary.passed} passed, ${summary.failed} failed${summary.errors ? `, ${summary.errors} error${summary.errors === 1 ? '' : 's'}` : ''}\n`);
  if (junit !== undefined) {
    try {
      writeFileSync(junit, junitXml(results));
    } catch (err) {
      throw new UsageError(`cannot write --junit file '${junit}': ${errorMessage(err)}`, cmd);
    }
  }
  if (summary.errors > 0) return EXIT_NETWORK;
  return summary.failed > 0 || results.length < chosen.length ? EXIT_FAILED : EXIT_OK;
}

function formatResult(r: ScenarioResult): string {
  const head = { passed: 'PASS ', failed: 'FAIL ', error: 'ERROR' }[r.status];
  const lines = [`${head} ${r.name} (${r.durationMs} ms)  ${r.file}:${r.line}`];
  if (r.status !== 'passed') {
    const step = r.steps.find((s) => s.status === 'failed');
    if (step) {
      lines.push(`      step ${step.index + 1} (line ${step.line}): ${step.describe}`);
      if (step.expected !== undefined) lines.push(`      expected: ${step.expected}`, `      actual:   ${step.actual ?? ''}`);
      else if (step.message !== undefined) lines.push(`      ${step.message}`);
    } else if (r.message !== undefined) lines.push(`      ${r.message}`);
    if (r.output) lines.push('      program output:', ...r.output.trimEnd().split('\n').slice(-20).map((l) => `      | ${l}`));
  }
  return lines.join('\n') + '\n';
}
