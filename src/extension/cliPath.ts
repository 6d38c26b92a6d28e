/**
 * Puts `sockdbg` on PATH in VS Code's integrated terminals: writes the launchers (src/core/cli/shim.ts) into the
 * extension's global storage and prepends that folder to PATH through the terminal environment collection.
 * The setting `socketDebugger.cli.addToPath` turns it off; new terminals see the change.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeCliShims } from '../core/cli/shim';
import { CONFIG_SECTION, readConfig } from './config';

export function registerCliOnPath(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  const collection = context.environmentVariableCollection;
  const bin = path.join(context.globalStorageUri.fsPath, 'bin');
  const apply = (): void => {
    collection.clear();
    if (!readConfig().cliAddToPath) return;
    try {
      writeCliShims(bin, { cli: path.join(context.extensionPath, 'dist', 'cli.js'), runtime: process.execPath });
    } catch (e) {
      log.warn(`sockdbg could not be put on PATH (${bin}): ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    collection.description = vscode.l10n.t('Adds the `sockdbg` command line to PATH');
    collection.prepend('PATH', bin + path.delimiter);
  };
  apply();
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${CONFIG_SECTION}.cli.addToPath`)) apply();
    }),
  );
}
