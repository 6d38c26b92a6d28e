/** Errors of protocol files: every one names the file, line and column of the offending YAML node. */

export type ProtocolErrorCode =
  | 'EPROTO_READ'
  | 'EPROTO_YAML'
  | 'EPROTO_SCHEMA'
  | 'EPROTO_FORMAT'
  | 'EPROTO_FIELD'
  | 'EPROTO_CHECKSUM'
  | 'EPROTO_REGEX'
  | 'EPROTO_MACRO'
  | 'EPROTO_VALUE'
  | 'EPROTO_NAME';

/** Where a node sits in its file (1-based line and column). */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export class ProtocolFileError extends Error {
  constructor(
    readonly code: ProtocolErrorCode,
    /** the message without the position */
    readonly detail: string,
    readonly pos: SourcePos,
    /** further problems found in the same pass (schema errors), each already positioned */
    readonly more: readonly ProtocolFileError[] = [],
  ) {
    super(`${pos.file}:${pos.line}:${pos.col}: ${detail}`);
    this.name = 'ProtocolFileError';
  }

  /** every problem, one per line */
  get report(): string {
    return [this.message, ...this.more.map((e) => e.message)].join('\n');
  }
}
