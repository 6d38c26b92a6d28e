/**
 * The Connections tree: servers with their accepted clients, TCP clients, UDP sockets with the peers they have heard
 * from, plus root sections added by other parts (see `TreeSection` in services.ts). Driven by the registry's events;
 * refreshes are coalesced: the first change after a quiet moment shows within FIRST_REFRESH_MS, and while data flows
 * refreshes come every REFRESH_MS — further apart than the workbench's own 200 ms debounce of tree changes, which
 * would otherwise swallow a steady stream of refreshes until the traffic stopped (counters frozen under load).
 */
import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../core/registry';
import type { ConnectionInfo, ConnectionKind, ConnectionState } from '../core/types';
import { formatDateTime, formatEndpoint } from '../shared/format';
import { formatCounters } from './format';
import { isContainer, menuContext } from '../shared/connections';
import type { TreeSection } from './services';

export interface ConnectionNode {
  readonly type: 'connection';
  readonly id: string;
}
export interface SectionNode {
  readonly type: 'section';
  readonly section: TreeSection;
}
export interface SectionItemNode {
  readonly type: 'section-item';
  readonly section: TreeSection;
  readonly item: unknown;
}
export type TreeNode = ConnectionNode | SectionNode | SectionItemNode;

export function isConnectionNode(v: unknown): v is ConnectionNode {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'connection' && typeof (v as { id?: unknown }).id === 'string';
}

/** while changes keep coming, one refresh every REFRESH_MS (> the workbench's 200 ms debounce, < 1 s) */
export const REFRESH_MS = 400;
/** the first change after a quiet moment is shown this soon */
export const FIRST_REFRESH_MS = 50;

export class ConnectionsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined | void>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly nodes = new Map<string, ConnectionNode>();
  private readonly parents = new Map<string, string | undefined>();
  private readonly sections: Array<{ section: TreeSection; node: SectionNode; items: Map<unknown, SectionItemNode> }> = [];
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastFlush = 0;
  private structural = false;
  private readonly dirty = new Set<string>();
  /** how many refresh events were fired (tests check the throttling) */
  refreshCount = 0;

  constructor(private readonly registry: ConnectionRegistry) {
    this.disposables.push(
      this.changeEmitter,
      registry.onDidOpen((e) => {
        this.parents.set(e.id, e.info.parentId);
        this.schedule(undefined);
      }),
      registry.onDidClose((e) => this.schedule(e.id, true)),
      registry.onDidChangeState((e) => this.schedule(e.id, true)),
      registry.onDidReceiveChunk((e) => this.schedule(e.id)),
    );
  }

  // ---- refresh -----------------------------------------------------------------------------

  /** schedules a throttled refresh: of one connection (and its parent), or of everything */
  schedule(id: string | undefined, structural = false): void {
    if (id === undefined || structural) this.structural = true;
    else {
      this.dirty.add(id);
      const parent = this.parents.get(id);
      if (parent) this.dirty.add(parent);
    }
    if (this.timer) return;
    const wait = Math.max(FIRST_REFRESH_MS, this.lastFlush + REFRESH_MS - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = undefined;
    this.lastFlush = Date.now();
    this.refreshCount++;
    if (this.structural) {
      this.structural = false;
      this.dirty.clear();
      this.changeEmitter.fire(undefined);
      return;
    }
    const nodes: TreeNode[] = [];
    for (const id of this.dirty) {
      const n = this.nodes.get(id);
      if (n) nodes.push(n);
    }
    this.dirty.clear();
    if (nodes.length) this.changeEmitter.fire(nodes);
  }

  /** resolves after any pending refresh has fired (tests) */
  async settled(): Promise<void> {
    while (this.timer) await new Promise((r) => setTimeout(r, FIRST_REFRESH_MS));
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
  }

  // ---- sections ----------------------------------------------------------------------------

  addSection<T>(section: TreeSection<T>): vscode.Disposable {
    if (this.sections.some((s) => s.section.id === section.id)) throw new Error(`tree section "${section.id}" is already registered`);
    const entry = { section: section as TreeSection, node: { type: 'section', section: section as TreeSection } as SectionNode, items: new Map<unknown, SectionItemNode>() };
    this.sections.push(entry);
    const sub = section.onDidChange?.(() => this.schedule(undefined));
    this.schedule(undefined);
    return new vscode.Disposable(() => {
      sub?.dispose();
      const i = this.sections.indexOf(entry);
      if (i >= 0) this.sections.splice(i, 1);
      this.schedule(undefined);
    });
  }

  // ---- TreeDataProvider --------------------------------------------------------------------

  private connectionNode(id: string): ConnectionNode {
    let n = this.nodes.get(id);
    if (!n) {
      n = { type: 'connection', id };
      this.nodes.set(id, n);
    }
    return n;
  }

  async getChildren(element?: TreeNode): Promise<TreeNode[]> {
    if (!element) {
      const live = new Set<string>();
      const roots: TreeNode[] = [];
      for (const info of this.registry.list()) {
        live.add(info.id);
        this.parents.set(info.id, info.parentId);
        if (info.parentId === undefined) roots.push(this.connectionNode(info.id));
      }
      for (const id of [...this.nodes.keys()]) {
        if (!live.has(id)) {
          this.nodes.delete(id);
          this.parents.delete(id);
        }
      }
      for (const s of this.sections) {
        if (s.section.showWhenEmpty) roots.push(s.node);
        else {
          const items = await s.section.getChildren();
          if (items.length) roots.push(s.node);
        }
      }
      return roots;
    }
    if (element.type === 'connection') {
      return this.registry.children(element.id).map((c) => this.connectionNode(c.id));
    }
    const entry = this.sections.find((s) => s.section === element.section);
    if (!entry) return [];
    const items = await entry.section.getChildren(element.type === 'section' ? undefined : element.item);
    return items.map((item) => {
      let n = entry.items.get(item);
      if (!n) {
        n = { type: 'section-item', section: entry.section, item };
        entry.items.set(item, n);
      }
      return n;
    });
  }

  getParent(element: TreeNode): TreeNode | undefined {
    if (element.type === 'connection') {
      const parent = this.registry.get(element.id)?.parentId;
      return parent ? this.connectionNode(parent) : undefined;
    }
    return undefined;
  }

  async getTreeItem(element: TreeNode): Promise<vscode.TreeItem> {
    if (element.type === 'section') {
      const s = element.section;
      const item = new vscode.TreeItem(s.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `section:${s.id}`;
      item.iconPath = s.iconPath;
      item.contextValue = s.contextValue ?? `section.${s.id}`;
      const d = s.description?.();
      if (d) item.description = d;
      return item;
    }
    if (element.type === 'section-item') return element.section.getTreeItem(element.item);
    const info = this.registry.get(element.id);
    if (!info) return new vscode.TreeItem(element.id);
    return connectionTreeItem(info);
  }
}

// ---- rendering -------------------------------------------------------------------------------

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

/** the row's label: the address that identifies it */
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

export function connectionTreeItem(info: ConnectionInfo): vscode.TreeItem {
  const container = isContainer(info);
  const item = new vscode.TreeItem(
    connectionLabel(info),
    container ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
  );
  item.id = info.id;
  item.iconPath = stateIcon(info);
  item.contextValue = menuContext(info);
  const parts: string[] = [info.id];
  if (info.state !== 'open' && info.state !== 'listening') parts.push(stateLabel(info.state));
  parts.push(formatCounters(info));
  item.description = parts.join(' · ');
  item.tooltip = connectionTooltip(info);
  item.accessibilityInformation = { label: `${kindLabel(info.kind)} ${connectionLabel(info)}, ${stateLabel(info.state)}, ${formatCounters(info)}` };
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
