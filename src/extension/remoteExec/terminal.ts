/**
 * A Pseudoterminal that runs one remote command: output streamed as it arrives (decoded from the agent's
 * encoding), the exit code at the end, Ctrl+C cancels the remote command (its process tree is killed).
 */
import * as vscode from 'vscode';
import { createStreamDecoder, type StreamDecoder } from '../../core/codec/encoding';
import { runRemote, type RemoteExecOptions, type RemoteExecResult } from '../../core/exec/client';
import { formatHostPort } from '../../shared/format';
import { execErrorText } from './keys';

export interface RemoteRunOutcome {
  /** set when the command ran to an end (exit, signal, timeout or cancel) */
  result?: RemoteExecResult;
  /** set when it could not run (refused key, impostor, network, agent error) */
  error?: string;
  /** the text shown in the terminal (the first MAX_KEPT characters), for tests and the API */
  output: string;
}

const MAX_KEPT = 1024 * 1024;
/**
 * Output characters handed to the terminal before the next chunk waits for a turn of the event loop. A
 * Pseudoterminal has no flow-control signal, and each write is queued for the renderer at once: waiting here holds
 * the remote output in the agent's pipes (runRemote stops reading while a handler's promise is pending) instead of
 * in the extension host's memory.
 */
const WRITE_BUDGET = 64 * 1024;
const RED = '\x1b[31m';
const GREEN = '\x1b[32m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

function toTerminal(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

export class RemoteExecPty implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private readonly abort = new AbortController();
  private finished = false;
  private kept = '';
  private unflushed = 0;
  private resolveDone!: (o: RemoteRunOutcome) => void;
  /** settles when the command has ended (or failed to start) */
  readonly done = new Promise<RemoteRunOutcome>((r) => (this.resolveDone = r));

  constructor(
    private readonly options: Omit<RemoteExecOptions, 'signal'>,
    private readonly title: string,
    private readonly encoding: string,
  ) {}

  private write(text: string): void {
    if (this.kept.length < MAX_KEPT) this.kept += text.slice(0, MAX_KEPT - this.kept.length);
    this.writeEmitter.fire(toTerminal(text));
    this.unflushed += text.length;
  }

  /** Backpressure for runRemote: past the budget, the next output waits until the event loop has had a turn. */
  private paced(): Promise<void> | undefined {
    if (this.unflushed < WRITE_BUDGET) return undefined;
    this.unflushed = 0;
    return new Promise<void>((resolve) => setImmediate(resolve));
  }

  open(): void {
    this.writeEmitter.fire(`${DIM}${toTerminal(this.title)}${RESET}\r\n`);
    void this.run();
  }

  private async run(): Promise<void> {
    const out: StreamDecoder = createStreamDecoder(this.encoding);
    const err: StreamDecoder = createStreamDecoder(this.encoding);
    const started = Date.now();
    try {
      const result = await runRemote(
        { ...this.options, signal: this.abort.signal },
        {
          onStdout: (b) => {
            this.write(out.write(b));
            return this.paced();
          },
          onStderr: (b) => {
            const t = err.write(b);
            if (t) this.write(`${RED}${t}${RESET}`);
            return this.paced();
          },
        },
      );
      this.write(out.end());
      const tail = err.end();
      if (tail) this.write(tail);
      const secs = ((result.durationMs || Date.now() - started) / 1000).toFixed(1);
      let status: string;
      if (result.cancelled) status = vscode.l10n.t('cancelled ({0})', result.signal ?? '?');
      else if (result.timedOut) status = vscode.l10n.t('timed out ({0})', result.signal ?? '?');
      else if (result.exitCode !== null) status = vscode.l10n.t('exit code {0}', result.exitCode);
      else status = vscode.l10n.t('killed by {0}', result.signal ?? '?');
      const color = result.exitCode === 0 ? GREEN : RED;
      this.writeEmitter.fire(`\r\n${color}[${status}, ${secs} s]${RESET} ${DIM}${vscode.l10n.t('Press any key to close.')}${RESET}\r\n`);
      this.finish({ result, output: this.kept });
    } catch (e) {
      const msg = execErrorText(e, formatHostPort(this.options.host, this.options.port));
      this.writeEmitter.fire(`\r\n${RED}${toTerminal(msg)}${RESET}\r\n${DIM}${vscode.l10n.t('Press any key to close.')}${RESET}\r\n`);
      this.finish({ error: msg, output: this.kept });
    }
  }

  private finish(o: RemoteRunOutcome): void {
    this.finished = true;
    this.resolveDone(o);
  }

  handleInput(data: string): void {
    if (this.finished) {
      this.closeEmitter.fire();
      return;
    }
    if (data.includes('\x03') && !this.abort.signal.aborted) {
      this.writeEmitter.fire(`^C\r\n`);
      this.abort.abort();
    }
  }

  close(): void {
    // the terminal was closed: cancel a running command (the agent kills its process tree)
    if (!this.finished) this.abort.abort();
  }
}
