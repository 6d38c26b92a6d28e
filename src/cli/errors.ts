/** Exit codes of `sockdbg` (documented in README.md (section "The sockdbg command line")). */
import { errorCode, errorMessage } from '../shared/errors';
export const EXIT_OK = 0;
/** bad flags, bad hex, bad framing spec, unknown encoding, bad struct values */
export const EXIT_USAGE = 1;
/** refused, timed out, port in use, reset, host not found */
export const EXIT_NETWORK = 2;

/** A mistake on the command line: printed as one line plus a hint, exit code 1. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** the command whose help the hint points to, e.g. "tcp connect" */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A network failure: printed as one line on stderr, exit code 2. */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}

/**
 * Turns a socket error into the one clear line the CLI prints, e.g.
 * "connection to 127.0.0.1:9 refused". `what` describes the target ("127.0.0.1:9").
 */
export function describeNetworkError(err: unknown, target: string, action: 'connect' | 'listen' | 'bind' | 'send'): NetworkError {
  const code = errorCode(err) ?? 'ERROR';
  let message: string;
  switch (code) {
    case 'ECONNREFUSED':
      message = action === 'send' ? `${target} refused the datagram (port unreachable)` : `connection to ${target} refused`;
      break;
    case 'EADDRINUSE':
      message = `cannot ${action} on ${target}: address already in use (${addressInUseHint(target, action)})`;
      break;
    case 'EACCES':
      message = `cannot ${action} on ${target}: permission denied`;
      break;
    case 'EADDRNOTAVAIL':
      message = `cannot ${action} on ${target}: address not available on this machine`;
      break;
    case 'ETIMEDOUT':
      message = /timed out after/.test(errorMessage(err)) ? stripCode(errorMessage(err)) : `connection to ${target} timed out`;
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      message = `host not found: ${target}`;
      break;
    case 'ECONNRESET':
      message = `connection to ${target} reset by peer`;
      break;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      message = `${target} is unreachable`;
      break;
    case 'EMSGSIZE':
      message = `datagram too large for ${target} (UDP payloads are limited to 65507 bytes)`;
      break;
    default:
      message = stripCode(errorMessage(err));
  }
  return new NetworkError(message, code);
}

/**
 * What holds a port, and how to find it. Node sets SO_REUSEADDR on TCP listeners (the tutorial's
 * `setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)`), so a closed server's connections in TIME_WAIT never block a new one.
 */
export function addressInUseHint(target: string, action: string): string {
  const port = /:(\d+)$/.exec(target)?.[1] ?? 'PORT';
  if (action === 'bind') return `another UDP socket is bound to it, e.g. a udp bind or a python server.py still running; find it with: ss -lunp 'sport = :${port}' or lsof -iUDP:${port}`;
  return (
    `another socket listens on it, e.g. a server still running (an earlier sockdbg, a python server.py); ` +
    `connections of a closed server in TIME_WAIT do not block it (sockdbg listens with SO_REUSEADDR); ` +
    `find it with: ss -ltnp 'sport = :${port}' or lsof -iTCP:${port} -sTCP:LISTEN (Windows: netstat -ano | findstr :${port})`
  );
}

/** "port 80 … in use (EADDRINUSE)" → "port 80 … in use" */
function stripCode(message: string): string {
  return message.replace(/\s*\([A-Z_]+\)\s*$/, '');
}
