/**
 * A token bucket, pure: up to `capacity` actions at once, then `ratePerS` per second. Used for
 * the frames one socket may send and for failed logins per user and per address. State in, state
 * out, time passed in, so every rule is a row in a table test.
 */
export interface BucketRule {
  /** The burst: how many actions a full bucket allows at once. */
  readonly capacity: number;
  /** Tokens added per second, up to `capacity`. */
  readonly ratePerS: number;
}

export interface Bucket {
  readonly tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  readonly atMs: number;
}

export function fullBucket(rule: BucketRule, nowMs: number): Bucket {
  return { tokens: rule.capacity, atMs: nowMs };
}

/** The bucket as it stands at `nowMs`, refilled for the time since it was last looked at. */
export function refill(bucket: Bucket, rule: BucketRule, nowMs: number): Bucket {
  const elapsedS = Math.max(0, nowMs - bucket.atMs) / 1000;
  return { tokens: Math.min(rule.capacity, bucket.tokens + elapsedS * rule.ratePerS), atMs: Math.max(nowMs, bucket.atMs) };
}

/**
 * Takes one token. `waitMs` is 0 when it was taken; otherwise nothing was taken and `waitMs` is
 * how long until a whole token is there.
 */
export function takeToken(bucket: Bucket, rule: BucketRule, nowMs: number): { bucket: Bucket; waitMs: number } {
  const current = refill(bucket, rule, nowMs);
  if (current.tokens >= 1) return { bucket: { ...current, tokens: current.tokens - 1 }, waitMs: 0 };
  return { bucket: current, waitMs: Math.ceil(((1 - current.tokens) / rule.ratePerS) * 1000) };
}

/** How long until at least one token is there (0: now), without taking it. */
export function waitForToken(bucket: Bucket, rule: BucketRule, nowMs: number): number {
  const current = refill(bucket, rule, nowMs);
  return current.tokens >= 1 ? 0 : Math.ceil(((1 - current.tokens) / rule.ratePerS) * 1000);
}

/** Whether the bucket is full again (and can be forgotten: a fresh one is the same). */
export function isFull(bucket: Bucket, rule: BucketRule, nowMs: number): boolean {
  return refill(bucket, rule, nowMs).tokens >= rule.capacity;
}
