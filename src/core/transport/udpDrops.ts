/**
 * Datagrams the kernel dropped because a UDP socket's receive buffer was full. Node offers no SO_RXQ_OVFL, so on
 * Linux the socket's `drops` column in /proc/net/udp(6) is read: the socket is found once by its local port and an
 * inode among this process's open file descriptors, then polled. Elsewhere (no /proc) nothing is reported.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

const TABLES = ['/proc/net/udp', '/proc/net/udp6'];
/** how often the drop counter is read while the socket is open */
export const DROP_POLL_MS = 1000;

interface Row {
  port: number;
  inode: number;
  drops: number;
}

/** the rows of /proc/net/udp(6) text: local port, inode, drops */
export function parseUdpTable(text: string): Row[] {
  const rows: Row[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/);
    if (f.length < 13) continue;
    const colon = f[1].lastIndexOf(':');
    rows.push({ port: parseInt(f[1].slice(colon + 1), 16), inode: Number(f[9]), drops: Number(f[12]) });
  }
  return rows;
}

function readTablesSync(): Row[] {
  const rows: Row[] = [];
  for (const t of TABLES) {
    try {
      rows.push(...parseUdpTable(readFileSync(t, 'utf8')));
    } catch {
      // no such table (no IPv6, not Linux)
    }
  }
  return rows;
}

/** inodes of the sockets this process holds open */
function ownSocketInodes(): Set<number> {
  const out = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) out.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** Watches one bound socket's drop counter; `onDrops` gets the new drops and the total since the watch began. */
export class UdpDropWatch {
  private inode?: number;
  private base = 0;
  private last = 0;
  private timer?: NodeJS.Timeout;
  private reading = false;

  constructor(
    private readonly port: number,
    private readonly onDrops: (added: number, total: number) => void,
  ) {}

  /** finds the socket (false when the system does not say) and starts polling */
  start(): boolean {
    const rows = readTablesSync().filter((r) => r.port === this.port);
    if (rows.length === 0) return false;
    const own = ownSocketInodes();
    const row = rows.find((r) => own.has(r.inode));
    if (!row) return false;
    this.inode = row.inode;
    this.base = this.last = row.drops;
    this.timer = setInterval(() => void this.poll(), DROP_POLL_MS);
    this.timer.unref();
    return true;
  }

  private async poll(): Promise<void> {
    if (this.reading || this.inode === undefined) return;
    this.reading = true;
    try {
      const rows: Row[] = [];
      for (const t of TABLES) rows.push(...parseUdpTable(await readFile(t, 'utf8').catch(() => '')));
      this.update(rows);
    } finally {
      this.reading = false;
    }
  }

  private update(rows: Row[]): void {
    const row = rows.find((r) => r.inode === this.inode);
    if (!row || row.drops <= this.last) return;
    const added = row.drops - this.last;
    this.last = row.drops;
    this.onDrops(added, row.drops - this.base);
  }

  /** one last reading (call before the socket closes), then no more */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.inode !== undefined) this.update(readTablesSync());
    this.inode = undefined;
  }
}
