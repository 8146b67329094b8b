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

/**
 * Access tokens (@nestjs/jwt), rotated single-use refresh tokens and single-use socket tickets.
 * In memory: one process, as an example; a real deployment keeps tickets and refresh tokens where
 * every node sees them (Redis), redeemed atomically.
 */
@Injectable()
export class TokensService {
  readonly #tokenTtlS = Number(process.env['TOKEN_TTL_S'] ?? 300);
  readonly #refreshTokens = new Map<string, string>();
  readonly #tickets = new Map<string, { claims: Claims; expiresAt: number }>();

  constructor(private readonly jwt: JwtService) {}

  /** A new access token and a new refresh token for `user`. */
  issue(user: string): { access_token: string; refresh_token: string } {
    const refresh = randomBytes(32).toString('base64url');
    this.#refreshTokens.set(refresh, user);
    return { access_token: this.jwt.sign({ sub: user }, { expiresIn: this.#tokenTtlS }), refresh_token: refresh };
  }

  /** The user of a refresh token, which is used up; null for an unknown or used one. */
  redeemRefresh(token: unknown): string | null {
    if (typeof token !== 'string') return null;
    const user = this.#refreshTokens.get(token) ?? null;
    this.#refreshTokens.delete(token);
    return user;
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
    const match = /^Bearer (\S+)$/.exec(header ?? '');
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
