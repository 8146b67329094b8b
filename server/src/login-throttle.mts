import { fullBucket, isFull, takeToken, waitForToken, type Bucket, type BucketRule } from './token-bucket.mjs';

/**
 * Login throttling (issue 11: 117 wrong passwords per second went through). Only *failed* logins
 * spend tokens, per user name and per client address, so people who type their password right are
 * never slowed; once either bucket is empty every attempt for that user or from that address is
 * answered 429 + `Retry-After` without looking at the password, so a throttled guesser learns
 * nothing. The per-user bucket can be emptied by anyone who knows a user name: that user then
 * waits up to `1 / ratePerS` seconds per further failure — the usual trade (a lockout of minutes,
 * not of the account); put a real identity provider in front for more.
 */
export interface LoginThrottleRules {
  readonly perUser: BucketRule;
  readonly perAddress: BucketRule;
}

export const LOGIN_THROTTLE_RULES: LoginThrottleRules = Object.freeze({
  /** 10 failures at once, then one every 6 s (10 a minute). */
  perUser: { capacity: 10, ratePerS: 1 / 6 },
  /** 30 failures at once from one address (an office behind NAT), then one every 2 s. */
  perAddress: { capacity: 30, ratePerS: 1 / 2 },
});

/** Buckets tracked per kind; beyond, full buckets (which a fresh one equals) are forgotten first. */
const MAX_TRACKED = 100_000;

export class LoginThrottle {
  private readonly users = new Map<string, Bucket>();
  private readonly addresses = new Map<string, Bucket>();

  constructor(
    private readonly rules: LoginThrottleRules = LOGIN_THROTTLE_RULES,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds before an attempt for `user` from `address` may be judged; 0: go ahead. */
  retryAfterMs(user: string, address: string): number {
    const now = this.now();
    const forUser = this.users.get(user);
    const fromAddress = this.addresses.get(address);
    return Math.max(
      forUser === undefined ? 0 : waitForToken(forUser, this.rules.perUser, now),
      fromAddress === undefined ? 0 : waitForToken(fromAddress, this.rules.perAddress, now),
    );
  }

  /** A wrong password (or unknown user) for `user` from `address`. */
  failed(user: string, address: string): void {
    spend(this.users, user, this.rules.perUser, this.now());
    spend(this.addresses, address, this.rules.perAddress, this.now());
  }
}

function spend(buckets: Map<string, Bucket>, key: string, rule: BucketRule, now: number): void {
  const bucket = buckets.get(key) ?? fullBucket(rule, now);
  buckets.delete(key); // re-inserted at the young end: the map's order is "least recently failed first"
  buckets.set(key, takeToken(bucket, rule, now).bucket);
  if (buckets.size > MAX_TRACKED) forgetFull(buckets, rule, now);
}

/** Drops buckets that have refilled; if a flood of keys leaves none, the least recently used go. */
function forgetFull(buckets: Map<string, Bucket>, rule: BucketRule, now: number): void {
  for (const [key, bucket] of buckets) if (isFull(bucket, rule, now)) buckets.delete(key);
  for (const key of buckets.keys()) {
    if (buckets.size <= MAX_TRACKED * 0.9) break;
    buckets.delete(key);
  }
}
