import type { SocketMessage } from '../config';
import { AuthSocketError } from '../errors';
import { AUTH_SOCKET_ROTATION, AuthSocketFeature } from '../features';
import { tokenRotation } from './token-rotation';

/** Options of {@link withTokenRotation}. */
export interface TokenRotationConfig {
  /**
   * The id a message keeps on every socket it is sent on, unique per message: while a
   * make-before-break swap has two sockets open (and 2 s after), a message both deliver is
   * delivered once by it. For a server whose messages carry their id in a field of their own
   * (`m => m['msg_id']`). Anything but a string or a number (also when the function throws) is no
   * id: such a message cannot be told apart, and from the replaced socket it is dropped, so one
   * only that socket carried (a channel message just before the successor's join took effect) is
   * lost. Not used with `withResume()`, where the successor resumes by `seq`.
   * @default its numeric `seq`, else its `id`
   */
  readonly messageId?: (message: SocketMessage) => unknown;
}

/**
 * Keeps an open socket across token changes. Without it, a socket keeps the token it authenticated
 * with until it ends (the server closes it when that token lapses, typically 4001) and the next
 * socket uses the newest token; a token of another user (or one whose `sub` cannot be read)
 * replaces the socket at once; there is no `refreshToken` hook. With it:
 * - with a `refreshToken` hook and a JWT carrying `exp`, the token is refreshed
 *   `refreshBeforeExpiryMs` (30 s) ahead of expiry;
 * - every new token (that refresh, a login response the interceptor captured, `AuthTokenStore.set()`)
 *   moves the open socket to it by `onTokenChange`: in band (`'reauth'`, the default in first-message
 *   mode) or make-before-break with a second socket (`'reconnect'`, the default with tickets). The
 *   state stays `open`; nothing is lost or delivered twice.
 *
 * `onTokenChange` or a numeric `refreshBeforeExpiryMs` without this feature throws `invalid-config`,
 * as does a `messageId` that is not a function.
 * @usageNotes
 * ```ts
 * provideAuthSocket({ url: '/channel/', refreshToken: () => inject(AuthApi).refresh() }, withTokenRotation())
 * // a server whose messages carry their id as msg_id:
 * withTokenRotation({ messageId: (m) => m['msg_id'] })
 * ```
 */
export function withTokenRotation(options: TokenRotationConfig = {}): AuthSocketFeature<'token-rotation'> {
  const { messageId } = options;
  if (messageId !== undefined && typeof messageId !== 'function') {
    throw new AuthSocketError(
      'invalid-config',
      typeof ngDevMode === 'undefined' || ngDevMode ? 'withTokenRotation messageId must be a function.' : 'messageId',
    );
  }
  return {
    ɵkind: 'token-rotation',
    ɵproviders: [
      {
        provide: AUTH_SOCKET_ROTATION,
        useValue: (leadMs: number | false, canRefresh: boolean) => tokenRotation(leadMs, canRefresh, messageId),
      },
    ],
  };
}
