import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ExpiringMap } from './expiring-map.mjs';

/**
 * Opaque refresh tokens bound to a user and rotated on every use: presenting one burns it and
 * yields a new one, so a stolen copy works at most once before the owner notices. Async so the
 * store can be shared by several nodes (Redis).
 */
export interface RefreshTokens {
  issue(user: string): Promise<string>;
  /** Burns `token` and returns its user with a fresh token, or `null` if unknown, used or expired. */
  rotate(token: string): Promise<{ user: string; refreshToken: string } | null>;
  clear(): void;
}

// 32 random bytes (256 bits), url-safe so it can travel in JSON, headers or forms unescaped.
const newRefreshToken = () => randomBytes(32).toString('base64url');

/** {@link RefreshTokens} held in this process's memory (one node). */
export class RefreshTokenStore implements RefreshTokens {
  private readonly tokens: ExpiringMap<string>;

  constructor(
    private readonly ttlS: number,
    now: () => number = Date.now,
  ) {
    this.tokens = new ExpiringMap({ maxEntries: 100_000, now });
  }

  async issue(user: string): Promise<string> {
    const token = newRefreshToken();
    this.tokens.set(token, user, this.ttlS * 1000);
    return token;
  }

  async rotate(token: string): Promise<{ user: string; refreshToken: string } | null> {
    const user = this.tokens.take(token);
    return user === undefined ? null : { user, refreshToken: await this.issue(user) };
  }

  clear(): void {
    this.tokens.clear();
  }
}

/** {@link RefreshTokens} shared by every node through Redis (`SET … EX`, burnt with `GETDEL`). */
export class RedisRefreshTokens implements RefreshTokens {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlS: number,
  ) {}

  async issue(user: string): Promise<string> {
    const token = newRefreshToken();
    await this.redis.set(`${this.prefix}refresh:${token}`, user, 'EX', Math.max(1, Math.ceil(this.ttlS)));
    return token;
  }

  async rotate(token: string): Promise<{ user: string; refreshToken: string } | null> {
    const user = await this.redis.getdel(`${this.prefix}refresh:${token}`);
    return user === null ? null : { user, refreshToken: await this.issue(user) };
  }

  /** The tokens belong to every node; one node shutting down must not log the others' users out. */
  clear(): void {}
}
