/**
 * What to do after a failure: pure functions of the typed error, so every class is tested in a
 * table and the error a user sees is, by construction, the one the decision was made from.
 */
import type { AuthMode, CloseCodesConfig } from '../config';
import { AuthSocketError } from '../errors';

/**
 * - `fallback`: switch to first-message auth (only in `auto` mode) and try again at once.
 * - `unauthorized`: refresh the token once, else stop until the token changes.
 * - `forbidden`: stop (state `closed`, reason `forbidden`) until another user's token or `connect()`.
 * - `stop`: stop (state `closed`, reason `bad-auth-message`): retrying cannot help, a new token may.
 * - `retry`: back off and reconnect with a fresh ticket.
 */
export type FailureDecision = 'fallback' | 'unauthorized' | 'forbidden' | 'stop' | 'retry';

/** Ticket endpoint answers that mean "this server has no ticket endpoint". */
const NO_TICKET_ENDPOINT = [404, 405, 501];

/** Classifies a failure of a connection attempt or of an open connection; `auth` is the configured mode. */
export function classifyFailure(error: AuthSocketError, auth: AuthMode): FailureDecision {
  switch (error.code) {
    case 'ticket-unauthorized':
    case 'auth-rejected':
      return 'unauthorized';
    case 'ticket-forbidden':
    case 'forbidden':
      return 'forbidden';
    case 'ticket-failed':
      return auth === 'auto' && NO_TICKET_ENDPOINT.includes(error.status ?? 0) ? 'fallback' : 'retry';
    case 'encode-failed':
      // The auth frame cannot be built from this token with this config: the same again would fail.
      return 'stop';
    default:
      // 5xx, network errors, timeouts, bad or expired tickets, a failing tokenGetter and every close
      // the client did not ask for (1000/1001/1006/1011/1012/1013/…): the server or the path to it
      // may heal; come back with a fresh ticket.
      return 'retry';
  }
}

/** The error for a close the client did not ask for: the `closeCodes` lists carry their meaning. */
export function closeError(code: number, reason: string, codes: Required<CloseCodesConfig>): AuthSocketError {
  if (codes.unauthorized.includes(code)) {
    return new AuthSocketError(
      'auth-rejected',
      (typeof ngDevMode === 'undefined' || ngDevMode) && `the server closed the socket as unauthorized (${code})`,
      {
        closeCode: code,
        reason,
      },
    );
  }
  if (codes.forbidden.includes(code)) {
    return new AuthSocketError(
      'forbidden',
      (typeof ngDevMode === 'undefined' || ngDevMode) && `the server closed the socket as forbidden (${code})`,
      {
        closeCode: code,
        reason,
      },
    );
  }
  return new AuthSocketError(
    'socket-closed',
    (typeof ngDevMode === 'undefined' || ngDevMode) && `the socket closed (${code}${reason ? ` ${reason}` : ''})`,
    {
      closeCode: code,
      reason,
      retryAfterMs: retryHintFromReason(reason),
    },
  );
}

/**
 * The error for the server's refusal frame. A valid token for a user the socket may not serve
 * (PROTOCOL §4: reason `forbidden`, then a close) is a refusal of the user, not of the token.
 */
export function rejectionError(reason: unknown): AuthSocketError {
  const text = typeof reason === 'string' ? reason : undefined;
  return text === 'forbidden'
    ? new AuthSocketError(
        'forbidden',
        (typeof ngDevMode === 'undefined' || ngDevMode) && 'the server forbade this user on the socket',
        // No closeCode: the refusal is a frame; the close that follows (4003, or the server's own) comes after.
        { reason: text },
      )
    : new AuthSocketError(
        'auth-rejected',
        (typeof ngDevMode === 'undefined' || ngDevMode) && `the server rejected the token${text ? `: ${text}` : ''}`,
        { reason: text },
      );
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
