/**
 * Protocol files in VS Code: the scenarios in the Test Explorer (tests.ts), CodeLens "Run scenario" (codelens.ts),
 * the command `socketDebugger.protocol.runScenario` ({file, name?} → results; no argument: pick one), and files
 * attached to connections (attach.ts; `socketDebugger.protocol.attach` / `.detach`).
 * The JSON Schema for the editor is contributed in package.json (yamlValidation / jsonValidation).
 */
import * as vscode from 'vscode';
import type { ScenarioResult } from '../../core/scenario/runner';
import type { ConnectionRegistry } from '../../core/registry';
import { readConfig } from '../config';
import type { ExtensionServices } from '../services';
import { isConnectionNode } from '../tree';
import { ProtocolAttachments, type AttachmentNode } from './attach';
import { RUN_SCENARIO_COMMAND, ScenarioCodeLens } from './codelens';
import { PROTOCOL_GLOB, ScenarioTests } from './tests';

/** `socketDebugger.protocol.runScenario` options: a file (URI string or path) and a scenario name (all when absent). */
export interface RunScenarioOptions {
  file: string;
  name?: string;
}

/** `socketDebugger.protocol.attach` options: the connection and the file (URI string or path; a pick when absent). */
export interface AttachOptions {
  id: string;
  file?: string;
}

export interface ProtocolApi {
  readonly tests: ScenarioTests;
  readonly attachments: ProtocolAttachments;
}

/** The connection id in a command argument: a tree node, a section item (an attachment) or {id}. */
function connectionIdOf(arg: unknown): string | undefined {
  if (isConnectionNode(arg)) return arg.id;
  if (typeof arg !== 'object' || arg === null) return undefined;
  const o = arg as { type?: unknown; item?: unknown; id?: unknown };
  if (o.type === 'section-item') {
    const n = o.item as AttachmentNode | undefined;
    return n?.a.id;
  }
  return typeof o.id === 'string' ? o.id : undefined;
}

function toUri(file: string): vscode.Uri {
  return /^[a-z][a-z0-9+.-]+:/i.test(file) && !/^[a-z]:[\\/]/i.test(file) ? vscode.Uri.parse(file) : vscode.Uri.file(file);
}

export function registerProtocol(context: vscode.ExtensionContext, services: Pick<ExtensionServices, 'registry' | 'log' | 'addTreeSection'> & { registry: ConnectionRegistry }): ProtocolApi {
  const { log, registry } = services;
  const tests = new ScenarioTests(log);
  const attachments = new ProtocolAttachments(registry, log, (s) => services.addTreeSection(s), () => readConfig().protocolFile);

  async function attachCommand(arg?: unknown): Promise<void> {
    const id = connectionIdOf(arg);
    if (id === undefined) throw new Error(vscode.l10n.t('Choose a TCP server, TCP client or UDP socket in the Connections view.'));
    const given = typeof arg === 'object' && arg !== null && typeof (arg as AttachOptions).file === 'string' ? (arg as AttachOptions).file : undefined;
    let uri: vscode.Uri | undefined = given !== undefined ? toUri(given) : undefined;
    if (!uri) {
      const files = await vscode.workspace.findFiles(PROTOCOL_GLOB, '**/node_modules/**');
      const picks = files.map((f) => ({ label: vscode.workspace.asRelativePath(f), uri: f as vscode.Uri | undefined }));
      picks.push({ label: `$(folder-opened) ${vscode.l10n.t('Browse…')}`, uri: undefined });
      const picked = await vscode.window.showQuickPick(picks, { placeHolder: vscode.l10n.t('Protocol file (*.sockdbg.yaml) to attach') });
      if (!picked) return;
      uri = picked.uri ?? (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { [vscode.l10n.t('Protocol files')]: ['yaml', 'yml', 'json'] } }))?.[0];
      if (!uri) return;
    }
    await attachments.attach(id, uri);
  }
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
    attachments,
    vscode.commands.registerCommand('socketDebugger.protocol.attach', attachCommand),
    vscode.commands.registerCommand('socketDebugger.protocol.detach', (arg?: unknown) => {
      const id = connectionIdOf(arg);
      if (id !== undefined) attachments.detach(id);
    }),
    vscode.languages.registerCodeLensProvider(selector, lenses),
    vscode.commands.registerCommand(RUN_SCENARIO_COMMAND, runScenarioCommand),
    vscode.commands.registerCommand('socketDebugger.protocol.refreshScenarios', () => tests.discover()),
  );
  void tests.discover().catch((e: unknown) => log.warn(`protocol files: ${e instanceof Error ? e.message : String(e)}`));
  return { tests, attachments };
}
