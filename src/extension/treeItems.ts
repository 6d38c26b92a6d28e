/**
 * How the Connections tree draws a row. A row stays readable in a narrow side bar: the label is the part that tells
 * rows apart (`TCP :8888`, `:53144` for an accepted client on loopback, `→ :8888` for a client), the description
 * starts with the live counters and ends with the id the composer uses (`c2`); the tooltip has the rest (addresses,
 * counts in full, framing, encoding, times). A first connect in progress gets a row of its own with Cancel
 * (`connecting to :8888…`, how long it has been trying).
 */
import * as vscode from 'vscode';
import type { ConnectionInfo, ConnectionKind, ConnectionState, PendingConnect } from '../core/types';
import { compactEndpoint, formatClockTime, formatDateTime, formatElapsed, formatEndpoint, formatHostPort } from '../shared/format';
import { formatCounters } from './format';
import { isContainer, menuContext } from '../shared/connections';

/** the contextValue of a pending connect's row (menus in package.json) */
export const PENDING_CONTEXT = 'pendingConnect';

const KIND_ICON: Record<ConnectionKind, string> = {
  'tcp-server': 'server',
  'tcp-peer': 'plug',
  'tcp-client': 'arrow-swap',
  udp: 'broadcast',
  'udp-peer': 'radio-tower',
  'relay-pair': 'arrow-both',
};

export function kindLabel(kind: ConnectionKind): string {
  switch (kind) {
    case 'tcp-server':
      return vscode.l10n.t('TCP server');
    case 'tcp-peer':
      return vscode.l10n.t('TCP client (accepted)');
    case 'tcp-client':
      return vscode.l10n.t('TCP client');
    case 'udp':
      return vscode.l10n.t('UDP socket');
    case 'udp-peer':
      return vscode.l10n.t('UDP peer');
    case 'relay-pair':
      return vscode.l10n.t('Relay pair');
  }
}

export function stateLabel(state: ConnectionState): string {
  switch (state) {
    case 'connecting':
      return vscode.l10n.t('connecting');
    case 'reconnecting':
      return vscode.l10n.t('reconnecting');
    case 'listening':
      return vscode.l10n.t('listening');
    case 'open':
      return vscode.l10n.t('open');
    case 'half-closed':
      return vscode.l10n.t('half-closed');
    case 'closed':
      return vscode.l10n.t('closed');
    case 'error':
      return vscode.l10n.t('error');
  }
}

function stateIcon(info: ConnectionInfo): vscode.ThemeIcon {
  switch (info.state) {
    case 'connecting':
    case 'reconnecting':
      return new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.yellow'));
    case 'error':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    case 'closed':
      return new vscode.ThemeIcon(isContainer(info) ? KIND_ICON[info.kind] : 'debug-disconnect', new vscode.ThemeColor('disabledForeground'));
    case 'half-closed':
      return new vscode.ThemeIcon(KIND_ICON[info.kind], new vscode.ThemeColor('charts.orange'));
    case 'listening':
    case 'open':
      return new vscode.ThemeIcon(KIND_ICON[info.kind], new vscode.ThemeColor(isContainer(info) ? 'charts.green' : 'charts.blue'));
  }
}

/** the connection in full, as messages name it: "TCP server 127.0.0.1:8888", "TCP client → 127.0.0.1:8888" */
export function connectionLabel(info: ConnectionInfo): string {
  const local = formatEndpoint(info.local);
  const remote = formatEndpoint(info.remote);
  switch (info.kind) {
    case 'tcp-server':
      return vscode.l10n.t('TCP server {0}', local || info.label);
    case 'udp':
      return vscode.l10n.t('UDP {0}', local || info.label);
    case 'tcp-client':
      return vscode.l10n.t('TCP client → {0}', remote || info.label);
    case 'tcp-peer':
    case 'udp-peer':
    case 'relay-pair':
      return remote || info.label;
  }
}

/**
 * The row's label, the part that tells rows apart: "TCP :8888", "UDP :9999", "→ :8888" (a client), ":53144" (a
 * server's client or a UDP peer). The host shows when it is not loopback (nor, for a child, its parent's host).
 */
export function rowLabel(info: ConnectionInfo, parent?: ConnectionInfo): string {
  switch (info.kind) {
    case 'tcp-server':
      return vscode.l10n.t('TCP {0}', info.local ? compactEndpoint(info.local) : info.label);
    case 'udp':
      return vscode.l10n.t('UDP {0}', info.local ? compactEndpoint(info.local) : info.label);
    case 'tcp-client':
      return `→ ${info.remote ? compactEndpoint(info.remote) : info.label}`;
    case 'tcp-peer':
    case 'udp-peer':
    case 'relay-pair':
      return info.remote ? compactEndpoint(info.remote, parent?.local?.address) : info.label;
  }
}

/** the row's description: the state when it is not the usual one, the counters, the id ("↓ 26 B/2 ↑ 12 B/1 · c2") */
export function rowDescription(info: ConnectionInfo): string {
  const parts: string[] = [];
  if (info.state !== 'open' && info.state !== 'listening') parts.push(stateLabel(info.state));
  parts.push(formatCounters(info), info.id);
  return parts.join(' · ');
}

export function connectionTreeItem(info: ConnectionInfo, parent?: ConnectionInfo): vscode.TreeItem {
  const container = isContainer(info);
  const item = new vscode.TreeItem(rowLabel(info, parent), container ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
  item.id = info.id;
  item.iconPath = stateIcon(info);
  item.contextValue = menuContext(info);
  item.description = rowDescription(info);
  item.tooltip = connectionTooltip(info);
  item.accessibilityInformation = { label: `${info.id} ${kindLabel(info.kind)} ${connectionLabel(info)}, ${stateLabel(info.state)}, ${formatCounters(info)}` };
  return item;
}

/** "1 chunk", "2,048 chunks": the count with thousands separators, in the singular for one */
function counted(n: number, what: 'byte' | 'frame' | 'chunk'): string {
  const num = n.toLocaleString('en-US');
  switch (what) {
    case 'byte':
      return n === 1 ? vscode.l10n.t('1 byte') : vscode.l10n.t('{0} bytes', num);
    case 'frame':
      return n === 1 ? vscode.l10n.t('1 frame') : vscode.l10n.t('{0} frames', num);
    case 'chunk':
      return n === 1 ? vscode.l10n.t('1 chunk') : vscode.l10n.t('{0} chunks', num);
  }
}

/** markdown-escapes a tooltip cell; a line break (in an error message, say) would end the table row */
function esc(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

export function connectionTooltip(info: ConnectionInfo): vscode.MarkdownString {
  const rows: Array<[string, string]> = [
    [vscode.l10n.t('Kind'), kindLabel(info.kind)],
    [vscode.l10n.t('State'), stateLabel(info.state) + (info.closeReason ? ` (${info.closeReason})` : '')],
  ];
  if (info.local) rows.push([vscode.l10n.t('Local address'), formatEndpoint(info.local)]);
  if (info.remote) rows.push([vscode.l10n.t('Remote address'), formatEndpoint(info.remote)]);
  rows.push(
    [vscode.l10n.t('Framing'), info.framing],
    [vscode.l10n.t('Encoding'), info.encoding],
    [vscode.l10n.t('Opened'), formatDateTime(info.openedAt)],
  );
  if (info.closedAt) rows.push([vscode.l10n.t('Closed'), formatDateTime(info.closedAt)]);
  const s = info.stats;
  rows.push(
    [vscode.l10n.t('Received'), [counted(s.bytesIn, 'byte'), counted(s.framesIn, 'frame'), counted(s.chunksIn, 'chunk')].join(', ')],
    [vscode.l10n.t('Sent'), [counted(s.bytesOut, 'byte'), counted(s.framesOut, 'frame')].join(', ')],
  );
  if (info.error) rows.push([vscode.l10n.t('Last error'), info.error]);
  const md = new vscode.MarkdownString(`**${esc(connectionLabel(info))}** \`${info.id}\`\n\n| | |\n|---|---|\n`);
  for (const [k, v] of rows) md.appendMarkdown(`| ${esc(k)} | ${esc(v)} |\n`);
  return md;
}

/**
 * "connecting to :8888…" (a loopback host left out, as on the other rows) or, `full`, "connecting to 127.0.0.1:8888…":
 * a first connect in progress
 */
export function pendingLabel(p: PendingConnect, full = false): string {
  return vscode.l10n.t('connecting to {0}…', full ? formatHostPort(p.host, p.port) : compactEndpoint({ address: p.host, port: p.port }));
}

export function pendingTreeItem(p: PendingConnect, now = Date.now()): vscode.TreeItem {
  const item = new vscode.TreeItem(pendingLabel(p), vscode.TreeItemCollapsibleState.None);
  item.id = `pending:${p.id}`;
  item.iconPath = new vscode.ThemeIcon('loading~spin');
  item.contextValue = PENDING_CONTEXT;
  const elapsed = formatElapsed(now - p.startedAt);
  item.description = `${elapsed} · ${p.id}`;
  const md = new vscode.MarkdownString(`**${esc(pendingLabel(p, true))}** \`${p.id}\`\n\n`);
  md.appendMarkdown(esc(vscode.l10n.t('Trying since {0} ({1}). Cancel stops the attempt.', formatClockTime(p.startedAt), elapsed)));
  item.tooltip = md;
  item.accessibilityInformation = { label: vscode.l10n.t('{0} {1}, for {2}', p.id, pendingLabel(p, true), elapsed) };
  return item;
}
