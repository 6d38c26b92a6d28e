/**
 * What the extension's parts share. `activate` (extension.ts) builds one `ExtensionServices` and hands it to the
 * composer (src/extension/composer: the packet composer webview) and remote exec (src/extension/remoteExec).
 *
 * Tree sections: a part that wants its own root node in the Connections tree (e.g. "Remote Exec Agents") calls
 * `services.addTreeSection(section)` with an object implementing `TreeSection<T>`; the tree shows one root node
 * labelled `section.label` whose children are `section.getChildren()` (and theirs, recursively), rendered by
 * `section.getTreeItem(item)`. Fire `section.onDidChange` to refresh it (refreshes are throttled with the rest of
 * the tree). The section node's contextValue is `section.contextValue` (default `section.<id>`) for menus.
 */
import type * as vscode from 'vscode';
import type { ConnectionRegistry } from '../core/registry';

export interface TreeSection<T = unknown> {
  /** stable, unique id (e.g. "remoteExec"); the root node's TreeItem.id is `section:<id>` */
  readonly id: string;
  /** label of the root node (localized), e.g. "Remote Exec Agents" */
  readonly label: string;
  readonly iconPath?: vscode.ThemeIcon;
  /** contextValue of the root node (default `section.<id>`) */
  readonly contextValue?: string;
  /** optional short text after the label of the root node (e.g. a count) */
  description?(): string | undefined;
  /** items under the root node (element undefined) or under one of the section's items */
  getChildren(element?: T): T[] | Thenable<T[]>;
  getTreeItem(element: T): vscode.TreeItem | Thenable<vscode.TreeItem>;
  /** fire to refresh the whole section (no argument) */
  readonly onDidChange?: vscode.Event<unknown>;
  /** show the root node even when the section has no items (default: hidden while empty) */
  readonly showWhenEmpty?: boolean;
}

export interface ExtensionServices {
  readonly context: vscode.ExtensionContext;
  /** the one connection registry of this window (src/core/registry.ts) */
  readonly registry: ConnectionRegistry;
  /** the "Socket Debugger" log output channel */
  readonly log: vscode.LogOutputChannel;
  /** adds a root section to the Connections tree; dispose the result to remove it */
  addTreeSection<T>(section: TreeSection<T>): vscode.Disposable;
}
