/**
 * What a ticket stands for. The ticket string itself is the key and is never stored in the record.
 */
export interface TicketRecord {
  /** The `sub` of the JWT the ticket was bought with. */
  readonly user: string;
  /** `exp` (unix seconds) of that JWT: a ticket-opened socket closes when it passes. */
  readonly tokenExp: number;
  /** When the ticket stops being redeemable (ms since epoch); re-checked on redeem. */
  readonly expiresAtMs: number;
  /** The last broadcast seq the client saw (`GET /ws_ticket?resume=`): replayed after on redeem. */
  readonly resume?: number;
}

/**
 * Storage for single-use WebSocket tickets. Async so a shared store (Redis `GETDEL`, a database)
 * can implement it; several server processes behind a balancer must share one.
 */
/**
 * Unused tickets one user may hold at once. One more drops that user's own oldest, never anyone
 * else's (issue 11: one user could evict every other user's tickets). Clients fetch a ticket per
 * connection attempt and redeem it within seconds, so even many tabs stay far below this.
 */
export const MAX_TICKETS_PER_USER = 100;

export interface TicketStore {
  /**
   * Remember `ticket` for `ttlMs`. Rejects when it cannot (a shared store unreachable, or full of
   * other users' live tickets); the ticket endpoint then answers 503 with a retry hint.
   */
  issue(ticket: string, record: TicketRecord, ttlMs: number): Promise<void>;
  /**
   * Atomic get-and-delete. Resolves `null` for unknown, expired or already-redeemed tickets: of two
   * concurrent redeems of one ticket, exactly one may win.
   */
  redeem(ticket: string): Promise<TicketRecord | null>;
  /** Release timers and connections; later calls reject with {@link TicketStoreClosedError}. */
  close(): Promise<void>;
}

/** The store holds `maxEntries` live tickets of other users: the newcomer is refused, nobody evicted. */
export class TicketStoreFullError extends Error {
  override readonly name = 'TicketStoreFullError';
  constructor() {
    super('ticket store is full');
  }
}

export class TicketStoreClosedError extends Error {
  override readonly name = 'TicketStoreClosedError';
  constructor() {
    super('ticket store is closed');
  }
}
