/** Send: programmatic (checked payload, destination, framed) or the QuickInput flow (destination for a UDP socket, then the payload). */
import * as vscode from 'vscode';
import { encodeFrame } from '../../core/framing';
import type { ConnectionInfo } from '../../core/types';
import { capabilities, canSend } from '../../shared/connections';
import { checkId, checkSendOptions, parseTyped } from '../commandOptions';
import { formatByteSize, formatEndpoint } from '../../shared/format';
import { isClosed, primaryAddress } from '../format';
import { promptHostPort } from '../prompts';
import { connectionLabel } from '../tree';
import { errorMessage, type CommandKit } from './kit';
import type { CommandSpecs } from './table';

export function sendCommands(kit: CommandKit): Pick<CommandSpecs, 'socketDebugger.send'> {
  const { registry, log } = kit;
  const l10n = vscode.l10n;
  const sendable = (c: ConnectionInfo): boolean => canSend(c, registry.children(c.id));

  /** the QuickInput flow: a UDP socket asks for the destination, then the payload; failures become notifications */
  async function sendInteractive(info: ConnectionInfo): Promise<number | undefined> {
    let to: { address: string; port: number } | undefined;
    if (capabilities(info.kind).needsDestination) {
      const peer = registry.children(info.id).find((p) => !isClosed(p));
      to = await promptHostPort(l10n.t('Send from {0}', connectionLabel(info)), peer ? primaryAddress(peer) : '127.0.0.1:8888');
      if (!to) return undefined;
    }
    const enc = info.encoding;
    const text = await vscode.window.showInputBox({
      title: l10n.t('Send to {0}', connectionLabel(info)),
      prompt: l10n.t('Text in {0} with escapes (\\n, \\x00, \\u4e2d); "hex: 01 02 ff" for bytes; "b64: …" for base64. Framing {1} is applied.', enc, info.framing),
      ignoreFocusOut: true,
      validateInput: (s) => {
        try {
          parseTyped(s, enc);
          return undefined;
        } catch (e) {
          return errorMessage(e);
        }
      },
    });
    if (text === undefined) return undefined;
    const payload = parseTyped(text, enc);
    try {
      await registry.send(info.id, payload, to ? { to } : {});
      log.info(`sent ${payload.length} bytes on ${info.id} (${primaryAddress(info)})`);
      // say which size: the payload typed, and what went on the wire with the framing (what the counters count)
      const wire = encodeFrame(info.framing, payload).length;
      const where = to ? formatEndpoint(to) : connectionLabel(info);
      vscode.window.setStatusBarMessage(
        wire === payload.length
          ? l10n.t('Sent {0} to {1}', formatByteSize(payload.length), where)
          : l10n.t('Sent {0} of payload ({1} on the wire with {2}) to {3}', formatByteSize(payload.length), formatByteSize(wire), info.framing, where),
        4000,
      );
      return payload.length;
    } catch (e) {
      void kit.showError(l10n.t('Could not send to {0}: {1}', connectionLabel(info), errorMessage(e)));
      return undefined;
    }
  }

  return {
    'socketDebugger.send': {
      arg: 'target',
      check: (o) => {
        const id = checkId(o);
        const info = kit.must(id);
        return { id, send: checkSendOptions(o, info, capabilities(info.kind).needsDestination) };
      },
      run: async (inv) => {
        if (inv.via === 'api') {
          const { id, send } = inv.options;
          const info = kit.must(id);
          await registry.send(id, send.payload, { ...(send.to ? { to: send.to } : {}), ...(send.framed !== undefined ? { framed: send.framed } : {}) });
          log.info(`sent ${send.payload.length} bytes on ${id} (${primaryAddress(info)})`);
          return send.payload.length;
        }
        const t = await kit.target(inv, sendable, l10n.t('Send to which connection?'));
        return t ? sendInteractive(kit.must(t.id)) : undefined;
      },
    },
  };
}
