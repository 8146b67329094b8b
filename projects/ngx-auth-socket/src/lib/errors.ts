import { redact } from './redact';

/**
 * Every failure the library reports, by code. Apps switch on `error.code`.
 *
 * - `ticket-unauthorized`: the ticket endpoint answered 401 (the JWT was refused).
 * - `ticket-forbidden`: the ticket endpoint answered 403.
 * - `ticket-failed`: the ticket request failed (5xx, network error, timeout).
 * - `ticket-invalid`: the ticket endpoint answered 2xx with a body that is not `{ticket, expires}`.
 * - `ticket-expired`: the ticket had expired before the socket could use it.
 * - `token-failed`: the configured `tokenGetter` threw or rejected; the attempt is retried with backoff.
 * - `refresh-failed`: the `refreshToken()` hook threw or rejected.
 * - `connect-timeout`: the socket did not open in time.
 * - `socket-closed`: the socket closed unexpectedly (see `closeCode`).
 * - `auth-rejected`: the server refused the credentials on the socket (close 4001, 4401 or another
 *   `closeCodes.unauthorized`, or `auth_error`).
 * - `auth-timeout`: the server did not acknowledge first-message auth in time.
 * - `forbidden`: the server refused this user (close 4003, 4403 or another `closeCodes.forbidden`,
 *   `auth_error` reason `forbidden`, or a
 *   403 from the ticket endpoint gives `ticket-forbidden`).
 * - `unauthorized`: no (new) token is available after a rejection; the socket waits for one.
 * - `retries-exhausted`: the reconnect attempt budget is used up.
 * - `bad-frame`: a received frame was not JSON, was binary, or had no string `type`.
 * - `encode-failed`: a message passed to `send()`, the auth frame built from the token, or a
 *   feature's frame (a heartbeat ping, a channel's join or leave) could not be serialized, or the
 *   app's function building it threw (`cause`).
 * - `outbox-full`: `send()` was called while offline and the outbox was at its limit.
 * - `send-expired`: a message was not written (or, with acks, not acknowledged) within its
 *   time-to-live.
 * - `send-refused`: with acks, the server answered the message with a refusal instead of an ack
 *   (a channel message while not joined: `details.reason` `not_joined`); it was not processed and is
 *   not sent again.
 * - `request-timeout`: `request()` got no reply in time.
 * - `request-interrupted`: the connection closed (without acks) or authentication was lost while a
 *   request waited for its reply; it may or may not have been processed.
 * - `heartbeat-timeout`: the server did not answer a heartbeat ping in time; the socket is replaced.
 * - `send-cancelled`: a queued message was dropped because of logout, `disconnect()` or a terminal
 *   state; it was never written.
 * - `insecure-url`: the socket URL uses `ws://`, or the ticket endpoint or an allowed origin
 *   `http://`, for a non-loopback host without `allowInsecure`.
 * - `invalid-config`: contradictory or malformed configuration.
 */
export type AuthSocketErrorCode =
  | 'ticket-unauthorized'
  | 'ticket-forbidden'
  | 'ticket-failed'
  | 'ticket-invalid'
  | 'ticket-expired'
  | 'token-failed'
  | 'refresh-failed'
  | 'connect-timeout'
  | 'socket-closed'
  | 'auth-rejected'
  | 'auth-timeout'
  | 'forbidden'
  | 'unauthorized'
  | 'retries-exhausted'
  | 'bad-frame'
  | 'encode-failed'
  | 'outbox-full'
  | 'send-expired'
  | 'send-refused'
  | 'request-timeout'
  | 'request-interrupted'
  | 'heartbeat-timeout'
  | 'send-cancelled'
  | 'insecure-url'
  | 'invalid-config';

/** Optional facts attached to an {@link AuthSocketError}. */
export interface AuthSocketErrorDetails {
  /** HTTP status of the ticket endpoint, when the failure came from it. */
  readonly status?: number;
  /** WebSocket close code, when the failure came from a close. */
  readonly closeCode?: number;
  /** Redacted close reason or server reason. */
  readonly reason?: string;
  /** The server's retry hint (close reason `retry_after=N` or a `Retry-After` header), in ms. */
  readonly retryAfterMs?: number;
  /** The underlying error or event (never containing a token the library put there). */
  readonly cause?: unknown;
}

/**
 * The one error type the library emits, on `errors$`, on send receipts and from configuration.
 * Messages are redacted: they never contain a JWT, a Bearer credential or a ticket.
 *
 * @usageNotes
 * ```ts
 * socket.errors$.subscribe((e) => {
 *   if (e.code === 'unauthorized') router.navigate(['/login']);
 * });
 * ```
 */
export class AuthSocketError extends Error {
  override readonly name = 'AuthSocketError';
  readonly status?: number;
  readonly closeCode?: number;
  readonly reason?: string;
  readonly retryAfterMs?: number;

  /**
   * @param message what happened, in a sentence. The library writes every message as
   *   `(typeof ngDevMode === 'undefined' || ngDevMode) && '…'`: development builds explain, production
   *   builds (where `ngDevMode` is false) drop the sentence and keep the code and the details
   *   (`[ngx-auth-socket socket-closed] 1006`), which is what a log needs and what an app switches on.
   */
  constructor(
    readonly code: AuthSocketErrorCode,
    message: string | false | null,
    details: AuthSocketErrorDetails = {},
  ) {
    const fact = details.closeCode ?? details.status;
    super(`[ngx-auth-socket ${code}]${message ? ` ${redact(message)}` : fact === undefined ? '' : ` ${fact}`}`, {
      cause: details.cause,
    });
    this.status = details.status;
    this.closeCode = details.closeCode;
    this.retryAfterMs = details.retryAfterMs;
    this.reason = details.reason === undefined ? undefined : redact(details.reason);
  }
}

/** Type guard for {@link AuthSocketError}, optionally of one code. */
export function isAuthSocketError(value: unknown, code?: AuthSocketErrorCode): value is AuthSocketError {
  return value instanceof AuthSocketError && (code === undefined || value.code === code);
}
