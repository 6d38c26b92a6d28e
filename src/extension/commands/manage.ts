/** Close, half-close, remove, copy the address, clear the history, change framing/encoding, open the composer, show the log. */
import * as vscode from 'vscode';
import type { ConnectionInfo, ConnectionKind } from '../../core/types';
import { canHalfClose } from '../../shared/connections';
import { CommandOptionsError, checkChangeFramingOptions, type IdOptions, type RawOptions } from '../commandOptions';
import { isClosed, primaryAddress } from '../format';
import { pickEncoding, pickFraming } from '../prompts';
import { connectionLabel } from '../treeItems';
import { errorMessage, type CommandKit } from './kit';
import type { CommandSpec, CommandSpecs, Invocation } from './table';

type ManageIds =
  | 'socketDebugger.disconnect'
  | 'socketDebugger.stopServer'
  | 'socketDebugger.closeClient'
  | 'socketDebugger.closeSocket'
  | 'socketDebugger.halfClose'
  | 'socketDebugger.remove'
  | 'socketDebugger.clearClosed'
  | 'socketDebugger.closeAll'
  | 'socketDebugger.copyAddress'
  | 'socketDebugger.clearHistory'
  | 'socketDebugger.resetCounters'
  | 'socketDebugger.changeFraming'
  | 'socketDebugger.openComposer'
  | 'socketDebugger.showLog';

/** commands whose options are just `{id}` */
type IdCommand = 'socketDebugger.disconnect' | 'socketDebugger.stopServer' | 'socketDebugger.closeClient' | 'socketDebugger.closeSocket' | 'socketDebugger.halfClose' | 'socketDebugger.remove' | 'socketDebugger.copyAddress' | 'socketDebugger.clearHistory' | 'socketDebugger.resetCounters';

export function manageCommands(kit: CommandKit): Pick<CommandSpecs, ManageIds> {
  const { registry, log } = kit;
  const l10n = vscode.l10n;
  const checkIdOnly = (o: RawOptions): IdOptions => ({ id: kit.mustId(o) });
  const idCommand = <K extends IdCommand>(run: (inv: Invocation<IdOptions>) => ReturnType<CommandSpec<K>['run']>): CommandSpec<K> => ({ arg: 'target', check: checkIdOnly, run });

  /** open connections of these kinds (the palette's choice for a kind-specific close) */
  const openOf =
    (...ks: ConnectionKind[]) =>
    (c: ConnectionInfo) =>
      ks.includes(c.kind) && !isClosed(c);

  function closer(filter: (c: ConnectionInfo) => boolean, placeHolder: () => string, what: string) {
    return async (inv: Invocation<IdOptions>): Promise<boolean> => {
      const t = await kit.target(inv, filter, placeHolder());
      if (!t) return false;
      const info = kit.must(t.id);
      try {
        await registry.close(t.id);
        log.info(`${what} ${t.id} (${primaryAddress(info)})`);
        return true;
      } catch (e) {
        if (!t.interactive) throw e;
        void kit.showError(l10n.t('Could not close {0}: {1}', connectionLabel(info), errorMessage(e)));
        return false;
      }
    };
  }

  async function halfClose(inv: Invocation<IdOptions>): Promise<boolean> {
    const t = await kit.target(inv, canHalfClose, l10n.t('Send FIN (half-close) on which connection?'));
    if (!t) return false;
    const info = kit.must(t.id);
    try {
      await registry.end(t.id);
      log.info(`half-closed ${t.id} (${primaryAddress(info)})`);
      return true;
    } catch (e) {
      if (!t.interactive) throw e;
      void kit.showError(l10n.t('Could not half-close {0}: {1}', connectionLabel(info), errorMessage(e)));
      return false;
    }
  }

  async function remove(inv: Invocation<IdOptions>): Promise<boolean> {
    const t = await kit.target(inv, () => true, l10n.t('Remove which connection?'));
    if (!t) return false;
    await registry.remove(t.id);
    kit.cx.tree.schedule(undefined);
    return true;
  }

  async function clearClosed(): Promise<number> {
    let n = 0;
    for (const c of registry.list()) {
      if (isClosed(c) && registry.get(c.id)) {
        await registry.remove(c.id);
        n++;
      }
    }
    kit.cx.tree.schedule(undefined);
    return n;
  }

  async function copyAddress(inv: Invocation<IdOptions>): Promise<string | undefined> {
    const t = await kit.target(inv, () => true, l10n.t('Copy the address of which connection?'));
    if (!t) return undefined;
    const address = primaryAddress(kit.must(t.id));
    try {
      await vscode.env.clipboard.writeText(address);
      if (t.interactive) vscode.window.setStatusBarMessage(l10n.t('Copied {0}', address), 3000);
    } catch (e) {
      log.warn(`could not write to the clipboard: ${errorMessage(e)}`);
    }
    return address;
  }

  async function clearHistory(inv: Invocation<IdOptions>): Promise<boolean> {
    const t = await kit.target(inv, () => true, l10n.t('Clear the history of which connection?'));
    if (!t) return false;
    const ids = [t.id, ...registry.children(t.id).map((ch) => ch.id)];
    for (const id of ids) registry.clearHistory(id);
    kit.cx.historyCleared(ids);
    log.info(`cleared the history of ${t.id}`);
    return true;
  }

  async function resetCounters(inv: Invocation<IdOptions>): Promise<boolean> {
    const t = await kit.target(inv, () => true, l10n.t('Reset the counters of which connection?'));
    if (!t) return false;
    registry.resetCounters(t.id);
    log.info(`reset the counters of ${t.id}${registry.children(t.id).length ? ' and its clients' : ''}`);
    return true;
  }

  async function changeFraming(inv: Invocation<IdOptions & { framing?: string; encoding?: string }>): Promise<{ framing: string; encoding: string } | undefined> {
    const t = await kit.target(inv, (c) => !isClosed(c), l10n.t('Change framing/encoding of which connection?'));
    if (!t) return undefined;
    const info = kit.must(t.id);
    if (inv.via === 'api') {
      // checked already: applying cannot fail
      const { framing, encoding } = inv.options;
      if (framing !== undefined) registry.setFraming(t.id, framing);
      if (encoding !== undefined) registry.setEncoding(t.id, encoding);
    } else {
      const title = l10n.t('Framing and Encoding of {0}', connectionLabel(info));
      const framing = await pickFraming({ title, step: 1, total: 2 }, info.framing);
      if (framing === undefined) return undefined;
      const encoding = await pickEncoding({ title, step: 2, total: 2 }, info.encoding);
      if (encoding === undefined) return undefined;
      try {
        if (framing !== info.framing) registry.setFraming(t.id, framing);
        if (encoding !== info.encoding) registry.setEncoding(t.id, encoding);
      } catch (e) {
        void kit.showError(l10n.t('Could not change the framing of {0}: {1}', connectionLabel(info), errorMessage(e)));
        return undefined;
      }
    }
    const now = kit.must(t.id);
    log.info(`${t.id}: framing ${now.framing}, encoding ${now.encoding}`);
    return { framing: now.framing, encoding: now.encoding };
  }

  return {
    'socketDebugger.disconnect': idCommand(closer(openOf('tcp-client'), () => l10n.t('Disconnect which client?'), 'disconnected')),
    'socketDebugger.stopServer': idCommand(closer(openOf('tcp-server'), () => l10n.t('Stop which server?'), 'stopped server')),
    'socketDebugger.closeClient': idCommand(closer(openOf('tcp-peer', 'udp-peer'), () => l10n.t('Close which client?'), 'closed client')),
    'socketDebugger.closeSocket': idCommand(closer(openOf('udp'), () => l10n.t('Close which UDP socket?'), 'closed UDP socket')),
    'socketDebugger.halfClose': idCommand(halfClose),
    'socketDebugger.remove': idCommand(remove),
    'socketDebugger.copyAddress': idCommand(copyAddress),
    'socketDebugger.clearHistory': idCommand(clearHistory),
    'socketDebugger.resetCounters': idCommand(resetCounters),
    'socketDebugger.clearClosed': { arg: 'none', check: () => undefined, run: clearClosed },
    'socketDebugger.closeAll': {
      arg: 'none',
      check: () => undefined,
      run: async () => {
        await registry.closeAll();
        log.info('closed every connection');
      },
    },
    'socketDebugger.changeFraming': {
      arg: 'target',
      check: (o) => ({ id: kit.mustId(o), ...checkChangeFramingOptions(o) }),
      run: changeFraming,
    },
    'socketDebugger.openComposer': {
      arg: 'composer',
      check: (o) => {
        if (o.id === undefined) return {};
        if (typeof o.id !== 'string') throw new CommandOptionsError('options.id must be a connection id string');
        kit.must(o.id);
        return { id: o.id };
      },
      run: (inv) => kit.cx.openComposer(inv.via === 'tree' ? inv.id : inv.via === 'api' ? inv.options.id : undefined),
    },
    'socketDebugger.showLog': { arg: 'none', check: () => undefined, run: async () => log.show() },
  };
}
