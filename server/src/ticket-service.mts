import { createHash } from 'node:crypto';
import { ExpiringMap } from './expiring-map.mjs';
import type { StatsRecorder } from './stats.mjs';
import { looksLikeTicket, newTicket, ticketLifetime } from './ticket-policy.mjs';
import type { TicketRecord, TicketStore } from './ticket-store.mjs';

export type RedeemResult =
  | { readonly ok: true; readonly record: TicketRecord }
  | { readonly ok: false; readonly reason: 'unknown' | 'reused' | 'expired' };

/**
 * Issues and redeems tickets over any {@link TicketStore}, and keeps the counters. It also remembers
 * hashes of redeemed tickets until they would have expired, only to tell "reused" from "unknown" in
 * stats; the store alone decides whether a ticket is good.
 */
export class TicketService {
  private readonly redeemed: ExpiringMap<true>;

  constructor(
    private readonly store: TicketStore,
    private readonly stats: StatsRecorder,
    private readonly now: () => number = Date.now,
  ) {
    this.redeemed = new ExpiringMap({ maxEntries: 100_000, now });
  }

  async issue(
    user: string,
    tokenExpS: number,
    ticketTtlS: number,
    resume?: number,
  ): Promise<{ ticket: string; expires: number }> {
    const { expiresAtMs, ttlMs, expires } = ticketLifetime(this.now(), ticketTtlS, tokenExpS);
    const ticket = newTicket();
    const record: TicketRecord = { user, tokenExp: tokenExpS, expiresAtMs, ...(resume === undefined ? {} : { resume }) };
    await this.store.issue(ticket, record, ttlMs);
    this.stats.count('ticketsIssued');
    return { ticket, expires };
  }

  async redeem(ticket: string): Promise<RedeemResult> {
    const result = await this.check(ticket);
    if (result.ok) {
      this.stats.count('ticketsRedeemed');
      this.redeemed.set(fingerprint(ticket), true, Math.max(0, result.record.expiresAtMs - this.now()));
    } else {
      this.stats.count('ticketsRejected');
      if (result.reason === 'reused') this.stats.count('ticketReuseAttempts');
    }
    return result;
  }

  private async check(ticket: string): Promise<RedeemResult> {
    if (!looksLikeTicket(ticket)) return { ok: false, reason: 'unknown' };
    const record = await this.store.redeem(ticket);
    if (record === null) {
      return { ok: false, reason: this.redeemed.has(fingerprint(ticket)) ? 'reused' : 'unknown' };
    }
    // Stores with coarse expiry (or clock skew between processes) get a second look here.
    const now = this.now();
    if (record.expiresAtMs <= now || record.tokenExp * 1000 <= now) return { ok: false, reason: 'expired' };
    return { ok: true, record };
  }
}

/** Redeemed tickets are remembered only as hashes, so this map never holds a usable credential. */
function fingerprint(ticket: string): string {
  return createHash('sha256').update(ticket).digest('base64url');
}
