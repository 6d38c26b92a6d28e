/** Small formatting helpers for the tree, the status bar and messages (no `vscode` needed). */
import type { ConnectionInfo, Endpoint } from '../core/types';
import { isClosedState, isContainer } from '../shared/connections';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export function formatEndpoint(e: Endpoint | undefined): string {
  if (!e) return '';
  return e.family === 'IPv6' || e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** "↓ 22 B/2 ↑ 8 B/1": bytes/frames in, bytes/frames out */
export function formatCounters(info: ConnectionInfo): string {
  const s = info.stats;
  return `↓ ${formatBytes(s.bytesIn)}/${s.framesIn} ↑ ${formatBytes(s.bytesOut)}/${s.framesOut}`;
}

/** local time with milliseconds, e.g. 2026-11-29 12:01:03.114 */
export function formatTime(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** the address a user means by "this connection": the peer for sockets, the local one for listeners */
export function primaryAddress(info: ConnectionInfo): string {
  if (isContainer(info)) return formatEndpoint(info.local) || info.label;
  return formatEndpoint(info.remote) || formatEndpoint(info.local) || info.label;
}

export function isClosed(info: ConnectionInfo): boolean {
  return isClosedState(info.state);
}

export function parsePort(value: string): number | undefined {
  const s = value.trim();
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

/** "host:port", "[v6]:port" → endpoint; undefined when malformed */
export function parseHostPort(value: string): { address: string; port: number } | undefined {
  const s = value.trim();
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^\s:]+):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = parsePort(m[2]!);
  if (port === undefined || port === 0) return undefined;
  return { address: m[1]!, port };
}
