/**
 * Development-mode diagnostics for the silent set-up mistakes: a socket that stays `idle` because
 * no token ever reaches it. Created only when `ngDevMode` is on, so production bundles drop this
 * file and its prose entirely.
 */
import type { ResolvedAuthSocketConfig } from '../config';
import type { AuthSocketRuntime } from '../runtime';
import type { Lifecycle } from './lifecycle-types';

/** What the connection tells the checks. */
export interface DevChecks {
  /** After every change of the lifecycle. */
  check(state: Lifecycle): void;
  /** A ticket request got its answer (the interceptor should have seen it). */
  ticketAnswered(): void;
  /** The app's function `name` threw on a frame, which then counted as no match. */
  threw(name: string, error: unknown): void;
  destroy(): void;
}

/** How long subscribers may wait for a first token before the warning. */
export const NO_TOKEN_WARNING_MS = 5000;

/**
 * @param interceptorSeen whether `authTokenInterceptor` has run for any request of this app
 * @param warn where warnings go (`console.warn`)
 */
export function createDevChecks(
  config: Pick<ResolvedAuthSocketConfig, 'captureToken' | 'tokenGetter'>,
  runtime: Pick<AuthSocketRuntime, 'setTimeout' | 'clearTimeout'>,
  interceptorSeen: () => boolean,
  warn: (message: string) => void,
): DevChecks {
  let timer: unknown = null;
  const said = new Set<string>();
  const once = (key: string, message: string) => {
    if (said.has(key)) return;
    said.add(key);
    warn(`[ngx-auth-socket] ${message}`);
  };
  const stopTimer = () => {
    if (timer !== null) runtime.clearTimeout(timer);
    timer = null;
  };
  const noToken = () => {
    timer = null;
    once(
      'no-token',
      `the socket has subscribers but no token arrived within ${NO_TOKEN_WARNING_MS / 1000} s, so it stays idle. ` +
        'Give it the JWT in one of three ways: (1) authTokenInterceptor captures it from your login response ' +
        '(captureToken rules) or adopts the Authorization: Bearer header another interceptor set — list ' +
        'withInterceptorsFromDi() / your interceptor before withInterceptors([authTokenInterceptor]); ' +
        '(2) call AuthTokenStore.set(token) after login; (3) configure tokenGetter in provideAuthSocket() and ' +
        'call AuthSocketService.connect() after login.' +
        (config.tokenGetter ? ' (tokenGetter is configured and returned no token.)' : ''),
    );
    if (config.captureToken.length > 0 && !interceptorSeen()) {
      once(
        'capture',
        'captureToken is configured but authTokenInterceptor has not seen a single request: add it with ' +
          'provideHttpClient(withInterceptors([authTokenInterceptor])).',
      );
    }
  };
  return {
    check(state) {
      if (state.phase.kind === 'open' && state.phase.rotation?.kind === 'deferred') {
        once(
          'deferred',
          'the token changed while the socket was open; without withTokenRotation() the socket keeps the token it ' +
            'authenticated with until the server closes it, then reconnects with the new one. Add ' +
            'withTokenRotation() to provideAuthSocket() to move the open socket to the new token at once.',
        );
      }
      const waiting = state.phase.kind === 'idle' && (state.interest || state.pinned);
      if (!waiting) stopTimer();
      else if (timer === null && !said.has('no-token')) timer = runtime.setTimeout(noToken, NO_TOKEN_WARNING_MS);
    },
    ticketAnswered() {
      if (interceptorSeen()) return;
      once(
        'no-interceptor',
        'authTokenInterceptor is not installed: the ticket request went out without it, so login responses are ' +
          'not captured and the token is not attached to your API calls. Add ' +
          'provideHttpClient(withInterceptors([authTokenInterceptor])).',
      );
    },
    threw(name, error) {
      once(
        `threw:${name}`,
        `${name} threw on a frame (${error instanceof Error ? error.message : String(error)}), so that frame ` +
          'counted as no match. It sees every frame the server sends: return false for frames it does not know.',
      );
    },
    destroy: stopTimer,
  };
}
