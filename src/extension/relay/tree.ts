/** The Relays view: each relay, its client pairs and their two lanes with counters (over core's RelayView snapshots). */
import * as vscode from 'vscode';
import { formatByteSize, formatEndpoint, formatHostPort } from '../../shared/format';
import { describeFaults, type Lane, type LaneSnapshot, type PairSnapshot, type RelaySnapshot } from '../../core/relay';
import type { RelayService } from './service';

export type RelayNode = { kind: 'relay'; relay: string } | { kind: 'pair'; relay: string; pair: string } | { kind: 'lane'; relay: string; pair: string; lane: Lane };

export function isRelayNode(v: unknown): v is RelayNode {
  const n = v as { kind?: unknown; relay?: unknown };
  return typeof v === 'object' && v !== null && (n.kind === 'relay' || n.kind === 'pair' || n.kind === 'lane') && typeof n.relay === 'string';
}

function laneText(l: LaneSnapshot): string {
  const c = l.counters;
  const dropped = c.dropped > 0 ? vscode.l10n.t(', {0} dropped', formatByteSize(c.dropped)) : '';
  return `${formatByteSize(c.bytesIn)} → ${formatByteSize(c.bytesOut)}${dropped}`;
}

export class RelaysTreeProvider implements vscode.TreeDataProvider<RelayNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RelayNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly service: RelayService) {}

  private get relays(): RelayService['views'] {
    return this.service.views;
  }

  /** refreshes at most 10 times a second */
  refresh(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.changed.fire(undefined);
    }, 100);
  }

  private snap(relay: string): RelaySnapshot | undefined {
    return this.relays.get(relay)?.snapshot();
  }

  private pair(relay: string, pair: string): PairSnapshot | undefined {
    return this.snap(relay)?.pairs.find((p) => p.id === pair);
  }

  getChildren(node?: RelayNode): RelayNode[] {
    if (!node) return [...this.relays.keys()].map((relay) => ({ kind: 'relay', relay }));
    if (node.kind === 'relay') return (this.snap(node.relay)?.pairs ?? []).map((p) => ({ kind: 'pair', relay: node.relay, pair: p.id }));
    if (node.kind === 'pair') return (['c2s', 's2c'] as const).map((lane) => ({ kind: 'lane', relay: node.relay, pair: node.pair, lane }));
    return [];
  }

  getTreeItem(node: RelayNode): vscode.TreeItem {
    if (node.kind === 'relay') {
      const s = this.snap(node.relay);
      const local = s?.local ? formatEndpoint(s.local) : '?';
      const item = new vscode.TreeItem(vscode.l10n.t('Relay {0} → {1}', local, s ? formatHostPort(s.upstream.host, s.upstream.port) : '?'), vscode.TreeItemCollapsibleState.Expanded);
      const faults = describeFaults(this.relays.get(node.relay)?.relay.faults);
      const recording = this.service.isRecording(node.relay);
      item.description = `${s?.proto ?? ''} · ${vscode.l10n.t('{0} pairs', String(s?.pairs.filter((p) => p.state === 'open').length ?? 0))}${faults ? ` · ${faults}` : ''}${recording ? ` · ${vscode.l10n.t('recording')}` : ''}`;
      item.tooltip = `${node.relay}: ${typeof item.label === 'string' ? item.label : ''}\n${vscode.l10n.t('seed {0}', String(s?.seed ?? ''))}${faults ? `\n${faults}` : ''}${recording ? `\n${vscode.l10n.t('recording')}` : ''}`;
      item.iconPath = new vscode.ThemeIcon(recording ? 'record' : 'arrow-swap', recording ? new vscode.ThemeColor('charts.red') : undefined);
      item.contextValue = recording ? 'relay.recording' : 'relay';
      item.id = node.relay;
      return item;
    }
    const p = this.pair(node.relay, node.pair);
    if (node.kind === 'pair') {
      const item = new vscode.TreeItem(`${node.pair} ${p ? formatEndpoint(p.client) : ''}`, vscode.TreeItemCollapsibleState.Collapsed);
      item.description = p?.state === 'open' ? vscode.l10n.t('open') : vscode.l10n.t('closed ({0})', p?.reason ?? '');
      item.iconPath = new vscode.ThemeIcon('plug', new vscode.ThemeColor(p?.state === 'open' ? 'charts.green' : 'disabledForeground'));
      item.contextValue = `relayPair.${this.snap(node.relay)?.proto ?? 'tcp'}.${p?.state ?? 'closed'}`;
      item.id = `${node.relay}/${node.pair}`;
      return item;
    }
    const l = p?.lanes[node.lane];
    const label = node.lane === 'c2s' ? vscode.l10n.t('c2s: client → server') : vscode.l10n.t('s2c: server → client');
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.description = l ? `${laneText(l)}${l.held ? vscode.l10n.t(' (held, {0} waiting)', formatByteSize(l.pending)) : ''}` : '';
    item.iconPath = new vscode.ThemeIcon(node.lane === 'c2s' ? 'arrow-right' : 'arrow-left');
    item.contextValue = `relayLane.${this.snap(node.relay)?.proto ?? 'tcp'}.${p?.state ?? 'closed'}${l?.held ? '.held' : ''}`;
    item.id = `${node.relay}/${node.pair}/${node.lane}`;
    return item;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }
}
