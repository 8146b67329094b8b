/**
 * A bounded map whose entries vanish after a time to live. The building block of the in-memory
 * ticket and refresh-token stores. Synchronous on purpose: `take()` cannot interleave with another
 * `take()`, which is what makes single-use redemption atomic in one process.
 *
 * Entries may belong to an owner (a user). Then no owner can push out anyone else's: each owner
 * holds at most `maxPerOwner` (one more drops that owner's own oldest), and a map full of live
 * entries refuses a newcomer instead of evicting someone's (issue 11: one user could evict every
 * other user's tickets and refresh tokens). Unowned maps drop their oldest entry when full.
 */
export interface ExpiringMapOptions<V> {
  /** Above this many live entries: the oldest is dropped (unowned) or the newcomer refused (owned). */
  readonly maxEntries: number;
  /** Who an entry belongs to; with it, `maxPerOwner` applies and a full map refuses. */
  readonly ownerOf?: (value: V) => string;
  /** Live entries one owner may hold; one more drops that owner's oldest. @default maxEntries */
  readonly maxPerOwner?: number;
  readonly now?: () => number;
}

interface Entry<V> {
  readonly value: V;
  readonly expiresAtMs: number;
  readonly owner: string | undefined;
}

export class ExpiringMap<V> {
  private readonly entries = new Map<string, Entry<V>>();
  /** Per owner, their keys oldest first (Set keeps insertion order). */
  private readonly owners = new Map<string, Set<string>>();
  private readonly maxEntries: number;
  private readonly maxPerOwner: number;
  private readonly ownerOf: ((value: V) => string) | undefined;
  private readonly now: () => number;

  constructor(options: ExpiringMapOptions<V>) {
    if (!(options.maxEntries >= 1)) throw new RangeError('maxEntries must be >= 1');
    this.maxEntries = options.maxEntries;
    this.maxPerOwner = options.maxPerOwner ?? options.maxEntries;
    if (!(this.maxPerOwner >= 1)) throw new RangeError('maxPerOwner must be >= 1');
    this.ownerOf = options.ownerOf;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Stores `value` for `ttlMs`. Returns false when the map is owned and full of live entries of
   * other owners: nothing was stored.
   */
  set(key: string, value: V, ttlMs: number): boolean {
    // Delete first so a re-set key moves to the young end of the insertion order.
    this.delete(key);
    const owner = this.ownerOf?.(value);
    if (owner !== undefined) {
      const mine = this.owners.get(owner);
      // The owner's own oldest goes first: a user flooding the store only hurts themselves.
      while (mine !== undefined && mine.size >= this.maxPerOwner) this.delete(mine.values().next().value!);
    }
    if (this.entries.size >= this.maxEntries) this.sweep();
    if (this.entries.size >= this.maxEntries) {
      if (owner !== undefined) return false;
      // Unowned and still full of live entries: a flood. Dropping the oldest keeps memory bounded
      // and only hurts whoever waited longest.
      this.delete(this.entries.keys().next().value!);
    }
    this.entries.set(key, { value, expiresAtMs: this.now() + ttlMs, owner });
    if (owner !== undefined) {
      const mine = this.owners.get(owner) ?? new Set<string>();
      this.owners.set(owner, mine);
      mine.add(key);
    }
    return true;
  }

  /** True if `key` is present and not expired. */
  has(key: string): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.expiresAtMs > this.now();
  }

  /** Returns the live value for `key` and removes it in the same step. */
  take(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.delete(key);
    return entry.expiresAtMs > this.now() ? entry.value : undefined;
  }

  /** Removes `key`; true if it was there (live or not). */
  delete(key: string): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.entries.delete(key);
    if (entry.owner !== undefined) {
      const mine = this.owners.get(entry.owner);
      mine?.delete(key);
      if (mine?.size === 0) this.owners.delete(entry.owner);
    }
    return true;
  }

  /** Removes expired entries; returns how many went. */
  sweep(): number {
    const now = this.now();
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAtMs <= now) {
        this.delete(key);
        removed++;
      }
    }
    return removed;
  }

  clear(): void {
    this.entries.clear();
    this.owners.clear();
  }
}
