/**
 * The saved packet library in the workbench: sockdbg.packets.json in the first workspace folder (src/shared/packets.ts
 * reads and writes it), shown as a "Saved Packets" section of the Connections view and kept in step with the file on
 * disk. Its commands (send, save, open, remove) are in the typed command table: src/extension/commands/packets.ts.
 */
import * as vscode from 'vscode';
import { errorMessage } from '../shared/errors';
import { packetLibraryText, packetSummary, parsePacketLibrary, PACKET_LIBRARY_FILE, type SavedPacket } from '../shared/packets';
import type { TreeSection } from './services';

interface Deps {
  log: vscode.LogOutputChannel;
  addTreeSection<T>(section: TreeSection<T>): vscode.Disposable;
}

/** the library file of the first workspace folder */
export function libraryUri(): vscode.Uri | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? vscode.Uri.joinPath(folder.uri, PACKET_LIBRARY_FILE) : undefined;
}

/** The packets of the library file as last read (or written), and the file's tree section. */
export interface PacketLibrary {
  readonly packets: readonly SavedPacket[];
  /** replaces the file's packets (throws without a workspace folder) */
  write(next: SavedPacket[]): Promise<void>;
  /** a quick pick among the packets (undefined: none, or cancelled) */
  pick(): Promise<SavedPacket | undefined>;
}

export function registerPacketLibrary(context: vscode.ExtensionContext, deps: Deps): PacketLibrary {
  const { log } = deps;
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

  context.subscriptions.push(vscode.workspace.onDidChangeWorkspaceFolders(() => void load()));
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder) {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, PACKET_LIBRARY_FILE));
    context.subscriptions.push(watcher, watcher.onDidChange(() => void load()), watcher.onDidCreate(() => void load()), watcher.onDidDelete(() => void load()));
  }
  void load();

  async function pick(): Promise<SavedPacket | undefined> {
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

  return {
    get packets() {
      return packets;
    },
    write,
    pick,
  };
}
