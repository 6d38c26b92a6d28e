/**
 * Who the agent lets try a key: unauthenticated connections are bounded (the oldest is evicted to make room, so a
 * flood of idle sockets cannot keep a legitimate client out), and a wrong answer delays only its own refusal.
 */

/** The whole pre-auth phase (challenge answer, nonce, exec request) must finish within this (ms). */
export const PROOF_DEADLINE_MS = 3000;
/** Unauthenticated connections at once; the oldest is evicted when a new one arrives beyond this. */
export const MAX_PENDING_HANDSHAKES = 1024;
/** … and from one address (its own oldest is evicted first). */
export const MAX_PENDING_PER_ADDRESS = 256;
/** The longest a wrong answer waits for its refusal: well below the client's 10 s handshake timeout. */
export const MAX_FAILURE_DELAY_MS = 2000;
/** A peer's failures are forgotten this long after its last one. */
export const FAILURE_MEMORY_MS = 60_000;
/** Addresses remembered at most (the oldest entry is dropped first). */
const MAX_TRACKED_ADDRESSES = 10_000;

/** 100 ms after the first failure, doubling, capped at MAX_FAILURE_DELAY_MS. */
export function defaultFailureDelay(failures: number): number {
  return failures <= 0 ? 0 : Math.min(100 * 2 ** (failures - 1), MAX_FAILURE_DELAY_MS);
}

/** Consecutive wrong answers per peer address, forgotten after FAILURE_MEMORY_MS or a success. */
export class FailureTracker {
  private readonly entries = new Map<string, { count: number; last: number }>();

  constructor(
    private readonly delayFor: (failures: number) => number = defaultFailureDelay,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a wrong answer from `addr`; returns how long to wait before refusing this connection (ms). */
  fail(addr: string): number {
    this.expire();
    const e = this.entries.get(addr) ?? { count: 0, last: 0 };
    e.count++;
    e.last = this.now();
    this.entries.delete(addr); // re-inserted last: the map stays ordered by last failure
    this.entries.set(addr, e);
    if (this.entries.size > MAX_TRACKED_ADDRESSES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return Math.max(0, Math.min(this.delayFor(e.count), MAX_FAILURE_DELAY_MS));
  }

  succeed(addr: string): void {
    this.entries.delete(addr);
  }

  /** Failures currently remembered for `addr`. */
  count(addr: string): number {
    this.expire();
    return this.entries.get(addr)?.count ?? 0;
  }

  get size(): number {
    return this.entries.size;
  }

  private expire(): void {
    const cutoff = this.now() - FAILURE_MEMORY_MS;
    for (const [addr, e] of this.entries) {
      if (e.last > cutoff) break; // ordered by last failure
      this.entries.delete(addr);
    }
  }
}

interface Pending {
  addr: string;
  evict: () => void;
}

/** Unauthenticated connections in arrival order; adding beyond a cap evicts the oldest instead of refusing. */
export class PendingHandshakes {
  private readonly all = new Set<Pending>();
  private readonly byAddress = new Map<string, Set<Pending>>();
  evicted = 0;

  constructor(
    private readonly maxTotal = MAX_PENDING_HANDSHAKES,
    private readonly maxPerAddress = MAX_PENDING_PER_ADDRESS,
  ) {}

  get size(): number {
    return this.all.size;
  }

  /** Registers a connection; `evict` closes it if room is needed later. Returns the function that unregisters it. */
  add(addr: string, evict: () => void): () => void {
    const mine = this.byAddress.get(addr);
    if (mine && mine.size >= this.maxPerAddress) this.evictOldest(mine);
    else if (this.all.size >= this.maxTotal) this.evictOldest(this.all);
    const p: Pending = { addr, evict };
    this.all.add(p);
    const set = this.byAddress.get(addr) ?? new Set<Pending>();
    set.add(p);
    this.byAddress.set(addr, set);
    return () => this.remove(p);
  }

  private evictOldest(from: Set<Pending>): void {
    const oldest = from.values().next().value;
    if (!oldest) return;
    this.remove(oldest);
    this.evicted++;
    oldest.evict();
  }

  private remove(p: Pending): void {
    if (!this.all.delete(p)) return;
    const set = this.byAddress.get(p.addr);
    set?.delete(p);
    if (set && set.size === 0) this.byAddress.delete(p.addr);
  }
}
