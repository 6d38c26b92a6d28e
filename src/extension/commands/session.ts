/**
 * Save Session: the whole conversation of a connection — both directions, in order, with timestamps — as text, hex or
 * JSON lines (src/core/export/session.ts). A server or UDP socket saves its own frames and its clients' or peers'; a
 * relay pair (`r1.p1`) the frames of both its lanes.
 */
import * as vscode from 'vscode';
import { sessionLines, type SessionFormat, type SessionSource } from '../../core/export/session';
import { CommandOptionsError, checkSaveSessionOptions } from '../commandOptions';
import { primaryAddress } from '../format';
import { errorMessage, type CommandKit } from './kit';
import type { CommandSpecs } from './table';

export function sessionCommands(kit: CommandKit): Pick<CommandSpecs, 'socketDebugger.saveSession'> {
  const { registry, log } = kit;
  const l10n = vscode.l10n;

  /** a connection's frames; a server's or UDP socket's are its clients' or peers' (its history merges theirs) */
  function sources(id: string): SessionSource[] {
    const children = registry.get(id) ? registry.children(id).map((c) => c.id) : [];
    const ids = children.length ? children : [id];
    return ids.flatMap((i) => {
      const t = kit.traffic(i);
      if (!t) return [];
      const { info, history: h } = t;
      const lanes = info.kind === 'relay-pair' ? { lanes: true as const } : {};
      return h.frames.length || h.droppedFrames ? [{ id: i, remote: info.remote, encoding: info.encoding, frames: h.frames, droppedFrames: h.droppedFrames, ...lanes }] : [];
    });
  }

  const formatOf = (path: string): SessionFormat => (/\.jsonl$/i.test(path) ? 'jsonl' : /\.hex$/i.test(path) ? 'hex' : 'text');

  return {
    'socketDebugger.saveSession': {
      arg: 'target',
      check: (o) => ({ id: kit.mustTrafficId(o), ...checkSaveSessionOptions(o) }),
      run: async (inv) => {
        const t = await kit.target(inv, (c) => c.stats.framesIn + c.stats.framesOut > 0 || registry.children(c.id).length > 0, l10n.t('Save the session of which connection?'));
        if (!t) return undefined;
        const traffic = kit.traffic(t.id);
        if (!traffic) throw new CommandOptionsError(`no connection or relay pair with id "${t.id}"`);
        const { info } = traffic;
        const options: { path?: string; format?: SessionFormat } = inv.via === 'api' ? inv.options : {};
        let uri: vscode.Uri | undefined;
        if (options.path !== undefined) uri = kit.uriOf(options.path);
        else {
          const base = vscode.workspace.workspaceFolders?.[0]?.uri;
          const name = `${t.id}-${primaryAddress(info).replace(/[^\w.-]+/g, '_')}-session.txt`;
          uri = await vscode.window.showSaveDialog({
            title: l10n.t('Save Session'),
            ...(base ? { defaultUri: vscode.Uri.joinPath(base, name) } : {}),
            filters: { [l10n.t('Text (one frame a line)')]: ['txt', 'log'], [l10n.t('Hex (one frame a line)')]: ['hex'], [l10n.t('JSON lines')]: ['jsonl'] },
          });
          if (!uri) return undefined;
        }
        const format = options.format ?? formatOf(uri.path);
        const src = sources(t.id);
        const frames = src.reduce((n, s) => n + s.frames.length, 0);
        const text = [...sessionLines(src, format)].join('\n') + '\n';
        try {
          await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
        } catch (e) {
          if (!t.interactive) throw e;
          void kit.showError(l10n.t('Could not save {0}: {1}', uri.fsPath, errorMessage(e)));
          return undefined;
        }
        log.info(`saved the session of ${t.id} (${frames} frames, ${format}) to ${uri.fsPath}`);
        if (t.interactive) void vscode.window.showInformationMessage(l10n.t('Saved {0} frames of {1} to {2}.', frames, t.id, uri.fsPath));
        return uri.scheme === 'file' ? uri.fsPath : uri.toString();
      },
    },
  };
}
