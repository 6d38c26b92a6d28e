/**
 * Socket errors with a stable `code` and a message a person can act on, e.g.
 * "port 8888 on 127.0.0.1 is already in use (EADDRINUSE)". Every failure of the transports
 * (listen, connect, bind, send) reaches callers as a `SocketError`.
 */
import { errorCode, errorMessage } from '../shared/errors';
import { formatHostPort } from '../shared/format';

export class SocketError extends Error {
  /** e.g. EADDRINUSE, ECONNREFUSED, ETIMEDOUT, EMSGSIZE, ENOTCONN, ECONNRESET */
  readonly code: string;
  /** the operation that failed: listen, connect, bind, send, ... */
  readonly syscall?: string;
  readonly address?: string;
  readonly port?: number;

  constructor(code: string, message: string, details?: { syscall?: string; address?: string; port?: number; cause?: unknown }) {
    super(message, details?.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = 'SocketError';
    this.code = code;
    if (details?.syscall !== undefined) this.syscall = details.syscall;
    if (details?.address !== undefined) this.address = details.address;
    if (details?.port !== undefined) this.port = details.port;
  }
}

export type SocketOperation = 'listen' | 'connect' | 'bind' | 'send' | 'socket';

/**
 * Turns a Node error from `net`/`dgram` into a `SocketError` with a clear message naming the
 * operation and the address concerned.
 */
export function toSocketError(err: unknown, op: SocketOperation, address: string, port: number): SocketError {
  if (err instanceof SocketError) return err;
  const code = errorCode(err) ?? 'EUNKNOWN';
  const where = formatHostPort(address, port);
  let message: string;
  switch (code) {
    case 'EADDRINUSE':
      message = `port ${port} on ${address} is already in use (EADDRINUSE)`;
      break;
    case 'EACCES':
      message = op === 'listen' || op === 'bind'
        ? `permission denied to use port ${port} on ${address} (EACCES)`
        : `permission denied for ${where} (EACCES)`;
      break;
    case 'EADDRNOTAVAIL':
      message = `address ${address} is not available on this machine (EADDRNOTAVAIL)`;
      break;
    case 'ECONNREFUSED':
      message = `connection to ${where} refused (ECONNREFUSED)`;
      break;
    case 'ECONNRESET':
      message = `connection with ${where} reset by peer (ECONNRESET)`;
      break;
    case 'EPIPE':
      message = `connection with ${where} is closed; cannot write (EPIPE)`;
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      message = `host ${address} not found (${code})`;
      break;
    case 'EHOSTUNREACH':
      message = `host ${address} is unreachable (EHOSTUNREACH)`;
      break;
    case 'ENETUNREACH':
      message = `network unreachable for ${where} (ENETUNREACH)`;
      break;
    case 'ETIMEDOUT':
      message = `${op} ${where} timed out (ETIMEDOUT)`;
      break;
    case 'EAFNOSUPPORT':
      message = `address family of ${address} is not supported here (EAFNOSUPPORT)`;
      break;
    case 'ERR_SOCKET_BAD_PORT':
    case 'ERR_OUT_OF_RANGE':
      message = `port ${port} is out of range (${op === 'listen' || op === 'bind' ? 0 : 1}-65535)`;
      break;
    case 'EMSGSIZE':
      message = `datagram to ${where} is too large (EMSGSIZE)`;
      break;
    default:
      message = `${op} ${where} failed: ${errorMessage(err)}`;
  }
  const syscall = err && typeof err === 'object' && typeof (err as { syscall?: unknown }).syscall === 'string' ? (err as { syscall: string }).syscall : op;
  return new SocketError(code, message, { syscall, address, port, cause: err });
}

/** "connect to 10.0.0.1:80 timed out after 10 s" */
export function connectTimeoutError(address: string, port: number, timeoutMs: number): SocketError {
  const secs = timeoutMs % 1000 === 0 ? String(timeoutMs / 1000) : (timeoutMs / 1000).toFixed(3).replace(/\.?0+$/, '');
  return new SocketError('ETIMEDOUT', `connect to ${formatHostPort(address, port)} timed out after ${secs} s`, { syscall: 'connect', address, port });
}

/** the largest UDP payload: 65,535 − 8 (UDP header) − 20 (IPv4 header); IPv6 has no header in the limit */
export const UDP_MAX_IPV4 = 65507;
export const UDP_MAX_IPV6 = 65527;

/** "UDP datagram of 70000 bytes exceeds the 65,507-byte maximum (EMSGSIZE)" */
export function datagramTooLargeError(size: number, max: number): SocketError {
  return new SocketError('EMSGSIZE', `UDP datagram of ${size} bytes exceeds the ${String(max).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}-byte maximum (EMSGSIZE)`, { syscall: 'send' });
}

/** "connection c3 (127.0.0.1:5555) is closed (ENOTCONN)" */
export function notConnectedError(id: string, label: string, state: string): SocketError {
  return new SocketError('ENOTCONN', `connection ${id} (${label}) is ${state}; cannot send (ENOTCONN)`, { syscall: 'send' });
}

export function unknownConnectionError(id: string): SocketError {
  return new SocketError('ENOENT', `no connection with id "${id}"`);
}

/** a SocketError for a port that is not an integer in range (listen/bind allow 0 = ephemeral), else undefined */
export function badPortError(port: unknown, allowZero: boolean): SocketError | undefined {
  const min = allowZero ? 0 : 1;
  if (typeof port === 'number' && Number.isInteger(port) && port >= min && port <= 65535) return undefined;
  return new SocketError('ERR_SOCKET_BAD_PORT', `port ${String(port)} is out of range (${min}-65535)`);
}
