/** What every command flow shares: the services, error notifications, connection lookup and picking, and the tail of a create. */
import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../../core/registry';
import type { ConnectionInfo, HistorySnapshot } from '../../core/types';
import { CommandOptionsError, checkId, type RawOptions } from '../commandOptions';
export { errorCode, errorMessage } from '../../shared/errors';
import { readConfig } from '../config';
import { formatEndpoint } from '../../shared/format';
import { pickConnection } from '../prompts';
import { isClosedState } from '../../shared/connections';
import type { ConnectionsTreeProvider } from '../tree';
import type { PacketLibrary } from '../packets';
import type { Invocation } from './table';
import type { RelayService } from '../relay/service';

export interface CommandContext {
  readonly context: vscode.ExtensionContext;
  readonly registry: ConnectionRegistry;
  readonly log: vscode.LogOutputChannel;
  readonly tree: ConnectionsTreeProvider;
  readonly treeView: vscode.TreeView<unknown> | undefined;
  /** opens the packet composer (on a connection when given) */
  openComposer(id?: string): Promise<void>;
  /** tells an open composer that these connections' history was cleared */
  historyCleared(ids: readonly string[]): void;
  /** messages of the error notifications shown so far (tests) */
  readonly errorsShown: string[];
  /** the saved packet library (sockdbg.packets.json) */
  readonly packets: PacketLibrary;
  /** the running relays (the Relays view) */
  readonly relays: RelayService;
}

/** the connection a command acts on, and whether a person is there to answer prompts */
export interface Target {
  readonly id: string;
  readonly interactive: boolean;
}

export class CommandKit {
  readonly registry: ConnectionRegistry;
  readonly log: vscode.LogOutputChannel;

  constructor(readonly cx: CommandContext) {
    this.registry = cx.registry;
    this.log = cx.log;
  }

  async showError(message: string, ...actions: string[]): Promise<string | undefined> {
    this.cx.errorsShown.push(message);
    this.log.error(message);
    const showLog = vscode.l10n.t('Show Log');
    const picked = await vscode.window.showErrorMessage(message, ...actions, showLog);
    if (picked === showLog) this.log.show(true);
    return picked;
  }

  /** a `path` option as a URI: a URI string as it is, anything else a file path */
  uriOf(path: string): vscode.Uri {
    return /^[a-z][\w+.-]+:\/\//i.test(path) ? vscode.Uri.parse(path) : vscode.Uri.file(path);
  }

  /** the connection, or a CommandOptionsError naming the id */
  must(id: string): ConnectionInfo {
    const info = this.registry.get(id);
    if (!info) throw new CommandOptionsError(`no connection with id "${id}"`);
    return info;
  }

  /** a connection, or a relay pair (`r1.p1`: its lanes as the directions, see RelayLanes) */
  traffic(id: string): { info: ConnectionInfo; history: HistorySnapshot } | undefined {
    const info = this.registry.get(id);
    if (info) return { info, history: this.registry.history(id) };
    const lanes = this.cx.relays.lanes;
    const pair = lanes.get(id);
    return pair ? { info: pair, history: lanes.history(id) } : undefined;
  }

  /** `options.id`, checked to name a connection or a relay pair */
  mustTrafficId(o: RawOptions): string {
    const id = checkId(o);
    if (!this.traffic(id)) throw new CommandOptionsError(`no connection or relay pair with id "${id}"`);
    return id;
  }

  /** `options.id`, checked to name a connection */
  mustId(o: RawOptions): string {
    const id = checkId(o);
    this.must(id);
    return id;
  }

  /**
   * The connection an invocation acts on: the tree row, `options.id`, or a pick among the open connections that
   * pass `filter` (undefined when the user cancels).
   */
  async target<O extends { id: string }>(inv: Invocation<O>, filter: (c: ConnectionInfo) => boolean, placeHolder: string): Promise<Target | undefined> {
    if (inv.via === 'tree') return { id: inv.id, interactive: true };
    if (inv.via === 'api') return { id: inv.options.id, interactive: false };
    const id = await pickConnection(this.registry.list().filter(filter), placeHolder);
    return id === undefined ? undefined : { id, interactive: true };
  }

  /** the peer a UDP socket heard from last (open), if any */
  lastPeer(id: string): ConnectionInfo | undefined {
    let best: ConnectionInfo | undefined;
    for (const p of this.registry.children(id)) if (!isClosedState(p.state) && p.remote && p.stats.framesIn > 0 && (!best || p.stats.lastActivity > best.stats.lastActivity)) best = p;
    return best;
  }

  lastPort(key: string, fallback: number): number {
    const v = this.cx.context.globalState.get<number>(`socketDebugger.lastPort.${key}`);
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535 ? v : fallback;
  }

  rememberPort(key: string, port: number): void {
    void this.cx.context.globalState.update(`socketDebugger.lastPort.${key}`, port);
  }

  /** the common tail of every create: log, reveal in the tree / open the composer, return the id */
  async created(info: ConnectionInfo, interactive: boolean, openComposer: boolean | undefined): Promise<string> {
    this.log.info(createdMessage(info));
    if (interactive && this.cx.treeView) {
      await this.cx.tree.settled();
      const node = { type: 'connection' as const, id: info.id };
      // the provider hands out one node object per id; reveal by that object
      const children = await this.cx.tree.getChildren();
      const same = children.find((n) => n.type === 'connection' && n.id === info.id) ?? node;
      await Promise.resolve(this.cx.treeView.reveal(same, { select: true, focus: false })).then(undefined, () => undefined);
    }
    if (openComposer ?? (interactive && readConfig().autoOpenComposer)) await this.cx.openComposer(info.id);
    return info.id;
  }
}

/** the log line of a new server, client or UDP socket */
function createdMessage(info: ConnectionInfo): string {
  switch (info.kind) {
    case 'tcp-server':
      return `TCP server ${info.id} listening on ${formatEndpoint(info.local) ?? ''} (framing ${info.framing}, encoding ${info.encoding})`;
    case 'tcp-client':
      return `TCP client ${info.id} connected to ${formatEndpoint(info.remote) ?? ''} from ${formatEndpoint(info.local) ?? ''}`;
    default:
      return `UDP socket ${info.id} bound to ${formatEndpoint(info.local) ?? ''}`;
  }
}
