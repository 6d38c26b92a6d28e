/**
 * The Connections tree: servers with their accepted clients, TCP clients, UDP sockets with the peers they have heard
 * from, plus root sections added by other parts (see `TreeSection` in services.ts). Driven by the registry's events;
 * refreshes are coalesced: the first change after a quiet moment shows within FIRST_REFRESH_MS, and while data flows
 * refreshes come every REFRESH_MS — further apart than the workbench's own 200 ms debounce of tree changes, which
 * would otherwise swallow a steady stream of refreshes until the traffic stopped (counters frozen under load).
 * A TCP client's first connect in progress is a row of its own (with Cancel) whose elapsed time ticks every second.
 * How a row looks is treeItems.ts.
 */
import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../core/registry';
import type { TreeSection } from './services';
import { connectionTreeItem, pendingTreeItem } from './treeItems';

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
/** a TCP client's first connect in progress (id: the connection's id to be) */
export interface PendingNode {
  readonly type: 'pending';
  readonly id: string;
}
export type TreeNode = ConnectionNode | PendingNode | SectionNode | SectionItemNode;

function isIdNode(v: unknown, type: string): boolean {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === type && typeof (v as { id?: unknown }).id === 'string';
}

export function isConnectionNode(v: unknown): v is ConnectionNode {
  return isIdNode(v, 'connection');
}

export function isPendingNode(v: unknown): v is PendingNode {
  return isIdNode(v, 'pending');
}

/** how often a pending connect's row shows its elapsed time anew */
export const PENDING_TICK_MS = 1000;

/** while changes keep coming, one refresh every REFRESH_MS (> the workbench's 200 ms debounce, < 1 s) */
export const REFRESH_MS = 400;
/** the first change after a quiet moment is shown this soon */
export const FIRST_REFRESH_MS = 50;

export class ConnectionsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined | void>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly nodes = new Map<string, ConnectionNode>();
  private readonly pendingNodes = new Map<string, PendingNode>();
  private ticker: ReturnType<typeof setInterval> | undefined;
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
      registry.onDidChangeConnecting(() => this.connectingChanged()),
    );
  }

  /** a first connect started or settled: show it, tick its elapsed time while any is pending, set the palette's context */
  private connectingChanged(): void {
    this.schedule(undefined);
    const pending = this.registry.pendingConnects().length > 0;
    void vscode.commands.executeCommand('setContext', 'socketDebugger.isConnecting', pending);
    if (pending && !this.ticker) {
      this.ticker = setInterval(() => {
        if (this.pendingNodes.size) this.changeEmitter.fire([...this.pendingNodes.values()]);
      }, PENDING_TICK_MS);
    } else if (!pending && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
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
    if (this.ticker) clearInterval(this.ticker);
    this.timer = undefined;
    this.ticker = undefined;
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
      const pending = new Set<string>();
      for (const p of this.registry.pendingConnects()) {
        if (live.has(p.id)) continue;
        pending.add(p.id);
        let n = this.pendingNodes.get(p.id);
        if (!n) {
          n = { type: 'pending', id: p.id };
          this.pendingNodes.set(p.id, n);
        }
        roots.push(n);
      }
      for (const id of [...this.pendingNodes.keys()]) if (!pending.has(id)) this.pendingNodes.delete(id);
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
    if (element.type === 'pending') return [];
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
    if (element.type === 'pending') {
      const p = this.registry.pendingConnects().find((c) => c.id === element.id);
      return p ? pendingTreeItem(p) : new vscode.TreeItem(element.id);
    }
    const info = this.registry.get(element.id);
    if (!info) return new vscode.TreeItem(element.id);
    return connectionTreeItem(info, info.parentId === undefined ? undefined : this.registry.get(info.parentId));
  }
}
