import { EnvironmentProviders, makeEnvironmentProviders } from '@angular/core';
import { AUTH_SOCKET_CONFIG, AuthSocketConfig, resolveConfig } from './config';
import { AuthSocketService } from './auth-socket.service';
import { AuthSocketError } from './errors';
import { AuthSocketFeature } from './features';
import { pageUrl } from './page-url';

/**
 * Provides {@link AuthSocketService} configured by `config`, with optional features
 * (`withHeartbeat()`, `withResume()`, …): code of a feature you do not pass is not bundled. Use it
 * beside `provideHttpClient(withInterceptors([authTokenInterceptor]))`.
 *
 * Contradictory or unsafe configuration (a `ws://` URL to a remote host without `allowInsecure`,
 * negative timeouts, first-message options with `auth: 'ticket'`, a feature given twice) throws an
 * {@link AuthSocketError} `invalid-config` / `insecure-url`.
 *
 * @usageNotes
 * ```ts
 * export const appConfig: ApplicationConfig = {
 *   providers: [
 *     provideHttpClient(withInterceptors([authTokenInterceptor])),
 *     provideAuthSocket(
 *       { url: 'wss://api.example.com/channel/', captureToken: [{ url: 'https://api.example.com/auth' }] },
 *       withHeartbeat(),
 *       withResume(),
 *     ),
 *   ],
 * };
 * ```
 */
export function provideAuthSocket(config: AuthSocketConfig, ...features: AuthSocketFeature[]): EnvironmentProviders {
  const kinds = new Set<string>();
  for (const feature of features) {
    if (!feature || typeof feature.ɵkind !== 'string') {
      throw new AuthSocketError('invalid-config', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'provideAuthSocket() features must come from with…() functions.' : 'features');
    }
    if (kinds.has(feature.ɵkind)) {
      throw new AuthSocketError('invalid-config', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The ${feature.ɵkind} feature was given twice.` : feature.ɵkind);
    }
    kinds.add(feature.ɵkind);
  }
  return makeEnvironmentProviders([
    { provide: AUTH_SOCKET_CONFIG, useFactory: () => resolveConfig(config, pageUrl()) },
    AuthSocketService,
    ...features.flatMap((f) => f.ɵproviders),
  ]);
}
