/**
 * What every layer needs to know about a thrown value of unknown type: its message and its errno-style code. Pure
 * (no Node, no DOM): Node's system errors, SocketError and plain objects are read by shape.
 */

/** The message of a thrown value: an Error's (or any object's string `message`), else the value as a string. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') return (err as { message: string }).message;
  return String(err);
}

/** The errno-style `code` of a thrown value (SocketError, Node system errors: "ECONNREFUSED"), or undefined. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string') return (err as { code: string }).code;
  return undefined;
}
