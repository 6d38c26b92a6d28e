/** Save Received Data: a connection's received bytes to a file, raw or as a hex dump with one line per chunk. */
import * as vscode from 'vscode';
import type { ConnectionInfo } from '../../core/types';
import { capabilities } from '../../shared/connections';
import { CommandOptionsError, checkSaveOptions } from '../commandOptions';
import { toHex } from '../../shared/bytes';
import { formatByteSize, formatDateTime, formatEndpoint } from '../../shared/format';
import { primaryAddress } from '../format';
import { connectionLabel } from '../tree';
import { errorMessage, type CommandKit } from './kit';
import type { CommandSpecs } from './table';

export function saveCommands(kit: CommandKit): Pick<CommandSpecs, 'socketDebugger.saveReceived'> {
  const { registry, log } = kit;
  const l10n = vscode.l10n;
  const hasData = (c: ConnectionInfo): boolean => capabilities(c.kind).receives && c.stats.bytesIn > 0;

  function renderReceived(id: string, format: 'raw' | 'hex'): { bytes: Uint8Array; count: number; dropped: number } {
    const h = registry.history(id);
    const chunks = h.chunks.filter((c) => c.direction === 'in');
    if (format === 'raw') {
      const bytes = Buffer.concat(chunks.map((c) => c.data));
      return { bytes, count: bytes.length, dropped: h.droppedChunks };
    }
    const lines = chunks.map((c) => `${formatDateTime(c.time)}  ${c.remote ? formatEndpoint(c.remote) + '  ' : ''}${String(c.data.length).padStart(6)}  ${toHex(c.data, ' ')}`);
    const total = chunks.reduce((n, c) => n + c.data.length, 0);
    return { bytes: Buffer.from(lines.join('\n') + (lines.length ? '\n' : ''), 'utf8'), count: total, dropped: h.droppedChunks };
  }

  return {
    'socketDebugger.saveReceived': {
      arg: 'target',
      check: (o) => ({ id: kit.mustId(o), ...checkSaveOptions(o) }),
      run: async (inv) => {
        const t = await kit.target(inv, hasData, l10n.t('Save the data received on which connection?'));
        if (!t) return undefined;
        const info = kit.must(t.id);
        if (!capabilities(info.kind).receives) {
          const msg = `connection ${t.id} is a server; save the data of one of its clients`;
          if (!t.interactive) throw new CommandOptionsError(msg);
          void kit.showError(l10n.t('{0} is a server: save the data of one of its clients instead.', connectionLabel(info)));
          return undefined;
        }
        const options: { path?: string; format?: 'raw' | 'hex' } = inv.via === 'api' ? inv.options : {};
        let uri: vscode.Uri | undefined;
        const p = options.path;
        if (p !== undefined) uri = kit.uriOf(p);
        else {
          const base = vscode.workspace.workspaceFolders?.[0]?.uri;
          const name = `${t.id}-${primaryAddress(info).replace(/[^\w.-]+/g, '_')}.bin`;
          uri = await vscode.window.showSaveDialog({
            title: l10n.t('Save Received Data'),
            ...(base ? { defaultUri: vscode.Uri.joinPath(base, name) } : {}),
            filters: { [l10n.t('Raw bytes')]: ['bin', 'dat'], [l10n.t('Hex dump (one line per chunk)')]: ['txt', 'hex'] },
          });
          if (!uri) return undefined;
        }
        const format: 'raw' | 'hex' = options.format ?? (/\.(txt|hex)$/i.test(uri.path) ? 'hex' : 'raw');
        const { bytes, count, dropped } = renderReceived(t.id, format);
        try {
          await vscode.workspace.fs.writeFile(uri, bytes);
        } catch (e) {
          if (!t.interactive) throw e;
          void kit.showError(l10n.t('Could not save {0}: {1}', uri.fsPath, errorMessage(e)));
          return undefined;
        }
        log.info(`saved ${count} received bytes of ${t.id} to ${uri.fsPath} (${format})${dropped ? `; ${dropped} older chunks had already left the history` : ''}`);
        if (t.interactive) {
          const msg = dropped
            ? l10n.t('Saved {0} to {1}. The {2} oldest chunks had already left the history (see the socketDebugger.history settings).', formatByteSize(count), uri.fsPath, dropped)
            : l10n.t('Saved {0} to {1}.', formatByteSize(count), uri.fsPath);
          void vscode.window.showInformationMessage(msg);
        }
        return uri.scheme === 'file' ? uri.fsPath : uri.toString();
      },
    },
  };
}
