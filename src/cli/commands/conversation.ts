/**
 * Turns on one connection: runs the --send/--send-file/--expect steps in order, one at a time. A send (a streamed
 * file too) goes out when every step before it is done, and the next step starts once the socket took it; an
 * --expect waits (up to --expect-timeout) for N frames or a pattern in what arrived since the last turn.
 */
import type { Session } from './session';
import type { FileStep, Step } from './outgoing';
import { printableText } from '../output';

export interface ConversationOptions {
  timeoutMs: number;
  /** sends one step's payload (framed as the command sends) */
  send(payload: Buffer): Promise<void>;
  /** streams a --send-file step's file (src/cli/commands/fileStep.ts) */
  sendFile(step: FileStep): Promise<void>;
  /** reports a failed send */
  sendFailed(err: unknown): void;
  /** every step is done */
  onComplete?(): void;
}

export class Conversation {
  private index = 0;
  /** frames (as text) received since the last satisfied --expect */
  private received: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** a send step is in flight: the next step waits for it */
  private sending = false;
  /** bumped by restart(): a send of an earlier connection that settles late is ignored */
  private generation = 0;
  private stopped = false;

  constructor(
    private readonly s: Session,
    private readonly peer: () => string,
    private readonly steps: readonly Step[],
    private readonly opts: ConversationOptions,
  ) {}

  get complete(): boolean {
    return this.index >= this.steps.length;
  }

  /** The step being waited for, described for an error message ("turn 2 (--expect /ok/)"), if any. */
  get waitingFor(): string | undefined {
    const st = this.steps[this.index];
    return st?.kind === 'expect' ? `turn ${this.index + 1} (--expect ${st.what})` : undefined;
  }

  start(): void {
    this.advance();
  }

  /** (Re)starts from the first step, e.g. on a new connection after --reconnect. */
  restart(): void {
    this.clearTimer();
    this.generation++;
    this.sending = false;
    this.index = 0;
    this.received = [];
    this.stopped = false;
    this.advance();
  }

  /** A frame arrived on this connection. */
  frame(text: string): void {
    if (this.stopped || this.complete) return;
    this.received.push(text);
    this.advance();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private satisfied(st: Step & { kind: 'expect' }): boolean {
    if (st.pattern) {
      if (!st.pattern.test(this.received.join(''))) return false;
      this.received = [];
      return true;
    }
    if (this.received.length < st.frames) return false;
    this.received = this.received.slice(st.frames);
    return true;
  }

  private advance(): void {
    while (!this.stopped && !this.sending && this.index < this.steps.length) {
      const st = this.steps[this.index];
      if (st.kind !== 'expect') {
        this.index++;
        this.run(st.kind === 'send' ? this.opts.send(st.payload) : this.opts.sendFile(st));
        continue;
      }
      if (!this.satisfied(st)) {
        if (!this.timer) this.armTimer(st);
        return;
      }
      this.clearTimer();
      this.index++;
    }
    // the last sends were handed to the kernel before the caller may finish
    if (!this.stopped && !this.sending && this.complete) {
      this.stopped = true;
      this.opts.onComplete?.();
    }
  }

  /** Waits for one send step; the steps go on once it is done, and stop (reported) when it fails. */
  private run(send: Promise<void>): void {
    const generation = this.generation;
    this.sending = true;
    this.s.track(
      send.then(() => {
        if (generation !== this.generation) return;
        this.sending = false;
        this.advance();
      }),
      (err) => {
        if (generation === this.generation) {
          this.sending = false;
          this.stopped = true;
        }
        this.opts.sendFailed(err);
      },
    );
  }

  private armTimer(st: Step & { kind: 'expect' }): void {
    this.timer = setTimeout(() => {
      if (this.stopped || this.s.isFinished) return;
      const n = this.received.length;
      const got = n === 0 ? 'nothing arrived' : `received ${n} frame${n === 1 ? '' : 's'}: ${JSON.stringify(printableText(this.received.join('')).slice(0, 200))}`;
      this.s.fail({ code: 'ETIMEDOUT', message: `turn ${this.index + 1}: timed out after ${this.opts.timeoutMs / 1000} s waiting for ${st.what} from ${this.peer()} (${got})` });
    }, this.opts.timeoutMs);
  }
}
