/**
 * `--rules FILE` for `tcp listen` and `udp bind`: a protocol file's auto-reply rules answer received frames,
 * frames that fit a message layout are shown with their fields and checksum mark, and auto-replies are logged.
 */
import type { OptionDefs, ParsedArgs } from '../args';
import { optString } from '../args';
import { jsonLine } from '../output';
import { loadProtocolFile, type ProtocolFile } from '../../core/protocol/load';
import { describeMessage, messageFieldsJson } from '../../core/protocol/message';
import { runAction, type RuleSession } from '../../core/rules/engine';
import type { Session } from './session';
import { codeOf } from './session';

/** connections (UDP: peers) whose rule state is kept */
const MAX_SESSIONS = 4096;

export const RULES_OPTIONS: OptionDefs = { rules: { type: 'string' } };

export interface ReplyIO {
  send(payload: Buffer): Promise<void>;
  close(): Promise<void>;
}

export class CliRules {
  private readonly sessions = new Map<string, { rules: RuleSession; cancels: Set<() => void>; limitedAt: number }>();

  private constructor(readonly file: ProtocolFile) {}

  /** The --rules file, if given (a ProtocolFileError — exit 1 with every problem and its line:col — otherwise). */
  static fromArgs(args: ParsedArgs): CliRules | undefined {
    const path = optString(args, 'rules');
    return path === undefined ? undefined : new CliRules(loadProtocolFile(path));
  }

  get framing(): string {
    return this.file.model.framing;
  }
  get sendFraming(): string {
    return this.file.model.sendFraming;
  }
  get encoding(): string {
    return this.file.model.encoding;
  }

  /** After a frame was reported: shows its message, then lets the first matching rule answer through `io`. */
  onFrame(s: Session, id: string, payload: Buffer, header: Record<string, unknown> | undefined, io: ReplyIO): void {
    const decoded = this.file.model.decode(payload);
    const { reporter } = s;
    if (decoded && !s.opts.quiet) {
      if (reporter.json) this.print(s, { type: 'message', conn: id, name: decoded.name, fields: messageFieldsJson(decoded), ...(decoded.checksum ? { checksum: decoded.checksum } : {}) });
      else this.print(s, `  = ${describeMessage(decoded)}`);
    }
    let st = this.sessions.get(id);
    if (!st) {
      // UDP peers never close: keep the state of the most recent ones only
      if (this.sessions.size >= MAX_SESSIONS) this.forget(this.sessions.keys().next().value as string);
      st = { rules: this.file.rules.session(), cancels: new Set(), limitedAt: 0 };
      this.sessions.set(id, st);
    }
    const action = st.rules.handle(payload, header);
    if (action === undefined) return;
    if (action === 'limited') {
      const now = Date.now();
      if (now - st.limitedAt >= 1000) {
        st.limitedAt = now;
        reporter.warn('ERULE_LIMIT', `rules paused on ${s.peers.get(id) ?? id} for the rest of this second: over ${this.file.model.repliesPerSecond} auto-replies per second (limits.replies-per-second; a reply that triggers itself?)`, id);
      }
      return;
    }
    const rule = action.rule;
    const bytes = action.replies.reduce((n, b) => n + b.length, 0);
    if (!s.opts.quiet) {
      if (reporter.json) this.print(s, { type: 'rule', conn: id, rule: rule.name, line: rule.line, replies: action.replies.length, bytes, ...(action.close ? { close: true } : {}) });
      else this.print(s, `  > ${rule.name} (line ${rule.line}): ${action.replies.length > 1 ? `${action.replies.length} replies, ` : ''}${bytes} byte${bytes === 1 ? '' : 's'}${action.close ? ', then close' : ''}`);
    }
    const cancels = st.cancels;
    const cancel = runAction(action, {
      send: (p) => io.send(p),
      close: () => io.close(),
      onError: (err) => {
        cancels.delete(cancel);
        if (!s.isFinished) reporter.warn(codeOf(err), `auto-reply of ${rule.name} failed: ${err instanceof Error ? err.message : String(err)}`, id);
      },
      onDone: () => cancels.delete(cancel),
    });
    cancels.add(cancel);
  }

  /** The connection closed: pending delayed replies are dropped with its state. */
  forget(id: string): void {
    const st = this.sessions.get(id);
    if (!st) return;
    for (const c of st.cancels) c();
    this.sessions.delete(id);
  }

  dispose(): void {
    for (const id of [...this.sessions.keys()]) this.forget(id);
  }

  private print(s: Session, line: string | Record<string, unknown>): void {
    s.ctx.stdout.write((typeof line === 'string' ? line : jsonLine(line)) + '\n');
  }
}
