/**
 * Protocol files in VS Code: the scenarios in the Test Explorer (tests.ts), CodeLens "Run scenario" (codelens.ts)
 * and the command `socketDebugger.protocol.runScenario` ({file, name?} → results; no argument: pick one).
 * The JSON Schema for the editor is contributed in package.json (yamlValidation / jsonValidation).
 */
import * as vscode from 'vscode';
import type { ScenarioResult } from '../../core/scenario/runner';
import { RUN_SCENARIO_COMMAND, ScenarioCodeLens } from './codelens';
import { ScenarioTests } from './tests';

/** `socketDebugger.protocol.runScenario` options: a file (URI string or path) and a scenario name (all when absent). */
export interface RunScenarioOptions {
  file: string;
  name?: string;
}

export interface ProtocolApi {
  readonly tests: ScenarioTests;
}

function toUri(file: string): vscode.Uri {
  return /^[a-z][a-z0-9+.-]+:/i.test(file) && !/^[a-z]:[\\/]/i.test(file) ? vscode.Uri.parse(file) : vscode.Uri.file(file);
}

export function registerProtocol(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): ProtocolApi {
  const tests = new ScenarioTests(log);
  const lenses = new ScenarioCodeLens(tests);
  const selector: vscode.DocumentSelector = [{ pattern: '**/*.sockdbg.{yaml,yml,json}' }];

  async function runScenarioCommand(opts?: RunScenarioOptions): Promise<ScenarioResult[]> {
    let uri: vscode.Uri;
    let name = opts?.name;
    if (opts?.file) uri = toUri(opts.file);
    else {
      await tests.discover();
      const picks: Array<vscode.QuickPickItem & { uri: vscode.Uri }> = [];
      tests.controller.items.forEach((f) => f.children.forEach((c) => f.uri && picks.push({ label: c.label, description: vscode.workspace.asRelativePath(f.uri), uri: f.uri })));
      if (picks.length === 0) {
        void vscode.window.showInformationMessage(vscode.l10n.t('No scenarios found in *.sockdbg.yaml files of this workspace.'));
        return [];
      }
      const picked = await vscode.window.showQuickPick(picks, { placeHolder: vscode.l10n.t('Scenario to run') });
      if (!picked) return [];
      uri = picked.uri;
      name = picked.label;
    }
    const fileItem = await tests.load(uri);
    if (!fileItem) throw new Error(vscode.l10n.t('Cannot read {0}', uri.fsPath));
    if (fileItem.error !== undefined) throw new Error(typeof fileItem.error === 'string' ? fileItem.error : fileItem.error.value);
    const items = tests.scenarioItems(uri).filter((i) => name === undefined || i.label === name);
    if (items.length === 0) throw new Error(vscode.l10n.t('No scenario named "{0}" in {1}', name ?? '', vscode.workspace.asRelativePath(uri)));
    const cts = new vscode.CancellationTokenSource();
    try {
      return await tests.run(new vscode.TestRunRequest(items), cts.token);
    } finally {
      cts.dispose();
    }
  }

  context.subscriptions.push(
    tests,
    lenses,
    vscode.languages.registerCodeLensProvider(selector, lenses),
    vscode.commands.registerCommand(RUN_SCENARIO_COMMAND, runScenarioCommand),
    vscode.commands.registerCommand('socketDebugger.protocol.refreshScenarios', () => tests.discover()),
  );
  void tests.discover().catch((e: unknown) => log.warn(`protocol files: ${e instanceof Error ? e.message : String(e)}`));
  return { tests };
}
