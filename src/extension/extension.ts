/**
 * Entry point: builds the connection registry, the Connections tree, the status-bar item, the log and the commands,
 * and hands the shared services to the composer and remote-exec parts. Activation is implicit (the view and the
 * commands). `activate` returns the API in api.ts (tests use it); `deactivate` closes every socket.
 */
import * as vscode from 'vscode';
import { ConnectionRegistry } from '../core/registry';
import type { ErrorEvent } from '../core/types';
import { COMMANDS, type SocketDebuggerApi } from './api';
import { registerCommands } from './commands';
import { readConfig, CONFIG_SECTION } from './config';
import { formatEndpoint } from '../shared/format';
import { primaryAddress } from './format';
import type { ExtensionServices, TreeSection } from './services';
import { ConnectionsStatusBar } from './statusBar';
import { ConnectionsTreeProvider, isConnectionNode, type TreeNode } from './tree';
import { connectionLabel } from './treeItems';
import { registerComposer } from './composer';
import { RelayLanes } from './composer/relayLanes';
import { registerRemoteExec } from './remoteExec';
import { registerRelays } from './relay';
import { registerCliOnPath } from './cliPath';
import { registerPacketLibrary } from './packets';
import { registerProtocol } from './protocol';
import { errorMessage } from '../shared/errors';

let active: { registry: ConnectionRegistry; log: vscode.LogOutputChannel } | undefined;

/** framing failures on a live connection: worth a notification that offers to change the framing */
function isFramingError(e: ErrorEvent): boolean {
  return /^(BAD_|FRAME|FRAMING)/.test(e.code);
}

export function activate(context: vscode.ExtensionContext): SocketDebuggerApi {
  const log = vscode.window.createOutputChannel('Socket Debugger', { log: true });
  context.subscriptions.push(log);
  const cfg = readConfig();
  const registry = new ConnectionRegistry({ historyMaxBytes: cfg.historyMaxBytes, historyMaxFrames: cfg.historyMaxFrames });
  context.subscriptions.push({ dispose: () => registry.dispose() });
  active = { registry, log };

  const tree = new ConnectionsTreeProvider(registry);
  context.subscriptions.push(tree);
  const treeView = vscode.window.createTreeView<TreeNode>('socketDebugger.connections', { treeDataProvider: tree, showCollapseAll: true, canSelectMany: false });
  context.subscriptions.push(treeView);
  context.subscriptions.push(new ConnectionsStatusBar(registry));

  // ---- log + notifications for what happens on connections ----------------------------------
  const lastNotified = new Map<string, number>();
  const errorsShown: string[] = [];
  const lastState = new Map<string, string>();
  context.subscriptions.push(
    registry.onDidOpen((e) => {
      const i = e.info;
      if (i.kind === 'tcp-peer') log.info(`${i.id}: client ${formatEndpoint(i.remote) ?? ''} connected to server ${i.parentId ?? ''} (${formatEndpoint(i.local) ?? ''})`);
      else if (i.kind === 'udp-peer') log.info(`${i.id}: UDP peer ${formatEndpoint(i.remote) ?? ''} on socket ${i.parentId ?? ''}`);
    }),
    registry.onDidClose((e) => {
      lastState.delete(e.id);
      lastNotified.delete(e.id);
      log.info(`${e.id}: ${primaryAddress(e.info)} closed (${e.reason})`);
    }),
    // state changes also fire for framing/encoding changes: log only a client losing and regaining its connection
    registry.onDidChangeState((e) => {
      const before = lastState.get(e.id);
      const state = e.info.state;
      if (state === before) return;
      lastState.set(e.id, state);
      if (state === 'reconnecting') log.warn(`${e.id}: connection to ${primaryAddress(e.info)} lost; reconnecting`);
      else if (state === 'open' && before === 'reconnecting') log.info(`${e.id}: reconnected to ${primaryAddress(e.info)}`);
    }),
    registry.onDidError((e) => {
      const where = e.id ? `${e.id}: ` : '';
      log.warn(`${where}${e.code}: ${e.message}${e.offset !== undefined ? ` (stream offset ${e.offset})` : ''}`);
      if (!e.id || !isFramingError(e)) return;
      // at most one notification per connection every 10 s, however many bad frames arrive
      const key = e.id;
      const now = Date.now();
      if (now - (lastNotified.get(key) ?? 0) < 10000) return;
      lastNotified.set(key, now);
      const info = registry.get(e.id);
      const label = info ? connectionLabel(info) : e.id;
      const msg = vscode.l10n.t('Framing error on {0}: {1}', label, e.message);
      errorsShown.push(msg);
      const change = vscode.l10n.t('Change Framing/Encoding…');
      void vscode.window.showWarningMessage(msg, change).then((picked) => {
        if (picked === change && registry.get(key)) void vscode.commands.executeCommand(COMMANDS.changeFraming, { type: 'connection', id: key });
      });
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${CONFIG_SECTION}.history`)) {
        log.info('history limits changed: they apply after the window is reloaded');
      }
    }),
  );

  // ---- services shared with the composer and remote exec -----------------------------------
  const services: ExtensionServices = {
    context,
    registry,
    log,
    addTreeSection: <T>(section: TreeSection<T>) => tree.addSection(section),
  };

  // the packet composer (src/extension/composer) and remote exec (src/extension/remoteExec) own their disposables
  // frames in the composer show the message they are in a protocol file attached to their connection
  const protocol = registerProtocol(context, { registry, log, addTreeSection: services.addTreeSection });
  // a relay's pairs show in the composer like connections, their lanes as the two directions
  const relayLanes = new RelayLanes();
  context.subscriptions.push(relayLanes);
  const composer = registerComposer(context, registry, log, protocol.attachments, relayLanes);
  // a click on a connection's row points an open composer at it
  context.subscriptions.push(
    treeView.onDidChangeSelection((e) => {
      const node = e.selection[0];
      if (isConnectionNode(node)) composer.retarget(node.id);
    }),
  );
  registerRemoteExec(context, { log, addTreeSection: services.addTreeSection });
  const relays = registerRelays(context, log, relayLanes);
  registerCliOnPath(context, log);
  const packets = registerPacketLibrary(context, { log, addTreeSection: services.addTreeSection });
  context.subscriptions.push(
    ...registerCommands({
      context,
      registry,
      log,
      tree,
      treeView: treeView as vscode.TreeView<unknown>,
      openComposer: async (id?: string) => composer.open(id),
      historyCleared: (ids) => composer.historyCleared(ids),
      errorsShown,
      packets,
      relays,
    }),
  );

  log.info(`Socket Debugger ${String(context.extension.packageJSON.version ?? '')} activated (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'restricted'})`);
  return {
    version: 1,
    registry,
    tree,
    addTreeSection: services.addTreeSection,
    errorsShown,
    protocol,
  };
}

export async function deactivate(): Promise<void> {
  const a = active;
  active = undefined;
  if (!a) return;
  try {
    await a.registry.closeAll();
    a.log.info('deactivated: every socket closed');
  } catch (e) {
    a.log.error(`deactivate: ${errorMessage(e)}`);
  }
}
