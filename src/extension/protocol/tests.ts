/**
 * Scenarios of the workspace's protocol files (*.sockdbg.yaml) in the Test Explorer: one test item per file, one
 * per scenario (at its line), kept current as files change; a Run profile runs them with the core runner. A file
 * with an error shows it on its item. In a restricted workspace a scenario that spawns a program does not run.
 */
import * as vscode from 'vscode';
import { ProtocolFileError } from '../../core/protocol/errors';
import { parseProtocolFile } from '../../core/protocol/load';
import type { Scenario } from '../../core/scenario/compile';
import { runScenario, type ScenarioResult } from '../../core/scenario/runner';
import { reportResult } from './report';

export const PROTOCOL_GLOB = '**/*.sockdbg.{yaml,yml,json}';

export class ScenarioTests implements vscode.Disposable {
  readonly controller: vscode.TestController;
  private readonly scenarios = new WeakMap<vscode.TestItem, Scenario>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.controller = vscode.tests.createTestController('socketDebugger.scenarios', vscode.l10n.t('Socket Debugger Scenarios'));
    this.disposables.push(this.controller);
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.discover();
    };
    this.controller.refreshHandler = async () => this.discover();
    this.controller.createRunProfile(vscode.l10n.t('Run'), vscode.TestRunProfileKind.Run, async (req, token) => void (await this.run(req, token)), true);
    const watcher = vscode.workspace.createFileSystemWatcher(PROTOCOL_GLOB);
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => void this.load(uri)),
      watcher.onDidChange((uri) => void this.load(uri)),
      watcher.onDidDelete((uri) => this.controller.items.delete(uri.toString())),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.controller.items.get(e.document.uri.toString())) this.loadText(e.document.uri, e.document.getText());
      }),
    );
  }

  /** Finds every protocol file of the workspace (node_modules excluded). */
  async discover(): Promise<void> {
    const files = await vscode.workspace.findFiles(PROTOCOL_GLOB, '**/node_modules/**');
    await Promise.all(files.map((f) => this.load(f)));
  }

  /** (Re)reads one file into its test items; returns the file's item. */
  async load(uri: vscode.Uri): Promise<vscode.TestItem | undefined> {
    let text: string;
    try {
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      this.controller.items.delete(uri.toString());
      return undefined;
    }
    return this.loadText(uri, text);
  }

  loadText(uri: vscode.Uri, text: string): vscode.TestItem {
    const id = uri.toString();
    const fileItem = this.controller.items.get(id) ?? this.controller.createTestItem(id, vscode.workspace.asRelativePath(uri), uri);
    this.controller.items.add(fileItem);
    try {
      const file = parseProtocolFile(text, uri.fsPath);
      fileItem.error = undefined;
      const children = file.scenarios.map((s) => {
        const child = this.controller.createTestItem(`${id}#${s.name}`, s.name, uri);
        child.range = new vscode.Range(s.line - 1, 0, s.line - 1, 0);
        this.scenarios.set(child, s);
        return child;
      });
      fileItem.children.replace(children);
    } catch (err) {
      // keep the scenarios as they were: the error is shown on the file, nothing that ran is lost
      fileItem.error = err instanceof ProtocolFileError ? err.report : String(err);
    }
    return fileItem;
  }

  /** The scenario items of a file, in file order. */
  scenarioItems(uri: vscode.Uri): vscode.TestItem[] {
    const items: vscode.TestItem[] = [];
    this.controller.items.get(uri.toString())?.children.forEach((c) => items.push(c));
    return items.sort((a, b) => (a.range?.start.line ?? 0) - (b.range?.start.line ?? 0));
  }

  /** Runs the requested items (all when none) as one test run; returns each scenario's result. */
  async run(req: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<ScenarioResult[]> {
    const queue: vscode.TestItem[] = [];
    const add = (item: vscode.TestItem) => {
      if (req.exclude?.includes(item)) return;
      if (this.scenarios.has(item)) queue.push(item);
      else item.children.forEach(add);
    };
    if (req.include) req.include.forEach(add);
    else this.controller.items.forEach(add);
    const run = this.controller.createTestRun(req);
    const results: ScenarioResult[] = [];
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      for (const item of queue) {
        const sc = this.scenarios.get(item);
        if (!sc) continue;
        if (token.isCancellationRequested) {
          run.skipped(item);
          continue;
        }
        if (sc.spawn && !vscode.workspace.isTrusted) {
          run.errored(item, new vscode.TestMessage(vscode.l10n.t('Scenario "{0}" starts a program: trust this workspace to run it.', sc.name)));
          continue;
        }
        run.started(item);
        const r = await runScenario(sc, { signal: abort.signal });
        this.log.info(`scenario ${sc.name} (${vscode.workspace.asRelativePath(sc.file)}:${sc.line}): ${r.status}${r.message ? ` — ${r.message}` : ''}`);
        reportResult(run, item, r);
        results.push(r);
      }
    } finally {
      sub.dispose();
      run.end();
    }
    return results;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
