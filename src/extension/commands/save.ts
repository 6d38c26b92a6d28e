/**
 * Save Received Data: a connection's received bytes to a file, raw or as a hex dump with one line per chunk. A relay
 * pair's "received" data is what the relay read on its lanes: both lanes as one hex dump in arrival order, or one
 * lane's raw bytes.
 */
import * as vscode from 'vscode';
import type { ChunkRecord, ConnectionInfo, HistorySnapshot } from '../../core/types';
import { RELAY_LANE_DIRECTION, capabilities, type RelayLane } from '../../shared/connections';
import { CommandOptionsError, checkSaveOptions } from '../commandOptions';
import { toHex } from '../../shared/bytes';
import { formatByteSize, formatDateTime, formatEndpoint } from '../../shared/format';
import { primaryAddress } from '../format';
import { connectionLabel } from '../treeItems';
import { errorMessage, type CommandKit } from './kit';
import type { CommandSpecs } from './table';

export function saveCommands(kit: CommandKit): Pick<CommandSpecs, 'socketDebugger.saveReceived'> {
  const { log } = kit;
  const l10n = vscode.l10n;
  const hasData = (c: ConnectionInfo): boolean => capabilities(c.kind).receives && c.stats.bytesIn > 0;

  /**
   * the chunks to save: a connection's received ones; a relay pair's reads on one lane, or on both (`both`: each
   * hex line then names its lane)
   */
  function renderReceived(h: HistorySnapshot, format: 'raw' | 'hex', lane?: RelayLane | 'both'): { bytes: Uint8Array; count: number; dropped: number } {
    const laneOf = (c: ChunkRecord): RelayLane => (c.direction === RELAY_LANE_DIRECTION.c2s ? 'c2s' : 's2c');
    const chunks = lane === 'both' ? h.chunks : h.chunks.filter((c) => c.direction === (lane ? RELAY_LANE_DIRECTION[lane] : 'in'));
    if (format === 'raw') {
      const bytes = Buffer.concat(chunks.map((c) => c.data));
      return { bytes, count: bytes.length, dropped: h.droppedChunks };
    }
    const mark = (c: ChunkRecord): string => (lane === 'both' ? `${laneOf(c) === 'c2s' ? 'c2s →' : 's2c ←'}  ` : '');
    const lines = chunks.map((c) => `${formatDateTime(c.time)}  ${mark(c)}${c.remote ? formatEndpoint(c.remote) + '  ' : ''}${String(c.data.length).padStart(6)}  ${toHex(c.data, ' ')}`);
    const total = chunks.reduce((n, c) => n + c.data.length, 0);
    return { bytes: Buffer.from(lines.join('\n') + (lines.length ? '\n' : ''), 'utf8'), count: total, dropped: h.droppedChunks };
  }

  /** a relay pair: which lane(s) to save (asked when no file is given), or undefined when the user cancels */
  async function pickLane(given: RelayLane | undefined, format: 'raw' | 'hex' | undefined, ask: boolean): Promise<RelayLane | 'both' | undefined> {
    if (given) return given;
    if (!ask) {
      if (format === 'raw') throw new CommandOptionsError('a relay pair has two lanes: raw bytes need lane "c2s" or "s2c" (or save as hex: both lanes in order)');
      return 'both';
    }
    const picked = await vscode.window.showQuickPick(
      [
        { label: l10n.t('Both lanes'), description: l10n.t('hex dump, one line per read, in order, with times'), lane: 'both' as const },
        { label: l10n.t('c2s: client → server'), description: l10n.t('raw bytes'), lane: 'c2s' as const },
        { label: l10n.t('s2c: server → client'), description: l10n.t('raw bytes'), lane: 's2c' as const },
      ],
      { title: l10n.t('Save Received Data'), placeHolder: l10n.t('Save what the relay read on which lane?') },
    );
    return picked?.lane;
  }

  return {
    'socketDebugger.saveReceived': {
      arg: 'target',
      check: (o) => ({ id: kit.mustTrafficId(o), ...checkSaveOptions(o) }),
      run: async (inv) => {
        const t = await kit.target(inv, hasData, l10n.t('Save the data received on which connection?'));
        if (!t) return undefined;
        const traffic = kit.traffic(t.id);
        if (!traffic) throw new CommandOptionsError(`no connection or relay pair with id "${t.id}"`);
        const { info } = traffic;
        if (!capabilities(info.kind).receives) {
          const msg = `connection ${t.id} is a server; save the data of one of its clients`;
          if (!t.interactive) throw new CommandOptionsError(msg);
          void kit.showError(l10n.t('{0} is a server: save the data of one of its clients instead.', connectionLabel(info)));
          return undefined;
        }
        const options: { path?: string; format?: 'raw' | 'hex'; lane?: RelayLane } = inv.via === 'api' ? inv.options : {};
        const p = options.path;
        const isPair = info.kind === 'relay-pair';
        const lane = isPair ? await pickLane(options.lane, options.format, p === undefined) : undefined;
        if (isPair && !lane) return undefined;
        let uri: vscode.Uri | undefined;
        if (p !== undefined) uri = kit.uriOf(p);
        else {
          const base = vscode.workspace.workspaceFolders?.[0]?.uri;
          const name = `${t.id}${lane ? `-${lane}` : ''}-${primaryAddress(info).replace(/[^\w.-]+/g, '_')}.${lane === 'both' ? 'txt' : 'bin'}`;
          uri = await vscode.window.showSaveDialog({
            title: l10n.t('Save Received Data'),
            ...(base ? { defaultUri: vscode.Uri.joinPath(base, name) } : {}),
            filters: { [l10n.t('Raw bytes')]: ['bin', 'dat'], [l10n.t('Hex dump (one line per chunk)')]: ['txt', 'hex'] },
          });
          if (!uri) return undefined;
        }
        const format: 'raw' | 'hex' = lane === 'both' ? 'hex' : (options.format ?? (/\.(txt|hex)$/i.test(uri.path) ? 'hex' : 'raw'));
        // the history as it is now (after the dialogs)
        const { bytes, count, dropped } = renderReceived((kit.traffic(t.id) ?? traffic).history, format, lane);
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
