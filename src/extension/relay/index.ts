/**
 * Relays in VS Code: the running relays (RelayService) and the Relays view over them. The commands acting on them
 * are in the typed command table (src/extension/commands/relay.ts); their options in ./options.ts.
 */
import * as vscode from 'vscode';
import type { RelayLanes } from '../composer/relayLanes';
import { RelayService } from './service';
import { RelaysTreeProvider } from './tree';

export type { RelayStartOptions, RelayTarget, RelayFaultsOptions, RelayExportOptions } from './options';
export { RelayService } from './service';

export function registerRelays(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, lanes: RelayLanes): RelayService {
  const service = new RelayService(log, lanes);
  const tree = new RelaysTreeProvider(service);
  service.onDidChange(() => tree.refresh());
  context.subscriptions.push(service, tree, vscode.window.createTreeView('socketDebugger.relays', { treeDataProvider: tree }));
  return service;
}
