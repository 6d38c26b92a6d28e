import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Socket Debugger', { log: true });
  context.subscriptions.push(log);
  log.info('Socket Debugger activated');
}

export function deactivate(): void {
  // sockets are closed by the registry's disposable (see later issues)
}
