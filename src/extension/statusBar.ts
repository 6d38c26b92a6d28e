/** The status-bar item: how many connections are open; a click focuses the Connections tree. */
import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../core/registry';
import { isClosed } from './format';
import { isContainer } from '../shared/connections';

export class ConnectionsStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subs: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly registry: ConnectionRegistry) {
    this.item = vscode.window.createStatusBarItem('socketDebugger.connections', vscode.StatusBarAlignment.Left, 50);
    this.item.name = vscode.l10n.t('Socket Debugger Connections');
    this.item.command = 'socketDebugger.connections.focus';
    const schedule = () => {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.update();
      }, 100);
    };
    this.subs.push(registry.onDidOpen(schedule), registry.onDidClose(schedule), registry.onDidChangeState(schedule));
    this.update();
    this.item.show();
  }

  /** the numbers shown: [open connections, listening servers/sockets, connected sockets] */
  counts(): { open: number; listeners: number; sockets: number } {
    let listeners = 0;
    let sockets = 0;
    for (const c of this.registry.list()) {
      if (isClosed(c)) continue;
      if (isContainer(c)) listeners++;
      else sockets++;
    }
    return { open: listeners + sockets, listeners, sockets };
  }

  get text(): string {
    return this.item.text;
  }

  private update(): void {
    const { open, listeners, sockets } = this.counts();
    this.item.text = `$(plug) ${open}`;
    this.item.tooltip = vscode.l10n.t('Socket Debugger: {0} open ({1} listening, {2} connected). Click to show the connections.', open, listeners, sockets);
    this.item.accessibilityInformation = { label: open === 1 ? vscode.l10n.t('Socket Debugger: 1 open connection') : vscode.l10n.t('Socket Debugger: {0} open connections', open) };
    void vscode.commands.executeCommand('setContext', 'socketDebugger.hasOpenConnections', open > 0);
    void vscode.commands.executeCommand('setContext', 'socketDebugger.hasConnections', this.registry.list().length > 0);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subs) s.dispose();
    this.item.dispose();
  }
}
