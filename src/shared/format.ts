/**
 * Formatting every layer shares: host:port endpoints (`[::1]:80` for IPv6), byte sizes, times and plurals. Pure (no Node, no DOM), so core, the CLI, the extension and the webview print
 * these the same way.
 */

/** "127.0.0.1:80", "[::1]:80", "example.com:80": an IPv6 address (it holds ':') goes in brackets. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** What formatEndpoint needs of an endpoint (core's Endpoint has this shape). */
export interface HostPort {
  readonly address: string;
  readonly port: number;
}

/** An endpoint as host:port (see formatHostPort); undefined for no endpoint, so callers pick their own fallback. */
export function formatEndpoint(e: HostPort): string;
export function formatEndpoint(e: HostPort | undefined): string | undefined;
export function formatEndpoint(e: HostPort | undefined): string | undefined {
  return e && formatHostPort(e.address, e.port);
}

/** 127.0.0.0/8, ::1, ::ffff:127.x and "localhost": an address on this machine's loopback interface. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * An endpoint as short as it can be told apart in a list: ":53144" when its host is a loopback address or `home`
 * (the host of the server or socket it belongs to), the full host:port otherwise.
 */
export function compactEndpoint(e: HostPort, home?: string): string {
  return isLoopbackHost(e.address) || (home !== undefined && e.address === home) ? `:${e.port}` : formatEndpoint(e);
}

/** A port number as typed: 0-65535, digits only; undefined otherwise. */
export function parsePort(value: string): number | undefined {
  const s = value.trim();
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

/** "host:port" or "[v6]:port" (port 1-65535) → { address, port }; undefined when malformed. The inverse of formatHostPort. */
export function parseHostPort(value: string): { address: string; port: number } | undefined {
  const s = value.trim();
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^\s:]+):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = parsePort(m[2]);
  if (port === undefined || port === 0) return undefined;
  return { address: m[1], port };
}

/** 1000000000 → "1,000,000,000" (the integer part) */
export function groupDigits(n: number): string {
  return Math.trunc(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** "1 byte", "2 bytes"; `many` for words whose plural is not word + "s". */
export function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}

const SIZE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/**
 * An approximate size for people (binary units): 512 → "512 B", 1536 → "1.5 KiB", 200000 → "195 KiB"
 * (one decimal below 100, none from 100 on).
 */
export function formatByteSize(n: number): string {
  if (n < 1024) return `${n} B`;
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < SIZE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${SIZE_UNITS[i]}`;
}

/**
 * An exact size, as limits are written: 16777216 → "16 MiB", 65536 → "64 KiB", 1000 → "1,000 bytes". With
 * `attributive`, the form that stands before a noun: "16 MiB", "1,000-byte" (as in "the 1,000-byte frame limit").
 */
export function formatExactSize(n: number, attributive = false): string {
  for (const [unit, size] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (n >= size && n % size === 0) return `${groupDigits(n / size)} ${unit}`;
  }
  return attributive ? `${groupDigits(n)}-byte` : `${groupDigits(n)} bytes`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** How long something has been going on, as a person reads it: "0 s", "59 s", "1 min 5 s", "2 h 3 min". */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Local time of day with milliseconds: "12:01:03.114". */
export function formatClockTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Local date and time with milliseconds: "2026-11-29 12:01:03.114". */
export function formatDateTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatClockTime(epochMs)}`;
}

/** How the log shows a frame's time (the socketDebugger.timestampFormat setting). */
export type TimestampFormat = 'time' | 'iso' | 'relative';
export const TIMESTAMP_FORMATS: readonly TimestampFormat[] = ['time', 'iso', 'relative'];

/** A time as `fmt` asks: "12:01:03.114" (local), ISO 8601 (UTC), or seconds since `origin` ("+1.250"). */
export function formatTimestamp(epochMs: number, fmt: TimestampFormat, origin = 0): string {
  if (fmt === 'relative') return '+' + ((epochMs - origin) / 1000).toFixed(3);
  if (fmt === 'iso') return new Date(epochMs).toISOString();
  return formatClockTime(epochMs);
}
