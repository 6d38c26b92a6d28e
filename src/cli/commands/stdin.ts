/**
 * Typed input: each stdin line is one message, sent like Python's `input()` gives it (no line ending, unless --eol
 * lf|crlf), encoded with --send-encoding. `tcp listen` sends it to the newest client (or --to cN|all), `udp bind`
 * to the last peer heard from; lines typed before anyone is there wait for the first peer. stdin pauses while too
 * many lines wait or are being sent.
 */
import * as readline from 'node:readline';
import type { Session } from './session';
import { eolBytes, type Eol } from './outgoing';
import { encodeText } from '../../core/codec/encoding';
import { errorMessage } from '../../shared/errors';

export interface TypedLineOptions {
  encoding: string;
  eol: Eol;
  /** TCP in raw framing: an empty message cannot be carried */
  emptyIsNothing: boolean;
}

/** The bytes to send for one typed line, or undefined (with a warning saying why nothing is sent). */
export function typedPayload(s: Session, line: string, opts: TypedLineOptions): Buffer | undefined {
  const text = line + eolBytes(opts.eol);
  if (text.length === 0 && opts.emptyIsNothing) {
    s.reporter.warn('EMPTY', 'empty line not sent: TCP cannot carry an empty message (in raw framing; try --eol lf)');
    return undefined;
  }
  try {
    return encodeText(text, opts.encoding);
  } catch (err) {
    s.reporter.warn('ENCODING', `line not sent: cannot encode it as ${opts.encoding}: ${errorMessage(err)}`);
    return undefined;
  }
}

/** typed lines (waiting for a peer, or sent and not yet handed to the kernel) at which stdin stops being read … */
export const TYPED_HIGH_WATER = 1024;
/** … and below which it is read again */
export const TYPED_LOW_WATER = 256;

/**
 * Reads stdin line by line for a server (until the session ends; end of input does not end it), with backpressure:
 * while `backlog()` is at TYPED_HIGH_WATER or more, stdin is paused (a file piped to a server whose client does
 * not read, or that has no client yet, is not read into memory); call `drained()` when the backlog shrinks.
 */
export class TypedInput {
  private readonly rl: readline.Interface;
  private paused = false;

  constructor(
    private readonly s: Session,
    onLine: (line: string) => void,
    private readonly backlog: () => number,
  ) {
    this.rl = readline.createInterface({ input: s.ctx.stdin, crlfDelay: Infinity, terminal: false });
    this.rl.on('line', (line) => {
      if (s.isFinished) return;
      onLine(line);
      if (!this.paused && this.backlog() >= TYPED_HIGH_WATER) {
        this.paused = true;
        this.rl.pause();
      }
    });
    s.add({ dispose: () => this.rl.close() });
  }

  drained(): void {
    if (this.paused && this.backlog() <= TYPED_LOW_WATER && !this.s.isFinished) {
      this.paused = false;
      this.rl.resume();
    }
  }
}

/** Where `tcp listen` sends typed lines: the newest open client, one client (`cN`), or every client. */
export type TypedTarget = { kind: 'newest' } | { kind: 'all' } | { kind: 'conn'; id: string };

export function parseTarget(value: string | undefined): TypedTarget | undefined {
  if (value === undefined || value === 'newest') return { kind: 'newest' };
  if (value === 'all') return { kind: 'all' };
  if (/^c\d+$/.test(value)) return { kind: 'conn', id: value };
  return undefined;
}

/**
 * Typed lines for a server with several clients: lines wait until a client is there; each goes to the target's
 * connections (ids in `open`, oldest first).
 */
export class TypedRouter {
  private waiting: string[] = [];
  /** sends not yet handed to the kernel */
  inflight = 0;

  constructor(
    private readonly target: TypedTarget,
    private readonly open: () => string[],
    private readonly deliver: (ids: string[], line: string) => void,
  ) {}

  private targets(): string[] {
    const ids = this.open();
    if (this.target.kind === 'all') return ids;
    if (this.target.kind === 'conn') {
      const id = this.target.id;
      return ids.includes(id) ? [id] : [];
    }
    return ids.length > 0 ? [ids[ids.length - 1]] : [];
  }

  line(line: string): void {
    const ids = this.targets();
    if (ids.length === 0) this.waiting.push(line);
    else this.deliver(ids, line);
  }

  /** A peer became available: lines typed before go to it now. */
  flush(): void {
    if (this.waiting.length === 0) return;
    const ids = this.targets();
    if (ids.length === 0) return;
    for (const l of this.waiting.splice(0)) this.deliver(ids, l);
  }

  /** lines waiting for a peer plus sends in flight (TypedInput's backlog) */
  get backlog(): number {
    return this.waiting.length + this.inflight;
  }
}
