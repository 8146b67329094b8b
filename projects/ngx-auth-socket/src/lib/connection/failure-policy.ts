/**
 * What to do after a failure: a pure function of the failure, so every class is tested in a table
 * and no retry loop hides its own rules.
 */

/** Something that ended a connection attempt or an open connection. */
export type Failure =
  | { readonly source: 'ticket-http'; readonly status: number }
  | { readonly source: 'ticket-body' }
  | { readonly source: 'ticket-expired' }
  | { readonly source: 'close'; readonly code: number; readonly clientInitiated: boolean }
  | { readonly source: 'auth-rejected' }
  | { readonly source: 'timeout'; readonly phase: 'ticket' | 'connect' | 'auth' | 'heartbeat' };

/**
 * - `fallback`: switch to first-message auth (only in `auto` mode) and try again at once.
 * - `unauthorized`: refresh the token once, else stop until the token changes.
 * - `forbidden`: stop for good (state `closed`, reason `forbidden`).
 * - `retry`: back off and reconnect with a fresh ticket.
 * - `none`: the client asked for this close; do nothing.
 */
export type FailureDecision = 'fallback' | 'unauthorized' | 'forbidden' | 'retry' | 'none';

/** Close codes after which the server wants the client to authenticate again. */
export const CLOSE_UNAUTHORIZED = 4001;
/** Close code after which retrying with the same identity is pointless. */
export const CLOSE_FORBIDDEN = 4003;

/** Ticket endpoint answers that mean "this server has no ticket endpoint". */
const NO_TICKET_ENDPOINT = new Set([404, 405, 501]);

/** Classifies `failure`; `mode` is the configured auth mode. */
export function classifyFailure(failure: Failure, mode: 'auto' | 'ticket' | 'first-message'): FailureDecision {
  switch (failure.source) {
    case 'ticket-http':
      if (failure.status === 401) return 'unauthorized';
      if (failure.status === 403) return 'forbidden';
      if (NO_TICKET_ENDPOINT.has(failure.status) && mode === 'auto') return 'fallback';
      // 5xx, 0 (network), 408, 429 and anything else unexpected: the endpoint may heal.
      return 'retry';
    case 'ticket-body':
    case 'ticket-expired':
    case 'timeout':
      return 'retry';
    case 'auth-rejected':
      return 'unauthorized';
    case 'close':
      if (failure.clientInitiated) return 'none';
      if (failure.code === CLOSE_UNAUTHORIZED) return 'unauthorized';
      if (failure.code === CLOSE_FORBIDDEN) return 'forbidden';
      // 1000 from the server, 1001 going away, 1006 abnormal, 1011/1012/1013 server trouble and
      // any other code: the server (or the path to it) went away; come back with a fresh ticket.
      return 'retry';
  }
}

/** A server's "retry after N seconds" in a close reason (`retry_after=5`), in ms. */
export function retryHintFromReason(reason: string): number | undefined {
  const match = /(?:^|[\s;,])retry_after=(\d{1,6})(?:$|[\s;,])/.exec(reason);
  return match ? Number(match[1]) * 1000 : undefined;
}

/** An HTTP `Retry-After` header (seconds or an HTTP date), in ms from `nowMs`. */
export function retryHintFromHeader(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d{1,6}$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
