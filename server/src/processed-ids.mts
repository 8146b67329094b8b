/**
 * Which message ids each user has had processed: the memory that turns at-least-once delivery
 * into exactly-once effects. Bounded three ways, so neither a chatty user nor many users can grow
 * it without limit: ids older than `maxAgeMs` are forgotten, each user keeps only the newest
 * `maxPerUser`, and all users together at most `maxTotal`. A re-send older than that is processed
 * again — clients give up on a message long before (their message TTL is 60 s by default).
 */
export interface ProcessedIdsOptions {
  readonly maxPerUser: number;
  readonly maxTotal: number;
  readonly maxAgeMs: number;
  readonly now?: () => number;
}

export const PROCESSED_IDS_DEFAULTS: ProcessedIdsOptions = Object.freeze({
  maxPerUser: 10_000,
  maxTotal: 100_000,
  maxAgeMs: 10 * 60_000,
});

interface Remembered {
  readonly user: string;
  readonly id: string;
  readonly atMs: number;
}

export class ProcessedIds {
  /** Every remembered id, oldest first (Map keeps insertion order). */
  private readonly all = new Map<string, Remembered>();
  /** Per user: key → entry, oldest first, to evict a user's own oldest. */
  private readonly byUser = new Map<string, Map<string, Remembered>>();
  private readonly options: Required<ProcessedIdsOptions>;

  constructor(options: Partial<ProcessedIdsOptions> = {}) {
    this.options = { ...PROCESSED_IDS_DEFAULTS, now: Date.now, ...options };
  }

  get size(): number {
    return this.all.size;
  }

  has(user: string, id: string): boolean {
    const entry = this.all.get(keyOf(user, id));
    return entry !== undefined && !this.isStale(entry, this.options.now());
  }

  /** Records that `user`'s message `id` was processed at `atMs`. */
  remember(user: string, id: string, atMs: number): void {
    const key = keyOf(user, id);
    this.forget(key);
    this.sweep();
    const mine = this.byUser.get(user) ?? new Map<string, Remembered>();
    this.byUser.set(user, mine);
    if (mine.size >= this.options.maxPerUser) this.forget(mine.keys().next().value);
    if (this.all.size >= this.options.maxTotal) this.forget(this.all.keys().next().value);
    const entry: Remembered = { user, id, atMs };
    this.all.set(key, entry);
    mine.set(key, entry);
  }

  /** Drops expired ids from the old end; insertion order is time order, so it stops early. */
  private sweep(): void {
    const now = this.options.now();
    for (const [key, entry] of this.all) {
      if (!this.isStale(entry, now)) break;
      this.forget(key);
    }
  }

  private forget(key: string | undefined): void {
    if (key === undefined) return;
    const entry = this.all.get(key);
    if (entry === undefined) return;
    this.all.delete(key);
    const mine = this.byUser.get(entry.user);
    mine?.delete(key);
    if (mine?.size === 0) this.byUser.delete(entry.user);
  }

  private isStale(entry: Remembered, now: number): boolean {
    return now - entry.atMs >= this.options.maxAgeMs;
  }
}

/** Length-prefixed, so no user name or id can collide with another pair. */
function keyOf(user: string, id: string): string {
  return `${user.length}:${user}${id}`;
}
