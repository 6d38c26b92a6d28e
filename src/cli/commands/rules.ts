/**
 * `--rules FILE` for `tcp listen` and `udp bind`: a protocol file's auto-reply rules answer received frames,
 * frames that fit a message layout are shown with their fields and checksum mark, and auto-replies are logged.
 * Auto-replies are sent as replies (SendOptions.reply): a client that does not read pauses reading, as with --echo.
 */
import type { OptionDefs, ParsedArgs } from '../args';
import { optString } from '../args';
import { jsonLine } from '../output';
import { loadProtocolFile, type ProtocolFile } from '../../core/protocol/load';
import { describeMessage, messageFieldsJson } from '../../core/protocol/message';
import { RuleResponder, type ResponderIO } from '../../core/rules/responder';
import { errorCode } from '../../shared/errors';
import type { Session } from './session';

export const RULES_OPTIONS: OptionDefs = { rules: { type: 'string' } };

export class CliRules {
  private readonly responder: RuleResponder;
  private session: Session | undefined;

  private constructor(readonly file: ProtocolFile) {
    this.responder = new RuleResponder(file, {
      onAction: (id, action) => {
        const s = this.session;
        if (!s || s.opts.quiet) return;
        const rule = action.rule;
        const bytes = action.replies.reduce((n, b) => n + b.length, 0);
        if (s.reporter.json) this.print({ type: 'rule', conn: id, rule: rule.name, line: rule.line, replies: action.replies.length, bytes, ...(action.close ? { close: true } : {}) });
        else this.print(`  > ${rule.name} (line ${rule.line}): ${action.replies.length > 1 ? `${action.replies.length} replies, ` : ''}${bytes} byte${bytes === 1 ? '' : 's'}${action.close ? ', then close' : ''}`);
      },
      onLimited: (id, perSecond) => {
        this.session?.reporter.warn('ERULE_LIMIT', `rules paused on ${this.session.peers.get(id) ?? id} for the rest of this second: over ${perSecond} auto-replies per second (limits.replies-per-second; a reply that triggers itself?)`, id);
      },
      onError: (id, action, err) => {
        const s = this.session;
        if (s && !s.isFinished) s.reporter.warn(errorCode(err) ?? 'ERROR', `auto-reply of ${action.rule.name} failed: ${err instanceof Error ? err.message : String(err)}`, id);
      },
    });
  }

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
  onFrame(s: Session, id: string, payload: Buffer, header: Record<string, unknown> | undefined, io: ResponderIO): void {
    this.session = s;
    const decoded = this.file.model.decode(payload);
    if (decoded && !s.opts.quiet) {
      if (s.reporter.json) this.print({ type: 'message', conn: id, name: decoded.name, fields: messageFieldsJson(decoded), ...(decoded.checksum ? { checksum: decoded.checksum } : {}) });
      else this.print(`  = ${describeMessage(decoded)}`);
    }
    this.responder.handle(id, payload, header, io);
  }

  /** The connection closed: pending delayed replies are dropped with its state. */
  forget(id: string): void {
    this.responder.forget(id);
  }

  dispose(): void {
    this.responder.dispose();
  }

  private print(line: string | Record<string, unknown>): void {
    this.session?.ctx.stdout.write((typeof line === 'string' ? line : jsonLine(line)) + '\n');
  }
}
