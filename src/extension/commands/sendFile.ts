/**
 * Send File…: a file sent on a connection (src/core/transfer/sendFile.ts) — raw, as one frame of the connection's
 * framing, or as the tutorial's json-header upload (filename, filesize, then the body) — read and written piece by
 * piece, with a progress notification that can cancel it. The composer's "Send File…" button runs it too.
 */
import * as vscode from 'vscode';
import type { ConnectionInfo } from '../../core/types';
import { sendFile, type FileSendMode, type SendFileResult } from '../../core/transfer/sendFile';
import { capabilities, canSend } from '../../shared/connections';
import { formatByteSize, formatEndpoint } from '../../shared/format';
import { CommandOptionsError, checkSendFileOptions, type CheckedSendFile } from '../commandOptions';
import { isClosed, primaryAddress } from '../format';
import { promptHostPort } from '../prompts';
import { connectionLabel } from '../treeItems';
import { errorMessage, type CommandKit } from './kit';
import type { CommandSpecs } from './table';

/** what `socketDebugger.sendFile` resolves with */
export interface SendFileSummary {
  /** the file's path (or URI) */
  readonly path: string;
  readonly mode: FileSendMode;
  /** the file's size */
  readonly fileSize: number;
  /** the file's bytes sent (fewer than fileSize when canceled) */
  readonly bytesSent: number;
  /** bytes on the wire per receiving socket (the frame's head and tail included) */
  readonly wireBytes: number;
  readonly canceled: boolean;
  /** the framing the file went out with */
  readonly framing: string;
  /** json-header mode: the header fields sent besides the size key */
  readonly header?: Record<string, unknown>;
}

/** progress notifications at most this often (a 1 GB file is 16,384 pieces) */
const PROGRESS_EVERY_MS = 100;

export function sendFileCommands(kit: CommandKit): Pick<CommandSpecs, 'socketDebugger.sendFile'> {
  const { registry, log } = kit;
  const l10n = vscode.l10n;
  const sendable = (c: ConnectionInfo): boolean => canSend(c, registry.children(c.id));

  async function pickMode(info: ConnectionInfo): Promise<FileSendMode | undefined> {
    type Item = vscode.QuickPickItem & { mode: FileSendMode };
    const items: Item[] = [
      { mode: 'raw', label: l10n.t('Raw'), description: l10n.t("the file's bytes as the stream, no framing") },
      {
        mode: 'framed',
        label: l10n.t('Framed ({0})', info.framing),
        description: info.framing === 'raw' ? l10n.t("the connection's framing is raw: the same as Raw") : l10n.t("one frame of the connection's framing"),
      },
      { mode: 'json-header', label: l10n.t('JSON header'), description: l10n.t("struct.pack('i', len(header)) + {\"filename\", \"filesize\"} + the file, like the tutorial's upload") },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: l10n.t('Send File: how to send it'), placeHolder: l10n.t('How should the file go on the wire?'), ignoreFocusOut: true });
    return picked?.mode;
  }

  async function destination(info: ConnectionInfo, given: CheckedSendFile['to'], interactive: boolean): Promise<{ address: string; port: number } | undefined | false> {
    if (given || !capabilities(info.kind).needsDestination) return given;
    if (!interactive) throw new CommandOptionsError('sending on a UDP socket needs a destination: to: {address, port} or "host:port"');
    const peer = kit.lastPeer(info.id) ?? registry.children(info.id).find((p) => !isClosed(p));
    return (await promptHostPort(l10n.t('Send a file from {0}', connectionLabel(info)), peer ? primaryAddress(peer) : '127.0.0.1:8888')) ?? false;
  }

  /** sends under a cancellable progress notification */
  function run(info: ConnectionInfo, path: string, name: string, mode: FileSendMode, o: CheckedSendFile, to: { address: string; port: number } | undefined): Thenable<SendFileResult> {
    const where = to ? formatEndpoint(to) : connectionLabel(info);
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: l10n.t('Sending {0} to {1}', name, where), cancellable: true }, (progress, token) => {
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      if (o.signal?.aborted) ac.abort();
      o.signal?.addEventListener('abort', () => ac.abort());
      let shown = 0;
      let lastAt = 0;
      return sendFile(registry, info.id, path, {
        mode,
        ...(o.framing !== undefined ? { framing: o.framing } : {}),
        ...(o.header ? { header: o.header } : {}),
        ...(to ? { to } : {}),
        signal: ac.signal,
        onProgress: (n, total) => {
          const now = Date.now();
          if (n < total && now - lastAt < PROGRESS_EVERY_MS) return;
          lastAt = now;
          const pct = total > 0 ? (n / total) * 100 : 100;
          progress.report({ increment: pct - shown, message: l10n.t('{0} of {1}', formatByteSize(n), formatByteSize(total)) });
          shown = pct;
        },
      });
    });
  }

  return {
    'socketDebugger.sendFile': {
      arg: 'target',
      check: (o) => ({ id: kit.mustId(o), ...checkSendFileOptions(o) }),
      run: async (inv) => {
        const t = await kit.target(inv, sendable, l10n.t('Send a file on which connection?'));
        if (!t) return undefined;
        const info = kit.must(t.id);
        const o: CheckedSendFile = inv.via === 'api' ? inv.options : {};
        const to = await destination(info, o.to, t.interactive);
        if (to === false) return undefined;
        let uri: vscode.Uri | undefined;
        if (o.path !== undefined) uri = kit.uriOf(o.path);
        else {
          const picked = await vscode.window.showOpenDialog({
            title: l10n.t('Send File on {0}', connectionLabel(info)),
            openLabel: l10n.t('Send'),
            canSelectFiles: true,
            canSelectFolders: false,
            canSelectMany: false,
            ...(vscode.workspace.workspaceFolders?.[0] ? { defaultUri: vscode.workspace.workspaceFolders[0].uri } : {}),
          });
          uri = picked?.[0];
        }
        if (!uri) return undefined;
        const mode = o.mode ?? (await pickMode(info));
        if (!mode) return undefined;
        const name = uri.path.slice(uri.path.lastIndexOf('/') + 1);
        let r: SendFileResult;
        try {
          r = await run(info, uri.fsPath, name, mode, o, to);
        } catch (e) {
          if (!t.interactive) throw e;
          void kit.showError(l10n.t('Could not send {0} on {1}: {2}', name, connectionLabel(info), errorMessage(e)));
          return undefined;
        }
        const how = mode === 'raw' ? 'raw' : `${mode}, framing ${r.framing}`;
        log.info(`${r.canceled ? 'canceled sending' : 'sent'} ${uri.fsPath} on ${info.id} (${primaryAddress(info)}): ${r.bodyBytes} of ${r.fileSize} bytes of the file, ${r.wireBytes} on the wire (${how})`);
        if (t.interactive) {
          if (r.canceled) {
            const unfinished = mode === 'raw' ? '' : ' ' + l10n.t('The peer is left inside an unfinished frame.');
            void vscode.window.showWarningMessage(l10n.t('Canceled: sent {0} of {1} of {2}.', formatByteSize(r.bodyBytes), formatByteSize(r.fileSize), name) + unfinished);
          } else {
            vscode.window.setStatusBarMessage(l10n.t('Sent {0} ({1} of file, {2} on the wire) to {3}', name, formatByteSize(r.fileSize), formatByteSize(r.wireBytes), connectionLabel(info)), 6000);
          }
        }
        return {
          path: uri.scheme === 'file' ? uri.fsPath : uri.toString(),
          mode,
          fileSize: r.fileSize,
          bytesSent: r.bodyBytes,
          wireBytes: r.wireBytes,
          canceled: r.canceled,
          framing: r.framing,
          ...(r.header ? { header: r.header } : {}),
        };
      },
    },
  };
}
