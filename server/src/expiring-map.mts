/**
 * A bounded map whose entries vanish after a time to live. The building block of the in-memory
 * ticket and refresh-token stores. Synchronous on purpose: `take()` cannot interleave with another
 * `take()`, which is what makes single-use redemption atomic in one process.
 */
export interface ExpiringMapOptions {
  /** Above this many live entries the oldest are dropped (after expired ones are swept). */
  readonly maxEntries: number;
  readonly now?: () => number;
}

interface Entry<V> {
  readonly value: V;
  readonly expiresAtMs: number;
}

export class ExpiringMap<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: ExpiringMapOptions) {
    if (!(options.maxEntries >= 1)) throw new RangeError('maxEntries must be >= 1');
    this.maxEntries = options.maxEntries;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  set(key: string, value: V, ttlMs: number): void {
    // Delete first so a re-set key moves to the young end of the insertion order.
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.sweep();
    // Still full of live entries: a flood. Dropping the oldest keeps memory bounded and only hurts
    // whoever waited longest to use theirs.
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAtMs: this.now() + ttlMs });
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
    this.entries.delete(key);
    return entry.expiresAtMs > this.now() ? entry.value : undefined;
  }

  /** Removes expired entries; returns how many went. */
  sweep(): number {
    const now = this.now();
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAtMs <= now) {
        this.entries.delete(key);
        removed++;
      }
    }
    return removed;
  }

  clear(): void {
    this.entries.clear();
  }
}
