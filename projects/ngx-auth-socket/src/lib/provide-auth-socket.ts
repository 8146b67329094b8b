import { EnvironmentProviders, makeEnvironmentProviders } from '@angular/core';
import { AUTH_SOCKET_CONFIG, AuthSocketConfig, resolveConfig } from './config';
import { AuthSocketService } from './auth-socket.service';
import { pageUrl } from './page-url';

/**
 * Provides {@link AuthSocketService} configured by `config`. Use it beside
 * `provideHttpClient(withInterceptors([authTokenInterceptor]))`.
 *
 * Contradictory or unsafe configuration (a `ws://` URL to a remote host without `allowInsecure`,
 * negative timeouts, first-message options with `auth: 'ticket'`) throws an
 * {@link AuthSocketError} when the providers are first used.
 *
 * @usageNotes
 * ```ts
 * export const appConfig: ApplicationConfig = {
 *   providers: [
 *     provideHttpClient(withInterceptors([authTokenInterceptor])),
 *     provideAuthSocket({
 *       url: 'wss://api.example.com/channel/',
 *       captureToken: [{ url: 'https://api.example.com/auth' }],
 *     }),
 *   ],
 * };
 * ```
 */
export function provideAuthSocket(config: AuthSocketConfig): EnvironmentProviders {
  return makeEnvironmentProviders([
    { provide: AUTH_SOCKET_CONFIG, useFactory: () => resolveConfig(config, pageUrl()) },
    AuthSocketService,
  ]);
}
