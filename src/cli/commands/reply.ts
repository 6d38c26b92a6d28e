/**
 * `--echo` / `--reply` / `--reply-hex` of `tcp listen` and `udp bind`: the one place that answers a received frame.
 * Answers are sent as replies (SendOptions.reply): over TCP reading pauses while they back up, so a peer that sends
 * without reading cannot make us hold its bytes; over UDP a reply that would queue behind too many is refused
 * (ENOBUFS), counted and reported.
 */
import type { Session } from './session';
import type { SendOptions } from '../../core/types';
import { errorCode, errorMessage } from '../../shared/errors';

export interface ReplyMode {
  echo: boolean;
  /** fixed answer (--reply / --reply-hex) */
  reply?: Buffer;
  /** how answers are framed (tcp listen --send-framing, --header) */
  sendOptions?: SendOptions;
}

/** where an answer goes: a connection, or a UDP socket and the datagram's sender */
export interface ReplyTarget {
  id: string;
  to?: { address: string; port: number };
}

export type Replier = (target: ReplyTarget, payload: Buffer) => void;

/** the answering function for a mode, or undefined when nothing is answered */
export function createReplier(s: Session, mode: ReplyMode): Replier | undefined {
  if (!mode.echo && mode.reply === undefined) return undefined;
  let refused = 0;
  s.add({
    dispose: () => {
      if (refused > 1) s.reporter.warn('ENOBUFS', `${refused} replies in all were not sent: earlier datagrams were still waiting to be sent`);
    },
  });
  const failed = (err: unknown): void => {
    if (s.isFinished) return;
    const code = errorCode(err) ?? 'ERROR';
    if (code === 'ENOBUFS') {
      // a flood: report the first refusal, count the rest (reported at exit)
      if (refused++ > 0) return;
    }
    s.reporter.warn(code, errorMessage(err));
  };
  return (target, payload) => {
    const answer = mode.echo ? payload : mode.reply!;
    const options: SendOptions = { ...mode.sendOptions, ...(target.to ? { to: target.to } : {}), reply: true };
    s.track(s.registry.send(target.id, answer, options), failed);
  };
}
