/**
 * Every close code and reason this server sends, in one place: the contract clients classify on.
 * 4001 means "get a new token before reconnecting"; 4003 means "do not reconnect as this socket";
 * 1012 and 1001 mean "reconnect with backoff"; 1013 with `retry_after=<s>` means "not before s seconds".
 */
export const CloseCode = {
  /** Normal closure (client- or server-initiated, nothing wrong). */
  normal: 1000,
  /** Server shutting down (`RunningServer.close()`). */
  goingAway: 1001,
  /** Policy violation: the client sent frames faster than they could be handled. */
  policy: 1008,
  /** Message bigger than `maxPayload`; sent by `ws` itself. */
  tooBig: 1009,
  /** Unexpected server error while handling a frame. */
  internalError: 1011,
  /** Kicked (`{"type":"kick"}`) or all sockets dropped by the control API (simulated restart). */
  restart: 1012,
  /** Try again later: all sockets dropped with a retry hint (reason `retry_after=<seconds>`). */
  tryAgainLater: 1013,
  /** Authentication failed or lapsed; see {@link AuthFailure} for the reason. */
  unauthorized: 4001,
  /** Authenticated, but not allowed: in-band re-auth tried to switch user. */
  forbidden: 4003,
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

export const CloseReason = {
  goingAway: 'going away',
  kicked: 'kicked',
  serverRestart: 'server_restart',
  tooManyPending: 'too_many_pending',
  internalError: 'internal_error',
} as const;

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
