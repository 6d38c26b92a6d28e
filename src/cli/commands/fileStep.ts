/**
 * A --send-file step: the file streamed from disk by the core's Send File (src/core/transfer/sendFile.ts, with
 * backpressure: a 1 GB file never sits in memory) in the framing of what the command sends — raw: the file is the
 * stream; json-header: the tutorial's upload (`{"total_size", "filename", "filesize", …--header}`, then the file);
 * any other framing: one frame.
 */
import { sendFile, type FileSendMode } from '../../core/transfer/sendFile';
import { parseFramingSpec } from '../../core/framing';
import type { Session } from './session';
import type { FileStep, Outgoing } from './outgoing';
import type { InputLedger } from './connectInput';

/** How --send-file sends for a --send-framing (or --framing) of `sendFraming`. */
export function fileSendMode(sendFraming: string): FileSendMode {
  const kind = parseFramingSpec(sendFraming).kind;
  return kind === 'raw' ? 'raw' : kind === 'json-header' ? 'json-header' : 'framed';
}

export interface FileStepOptions {
  /** print the send in the transcript (`> N bytes from file …`, `{"type":"sent","file":…}`) */
  report: boolean;
  /** tcp connect: the file's bytes count as input until the socket took them (PEER_NOT_READING, INPUT_NOT_SENT) */
  ledger?: InputLedger;
}

/** Sends `step`'s file on connection `id`; resolves once the socket took the last byte, rejects naming the connection and file. */
export async function sendFileStep(s: Session, id: string, peer: string, step: FileStep, out: Outgoing, opts: FileStepOptions): Promise<void> {
  const { ledger } = opts;
  let counted = -1;
  const r = await sendFile(s.registry, id, step.path, {
    mode: fileSendMode(out.sendFraming),
    framing: out.sendFraming,
    ...(out.sendOptions.header !== undefined ? { header: out.sendOptions.header } : {}),
    onProgress: (n, total) => {
      if (!ledger) return;
      if (counted < 0) {
        ledger.take(total);
        counted = 0;
      }
      ledger.sent(n - counted);
      counted = n;
    },
  });
  // printed even when the peer already closed (a --once server finishes then): the file did go out
  if (opts.report) s.reporter.sentFile({ conn: id, peer, file: step.path, bytes: r.bodyBytes, framing: r.framing, ...(r.header ? { header: r.header } : {}) });
}
