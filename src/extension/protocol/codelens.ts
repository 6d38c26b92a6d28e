/** "Run scenario" above every scenario of a protocol file, and "Run all scenarios" above the first. */
import * as vscode from 'vscode';
import type { ScenarioTests } from './tests';

export const RUN_SCENARIO_COMMAND = 'socketDebugger.protocol.runScenario';

export class ScenarioCodeLens implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly tests: ScenarioTests) {}

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    this.tests.loadText(doc.uri, doc.getText());
    const items = this.tests.scenarioItems(doc.uri);
    const lenses = items.map(
      (item) =>
        new vscode.CodeLens(item.range ?? new vscode.Range(0, 0, 0, 0), {
          title: `$(play) ${vscode.l10n.t('Run scenario')}`,
          command: RUN_SCENARIO_COMMAND,
          arguments: [{ file: doc.uri.toString(), name: item.label }],
        }),
    );
    if (items.length > 1 && items[0].range) {
      lenses.unshift(new vscode.CodeLens(items[0].range, { title: `$(run-all) ${vscode.l10n.t('Run all scenarios')}`, command: RUN_SCENARIO_COMMAND, arguments: [{ file: doc.uri.toString() }] }));
    }
    return lenses;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
