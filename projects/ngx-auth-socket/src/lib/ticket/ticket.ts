/** Ticket parsing and expiry: pure functions, no I/O. */

/** A single-use ticket as the client keeps it. */
export interface Ticket {
  readonly value: string;
  /** Epoch milliseconds after which the server refuses it; undefined when the server gave none. */
  readonly expiresAt: number | undefined;
}

/** Why a ticket body was refused. */
export class TicketParseError extends Error {
  override readonly name = 'TicketParseError';
}

// Below this, a numeric `expires` is seconds (1e12 ms is September 2001).
const SECONDS_THRESHOLD = 1e12;

/**
 * Parses the ticket endpoint's body `{ ticket, expires }`. `expires` may be unix seconds, epoch
 * milliseconds or an ISO-8601 string, or absent.
 *
 * @throws TicketParseError with a message that never contains the ticket value
 */
export function parseTicketResponse(body: unknown): Ticket {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new TicketParseError(
      typeof ngDevMode === 'undefined' || ngDevMode ? `expected a JSON object, got ${describe(body)}` : '',
    );
  }
  const record = body as Record<string, unknown>;
  const value = record['ticket'];
  if (typeof value !== 'string' || value.length === 0) {
    throw new TicketParseError(
      typeof ngDevMode === 'undefined' || ngDevMode
        ? `"ticket" must be a non-empty string, got ${describe(value)}`
        : '',
    );
  }
  return { value, expiresAt: parseExpires(record['expires']) };
}

/** Converts an `expires` field to epoch ms. */
export function parseExpires(expires: unknown): number | undefined {
  if (expires === undefined || expires === null) return undefined;
  if (typeof expires === 'number') {
    if (!Number.isFinite(expires) || expires <= 0) {
      throw new TicketParseError(
        typeof ngDevMode === 'undefined' || ngDevMode ? `"expires" must be a positive number, got ${expires}` : '',
      );
    }
    return expires < SECONDS_THRESHOLD ? expires * 1000 : expires;
  }
  if (typeof expires === 'string') {
    const ms = Date.parse(expires);
    if (Number.isNaN(ms))
      throw new TicketParseError(
        typeof ngDevMode === 'undefined' || ngDevMode
          ? `"expires" is not a date: ${JSON.stringify(expires.slice(0, 40))}`
          : '',
      );
    return ms;
  }
  throw new TicketParseError(
    typeof ngDevMode === 'undefined' || ngDevMode
      ? `"expires" must be a number or an ISO date, got ${describe(expires)}`
      : '',
  );
}

/**
 * True while the ticket may still be presented. `marginMs` keeps a ticket that would expire while
 * the handshake is in flight from being used.
 */
export function isTicketUsable(ticket: Ticket, nowMs: number, marginMs = 1000): boolean {
  return ticket.expiresAt === undefined || ticket.expiresAt - marginMs > nowMs;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? 'a string' : typeof value;
}
