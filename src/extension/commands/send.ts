/** Send: programmatic (checked payload, destination, framed) or the QuickInput flow (destination for a UDP socket, then the payload). */
import * as vscode from 'vscode';
import { encodeFrame } from '../../core/framing';
import type { ConnectionInfo } from '../../core/types';
import { capabilities, canSend } from '../../shared/connections';
import { CommandOptionsError, checkId, checkSendOptions, parseTyped } from '../commandOptions';
import { formatByteSize, formatEndpoint } from '../../shared/format';
import { isClosed, primaryAddress } from '../format';
import { promptHostPort } from '../prompts';
import { connectionLabel } from '../treeItems';
import { errorMessage, type CommandKit } from './kit';
import type { CommandSpecs } from './table';

export function sendCommands(kit: CommandKit): Pick<CommandSpecs, 'socketDebugger.send' | 'socketDebugger.replyToLastPeer' | 'socketDebugger.sendOnAccept'> {
  const { registry, log } = kit;
  const l10n = vscode.l10n;
  const sendable = (c: ConnectionInfo): boolean => canSend(c, registry.children(c.id));

  // Send on Accept: a server's first words to every client it accepts (the tutorial's controllers speak first)
  const greetings = new Map<string, Buffer>();
  kit.cx.context.subscriptions.push(
    registry.onDidOpen((e) => {
      // only a server that accepts clients is ever greeted for (setGreeting's callers check it)
      const words = e.info.parentId !== undefined ? greetings.get(e.info.parentId) : undefined;
      if (!words) return;
      registry.send(e.id, words).then(
        () => log.info(`${e.id}: greeted with ${words.length} bytes (send on accept of ${e.info.parentId})`),
        (err: unknown) => log.warn(`${e.id}: send on accept failed: ${errorMessage(err)}`),
      );
    }),
    registry.onDidClose((e) => void greetings.delete(e.id)),
  );
  function setGreeting(id: string, words: Buffer | undefined): void {
    if (words) greetings.set(id, words);
    else greetings.delete(id);
    log.info(words ? `${id}: every client it accepts now gets ${words.length} bytes first` : `${id}: no longer greets new clients`);
  }

  /** the QuickInput flow: a UDP socket asks for the destination (unless given), then the payload; failures become notifications */
  async function sendInteractive(info: ConnectionInfo, given?: { address: string; port: number }): Promise<number | undefined> {
    let to = given;
    if (!to && capabilities(info.kind).needsDestination) {
      const peer = kit.lastPeer(info.id) ?? registry.children(info.id).find((p) => !isClosed(p));
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
    'socketDebugger.replyToLastPeer': {
      arg: 'target',
      check: (o) => {
        const id = checkId(o);
        return { id, send: checkSendOptions(o, kit.must(id), false) };
      },
      run: async (inv) => {
        const t = await kit.target(inv, (c) => capabilities(c.kind).answersPeers && !isClosed(c), l10n.t('Reply from which UDP socket?'));
        if (!t) return undefined;
        const info = kit.must(t.id);
        const peer = capabilities(info.kind).answersPeers ? kit.lastPeer(info.id) : undefined;
        if (!peer?.remote) {
          const msg = l10n.t('{0} has not heard from any peer yet.', connectionLabel(info));
          if (!t.interactive) throw new CommandOptionsError(msg);
          void kit.showError(msg);
          return undefined;
        }
        const to = { address: peer.remote.address, port: peer.remote.port };
        if (inv.via !== 'api') return sendInteractive(info, to);
        const { send } = inv.options;
        await registry.send(info.id, send.payload, { to, ...(send.framed !== undefined ? { framed: send.framed } : {}) });
        log.info(`replied ${send.payload.length} bytes from ${info.id} to its last peer ${formatEndpoint(to)}`);
        return send.payload.length;
      },
    },
    'socketDebugger.sendOnAccept': {
      arg: 'target',
      check: (o) => {
        const id = checkId(o);
        if (o.off === true) return { id };
        return { id, payload: checkSendOptions(o, kit.must(id), false).payload };
      },
      run: async (inv) => {
        const t = await kit.target(inv, (c) => capabilities(c.kind).acceptsClients && !isClosed(c), l10n.t('Greet the clients of which server?'));
        if (!t) return false;
        const info = kit.must(t.id);
        if (!capabilities(info.kind).acceptsClients) {
          const msg = l10n.t('{0} is not a TCP server.', connectionLabel(info));
          if (!t.interactive) throw new CommandOptionsError(msg);
          void kit.showError(msg);
          return false;
        }
        let payload: Buffer | undefined;
        if (inv.via === 'api') payload = inv.options.payload;
        else {
          const current = greetings.get(info.id);
          const text = await vscode.window.showInputBox({
            title: l10n.t('Send on Accept: {0}', connectionLabel(info)),
            prompt: l10n.t('First words to every client that connects, framed with {0} (text with escapes, "hex: …" or "b64: …"); empty: stop greeting', info.framing),
            value: current ? `hex: ${current.toString('hex')}` : '',
            ignoreFocusOut: true,
            validateInput: (s) => {
              if (s === '') return undefined;
              try {
                parseTyped(s, info.encoding);
                return undefined;
              } catch (e) {
                return errorMessage(e);
              }
            },
          });
          if (text === undefined) return false;
          payload = text === '' ? undefined : parseTyped(text, info.encoding);
        }
        setGreeting(info.id, payload);
        return true;
      },
    },
  };
}
