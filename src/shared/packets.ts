/**
 * The saved packet library: named packets (a composer draft in any input mode, with its framing choice and, for UDP,
 * a destination) kept in a JSON file in the workspace (sockdbg.packets.json), so they can be sent with one click and
 * shared through git. Pure: parsing (the file is untrusted input, checked field by field) and writing.
 */
import { parseDraft, parseFramingChoice, type Draft, type FramingChoice } from './protocol';

export const PACKET_LIBRARY_FILE = 'sockdbg.packets.json';
export const MAX_PACKETS = 10_000;

export interface SavedPacket {
  name: string;
  draft: Draft;
  framing: FramingChoice;
  /** UDP destination "host:port" for a packet meant for a UDP socket */
  to?: { host: string; port: number };
}

export interface PacketLibrary {
  packets: SavedPacket[];
  /** what was wrong with entries that were left out, e.g. 'packet 3 ("login"): the draft is not valid' */
  problems: string[];
}

function isObj(u: unknown): u is Record<string, unknown> {
  return typeof u === 'object' && u !== null && !Array.isArray(u);
}

export function isPacketName(name: unknown): name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200 || name.trim() !== name) return false;
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) < 0x20 || name.charCodeAt(i) === 0x7f) return false;
  return true;
}

function parseTo(u: unknown): SavedPacket['to'] | null | undefined {
  if (u === undefined) return undefined;
  if (!isObj(u) || typeof u.host !== 'string' || u.host.length === 0 || u.host.length > 255) return null;
  const port = u.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: u.host, port };
}

/** Reads a library file's parsed JSON. Bad entries are left out and named in `problems`; a name is kept once. */
export function parsePacketLibrary(u: unknown): PacketLibrary {
  const out: PacketLibrary = { packets: [], problems: [] };
  if (!isObj(u) || !Array.isArray(u.packets)) {
    out.problems.push('the file must be a JSON object with a "packets" array');
    return out;
  }
  const seen = new Set<string>();
  u.packets.slice(0, MAX_PACKETS).forEach((p: unknown, i: number) => {
    const where = `packet ${i + 1}${isObj(p) && typeof p.name === 'string' ? ` (${JSON.stringify(p.name.slice(0, 60))})` : ''}`;
    if (!isObj(p)) return void out.problems.push(`${where}: not an object`);
    if (!isPacketName(p.name)) return void out.problems.push(`${where}: "name" must be 1–200 characters without control characters or outer spaces`);
    if (seen.has(p.name)) return void out.problems.push(`${where}: the name is used by an earlier packet`);
    const draft = parseDraft(p.draft);
    if (!draft) return void out.problems.push(`${where}: "draft" is not a valid draft (mode text, hex, escapes, struct or json with its fields)`);
    const framing = p.framing === undefined ? { kind: 'connection' as const } : parseFramingChoice(p.framing);
    if (!framing) return void out.problems.push(`${where}: "framing" must be {"kind":"connection"}, {"kind":"raw"} or {"kind":"spec","spec":"…"}`);
    const to = parseTo(p.to);
    if (to === null) return void out.problems.push(`${where}: "to" must be {"host": "…", "port": 1–65535}`);
    seen.add(p.name);
    out.packets.push({ name: p.name, draft, framing, ...(to ? { to } : {}) });
  });
  if (u.packets.length > MAX_PACKETS) out.problems.push(`only the first ${MAX_PACKETS} packets are read`);
  return out;
}

/** The library file's text (stable, two-space JSON, newline at the end) */
export function packetLibraryText(packets: readonly SavedPacket[]): string {
  return JSON.stringify({ packets: packets.map((p) => ({ name: p.name, draft: p.draft, framing: p.framing, ...(p.to ? { to: p.to } : {}) })) }, null, 2) + '\n';
}

/** the library with `p` added, or replacing the packet of the same name in place */
export function withPacket(packets: readonly SavedPacket[], p: SavedPacket): SavedPacket[] {
  const i = packets.findIndex((q) => q.name === p.name);
  return i < 0 ? [...packets, p] : packets.map((q, k) => (k === i ? p : q));
}

/** a one-line description of a packet's content for lists, e.g. "text: wyb", "struct <HI: 1, 2" */
export function packetSummary(d: Draft): string {
  const cut = (s: string) => (s.length > 60 ? s.slice(0, 59) + '…' : s).replace(/\s+/g, ' ');
  switch (d.mode) {
    case 'text':
    case 'escapes':
    case 'hex':
      return `${d.mode}: ${cut(d.text)}`;
    case 'struct':
      return `struct ${d.format}: ${cut(d.values)}`;
    case 'json':
      return `json ${cut(d.header)} + ${cut(d.body)}`;
    case 'message':
      return `message ${cut(d.text)}`;
  }
}
