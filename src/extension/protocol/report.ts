/** Turns a scenario's result into Test Explorer results: passed, failed with expected/actual (a diff) at the step's line, or errored. */
import * as vscode from 'vscode';
import type { ScenarioResult } from '../../core/scenario/runner';

/** The part of vscode.TestRun this needs (the extension-host suite passes a recorder). */
export type ResultSink = Pick<vscode.TestRun, 'passed' | 'failed' | 'errored' | 'appendOutput'>;

export function reportResult(run: ResultSink, item: vscode.TestItem, r: ScenarioResult): void {
  if (r.output) run.appendOutput(r.output.replace(/\r?\n/g, '\r\n'), undefined, item);
  if (r.status === 'passed') {
    run.passed(item, r.durationMs);
    return;
  }
  const step = r.steps.find((s) => s.status === 'failed');
  const location = item.uri && step ? new vscode.Location(item.uri, new vscode.Position(step.line - 1, 0)) : undefined;
  if (r.status === 'error') {
    const m = new vscode.TestMessage(r.message ?? vscode.l10n.t('The scenario could not run'));
    if (location) m.location = location;
    run.errored(item, m, r.durationMs);
    return;
  }
  let message: vscode.TestMessage;
  if (step?.expected !== undefined) {
    message = vscode.TestMessage.diff(vscode.l10n.t('Step {0} (line {1}): {2}', step.index + 1, step.line, step.describe), step.expected, step.actual ?? '');
  } else {
    message = new vscode.TestMessage(r.message ?? vscode.l10n.t('The scenario failed'));
  }
  if (location) message.location = location;
  run.failed(item, message, r.durationMs);
}
