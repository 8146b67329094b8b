import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomBytes } from 'node:crypto';

/** What a verified access token says. */
export interface Claims {
  readonly sub: string;
  /** Expiry, unix seconds. */
  readonly exp: number;
}

/** Users who may log in but not use the socket: the ticket endpoint answers 403, the socket 4003. */
export const REFUSED_USERS = new Set(['mallory']);

const TICKET_LIFETIME_MS = 30_000;
const REFRESH_LIFETIME_MS = 7 * 24 * 3600_000;

/**
 * Access tokens (@nestjs/jwt), rotated single-use refresh tokens and single-use socket tickets.
 * In memory: one process, as an example; a real deployment keeps tickets and refresh tokens where
 * every node sees them (Redis), redeemed atomically.
 */
@Injectable()
export class TokensService {
  readonly #tokenTtlS = Number(process.env['TOKEN_TTL_S'] ?? 300);
  /** Live refresh tokens: their user and when they lapse. */
  readonly #refreshTokens = new Map<string, { user: string; expiresAt: number }>();
  /** Refresh tokens already used, and whose: one used twice was stolen, so the user's all go. */
  readonly #usedRefreshTokens = new Map<string, string>();
  readonly #tickets = new Map<string, { claims: Claims; expiresAt: number }>();

  constructor(private readonly jwt: JwtService) {}

  /** A new access token and a new refresh token for `user`. */
  issue(user: string): { access_token: string; refresh_token: string } {
    const refresh = randomBytes(32).toString('base64url');
    this.#refreshTokens.set(refresh, { user, expiresAt: Date.now() + REFRESH_LIFETIME_MS });
    return { access_token: this.jwt.sign({ sub: user }, { expiresIn: this.#tokenTtlS }), refresh_token: refresh };
  }

  /**
   * The user of a refresh token, which is used up; null for an unknown, lapsed or used one. A used
   * one coming back means two parties hold it: every refresh token of its user is revoked.
   */
  redeemRefresh(token: unknown): string | null {
    if (typeof token !== 'string') return null;
    const reused = this.#usedRefreshTokens.get(token);
    if (reused !== undefined) {
      for (const [t, entry] of this.#refreshTokens) if (entry.user === reused) this.#refreshTokens.delete(t);
      return null;
    }
    const entry = this.#refreshTokens.get(token);
    this.#refreshTokens.delete(token);
    if (!entry || entry.expiresAt <= Date.now()) return null;
    this.#usedRefreshTokens.set(token, entry.user);
    return entry.user;
  }

  /** The claims of a valid access token, else null. */
  verify(token: unknown): Claims | null {
    if (typeof token !== 'string') return null;
    try {
      const claims = this.jwt.verify<Claims>(token);
      return typeof claims.sub === 'string' && typeof claims.exp === 'number' ? claims : null;
    } catch {
      return null;
    }
  }

  /** The claims of `Authorization: Bearer <access token>`, else null. */
  verifyBearer(header: string | undefined): Claims | null {
    const match = /^Bearer +(\S+)$/i.exec(header ?? '');
    return match ? this.verify(match[1]) : null;
  }

  /** A ticket for one socket: 256 random bits, 30 s, never beyond the access token's expiry. */
  ticket(claims: Claims): { ticket: string; expires: number } {
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = Math.min(Date.now() + TICKET_LIFETIME_MS, claims.exp * 1000);
    this.#tickets.set(ticket, { claims, expiresAt });
    setTimeout(() => this.#tickets.delete(ticket), TICKET_LIFETIME_MS).unref();
    return { ticket, expires: Math.floor(expiresAt / 1000) };
  }

  /** The claims a ticket was issued for, once: it is used up whether it was valid or not. */
  redeemTicket(ticket: string): Claims | null {
    const entry = this.#tickets.get(ticket);
    this.#tickets.delete(ticket);
    return entry && entry.expiresAt > Date.now() ? entry.claims : null;
  }
}
