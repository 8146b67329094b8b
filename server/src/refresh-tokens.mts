import { createHash, randomBytes } from 'node:crypto';
import { ExpiringMap } from './expiring-map.mjs';

/**
 * Opaque refresh tokens bound to a user and rotated on every use: presenting one burns it and
 * yields its successor. Every token descends from one login: its *family*. A burnt token that is
 * presented again was copied — by an attacker, or the owner holds the copy and the attacker the
 * successor, nobody can tell — so the whole family is revoked and both must log in again
 * (issue 11; OAuth 2.0 Security BCP, refresh token rotation). Logging out revokes the family too.
 * Async so the store can be shared by several nodes (Redis).
 */
export interface RefreshTokens {
  /** A new family (a login) for `user`; returns its first token. */
  issue(user: string): Promise<string>;
  /** Burns `token` and answers with its successor, or tells a reuse (family revoked) from an unknown token. */
  rotate(token: string): Promise<RotateResult>;
  /** Logout: burns `token` and revokes its family, whatever state it was in. */
  revoke(token: string): Promise<void>;
  clear(): void;
}

export type RotateResult =
  | { readonly kind: 'rotated'; readonly user: string; readonly refreshToken: string }
  /** The token had been burnt already: its family is now revoked. */
  | { readonly kind: 'reused' }
  /** Never issued, expired, or revoked. */
  | { readonly kind: 'unknown' };

/**
 * Live sessions (families) one user may hold; one more revokes that user's own oldest, never
 * anyone else's (issue 11: one user could push every other user's refresh tokens out).
 */
export const MAX_SESSIONS_PER_USER = 100;
/** Burnt tokens remembered per user, to recognise a reuse; beyond, the user's oldest are forgotten. */
export const MAX_BURNT_PER_USER = 1000;

// 32 random bytes (256 bits), url-safe so it can travel in JSON, headers or forms unescaped.
export const newRefreshToken = (): string => randomBytes(32).toString('base64url');
export const newFamily = (): string => randomBytes(12).toString('base64url');

/** Burnt tokens are remembered only as hashes, so that memory never holds a usable credential. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

interface Member {
  readonly user: string;
  readonly family: string;
}

/** {@link RefreshTokens} held in this process's memory (one node). */
export class RefreshTokenStore implements RefreshTokens {
  /** Live token → its user and family; per user at most one token per family, so this caps sessions. */
  private readonly live: ExpiringMap<Member>;
  /** Family → its live token, to revoke it. */
  private readonly families: ExpiringMap<string>;
  /** Fingerprint of a burnt token → its family, until the token would have expired. */
  private readonly burnt: ExpiringMap<Member>;

  constructor(
    private readonly ttlS: number,
    now: () => number = Date.now,
    limits: { maxSessionsPerUser?: number; maxEntries?: number } = {},
  ) {
    const maxEntries = limits.maxEntries ?? 100_000;
    const ownerOf = (member: Member): string => member.user;
    this.live = new ExpiringMap({ maxEntries, ownerOf, maxPerOwner: limits.maxSessionsPerUser ?? MAX_SESSIONS_PER_USER, now });
    this.families = new ExpiringMap({ maxEntries, now });
    this.burnt = new ExpiringMap({ maxEntries: maxEntries * 2, ownerOf, maxPerOwner: MAX_BURNT_PER_USER, now });
  }

  async issue(user: string): Promise<string> {
    return this.grant({ user, family: newFamily() });
  }

  async rotate(token: string): Promise<RotateResult> {
    const member = this.live.take(token);
    if (member !== undefined) {
      this.burnt.set(tokenFingerprint(token), member, this.ttlS * 1000);
      return { kind: 'rotated', user: member.user, refreshToken: this.grant(member) };
    }
    const reused = this.burnt.take(tokenFingerprint(token));
    if (reused === undefined) return { kind: 'unknown' };
    this.revokeFamily(reused.family);
    return { kind: 'reused' };
  }

  async revoke(token: string): Promise<void> {
    const member = this.live.take(token) ?? this.burnt.take(tokenFingerprint(token));
    if (member !== undefined) this.revokeFamily(member.family);
  }

  clear(): void {
    this.live.clear();
    this.families.clear();
    this.burnt.clear();
  }

  /** The family's next (or first) token. Full of other users' sessions: refused (the route answers 503). */
  private grant(member: Member): string {
    const token = newRefreshToken();
    if (!this.live.set(token, member, this.ttlS * 1000)) throw new Error('refresh-token store is full');
    this.families.set(member.family, token, this.ttlS * 1000);
    return token;
  }

  private revokeFamily(family: string): void {
    const token = this.families.take(family);
    if (token !== undefined) this.live.delete(token);
  }
}
