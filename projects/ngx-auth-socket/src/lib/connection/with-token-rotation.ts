import { AUTH_SOCKET_ROTATION, AuthSocketFeature } from '../features';
import { tokenRotation } from './token-rotation';

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
 * `onTokenChange` or a numeric `refreshBeforeExpiryMs` without this feature throws `invalid-config`.
 * @usageNotes
 * ```ts
 * provideAuthSocket({ url: '/channel/', refreshToken: () => inject(AuthApi).refresh() }, withTokenRotation())
 * ```
 */
export function withTokenRotation(): AuthSocketFeature<'token-rotation'> {
  return { ɵkind: 'token-rotation', ɵproviders: [{ provide: AUTH_SOCKET_ROTATION, useValue: tokenRotation }] };
}
