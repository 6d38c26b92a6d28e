/**
 * The composer's host logic, independent of `vscode`: validates every webview message, computes previews,
 * sends (once or repeatedly), changes framing/encoding and re-decodes, serves history and copies. The
 * WebviewPanel wrapper (panel.ts) only wires this to a real webview, the clipboard and l10n.
 */
import type { ProtocolModel } from '../../core/protocol/model';
import { decodeText } from '../../core/codec/encoding';
import type { Disposable } from '../../core/events';
import type { ConnectionInfo, IConnectionRegistry, SendOptions } from '../../core/types';
import { SUPPORTED_ENCODINGS } from '../../core/codec/encoding';
import { byteLiteral, hexdump } from '../../shared/bytes';
import { errorMessage } from '../../shared/errors';
import { formatExactSize, groupDigits } from '../../shared/format';
import { parseWebviewMessage, PREVIEW_WIRE_BYTES, type CopyFormat, type Dir, type Draft, type DraftError, type DraftField, type FramingChoice, type HostToWebview, type InitMessage, type Repeat, type Target, type WebviewToHost } from '../../shared/protocol';
import { capabilities, framesPerSend } from '../../shared/connections';
import { ComposerBridge, type BridgeOptions } from './bridge';
import type { RelayLanes } from './relayLanes';
import { composerSource, type ComposerSource } from './sources';
import type { SendFileSummary } from '../commands/sendFile';
import { buildWire, toDraftError, wireSendOptions, DraftProblem, DraftTooLarge, type Wire } from './draft';

export interface HostLog {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface HostDeps {
  registry: IConnectionRegistry;
  post(m: HostToWebview): PromiseLike<unknown> | void;
  writeClipboard(text: string): PromiseLike<void> | void;
  log?: HostLog;
  /** localizes a host-side string (vscode.l10n.t); `{0}` placeholders */
  t?(message: string, ...args: Array<string | number>): string;
  settings?(): InitMessage['settings'];
  /** runs an extension command (vscode.commands.executeCommand) */
  runCommand?(command: string, ...args: unknown[]): PromiseLike<unknown>;
  bridge?: Partial<Omit<BridgeOptions, 'post'>>;
  /** largest payload a draft may produce (default 16 MiB, the registry's maximum frame size) */
  maxDraftBytes?: number;
  /** Message mode: the layouts of the protocol file attached to a connection */
  messagesFor?(conn: string): ProtocolModel | undefined;
  /** the running relays' pairs, shown and injected into like connections */
  relays?: RelayLanes;
  /** listens for protocol files attached, detached or edited (the Message form asks for its layouts again) */
  onMessagesChanged?(listener: () => void): Disposable;
}

/** Framing presets offered in the pickers (spec + label). */
const DEFAULT_SETTINGS: InitMessage['settings'] = { displayMode: 'both', timestampFormat: 'time', maxFrames: 100_000 };

function fmt(message: string, args: Array<string | number>): string {
  return message.replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : m));
}

export class ComposerHost implements Disposable {
  readonly bridge: ComposerBridge;
  private readonly registry: ComposerSource;
  private repeatTimer: ReturnType<typeof setTimeout> | undefined;
  private repeatStop: (() => void) | undefined;
  private target: string | undefined;
  /** a running repeat, so a reloaded webview shows Stop */
  private repeatState: { done: number; total: number } | undefined;
  /** the connection whose message layouts the webview asked for last (sent again when its file changes) */
  private layoutsConn: string | undefined;
  private readonly subs: Disposable[] = [];
  /** messages rejected by validation (tests read it) */
  rejected = 0;

  constructor(private readonly deps: HostDeps) {
    this.registry = composerSource(deps.registry, deps.relays);
    this.bridge = new ComposerBridge(this.registry, { ...deps.bridge, post: (m) => deps.post(m) });
    const changed = deps.onMessagesChanged?.(() => {
      if (this.layoutsConn !== undefined) void this.sendLayouts(this.layoutsConn);
    });
    if (changed) this.subs.push(changed);
  }

  private t(message: string, ...args: Array<string | number>): string {
    return this.deps.t ? this.deps.t(message, ...args) : fmt(message, args);
  }

  /**
   * The framings the composer offers, labelled "spec — what it means" in the user's language (the descriptions
   * are the ones the palette's framing pick shows, so both read the same).
   */
  private framingPresets(): InitMessage['framings'] {
    const p = (spec: string, meaning: string): { spec: string; label: string } => ({ spec, label: `${spec} — ${meaning}` });
    return [
      p('raw', this.t('no framing: every recv chunk is one message')),
      p('length:i', this.t("4-byte length prefix, like Python's struct.pack('i', len(data))")),
      p('length:!I', this.t('4-byte big-endian (network order) length prefix')),
      p('length:!H', this.t('2-byte big-endian length prefix')),
      p('length:<H', this.t('2-byte little-endian length prefix')),
      p('line', this.t('messages end with \\n (\\r\\n accepted)')),
      p('delimiter:\\r\\n', this.t('messages end with \\r\\n')),
      p('delimiter:\\x00', this.t('messages end with a NUL byte (\\x00)')),
      p('json-header', this.t("struct.pack('i') length + JSON header + body (total_size)")),
      p('fixed:1024', this.t('fixed-size messages of N bytes')),
    ];
  }

  /** The target the panel should preselect (set by "Open Packet Composer" on a tree item). */
  focus(target: string | undefined): void {
    this.target = target;
    if (target) void this.deps.post({ type: 'focus', target });
  }

  /** Entry point for raw messages from the webview: untrusted, validated here. */
  async handle(raw: unknown): Promise<void> {
    const m = parseWebviewMessage(raw);
    if (!m) {
      this.rejected++;
      this.deps.log?.warn(`composer: ignored an invalid message from the webview: ${safeDescribe(raw)}`);
      return;
    }
    try {
      await this.dispatch(m);
    } catch (e) {
      this.deps.log?.error(`composer: ${m.type} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      this.notice('error', errorMessage(e));
    }
  }

  private async dispatch(m: WebviewToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
        return this.ready();
      case 'preview':
        return this.preview(m.reqId, m.draft, m.target, m.framing);
      case 'send':
        return this.send(m.reqId, m.draft, m.target, m.framing, m.repeat);
      case 'stopRepeat':
        this.stopRepeat();
        return;
      case 'setFraming':
        return this.setFraming(m.conn, m.spec);
      case 'setEncoding':
        return this.setEncoding(m.conn, m.encoding);
      case 'requestHistory':
        return this.sendHistory(m.conn);
      case 'messageLayouts':
        return this.sendLayouts(m.conn);
      case 'clearHistory':
        this.registry.clearHistory(m.conn);
        return this.sendHistory(m.conn);
      case 'copy':
        return this.copyFrame(m.conn, m.dir, m.seq, m.format);
      case 'saveReceived':
        // a connection or a relay pair (its lanes' reads); one that is gone says so rather than doing nothing
        if (!this.registry.get(m.conn)) return this.notice('error', this.t('{0} is gone: nothing to save.', m.conn));
        await this.deps.runCommand?.('socketDebugger.saveReceived', m.conn);
        return;
      case 'sendFile':
        return this.sendFile(m.target);
      case 'savePacket':
        await this.deps.runCommand?.('socketDebugger.packets.save', { draft: m.draft, framing: m.framing, ...(m.to ? { to: m.to } : {}), interactive: true });
        return;
      case 'copyText':
        await this.deps.writeClipboard(m.text);
        this.notice('info', this.t('Copied to the clipboard.'));
        return;
    }
  }

  private async ready(): Promise<void> {
    this.bridge.setActive(true);
    const init: InitMessage = {
      type: 'init',
      connections: this.bridge.connections(),
      encodings: SUPPORTED_ENCODINGS.filter((e) => e.kind === 'text').map((e) => ({ id: e.id, label: e.label })),
      framings: this.framingPresets(),
      settings: this.deps.settings?.() ?? DEFAULT_SETTINGS,
    };
    if (this.target) init.target = this.target;
    this.target = undefined; // applied once; a later reload keeps the user's own choice
    await this.deps.post(init);
    if (this.repeatState) await this.deps.post({ type: 'repeat', running: true, ...this.repeatState });
    // History of every connection that carries a stream, oldest first.
    for (const c of this.registry.list()) {
      if (c.kind === 'tcp-server') continue;
      const h = this.bridge.history(c.id, true);
      if (h && (h.batch.frames.length || h.chunks.length)) await this.deps.post(h);
    }
  }

  private resolveTargets(target: Target): ConnectionInfo[] {
    if (target.ids.length === 0) throw new DraftProblem({ field: 'target', message: this.t('Pick a connection to send to.') });
    return target.ids.map((id) => {
      const c = this.registry.get(id);
      if (!c) throw new DraftProblem({ field: 'target', message: this.t('Connection {0} no longer exists.', id) });
      return c;
    });
  }

  private wireFor(c: ConnectionInfo, draft: Draft, framing: FramingChoice, target?: Target): Wire {
    const messages = draft.mode === 'message' ? this.deps.messagesFor?.(c.id) : undefined;
    // a relay pair: the framing of the lane injected into
    const own = this.registry.laneFraming?.(c.id)?.[target?.lane ?? 'c2s'] ?? c.framing;
    return buildWire(draft, framing, own, { ...(this.deps.maxDraftBytes !== undefined ? { maxBytes: this.deps.maxDraftBytes } : {}), ...(messages ? { messages } : {}) });
  }

  /** toDraftError, with the size-limit message localized */
  private draftError(e: unknown, field?: DraftField): DraftError {
    const d = toDraftError(e, field);
    if (e instanceof DraftTooLarge) return { ...d, message: this.t('The frame would be {0} bytes; the limit is {1}.', groupDigits(e.size), formatExactSize(e.limit)) };
    return d;
  }

  private async preview(reqId: number, draft: Draft, target: Target, framing: FramingChoice): Promise<void> {
    try {
      const [first] = this.resolveTargets(target);
      const w = this.wireFor(first, draft, framing, target);
      const notes: string[] = [];
      if (target.ids.length > 1) notes.push(this.t('for {0}; each target uses its own framing', first.label));
      // JSON header mode sends json-header framing whatever the Framing picker says: say so where the bytes are shown
      const chosen = framing.kind === 'connection' ? first.framing : framing.kind === 'raw' ? 'raw' : framing.spec;
      if (draft.mode === 'json' && !chosen.trim().startsWith('json-header')) notes.push(this.t('JSON header mode sends json-header, not {0}', chosen));
      const note = notes.length ? notes.join('; ') : undefined;
      // only what the composer shows crosses to the webview (a copy of the first bytes), plus the total length
      const wire = new Uint8Array(w.wire.subarray(0, PREVIEW_WIRE_BYTES));
      const extra = { ...(note ? { note } : {}), ...(w.checksum ? { checksum: w.checksum } : {}) };
      await this.deps.post({ type: 'preview', reqId, result: { ok: true, wire, wireLength: w.wire.length, payloadLength: w.payloadLength, framing: w.framing, ...extra } });
    } catch (e) {
      await this.deps.post({ type: 'preview', reqId, result: { ok: false, error: this.draftError(e) } });
    }
  }

  private sendOptions(c: ConnectionInfo, target: Target, w: Wire): SendOptions {
    if (!target.to && capabilities(c.kind).needsDestination) throw new DraftProblem({ field: 'target', message: this.t('Enter the destination host and port for this UDP socket.') });
    return wireSendOptions(w, target.to);
  }

  /** Computes every target's wire bytes (throws before anything is written) and sends them once. */
  private async sendOnce(targets: ConnectionInfo[], draft: Draft, framing: FramingChoice, target: Target): Promise<number> {
    const plan = targets.map((c) => {
      const w = this.wireFor(c, draft, framing, target);
      return { c, w, o: this.sendOptions(c, target, w) };
    });
    let frames = 0;
    for (const p of plan) {
      await this.registry.send(p.c.id, p.w, p.o, target.lane);
      // a server sends to each of its open clients
      frames += framesPerSend(p.c, this.registry.children(p.c.id));
    }
    return frames;
  }

  private async send(reqId: number, draft: Draft, target: Target, framing: FramingChoice, repeat?: Repeat): Promise<void> {
    let sent = 0;
    try {
      const targets = this.resolveTargets(target);
      if (!repeat || repeat.count === 1) {
        sent = await this.sendOnce(targets, draft, framing, target);
        this.deps.log?.info(`composer: sent ${draft.mode} to ${target.ids.join(', ')}`);
        await this.deps.post({ type: 'sendResult', reqId, ok: true, sent });
        return;
      }
      this.stopRepeat();
      // Validate (and send) the first round right away so errors show at once.
      sent += await this.sendOnce(targets, draft, framing, target);
      this.deps.log?.info(`composer: repeating ${draft.mode} to ${target.ids.join(', ')} every ${repeat.intervalMs} ms, ${repeat.count} times`);
      await this.runRepeat(reqId, targets, draft, framing, target, repeat, sent);
    } catch (e) {
      const error = this.draftError(e, 'target');
      if (!(e instanceof DraftProblem)) error.message = this.t('Send failed: {0}', error.message);
      await this.deps.post({ type: 'sendResult', reqId, ok: false, sent, error });
    }
  }

  private runRepeat(reqId: number, targets: ConnectionInfo[], draft: Draft, framing: FramingChoice, target: Target, repeat: Repeat, first: number): Promise<void> {
    let done = 1;
    let sent = first;
    let lastState = 0;
    const postState = (running: boolean, force = false): void => {
      const now = Date.now();
      if (!force && now - lastState < 100) return;
      lastState = now;
      this.repeatState = running ? { done, total: repeat.count } : undefined;
      void this.deps.post({ type: 'repeat', running, done, total: repeat.count });
    };
    postState(true, true);
    return new Promise<void>((resolve) => {
      const finish = async (error?: unknown): Promise<void> => {
        this.repeatTimer = undefined;
        this.repeatStop = undefined;
        postState(false, true);
        const how = error ? `failed: ${errorMessage(error)}` : done >= repeat.count ? 'done' : 'stopped';
        this.deps.log?.info(`composer: repeat to ${target.ids.join(', ')} ${how} after ${done} of ${repeat.count} rounds (${sent} frames)`);
        if (error) await this.deps.post({ type: 'sendResult', reqId, ok: false, sent, error: this.draftError(error, 'target') });
        else await this.deps.post({ type: 'sendResult', reqId, ok: true, sent });
        resolve();
      };
      let stopped = false;
      this.repeatStop = () => {
        stopped = true;
        if (this.repeatTimer !== undefined) clearTimeout(this.repeatTimer);
        void finish();
      };
      const tick = async (): Promise<void> => {
        if (stopped) return;
        try {
          sent += await this.sendOnce(targets, draft, framing, target);
        } catch (e) {
          if (stopped) return;
          stopped = true;
          return finish(e);
        }
        if (stopped) return;
        done++;
        postState(true);
        if (done >= repeat.count) {
          stopped = true;
          return finish();
        }
        if (!stopped) this.repeatTimer = setTimeout(() => void tick(), repeat.intervalMs);
      };
      if (done >= repeat.count) {
        stopped = true;
        void finish();
      } else this.repeatTimer = setTimeout(() => void tick(), repeat.intervalMs);
    });
  }

  stopRepeat(): void {
    this.repeatStop?.();
  }

  /** "Send File…": the extension's command on the first target (it asks for the file and the mode), then a note */
  private async sendFile(target: Target): Promise<void> {
    const id = target.ids[0];
    if (!this.deps.runCommand || !this.registry.get(id)) return;
    const to = target.to ? { address: target.to.host, port: target.to.port } : undefined;
    const r = (await this.deps.runCommand('socketDebugger.sendFile', { id, ...(to ? { to } : {}) })) as SendFileSummary | undefined;
    if (!r) return;
    const name = r.path.slice(Math.max(r.path.lastIndexOf('/'), r.path.lastIndexOf('\\')) + 1);
    if (r.canceled) this.notice('warning', this.t('Canceled {0} after {1} of {2} bytes.', name, groupDigits(r.bytesSent), groupDigits(r.fileSize)));
    else this.notice('info', this.t('Sent {0}: {1} bytes of file, {2} on the wire.', name, groupDigits(r.fileSize), groupDigits(r.wireBytes)));
  }

  private async setFraming(conn: string, spec: string): Promise<void> {
    try {
      this.registry.setFraming(conn, spec);
    } catch (e) {
      this.notice('error', this.t('Cannot use framing "{0}": {1}', spec, errorMessage(e)));
      return;
    }
    this.registry.redecode(conn);
    this.deps.log?.info(`composer: ${conn} framing set to ${spec}, history re-decoded`);
    await this.sendHistory(conn);
    this.notice('info', this.t('Re-decoded {0} with {1}.', conn, spec));
  }

  private async setEncoding(conn: string, encoding: string): Promise<void> {
    try {
      this.registry.setEncoding(conn, encoding);
    } catch (e) {
      this.notice('error', this.t('Cannot use encoding "{0}": {1}', encoding, errorMessage(e)));
      return;
    }
    this.deps.log?.info(`composer: ${conn} encoding set to ${encoding}`);
    await this.sendHistory(conn);
  }

  /** Message mode's form: the layouts of the protocol file attached to `conn` (none: no `file`). */
  private async sendLayouts(conn: string): Promise<void> {
    this.layoutsConn = conn;
    const model = this.deps.messagesFor?.(conn);
    if (!model) return void (await this.deps.post({ type: 'messageLayouts', conn, messages: [] }));
    const file = model.src.file.split(/[\\/]/).pop() ?? model.src.file;
    await this.deps.post({ type: 'messageLayouts', conn, file, messages: [...model.messages.values()].map((l) => l.info()) });
  }

  private async sendHistory(conn: string): Promise<void> {
    const h = this.bridge.history(conn, true);
    if (h) await this.deps.post(h);
  }

  private async copyFrame(conn: string, dir: Dir, seq: number, format: CopyFormat): Promise<void> {
    let frame;
    try {
      frame = this.registry.history(conn).frames.find((f) => f.direction === dir && f.seq === seq);
    } catch {
      frame = undefined;
    }
    if (!frame) {
      this.notice('warning', this.t('That frame is no longer in the history; raise the history limits to keep more.'));
      return;
    }
    let text: string;
    if (format === 'text') text = decodeText(frame.payload, this.registry.get(conn)?.encoding ?? 'utf-8');
    else if (format === 'hexdump') text = hexdump(frame.payload);
    else text = byteLiteral(frame.payload, format, `frame_${seq}`);
    await this.deps.writeClipboard(text);
    this.notice('info', this.t('Copied frame {0} ({1} bytes).', seq + 1, frame.payload.length));
  }

  private notice(level: 'info' | 'warning' | 'error', message: string): void {
    void this.deps.post({ type: 'notice', level, message });
  }

  dispose(): void {
    this.stopRepeat();
    for (const d of this.subs.splice(0)) d.dispose();
    this.bridge.dispose();
  }
}

function safeDescribe(u: unknown): string {
  try {
    const s = JSON.stringify(u);
    return s === undefined ? typeof u : s.slice(0, 200);
  } catch {
    return typeof u;
  }
}
