import { ExpiringMap } from './expiring-map.mjs';
import { MAX_TICKETS_PER_USER, TicketStoreClosedError, TicketStoreFullError, type TicketRecord, type TicketStore } from './ticket-store.mjs';

export interface MemoryTicketStoreOptions {
  /** @default 100_000 — a full store refuses new tickets (503) rather than drop anyone's */
  readonly maxEntries?: number;
  /** @default {@link MAX_TICKETS_PER_USER} — one more drops that user's own oldest ticket */
  readonly maxPerUser?: number;
  /** How often expired tickets are swept. @default 10_000 */
  readonly sweepIntervalMs?: number;
  /** Clock, injectable so specs can expire tickets without waiting. @default Date.now */
  readonly now?: () => number;
}

/**
 * The default {@link TicketStore}: one process, one map. Fine for the reference server and for a
 * single instance; use a shared store once there is more than one process.
 */
export class MemoryTicketStore implements TicketStore {
  private readonly tickets: ExpiringMap<TicketRecord>;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(options: MemoryTicketStoreOptions = {}) {
    this.tickets = new ExpiringMap<TicketRecord>({
      maxEntries: options.maxEntries ?? 100_000,
      ownerOf: (record) => record.user,
      maxPerOwner: options.maxPerUser ?? MAX_TICKETS_PER_USER,
      now: options.now,
    });
    this.sweeper = setInterval(() => this.tickets.sweep(), options.sweepIntervalMs ?? 10_000);
    // Expired tickets are already unredeemable; the sweep only frees memory, so it must not keep
    // the process alive.
    this.sweeper.unref();
  }

  /** Live plus not-yet-swept tickets; for tests and stats. */
  get size(): number {
    return this.tickets.size;
  }

  async issue(ticket: string, record: TicketRecord, ttlMs: number): Promise<void> {
    if (this.closed) throw new TicketStoreClosedError();
    if (!this.tickets.set(ticket, record, ttlMs)) throw new TicketStoreFullError();
  }

  async redeem(ticket: string): Promise<TicketRecord | null> {
    if (this.closed) throw new TicketStoreClosedError();
    return this.tickets.take(ticket) ?? null;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    this.tickets.clear();
  }
}
