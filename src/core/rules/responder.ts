/**
 * Applies a rule set to the frames of many connections: one rule session per connection (UDP: per peer), the
 * matched actions carried out through the caller's send/close, pending delayed replies dropped when a connection
 * goes away, and a reply budget that pauses a runaway connection (reported at most once a second).
 * Used by the CLI (`--rules`) and the extension (a protocol file attached to a connection).
 */
import type { ProtocolFile } from '../protocol/load';
import { runAction, type RuleAction, type RuleSession } from './engine';

/** connections (UDP: peers) whose rule state is kept; the oldest is forgotten beyond this */
export const MAX_RULE_SESSIONS = 4096;

export interface ResponderIO {
  /** sends one reply of `action` */
  send(payload: Buffer, action: RuleAction): Promise<void>;
  close(): Promise<void>;
}

export interface ResponderEvents {
  /** a rule matched and its replies are scheduled */
  onAction?(conn: string, action: RuleAction): void;
  /** the connection went over limits.replies-per-second (at most once a second per connection) */
  onLimited?(conn: string, perSecond: number): void;
  /** an auto-reply could not be sent */
  onError?(conn: string, action: RuleAction, err: unknown): void;
}

export class RuleResponder {
  private readonly sessions = new Map<string, { rules: RuleSession; cancels: Set<() => void>; limitedAt: number }>();

  constructor(
    public file: ProtocolFile,
    private readonly events: ResponderEvents = {},
  ) {}

  /** Lets the first matching rule answer a frame received on `conn`; returns the action, if any. */
  handle(conn: string, payload: Buffer, header: Record<string, unknown> | undefined, io: ResponderIO): RuleAction | undefined {
    let st = this.sessions.get(conn);
    if (!st) {
      if (this.sessions.size >= MAX_RULE_SESSIONS) this.forget(this.sessions.keys().next().value as string);
      st = { rules: this.file.rules.session(), cancels: new Set(), limitedAt: 0 };
      this.sessions.set(conn, st);
    }
    const action = st.rules.handle(payload, header);
    if (action === undefined) return undefined;
    if (action === 'limited') {
      const now = Date.now();
      if (now - st.limitedAt >= 1000) {
        st.limitedAt = now;
        this.events.onLimited?.(conn, this.file.model.repliesPerSecond);
      }
      return undefined;
    }
    this.events.onAction?.(conn, action);
    const cancels = st.cancels;
    const cancel = runAction(action, {
      send: (p) => io.send(p, action),
      close: () => io.close(),
      onError: (err) => {
        cancels.delete(cancel);
        this.events.onError?.(conn, action, err);
      },
      onDone: () => cancels.delete(cancel),
    });
    cancels.add(cancel);
    return action;
  }

  /** The connection closed: its pending replies and its state go. */
  forget(conn: string): void {
    const st = this.sessions.get(conn);
    if (!st) return;
    for (const c of st.cancels) c();
    this.sessions.delete(conn);
  }

  dispose(): void {
    for (const id of [...this.sessions.keys()]) this.forget(id);
  }
}
