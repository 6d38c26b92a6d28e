/**
 * The Packet Composer panel: one WebviewPanel (created on demand, revealed when it exists), a strict CSP
 * with a per-load nonce, resources only from dist/webview, and a ComposerHost doing the work. No
 * retainContextWhenHidden: the webview restores its drafts with setState and the host resends history.
 */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { IConnectionRegistry } from '../../core/types';
import type { InitMessage } from '../../shared/protocol';
import { WEBVIEW_STRINGS } from '../../shared/strings';
import { readConfig } from '../config';
import { ComposerHost } from './host';
import type { RelayLanes } from './relayLanes';
import type { BridgeOptions } from './bridge';
import type { ProtocolModel } from '../../core/protocol/model';
import type { FrameRecord } from '../../core/types';

/** What the composer takes from protocol files attached to connections (src/extension/protocol). */
export interface ComposerProtocol {
  /** a note shown with a frame: the message it is */
  annotate: NonNullable<BridgeOptions['annotate']>;
  /** Message mode: the layouts for a connection */
  messagesFor(conn: string): ProtocolModel | undefined;
  /** a file was attached, detached or reloaded */
  onDidChangeFiles: vscode.Event<void>;
}

export const COMPOSER_VIEW_TYPE = 'socketDebugger.composer';

export interface ComposerController extends vscode.Disposable {
  /** Opens (or reveals) the composer, preselecting `target` (a connection id) when given. */
  open(target?: string): void;
  /** Points an open composer at a connection (a click on its tree row) without revealing or focusing it. */
  retarget(target: string): void;
  /** the live panel, if open (tests) */
  readonly panel: vscode.WebviewPanel | undefined;
}

function readSettings(): InitMessage['settings'] {
  const c = readConfig();
  return { displayMode: c.displayMode, timestampFormat: c.timestampFormat, maxFrames: c.composerMaxFrames };
}

/**
 * Translations of the webview's strings (WEBVIEW_STRINGS), from the extension's l10n bundle of the display language
 * (l10n/bundle.l10n.<lang>.json; undefined in English). Embedded in the page; the webview's t() looks them up.
 */
export function webviewStrings(bundle: { [key: string]: string } | undefined = vscode.l10n.bundle): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of WEBVIEW_STRINGS) {
    const v = bundle?.[s];
    if (typeof v === 'string' && v !== s) out[s] = v;
  }
  return out;
}

export function composerHtml(webview: vscode.Webview, extensionUri: vscode.Uri, nonce: string, title: string): string {
  const root = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
  const js = webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.js'));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.css'));
  const codicons = webview.asWebviewUri(vscode.Uri.joinPath(root, 'codicons', 'codicon.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="${esc(vscode.env.language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${codicons.toString()}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" nonce="${nonce}" href="${css.toString()}">
<title>${esc(title)}</title>
</head>
<body>
<script type="application/json" id="sockdbg-l10n" nonce="${nonce}">${JSON.stringify(webviewStrings()).replace(/</g, '\\u003c')}</script>
<script nonce="${nonce}" src="${js.toString()}"></script>
</body>
</html>`;
}

export function registerComposer(context: vscode.ExtensionContext, registry: IConnectionRegistry, log: vscode.LogOutputChannel, protocol?: ComposerProtocol, relays?: RelayLanes): ComposerController {
  let panel: vscode.WebviewPanel | undefined;
  let host: ComposerHost | undefined;

  const open = (target?: string): void => {
    if (panel && host) {
      host.focus(target);
      panel.reveal(undefined, false);
      return;
    }
    const p = vscode.window.createWebviewPanel(
      COMPOSER_VIEW_TYPE,
      vscode.l10n.t('Packet Composer'),
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      webviewOptions(),
    );
    attach(p, target);
    log.info('composer: opened');
  };

  const webviewOptions = (): vscode.WebviewPanelOptions & vscode.WebviewOptions => ({
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview')],
  });

  /** Wires a panel (new, or restored by VS Code after a reload) to a ComposerHost. */
  const attach = (p: vscode.WebviewPanel, target?: string): void => {
    const title = vscode.l10n.t('Packet Composer');
    p.title = title;
    p.webview.options = webviewOptions();
    const h = new ComposerHost({
      registry,
      // a message to a panel being disposed is dropped, never an unhandled rejection
      post: (m) => {
        try {
          return Promise.resolve(p.webview.postMessage(m)).catch(() => false);
        } catch {
          return Promise.resolve(false);
        }
      },
      writeClipboard: (text) => vscode.env.clipboard.writeText(text),
      log,
      t: (message, ...args) => vscode.l10n.t(message, ...args),
      settings: readSettings,
      runCommand: (command, ...args) => vscode.commands.executeCommand(command, ...args),
      ...(relays ? { relays } : {}),
      // notes and Message mode: a connection's attached protocol file, or a relay pair's relay's
      bridge: { annotate: (conn: string, frame: FrameRecord) => relays?.annotate(conn, frame) ?? protocol?.annotate(conn, frame) },
      messagesFor: (conn: string) => relays?.messagesFor(conn) ?? protocol?.messagesFor(conn),
      ...(protocol ? { onMessagesChanged: (listener: () => void) => protocol.onDidChangeFiles(listener) } : {}),
    });
    h.focus(target);
    panel = p;
    host = h;
    const render = (): void => {
      p.webview.html = composerHtml(p.webview, context.extensionUri, crypto.randomBytes(16).toString('base64'), title);
    };
    const subs: vscode.Disposable[] = [
      p.webview.onDidReceiveMessage((raw: unknown) => void h.handle(raw)),
      p.onDidChangeViewState((e) => {
        // Hidden: the webview is torn down (no retainContextWhenHidden); it sends "ready" when it is back.
        if (!e.webviewPanel.visible) h.bridge.setActive(false);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('socketDebugger') && p.visible) render();
      }),
    ];
    p.onDidDispose(() => {
      for (const s of subs) s.dispose();
      h.dispose();
      if (panel === p) {
        panel = undefined;
        host = undefined;
      }
    });
    render();
  };

  // After a window reload VS Code restores the panel (its drafts come back through the webview's state).
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(COMPOSER_VIEW_TYPE, {
      deserializeWebviewPanel: async (p: vscode.WebviewPanel) => {
        if (panel) {
          p.dispose();
          return;
        }
        attach(p);
        log.info('composer: restored');
      },
    }),
  );

  const controller: ComposerController = {
    open,
    retarget(target) {
      host?.focus(target);
    },
    get panel() {
      return panel;
    },
    dispose() {
      panel?.dispose();
    },
  };
  context.subscriptions.push(controller);
  return controller;
}
