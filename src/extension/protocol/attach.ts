/**
 * A protocol file attached to a TCP server, TCP client or UDP socket (palette, the Connections tree's context menu,
 * or the setting socketDebugger.protocolFile for new connections): its rules answer what the connection (a server:
 * each of its clients; a UDP socket: each peer) receives, received frames that fit a message are logged with their
 * fields and checksum mark, auto-replies are logged, and the tree shows each rule's hit counter. Edits to the file
 * apply at once; a file with an error is reported and the rules already running stay as they were.
 */
import * as vscode from 'vscode';
import { ProtocolFileError } from '../../core/protocol/errors';
import { parseProtocolFile, type ProtocolFile } from '../../core/protocol/load';
import type { ProtocolModel } from '../../core/protocol/model';
import { describeMessage } from '../../core/protocol/message';
import type { ConnectionRegistry } from '../../core/registry';
import type { FrameRecord } from '../../core/types';
import { RuleResponder } from '../../core/rules/responder';
import type { TreeSection } from '../services';

interface Attachment {
  id: string;
  uri: vscode.Uri;
  file: ProtocolFile;
  /** the text `file` was read from: a watcher event without a change keeps the rules and their counters */
  text: string;
  responder: RuleResponder;
  watcher: vscode.FileSystemWatcher;
  subs: vscode.Disposable[];
}

/** the file on disk is what is already loaded */
class Unchanged extends Error {}

export type AttachmentNode = { kind: 'file'; a: Attachment } | { kind: 'rule'; a: Attachment; index: number };

const ATTACHABLE = new Set(['tcp-server', 'tcp-client', 'udp']);
/** auto-replies sent per connection whose frame the registry has not reported yet */
const MAX_SENT_MARKS = 64;
/** sent frames known to be auto-replies ("conn:seq" → rule), the most recent ones */
const MAX_AUTO_FRAMES = 4096;

export class ProtocolAttachments implements vscode.Disposable {
  private readonly attached = new Map<string, Attachment>();
  /** per sending connection: auto-replies sent, oldest first, until the composer marks their frame */
  private readonly sentMarks = new Map<string, Array<{ payload: Buffer; label: string }>>();
  private readonly autoFrames = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<unknown>();
  private readonly filesChanged = new vscode.EventEmitter<void>();
  /** a file was attached, detached or reloaded (the composer's Message form shows its messages) */
  readonly onDidChangeFiles = this.filesChanged.event;
  private readonly disposables: vscode.Disposable[] = [this.changed, this.filesChanged];

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly log: vscode.LogOutputChannel,
    addTreeSection: (s: TreeSection<AttachmentNode>) => vscode.Disposable,
    private readonly defaultFile: () => string | undefined,
  ) {
    this.disposables.push(
      addTreeSection(this.section()),
      registry.onDidFrame((e) => {
        if (e.frame.direction === 'out') return this.noteSent(e.id, e.frame);
        if (e.frame.direction !== 'in') return;
        const info = registry.get(e.id);
        const a = this.attached.get(e.id) ?? (info?.parentId !== undefined ? this.attached.get(info.parentId) : undefined);
        if (!a) return;
        const m = a.file.model.decode(e.frame.payload);
        if (m) log.info(`${e.id}: ${describeMessage(m)}`);
        const remote = e.frame.remote;
        const to = info?.kind === 'udp' && remote ? { to: { address: remote.address, port: remote.port } } : {};
        const key = info?.kind === 'udp' && remote ? `${e.id}/${remote.address}:${remote.port}` : e.id;
        const sendFraming = a.file.model.sendFraming;
        const hit = a.responder.handle(key, e.frame.payload, e.frame.header, {
          send: (p, action) => {
            this.markSent(e.id, p, `${action.rule.name} (line ${action.rule.line})`);
            return registry.send(e.id, p, { ...to, reply: true, ...(sendFraming !== info?.framing ? { framing: sendFraming } : {}) });
          },
          close: () => (info?.kind === 'udp' || info?.kind === 'udp-peer' ? Promise.resolve() : registry.close(e.id)),
        });
        if (hit) this.changed.fire(undefined);
      }),
      registry.onDidClose((e) => {
        this.sentMarks.delete(e.id);
        for (const a of this.attached.values()) a.responder.forget(e.id);
        if (this.attached.has(e.id)) this.detach(e.id);
      }),
      registry.onDidOpen((e) => {
        const file = this.defaultFile();
        if (!file || !ATTACHABLE.has(e.info.kind) || this.attached.has(e.id)) return;
        const folder = vscode.workspace.workspaceFolders?.[0];
        const uri = /^([a-z]:)?[\\/]/i.test(file) || !folder ? vscode.Uri.file(file) : vscode.Uri.joinPath(folder.uri, file);
        void this.attach(e.id, uri).catch((err: unknown) => log.warn(`${e.id}: protocol file ${file} (setting socketDebugger.protocolFile) not attached: ${err instanceof Error ? err.message : String(err)}`));
      }),
    );
  }

  /**
   * The composer's note for a frame: the message it is in the file attached to its connection (or to its server /
   * UDP socket), and for a sent frame that an auto-reply sent, which rule sent it.
   */
  annotate(conn: string, frame: FrameRecord): string | undefined {
    const m = this.attachmentOf(conn)?.file.model.decode(frame.payload);
    const message = m ? describeMessage(m) : undefined;
    const rule = frame.direction === 'out' ? this.autoFrames.get(`${conn}:${frame.seq}`) : undefined;
    if (rule === undefined) return message;
    const auto = vscode.l10n.t('auto-reply: {0}', rule);
    return message ? `${auto} · ${message}` : auto;
  }

  /** A frame was sent: if it is the next auto-reply sent on that connection, remember it as one. */
  private noteSent(conn: string, frame: FrameRecord): void {
    const marks = this.sentMarks.get(conn);
    const i = marks ? marks.findIndex((x) => x.payload.equals(frame.payload)) : -1;
    if (!marks || i < 0) return;
    const [mark] = marks.splice(0, i + 1).slice(-1);
    if (marks.length === 0) this.sentMarks.delete(conn);
    this.autoFrames.set(`${conn}:${frame.seq}`, mark.label);
    if (this.autoFrames.size > MAX_AUTO_FRAMES) this.autoFrames.delete(this.autoFrames.keys().next().value as string);
  }

  private markSent(conn: string, payload: Buffer, label: string): void {
    const marks = this.sentMarks.get(conn) ?? [];
    marks.push({ payload, label });
    if (marks.length > MAX_SENT_MARKS) marks.shift();
    this.sentMarks.set(conn, marks);
  }

  /** Message mode of the composer: the layouts of the file attached to a connection (or to its server / UDP socket). */
  messagesFor(conn: string): ProtocolModel | undefined {
    return this.attachmentOf(conn)?.file.model;
  }

  private attachmentOf(conn: string): Attachment | undefined {
    const info = this.registry.get(conn);
    return this.attached.get(conn) ?? (info?.parentId !== undefined ? this.attached.get(info.parentId) : undefined);
  }

  /** The attachment of a connection (tests). */
  get(id: string): { uri: vscode.Uri; file: ProtocolFile; hits: readonly number[] } | undefined {
    const a = this.attached.get(id);
    return a && { uri: a.uri, file: a.file, hits: a.file.rules.hits };
  }

  /** Attaches the file to a server, client or UDP socket; a file with an error throws (with every line:col). */
  async attach(id: string, uri: vscode.Uri): Promise<void> {
    const info = this.registry.get(id);
    if (!info || !ATTACHABLE.has(info.kind)) throw new Error(vscode.l10n.t('A protocol file attaches to a TCP server, TCP client or UDP socket.'));
    const { file, text } = await this.read(uri);
    this.detach(id);
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(uri, '..'), uri.path.split('/').pop() ?? ''));
    const a: Attachment = { id, uri, file, text, watcher, subs: [], responder: this.responder(file) };
    a.subs.push(watcher, watcher.onDidChange(() => void this.reload(a)), watcher.onDidCreate(() => void this.reload(a)));
    this.attached.set(id, a);
    this.log.info(`${id}: protocol file ${vscode.workspace.asRelativePath(uri)} attached (${file.rules.rules.length} rules, ${file.model.messages.size} messages)`);
    this.changed.fire(undefined);
    this.filesChanged.fire();
  }

  detach(id: string): void {
    const a = this.attached.get(id);
    if (!a) return;
    this.attached.delete(id);
    a.responder.dispose();
    for (const s of a.subs) s.dispose();
    this.log.info(`${id}: protocol file ${vscode.workspace.asRelativePath(a.uri)} detached`);
    this.changed.fire(undefined);
    this.filesChanged.fire();
  }

  private responder(file: ProtocolFile): RuleResponder {
    return new RuleResponder(file, {
      onAction: (conn, action) => this.log.info(`${conn}: auto-reply ${action.rule.name} (line ${action.rule.line}): ${action.replies.map((r) => `${r.length} bytes`).join(', ') || 'no reply'}${action.close ? ', then close' : ''}`),
      onLimited: (conn, n) => this.log.warn(`${conn}: rules paused for the rest of this second: over ${n} auto-replies per second (limits.replies-per-second in ${vscode.workspace.asRelativePath(file.file)})`),
      onError: (conn, action, err) => this.log.warn(`${conn}: auto-reply ${action.rule.name} failed: ${err instanceof Error ? err.message : String(err)}`),
    });
  }

  private async read(uri: vscode.Uri, unless?: string): Promise<{ file: ProtocolFile; text: string }> {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    if (text === unless) throw new Unchanged();
    try {
      return { file: parseProtocolFile(text, uri.fsPath), text };
    } catch (err) {
      throw new Error(err instanceof ProtocolFileError ? err.report : String(err));
    }
  }

  /** The file changed on disk: new rules from now on; on an error the running ones stay. */
  private async reload(a: Attachment): Promise<void> {
    try {
      const { file, text } = await this.read(a.uri, a.text);
      a.responder.dispose();
      a.file = file;
      a.text = text;
      a.responder = this.responder(file);
      this.log.info(`${a.id}: protocol file ${vscode.workspace.asRelativePath(a.uri)} reloaded`);
      this.changed.fire(undefined);
      this.filesChanged.fire();
    } catch (err) {
      if (err instanceof Unchanged) return;
      const msg = err instanceof Error ? err.message : String(err);
      this.log.warn(`${a.id}: protocol file not reloaded, the previous rules stay: ${msg}`);
      void vscode.window.showWarningMessage(vscode.l10n.t('Protocol file not reloaded (the previous rules stay): {0}', msg.split('\n')[0]));
    }
  }

  private section(): TreeSection<AttachmentNode> {
    return {
      id: 'protocol',
      label: vscode.l10n.t('Protocol Files'),
      iconPath: new vscode.ThemeIcon('symbol-structure'),
      onDidChange: this.changed.event,
      getChildren: (el?: AttachmentNode): AttachmentNode[] => {
        if (!el) return [...this.attached.values()].map((a) => ({ kind: 'file', a }));
        if (el.kind === 'file') return el.a.file.rules.rules.map((_, index) => ({ kind: 'rule', a: el.a, index }));
        return [];
      },
      getTreeItem: (el: AttachmentNode): vscode.TreeItem => {
        if (el.kind === 'file') {
          const item = new vscode.TreeItem(vscode.workspace.asRelativePath(el.a.uri), el.a.file.rules.rules.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
          item.description = this.registry.get(el.a.id)?.label ?? el.a.id;
          item.iconPath = new vscode.ThemeIcon('file-code');
          item.resourceUri = el.a.uri;
          item.contextValue = 'protocol.attachment';
          item.command = { command: 'vscode.open', title: vscode.l10n.t('Open'), arguments: [el.a.uri] };
          return item;
        }
        const rule = el.a.file.rules.rules[el.index];
        const hits = el.a.file.rules.hits[el.index];
        const item = new vscode.TreeItem(rule.name, vscode.TreeItemCollapsibleState.None);
        item.description = vscode.l10n.t('{0} hits', hits);
        item.iconPath = new vscode.ThemeIcon(hits > 0 ? 'pass-filled' : 'circle-large-outline', hits > 0 ? new vscode.ThemeColor('testing.iconPassed') : undefined);
        item.command = { command: 'vscode.open', title: vscode.l10n.t('Open'), arguments: [el.a.uri, { selection: new vscode.Range(rule.line - 1, 0, rule.line - 1, 0) }] };
        return item;
      },
    };
  }

  dispose(): void {
    for (const id of [...this.attached.keys()]) this.detach(id);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
