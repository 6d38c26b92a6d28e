/** The file-wide part of a protocol file: framing, encoding, variables, limits and the message layouts. */
import { normalizeEncoding } from '../codec/encoding';
import { normalizeFramingSpec } from '../framing';
import { MessageLayout, type DecodedMessage, type MessageSpec } from './message';
import type { YamlPath, YamlSource } from './yaml';

export interface ProtocolDoc {
  framing?: string;
  'send-framing'?: string;
  encoding?: string;
  vars?: Record<string, string | number | boolean>;
  limits?: { 'replies-per-second'?: number };
  messages?: Record<string, MessageSpec>;
  rules?: unknown[];
  scenarios?: unknown[];
}

export const DEFAULT_REPLIES_PER_SECOND = 1000;

export class ProtocolModel {
  readonly framing: string;
  readonly sendFraming: string;
  readonly encoding: string;
  readonly vars: ReadonlyMap<string, string | number | boolean>;
  readonly repliesPerSecond: number;
  readonly messages = new Map<string, MessageLayout>();

  constructor(
    readonly src: YamlSource,
    doc: ProtocolDoc,
  ) {
    this.framing = checkFramingAt(src, ['framing'], doc.framing ?? 'raw');
    this.sendFraming = doc['send-framing'] !== undefined ? checkFramingAt(src, ['send-framing'], doc['send-framing']) : this.framing;
    this.encoding = checkEncodingAt(src, ['encoding'], doc.encoding ?? 'utf-8');
    this.vars = new Map(Object.entries(doc.vars ?? {}));
    this.repliesPerSecond = doc.limits?.['replies-per-second'] ?? DEFAULT_REPLIES_PER_SECOND;
    for (const [name, spec] of Object.entries(doc.messages ?? {})) this.messages.set(name, new MessageLayout(name, spec, src, ['messages', name]));
  }

  /** The first message whose layout and match fit the frame. */
  decode(payload: Uint8Array): DecodedMessage | undefined {
    for (const m of this.messages.values()) {
      const d = m.decode(payload);
      if (d) return d;
    }
    return undefined;
  }
}

export function checkFramingAt(src: YamlSource, path: YamlPath, spec: string): string {
  try {
    return normalizeFramingSpec(spec);
  } catch (err) {
    throw src.error('EPROTO_VALUE', path, `bad framing '${spec}': ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function checkEncodingAt(src: YamlSource, path: YamlPath, enc: string): string {
  try {
    return normalizeEncoding(enc);
  } catch (err) {
    throw src.error('EPROTO_VALUE', path, err instanceof Error ? err.message : String(err));
  }
}
