import { randomBytes } from 'node:crypto';
import { ExpiringMap } from './expiring-map.mjs';

/**
 * Opaque refresh tokens held in memory, bound to a user and rotated on every use: presenting one
 * burns it and yields a new one, so a stolen copy works at most once before the owner notices.
 */
export class RefreshTokenStore {
  private readonly tokens: ExpiringMap<string>;

  constructor(
    private readonly ttlS: number,
    now: () => number = Date.now,
  ) {
    this.tokens = new ExpiringMap({ maxEntries: 100_000, now });
  }

  issue(user: string): string {
    // 32 random bytes (256 bits), url-safe so it can travel in JSON, headers or forms unescaped.
    const token = randomBytes(32).toString('base64url');
    this.tokens.set(token, user, this.ttlS * 1000);
    return token;
  }

  /** Burns `token` and returns its user with a fresh token, or `null` if unknown, used or expired. */
  rotate(token: string): { user: string; refreshToken: string } | null {
    const user = this.tokens.take(token);
    return user === undefined ? null : { user, refreshToken: this.issue(user) };
  }

  clear(): void {
    this.tokens.clear();
  }
}
