/**
 * Shared plumbing of the network commands: one registry without history, per-connection text decoding,
 * frame counting, --output with backpressure, pending sends, and a single way to finish with an exit code.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { ConnectionRegistry } from '../../core/registry';
import { decodeText, createStreamDecoder, isBinaryForm } from '../../core/codec/encoding';
import type { Endpoint, IConnectionRegistry } from '../../core/types';
import { DisposableStore, type Disposable } from '../../core/events';
import type { CommandContext } from '../context';
import { Reporter } from '../output';
import { UsageError, errorMessage, EXIT_NETWORK } from '../errors';
import { formatAddress } from '../output';

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
}

/** Optional flow control a registry may offer (pause reading one connection while --output catches up). */
interface FlowControl {
  pause(id: string): void;
  resume(id: string): void;
}

function flowControlOf(registry: unknown): FlowControl | undefined {
  const r = registry as Partial<Record<'pause' | 'resume', unknown>>;
  if (typeof r.pause === 'function' && typeof r.resume === 'function') {
    return { pause: (id) => (r.pause as (id: string) => void).call(registry, id), resume: (id) => (r.resume as (id: string) => void).call(registry, id) };
  }
  return undefined;
}

export function endpointLabel(e: Endpoint | undefined, fallback: string): string {
  return e ? formatAddress(e.address, e.port) : fallback;
}

/** Appends received payloads to a file; pauses the sending connection while the file is behind. */
class OutputFile {
  private paused = new Set<string>();

  private constructor(
    private readonly stream: WriteStream,
    private readonly flow: FlowControl | undefined,
  ) {
    stream.on('drain', () => {
      for (const id of this.paused) {
        try {
          this.flow?.resume(id);
        } catch {
          // the connection may be gone
        }
      }
      this.paused.clear();
    });
  }

  static open(path: string, flow: FlowControl | undefined, command: string): Promise<OutputFile> {
    return new Promise((resolve, reject) => {
      const stream = createWriteStream(path, { flags: 'a' });
      stream.once('error', (err) => reject(new UsageError(`cannot write --output file '${path}': ${errorMessage(err)}`, command)));
      stream.once('open', () => {
        stream.removeAllListeners('error');
        stream.on('error', () => undefined);
        resolve(new OutputFile(stream, flow));
      });
    });
  }

  write(id: string, payload: Buffer): void {
    if (payload.length === 0) return;
    if (!this.stream.write(payload) && this.flow && !this.paused.has(id)) {
      this.paused.add(id);
      try {
        this.flow.pause(id);
      } catch {
        this.paused.delete(id);
      }
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.stream.end(() => resolve());
      this.stream.once('error', () => resolve());
    });
  }
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
  private output?: OutputFile;
  private unregisterSignal?: () => void;
  /** --encoding hex/base64: the text is already a safe display form */
  private readonly displayForm: boolean;

  constructor(
    readonly ctx: CommandContext,
    readonly opts: SessionOptions,
  ) {
    this.reporter = new Reporter({ json: opts.json, quiet: opts.quiet, stdout: ctx.stdout, stderr: ctx.stderr });
    this.displayForm = isBinaryForm(opts.encoding);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.unregisterSignal = ctx.onSignal(() => this.finish(0));
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Opens --output (before any socket, so that a bad path fails fast with exit 1). */
  async openOutput(): Promise<void> {
    if (this.opts.output !== undefined) this.output = await OutputFile.open(this.opts.output, flowControlOf(this.registry), this.opts.command);
  }

  add(d: Disposable): void {
    this.disposables.add(d);
  }

  /** Text of a received payload: raw streams keep a decoder per connection so split characters render. */
  textOf(id: string, payload: Buffer, datagram = false): string {
    if (datagram || this.opts.framing !== 'raw') return decodeText(payload, this.opts.encoding);
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
  }

  /**
   * Handles one received frame: prints it, appends it to --output, counts it. Returns true when this
   * frame reached --count (the caller answers it, then the session finishes).
   */
  received(id: string, payload: Buffer, opts: { peer: string; header?: Record<string, unknown>; time?: number; datagram?: boolean }): boolean {
    if (this.finished) return false;
    this.framesIn++;
    if (!this.opts.quiet) {
      const text = this.textOf(id, payload, opts.datagram);
      this.reporter.frame({ conn: id, peer: opts.peer, payload, text, header: opts.header, time: opts.time, textOnly: this.displayForm });
    }
    this.output?.write(id, payload);
    return this.opts.count !== undefined && this.framesIn >= this.opts.count;
  }

  /** Tracks a send so that finishing waits for it; a failure is reported as a warning. */
  track(p: Promise<unknown>, onError?: (err: unknown) => void): void {
    const tracked = p.then(
      () => undefined,
      (err: unknown) => {
        if (onError) onError(err);
        else if (!this.finished) this.reporter.warn(codeOf(err), errorMessage(err));
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
    await this.output?.close();
  }
}

export function codeOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string') return (err as { code: string }).code;
  return 'ERROR';
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref();
  });
}
