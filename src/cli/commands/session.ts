/**
 * Shared plumbing of the network commands: one registry without history, per-connection text decoding,
 * frame counting, --output with backpressure, pending sends, and a single way to finish with an exit code.
 */
import { openSync, writeSync, closeSync } from 'node:fs';
import { ConnectionRegistry } from '../../core/registry';
import { decodeText, createStreamDecoder, isBinaryForm } from '../../core/codec/encoding';
import type { IConnectionRegistry } from '../../core/types';
import { DisposableStore, type Disposable } from '../../core/events';
import type { CommandContext } from '../context';
import { Reporter } from '../output';
import { errorCode, errorMessage } from '../../shared/errors';
import { UsageError, EXIT_NETWORK } from '../errors';
import { ChunkTracker } from './chunks';

export interface SessionOptions {
  command: string;
  json: boolean;
  quiet: boolean;
  encoding: string;
  /** framing of received data; "raw" decodes text with one streaming decoder per connection */
  framing: string;
  /** exit 0 after this many frames received */
  count?: number;
  output?: string;
  /** --ansi: render colour escape sequences */
  ansi?: boolean;
}

/**
 * Appends received payloads to a file. Writes are synchronous on purpose: while a chunk is being written
 * the event loop reads no more from the sockets, so a disk slower than the network throttles the sender
 * through TCP flow control instead of buffering in memory (1 GiB to --output stays far below 150 MB RSS).
 */
class OutputFile {
  private constructor(
    private fd: number | undefined,
    private readonly path: string,
    private readonly reporter: Reporter,
  ) {}

  static open(path: string, reporter: Reporter, command: string): OutputFile {
    try {
      return new OutputFile(openSync(path, 'a'), path, reporter);
    } catch (err) {
      throw new UsageError(`cannot write --output file '${path}': ${errorMessage(err)}`, command);
    }
  }

  write(payload: Buffer): void {
    if (this.fd === undefined || payload.length === 0) return;
    try {
      let off = 0;
      while (off < payload.length) off += writeSync(this.fd, payload, off, payload.length - off);
    } catch (err) {
      this.reporter.warn(errorCode(err) ?? 'ERROR', `cannot write --output file '${this.path}': ${errorMessage(err)}; no longer writing it`);
      this.close();
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // nothing more to do
    }
    this.fd = undefined;
  }
}

/** what the reporter needs to know of a received frame */
export interface FrameOpts {
  peer: string;
  header?: Record<string, unknown>;
  time?: number;
  datagram?: boolean;
  /** stream offset of the frame's first byte (named in errors) */
  offset?: number;
  /** the frame's stream offsets [start, end): which received chunks carried it (see trackChunks) */
  span?: { start: number; end: number };
}

export class Session {
  readonly registry: IConnectionRegistry = new ConnectionRegistry({ recordHistory: false, retainClosed: 16 });
  readonly reporter: Reporter;
  readonly disposables = new DisposableStore();
  framesIn = 0;
  private finished = false;
  private resolveDone: (code: number) => void = () => undefined;
  readonly done: Promise<number>;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly decoders = new Map<string, ReturnType<typeof createStreamDecoder>>();
  readonly peers = new Map<string, string>();
  /** which incoming chunks carried each frame (see trackChunks) */
  readonly chunks = new ChunkTracker();
  private output?: OutputFile;
  private unregisterSignal?: () => void;
  /** --encoding hex/base64: the text is already a safe display form */
  private readonly displayForm: boolean;

  constructor(
    readonly ctx: CommandContext,
    readonly opts: SessionOptions,
  ) {
    this.reporter = new Reporter({ json: opts.json, quiet: opts.quiet, stdout: ctx.stdout, stderr: ctx.stderr, ansi: opts.ansi });
    this.displayForm = isBinaryForm(opts.encoding);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.unregisterSignal = ctx.onSignal(() => this.finish(0));
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Opens --output (before any socket, so that a bad path fails fast with exit 1). */
  async openOutput(): Promise<void> {
    if (this.opts.output !== undefined) this.output = OutputFile.open(this.opts.output, this.reporter, this.opts.command);
  }

  add(d: Disposable): void {
    this.disposables.add(d);
  }

  /**
   * Text of a received payload: raw streams keep a decoder per connection so split characters render.
   * Display forms (hex, base64) show each chunk whole: a stream decoder would hold back base64's 3-byte groups.
   */
  textOf(id: string, payload: Buffer, datagram = false): string {
    if (datagram || this.displayForm || this.opts.framing !== 'raw') return decodeText(payload, this.opts.encoding);
    let dec = this.decoders.get(id);
    if (!dec) {
      dec = createStreamDecoder(this.opts.encoding);
      this.decoders.set(id, dec);
    }
    return dec.write(payload);
  }

  forget(id: string): void {
    this.decoders.delete(id);
    this.peers.delete(id);
    this.chunks.forget(id);
  }

  /** Follows incoming chunks so that each frame printed says which chunks carried it (streams; not with --quiet). */
  trackChunks(): void {
    if (this.opts.quiet) return;
    this.add(
      this.registry.onDidReceiveChunk((e) => {
        if (e.chunk.direction === 'in') this.chunks.chunk(e.id, e.chunk.seq, e.chunk.offset, e.chunk.data.length);
      }),
    );
  }

  /** Shows a message we sent in the transcript (`>` line, or a `sent` event). */
  sent(id: string, peer: string, payload: Buffer, encoding: string, header?: Record<string, unknown>): void {
    if (this.finished || this.opts.quiet) return;
    this.reporter.sent({ conn: id, peer, payload, text: decodeText(payload, encoding), header, textOnly: isBinaryForm(encoding) });
  }

  /**
   * Handles one received frame: appends it to --output, prints it, counts it. Returns true when this
   * frame reached --count (the caller answers it, then the session finishes).
   */
  received(id: string, payload: Buffer, opts: FrameOpts): boolean {
    if (this.finished) return false;
    this.framesIn++;
    // --output first: a frame that cannot be shown is still saved
    this.output?.write(payload);
    this.report(id, payload, opts);
    return this.opts.count !== undefined && this.framesIn >= this.opts.count;
  }

  /**
   * The bytes of a frame that never finished (the stream ended inside it): saved to --output and shown, not counted
   * as a frame. The INCOMPLETE_FRAME warning that comes with it says why.
   */
  unfinished(id: string, payload: Buffer, opts: FrameOpts & { offset: number }): void {
    if (this.finished) return;
    this.output?.write(payload);
    this.report(id, payload, opts, opts.offset);
  }

  private report(id: string, payload: Buffer, opts: FrameOpts, unfinishedAt?: number): void {
    if (this.opts.quiet) return;
    try {
      const text = this.textOf(id, payload, opts.datagram || unfinishedAt !== undefined);
      const chunk = opts.span !== undefined && unfinishedAt === undefined ? this.chunks.frame(id, opts.span.start, opts.span.end) : undefined;
      const f = { conn: id, peer: opts.peer, payload, text, header: opts.header, time: opts.time, textOnly: this.displayForm, chunk };
      if (unfinishedAt !== undefined) this.reporter.unfinished({ ...f, offset: unfinishedAt });
      else this.reporter.frame(f);
    } catch (err) {
      const at = opts.offset !== undefined ? ` at stream offset ${opts.offset}` : '';
      this.reporter.warn('REPORT_FAILED', `${id} (${opts.peer}): cannot show the ${payload.length}-byte frame${at}: ${errorMessage(err)}`, id, opts.offset);
    }
  }

  /** Tracks a send so that finishing waits for it; a failure is reported as a warning. */
  track(p: Promise<unknown>, onError?: (err: unknown) => void): void {
    const tracked = p.then(
      () => undefined,
      (err: unknown) => {
        if (onError) onError(err);
        // a fault plan's half-close or reset (FAULT_*) is reported once, by the connection's error event
        else if (!this.finished && !errorCode(err)?.startsWith('FAULT_')) this.reporter.warn(errorCode(err) ?? 'ERROR', errorMessage(err));
      },
    );
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  /** Ends the command: waits for sends, closes sockets and --output, resolves `done` with the exit code. */
  finish(code: number, fatal?: { code: string; message: string }): void {
    if (this.finished) return;
    this.finished = true;
    if (fatal) this.reporter.fatal(fatal.code, fatal.message);
    void this.shutdown().then(() => this.resolveDone(code));
  }

  fail(err: { code: string; message: string }): void {
    this.finish(EXIT_NETWORK, err);
  }

  private async shutdown(): Promise<void> {
    this.unregisterSignal?.();
    const pending = [...this.pending];
    if (pending.length > 0) await Promise.race([Promise.allSettled(pending), delay(2000)]);
    this.disposables.dispose();
    try {
      await Promise.race([this.registry.closeAll(), delay(2000)]);
    } catch {
      // closing is best effort
    }
    this.registry.dispose();
    this.output?.close();
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref();
  });
}

/** errno-style codes (ECONNRESET, EPIPE, EMSGSIZE…): reported through close reasons or failed sends, not as events */
export function isSocketErrorCode(code: string): boolean {
  return /^E[A-Z0-9_]+$/.test(code);
}
