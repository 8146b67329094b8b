import { AuthSocketError } from '../errors';

/** How the open socket authenticated. */
export type ActiveAuthMode = 'ticket' | 'first-message';

/**
 * The connection lifecycle. Exactly one owner (the connection) moves between these; the UI binds
 * to them through `state$` / `state`. No state carries a token, ticket or URL.
 *
 * - `idle`: nothing to do (no subscriber, no token, or logged out).
 * - `fetching-ticket`: asking the ticket endpoint for a single-use ticket.
 * - `connecting`: the WebSocket handshake is in progress.
 * - `authenticating`: first-message auth sent; waiting for the server's acknowledgement.
 * - `open`: authenticated; messages flow and the outbox has been flushed.
 * - `refreshing-token`: the server refused the token; the app's `refreshToken()` hook is running.
 * - `reconnecting`: waiting `delayMs` before attempt `attempt`.
 * - `waiting-for-network`: the browser is offline; attempt `attempt` starts when it is back.
 * - `unauthorized`: the token was refused and no new one is available; waits for the token store.
 * - `closed`: stopped until `connect()` (`reason` says why): `client` after `disconnect()`;
 *   `forbidden` (4003/4403 or `closeCodes.forbidden`, `auth_error` `forbidden`, ticket 403) until a
 *   token naming another user;
 *   `retries-exhausted` and `bad-auth-message` (the auth frame could not be built) until any new token.
 *
 * A token change while `open` (a refresh, a new login) never leaves `open`: the socket is
 * re-authenticated in band or replaced by a new one that authenticated first (make-before-break).
 */
export type ConnectionState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'fetching-ticket'; readonly attempt: number }
  | { readonly kind: 'connecting'; readonly attempt: number; readonly mode: ActiveAuthMode }
  | { readonly kind: 'authenticating'; readonly attempt: number }
  | { readonly kind: 'open'; readonly mode: ActiveAuthMode; readonly since: number }
  | { readonly kind: 'refreshing-token'; readonly attempt: number }
  | {
      readonly kind: 'reconnecting';
      readonly attempt: number;
      readonly delayMs: number;
      /** Epoch ms at which the attempt starts; for countdowns. */
      readonly retryAt: number;
      readonly error: AuthSocketError;
    }
  | { readonly kind: 'waiting-for-network'; readonly attempt: number }
  | { readonly kind: 'unauthorized'; readonly error: AuthSocketError }
  | {
      readonly kind: 'closed';
      readonly reason: 'client' | 'forbidden' | 'retries-exhausted' | 'bad-auth-message';
      readonly error?: AuthSocketError;
    };

/** The `kind` of a {@link ConnectionState}. */
export type ConnectionStateKind = ConnectionState['kind'];
