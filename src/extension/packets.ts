/**
 * The saved packet library in the workbench: sockdbg.packets.json in the first workspace folder (src/shared/packets.ts
 * reads and writes it), shown as a "Saved Packets" section of the Connections view, kept in step with the file on
 * disk, filled from the composer's Save… button, and sent with one click. Commands:
 *   socketDebugger.packets.send   (a packet row, or {name, id?, to?: "host:port"}) → frames sent
 *   socketDebugger.packets.save   ({draft, framing?, to?, name?, interactive?}; asks for the name when none is given)
 *   socketDebugger.packets.open   opens (creates) the library file
 *   socketDebugger.packets.remove (a packet row, or {name})
 */
import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../core/registry';
import type { ConnectionInfo } from '../core/types';
import { canSend, capabilities, framesPerSend } from '../shared/connections';
import { errorMessage } from '../shared/errors';
import { parseHostPort } from '../shared/format';
import { isPacketName, packetLibraryText, packetSummary, parsePacketLibrary, PACKET_LIBRARY_FILE, withPacket, type SavedPacket } from '../shared/packets';
import { parseDraft, parseFramingChoice } from '../shared/protocol';
import { buildWire, wireSendOptions } from './composer/draft';
import { pickConnection } from './prompts';
import type { TreeSection } from './services';

export const PACKET_COMMANDS = {
  send: 'socketDebugger.packets.send',
  save: 'socketDebugger.packets.save',
  open: 'socketDebugger.packets.open',
  remove: 'socketDebugger.packets.remove',
} as const;

interface Deps {
  registry: ConnectionRegistry;
  log: vscode.LogOutputChannel;
  addTreeSection<T>(section: TreeSection<T>): vscode.Disposable;
}

function libraryUri(): vscode.Uri | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? vscode.Uri.joinPath(folder.uri, PACKET_LIBRARY_FILE) : undefined;
}

/** connections a packet can go to: the ones the kind's capabilities let send now (a server: with an open client) */
function sendable(registry: ConnectionRegistry): ConnectionInfo[] {
  return registry.list().filter((c) => canSend(c, registry.children(c.id)));
}

/** the packet a command argument names: a row of the section ({item}), or {name} */
function packetArg(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const o = arg as { item?: { name?: unknown }; name?: unknown };
  const name = o.item?.name ?? o.name;
  return typeof name === 'string' ? name : undefined;
}

export function registerPacketLibrary(context: vscode.ExtensionContext, deps: Deps): void {
  const { registry, log } = deps;
  const l10n = vscode.l10n;
  let packets: SavedPacket[] = [];
  let lastProblems = '';
  /** the file's text as last read or written: the watcher's echo of our own write (or a touch) changes nothing, so
   * the rows keep their elements (a click on a row being replaced would reach the command without its packet) */
  let lastText: string | undefined;
  const changed = new vscode.EventEmitter<void>();
  context.subscriptions.push(changed);

  async function load(): Promise<void> {
    const uri = libraryUri();
    let next: SavedPacket[] = [];
    if (uri) {
      try {
        const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
        if (text === lastText) return;
        lastText = text;
        const lib = parsePacketLibrary(JSON.parse(text));
        next = lib.packets;
        const problems = lib.problems.join('; ');
        if (problems && problems !== lastProblems) {
          log.warn(`${PACKET_LIBRARY_FILE}: left out ${lib.problems.length} entr${lib.problems.length === 1 ? 'y' : 'ies'}: ${problems}`);
          void vscode.window.showWarningMessage(l10n.t('{0}: {1} saved packet(s) left out: {2}', PACKET_LIBRARY_FILE, lib.problems.length, lib.problems[0]!));
        }
        lastProblems = problems;
      } catch (e) {
        lastText = undefined;
        if (!(e instanceof vscode.FileSystemError && e.code === 'FileNotFound')) {
          log.warn(`${PACKET_LIBRARY_FILE}: ${errorMessage(e)}`);
          if (lastProblems !== errorMessage(e)) void vscode.window.showWarningMessage(l10n.t('{0} could not be read: {1}', PACKET_LIBRARY_FILE, errorMessage(e)));
          lastProblems = errorMessage(e);
        }
      }
    }
    packets = next;
    changed.fire();
  }

  async function write(next: SavedPacket[]): Promise<void> {
    const uri = libraryUri();
    if (!uri) throw new Error(l10n.t('Open a folder first: the packet library is kept in the workspace ({0}).', PACKET_LIBRARY_FILE));
    const text = packetLibraryText(next);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    lastText = text;
    packets = next;
    changed.fire();
  }

  // ---- the tree section
  context.subscriptions.push(
    deps.addTreeSection<SavedPacket>({
      id: 'packets',
      label: l10n.t('Saved Packets'),
      iconPath: new vscode.ThemeIcon('bookmark'),
      description: () => String(packets.length),
      getChildren: (element) => (element ? [] : packets),
      getTreeItem: (p) => {
        const item = new vscode.TreeItem(p.name);
        item.id = `packet:${p.name}`;
        item.description = packetSummary(p.draft);
        item.tooltip = new vscode.MarkdownString().appendCodeblock(JSON.stringify({ draft: p.draft, framing: p.framing, ...(p.to ? { to: p.to } : {}) }, null, 2), 'json');
        item.iconPath = new vscode.ThemeIcon('mail');
        item.contextValue = 'savedPacket';
        return item;
      },
      onDidChange: changed.event,
    }),
  );

  // ---- commands
  async function send(arg: unknown): Promise<number | undefined> {
    const name = packetArg(arg);
    const p = packets.find((q) => q.name === name) ?? (name === undefined ? await pickPacket() : undefined);
    if (!p) throw new Error(name === undefined ? l10n.t('No saved packet was picked.') : l10n.t('There is no saved packet named "{0}".', name));
    const o = (typeof arg === 'object' && arg !== null ? arg : {}) as { id?: unknown; to?: unknown };
    const id = typeof o.id === 'string' ? o.id : await pickConnection(sendable(registry), l10n.t('Send "{0}" to which connection?', p.name));
    if (!id) return undefined;
    const c = registry.get(id);
    if (!c) throw new Error(l10n.t('Connection {0} no longer exists.', id));
    let to = p.to;
    if (typeof o.to === 'string') {
      const hp = parseHostPort(o.to);
      if (!hp) throw new Error(l10n.t('"{0}" is not host:port.', o.to));
      to = { host: hp.address, port: hp.port };
    }
    if (capabilities(c.kind).needsDestination && !to) {
      const typed = await vscode.window.showInputBox({ prompt: l10n.t('Send to which host:port?'), placeHolder: '127.0.0.1:9000', validateInput: (v) => (parseHostPort(v) ? undefined : l10n.t('Type host:port, e.g. 127.0.0.1:9000')) });
      const hp = typed ? parseHostPort(typed) : undefined;
      if (!hp) return undefined;
      to = { host: hp.address, port: hp.port };
    }
    const w = buildWire(p.draft, p.framing, c.framing);
    await registry.send(c.id, w.payload, wireSendOptions(w, capabilities(c.kind).takesDestination ? to : undefined));
    log.info(`sent saved packet "${p.name}" (${w.wire.length} bytes with ${w.framing}) to ${c.id}`);
    vscode.window.setStatusBarMessage(l10n.t('Sent "{0}" to {1}: {2} bytes on the wire', p.name, c.id, w.wire.length), 4000);
    return framesPerSend(c, registry.children(c.id));
  }

  async function pickPacket(): Promise<SavedPacket | undefined> {
    if (packets.length === 0) {
      void vscode.window.showInformationMessage(l10n.t('No saved packets yet: use Save… in the Packet Composer, or edit {0}.', PACKET_LIBRARY_FILE));
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      packets.map((p) => ({ label: p.name, description: packetSummary(p.draft), p })),
      { placeHolder: l10n.t('Which saved packet?'), matchOnDescription: true },
    );
    return picked?.p;
  }

  async function save(arg: unknown): Promise<string | undefined> {
    const o = (typeof arg === 'object' && arg !== null ? arg : {}) as { name?: unknown; draft?: unknown; framing?: unknown; to?: unknown };
    const draft = parseDraft(o.draft);
    if (!draft) throw new Error(l10n.t('Save a packet from the Packet Composer (its Save… button), or pass {draft, framing, name}.'));
    const framing = o.framing === undefined ? { kind: 'connection' as const } : parseFramingChoice(o.framing);
    if (!framing) throw new Error(l10n.t('framing must be {kind: "connection"}, {kind: "raw"} or {kind: "spec", spec}'));
    const to = typeof o.to === 'object' && o.to !== null ? (o.to as { host?: unknown; port?: unknown }) : undefined;
    let name = typeof o.name === 'string' ? o.name : undefined;
    if (name === undefined) {
      name = await vscode.window.showInputBox({
        prompt: l10n.t('A name for this packet in {0}', PACKET_LIBRARY_FILE),
        placeHolder: packetSummary(draft),
        validateInput: (v) => (isPacketName(v) ? undefined : l10n.t('1–200 characters, no control characters or outer spaces')),
      });
      if (name === undefined) return undefined;
      if (packets.some((p) => p.name === name)) {
        const replace = l10n.t('Replace');
        if ((await vscode.window.showWarningMessage(l10n.t('A saved packet named "{0}" exists. Replace it?', name), { modal: true }, replace)) !== replace) return undefined;
      }
    } else if (!isPacketName(name)) throw new Error(l10n.t('"{0}" is not a valid packet name (1–200 characters, no control characters or outer spaces).', name));
    const packet: SavedPacket = { name, draft, framing, ...(to && typeof to.host === 'string' && typeof to.port === 'number' ? { to: { host: to.host, port: to.port } } : {}) };
    await write(withPacket(packets, packet));
    log.info(`saved packet "${name}" in ${PACKET_LIBRARY_FILE}`);
    return name;
  }

  async function remove(arg: unknown): Promise<boolean> {
    const name = packetArg(arg) ?? (await pickPacket())?.name;
    if (name === undefined || !packets.some((p) => p.name === name)) return false;
    await write(packets.filter((p) => p.name !== name));
    log.info(`removed saved packet "${name}"`);
    return true;
  }

  async function open(): Promise<void> {
    const uri = libraryUri();
    if (!uri) throw new Error(l10n.t('Open a folder first: the packet library is kept in the workspace ({0}).', PACKET_LIBRARY_FILE));
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      await write(packets);
    }
    await vscode.window.showTextDocument(uri);
  }

  /** palette and tree invocations show a failure; programmatic ones (an options object) get the rejection */
  const reporting =
    <A, R>(fn: (arg: A) => Promise<R>) =>
    async (arg: A): Promise<R | undefined> => {
      try {
        return await fn(arg);
      } catch (e) {
        // a tree row carries `item`; the composer's Save… says `interactive`
        const programmatic = typeof arg === 'object' && arg !== null && !('item' in arg) && (arg as { interactive?: unknown }).interactive !== true;
        if (programmatic) throw e;
        void vscode.window.showErrorMessage(errorMessage(e));
        return undefined;
      }
    };

  context.subscriptions.push(
    vscode.commands.registerCommand(PACKET_COMMANDS.send, reporting(send)),
    vscode.commands.registerCommand(PACKET_COMMANDS.save, reporting(save)),
    vscode.commands.registerCommand(PACKET_COMMANDS.open, reporting(open)),
    vscode.commands.registerCommand(PACKET_COMMANDS.remove, reporting(remove)),
    vscode.workspace.onDidChangeWorkspaceFolders(() => void load()),
  );
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder) {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, PACKET_LIBRARY_FILE));
    context.subscriptions.push(watcher, watcher.onDidChange(() => void load()), watcher.onDidCreate(() => void load()), watcher.onDidDelete(() => void load()));
  }
  void load();
}
