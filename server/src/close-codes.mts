/**
 * Every close code and reason this server sends, in one place: the contract clients classify on.
 * 4001 means "get a new token before reconnecting"; 4003 means "do not reconnect as this socket";
 * every other code means "reconnect with backoff" (and resume), and a reason carrying
 * `retry_after=<s>` means "not before s seconds".
 */
export const CloseCode = {
  /** Normal closure (client- or server-initiated, nothing wrong). */
  normal: 1000,
  /** Server shutting down (`RunningServer.close()`). */
  goingAway: 1001,
  /** Message bigger than `maxPayload`; sent by `ws` itself. */
  tooBig: 1009,
  /** Unexpected server error while handling a frame. */
  internalError: 1011,
  /** Kicked (`{"type":"kick"}`) or all sockets dropped by the control API (simulated restart). */
  restart: 1012,
  /**
   * Try again later (reason carries `retry_after=<seconds>`): all sockets dropped with a retry
   * hint, or one socket too many for its user.
   */
  tryAgainLater: 1013,
  /** Authentication failed or lapsed; see {@link AuthFailure} for the reason. */
  unauthorized: 4001,
  /** Authenticated, but not allowed: in-band re-auth tried to switch user. */
  forbidden: 4003,
  /**
   * The client does not read fast enough: more than `maxBufferedBytes` waited to be sent to it.
   * In the "retry" class (any code but 4001/4003): it reconnects, resuming from its last seq.
   */
  slowConsumer: 4008,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * Why authentication failed. Sent both as `{"type":"auth_error","reason"}` and as the close reason.
 * - `invalid_token`: the JWT in an `auth` frame is malformed, forged or has the wrong claims
 * - `token_expired`: the JWT was already expired when presented, or expired while the socket was open
 * - `auth_required`: the first frame of an un-ticketed socket was not an `auth` frame
 * - `auth_timeout`: no `auth` frame within the auth deadline
 * - `bad_resume`: the `auth` frame's `resume` was not a non-negative integer
 * - `forbidden`: re-auth presented a valid JWT for a different user (close code 4003)
 */
export type AuthFailure = 'invalid_token' | 'token_expired' | 'auth_required' | 'auth_timeout' | 'bad_resume' | 'forbidden';

/** Seconds a slow consumer should wait before reconnecting: its buffer has been dropped by then. */
export const SLOW_CONSUMER_RETRY_S = 1;
/** Seconds a user at the socket limit should wait: long enough for a closing tab to be gone. */
export const TOO_MANY_SOCKETS_RETRY_S = 10;

export const CloseReason = {
  goingAway: 'going away',
  kicked: 'kicked',
  serverRestart: 'server_restart',
  internalError: 'internal_error',
  /** 4008: `slow_consumer retry_after=1`. */
  slowConsumer: withRetryHint('slow_consumer', SLOW_CONSUMER_RETRY_S),
  /** 1013: `too_many_sockets retry_after=10`. */
  tooManySockets: withRetryHint('too_many_sockets', TOO_MANY_SOCKETS_RETRY_S),
} as const;

/**
 * `<reason> retry_after=<seconds>`: the hint format clients parse (`retry_after=` after a space,
 * `;` or `,`, or alone), kept next to a word saying why.
 */
export function withRetryHint(reason: string, seconds: number): string {
  return `${reason} retry_after=${seconds}`;
}

/** The close code that goes with an auth failure. */
export function closeCodeFor(failure: AuthFailure): CloseCodeValue {
  return failure === 'forbidden' ? CloseCode.forbidden : CloseCode.unauthorized;
}

/**
 * How the control API drops every socket: a plain simulated restart (1012 `server_restart`), or,
 * with a retry hint, 1013 `retry_after=<seconds>` — the format clients parse the delay from.
 */
export function dropAllClose(retryAfterS?: number): { code: CloseCodeValue; reason: string } {
  if (retryAfterS === undefined) return { code: CloseCode.restart, reason: CloseReason.serverRestart };
  return { code: CloseCode.tryAgainLater, reason: `retry_after=${retryAfterS}` };
}
