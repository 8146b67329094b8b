import { randomBytes } from 'node:crypto';

/** 24 random bytes → 32 base64url characters (192 bits), comfortably above the 128-bit floor. */
const TICKET_BYTES = 24;
const TICKET_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

export function newTicket(): string {
  return randomBytes(TICKET_BYTES).toString('base64url');
}

/**
 * A ticket never outlives the JWT that bought it: otherwise a client could stockpile tickets to
 * keep opening sockets after its session ended.
 */
export function ticketLifetime(
  nowMs: number,
  ticketTtlS: number,
  tokenExpS: number,
): { expiresAtMs: number; ttlMs: number; expires: number } {
  const expiresAtMs = Math.min(nowMs + ticketTtlS * 1000, tokenExpS * 1000);
  // `expires` is whole unix seconds rounded down, so a client trusting it is never late.
  return { expiresAtMs, ttlMs: Math.max(0, expiresAtMs - nowMs), expires: Math.floor(expiresAtMs / 1000) };
}

/** Cheap shape check before any store lookup, so junk never reaches a shared store. */
export function looksLikeTicket(value: string): boolean {
  return TICKET_SHAPE.test(value);
}
