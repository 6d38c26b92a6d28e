/** Cancel Connect: stops a TCP client's first connect in progress (its tree row's inline action, its context menu, the palette). */
import * as vscode from 'vscode';
import type { PendingConnect } from '../../core/types';
import { formatElapsed, formatHostPort } from '../../shared/format';
import { CommandOptionsError, checkId, type IdOptions, type RawOptions } from '../commandOptions';
import { pendingLabel } from '../treeItems';
import type { CommandKit } from './kit';
import type { CommandSpecs, Invocation } from './table';

export function connectingCommands(kit: CommandKit): Pick<CommandSpecs, 'socketDebugger.cancelConnect'> {
  const { registry, log } = kit;
  const l10n = vscode.l10n;

  const pendingOf = (id: string): PendingConnect | undefined => registry.pendingConnects().find((p) => p.id === id);

  function check(o: RawOptions): IdOptions {
    const id = checkId(o);
    if (!pendingOf(id)) throw new CommandOptionsError(`"${id}" is not a connect in progress`);
    return { id };
  }

  /** the palette: the one connect in progress, or a pick among several */
  async function pick(): Promise<string | undefined> {
    const all = registry.pendingConnects();
    if (all.length === 0) {
      void vscode.window.showInformationMessage(l10n.t('No connect is in progress.'));
      return undefined;
    }
    if (all.length === 1) return all[0].id;
    const now = Date.now();
    const items = all.map((p) => ({ label: pendingLabel(p, true), description: `${formatElapsed(now - p.startedAt)} · ${p.id}`, id: p.id }));
    return (await vscode.window.showQuickPick(items, { placeHolder: l10n.t('Cancel which connect?') }))?.id;
  }

  async function cancel(inv: Invocation<IdOptions>): Promise<boolean> {
    const id = inv.via === 'tree' ? inv.id : inv.via === 'api' ? inv.options.id : await pick();
    if (id === undefined) return false;
    const p = pendingOf(id);
    if (!p || !registry.cancelConnect(id)) {
      // it opened or failed meanwhile
      if (inv.via === 'api') throw new CommandOptionsError(`"${id}" is not a connect in progress`);
      void vscode.window.showInformationMessage(l10n.t('{0} is no longer connecting.', id));
      return false;
    }
    log.info(`${id}: canceled the connect to ${formatHostPort(p.host, p.port)}`);
    return true;
  }

  return { 'socketDebugger.cancelConnect': { arg: 'pending', check, run: cancel } };
}
