/**
 * What `tcp connect` sends (--send payloads or stdin) against what the socket took. After the peer's FIN the rest is
 * still sent (a half-closed peer can still read); a peer that stops reading gets a warning once nothing has moved for
 * STALL_WARN_MS; whatever was not sent is reported when the command ends.
 */
import type { Session } from './session';
import { plural } from '../../shared/format';

/** a send that has not completed for this long while bytes wait: the peer is probably not reading */
export const STALL_WARN_MS = 5000;

function bytes(n: number): string {
  return plural(n, 'byte');
}

export class InputLedger {
  /** bytes handed to send() */
  private taken = 0;
  /** bytes whose send completed */
  private sentBytes = 0;
  private ended = false;
  private peerFin = false;
  private lastProgress = Date.now();
  private stallWarned = false;

  constructor(
    private readonly s: Session,
    private readonly id: string,
    private readonly peer: () => string,
    /** the input is typed at a terminal: nothing is waiting to be sent beyond what was typed */
    private readonly interactive: boolean,
  ) {
    const timer = setInterval(() => this.checkStall(), 1000);
    timer.unref();
    s.add({
      dispose: () => {
        clearInterval(timer);
        this.reportUnsent();
      },
    });
  }

  /** `n` bytes of input were read or queued: they count as not sent until `sent(n)` */
  take(n: number): void {
    if (this.taken === this.sentBytes) this.lastProgress = Date.now();
    this.taken += n;
  }

  /** the socket took `n` more bytes of input */
  sent(n: number): void {
    this.sentBytes += n;
    this.lastProgress = Date.now();
    this.stallWarned = false;
  }

  /** all input has been handed over (end of stdin, or every --send queued); FIN follows once the peer sent its own */
  inputEnded(): void {
    this.ended = true;
    if (this.peerFin) this.finishOurSide();
  }

  /** the peer sent FIN: it sends no more but may still read */
  peerFinished(): void {
    this.peerFin = true;
    if (this.ended || this.interactive) {
      this.finishOurSide();
      return;
    }
    this.s.reporter.notice('PEER_FIN', `${this.peer()} finished sending (FIN); the rest of the input is still sent (${bytes(this.sentBytes)} so far)`, this.id);
  }

  private finishOurSide(): void {
    if (!this.s.isFinished) this.s.track(this.s.registry.end(this.id), () => undefined);
  }

  private checkStall(): void {
    if (this.s.isFinished || this.stallWarned || this.taken === this.sentBytes) return;
    const idle = Date.now() - this.lastProgress;
    if (idle < STALL_WARN_MS) return;
    this.stallWarned = true;
    const queued = this.s.registry.get(this.id)?.queuedOut ?? this.taken - this.sentBytes;
    this.s.reporter.warn(
      'PEER_NOT_READING',
      `${this.peer()} has read nothing for ${Math.round(idle / 1000)} s: ${bytes(queued)} of input wait to be sent (${bytes(this.sentBytes)} sent); it may never read — Ctrl-C or --timeout to give up`,
      this.id,
    );
  }

  private reportUnsent(): void {
    const unsent = this.taken - this.sentBytes;
    // input was flowing when the command ended before its end (nothing at all read: no input was meant)
    const unread = !this.ended && !this.interactive && this.taken > 0;
    if (unsent === 0 && !unread) return;
    const parts: string[] = [];
    if (unsent > 0) parts.push(`${bytes(unsent)} of input were not sent to ${this.peer()} (${bytes(this.sentBytes)} were)`);
    if (unread) parts.push(unsent > 0 ? 'and the input was not read to its end' : `the input was not read to its end (${bytes(this.sentBytes)} sent to ${this.peer()})`);
    this.s.reporter.warn('INPUT_NOT_SENT', parts.join(' '), this.id);
  }
}
