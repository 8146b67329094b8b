import { EnvironmentProviders, makeEnvironmentProviders } from '@angular/core';
import { AUTH_SOCKET_RUNTIME } from 'ngx-auth-socket';
import { AUTH_SOCKET_TESTING_OPTIONS, AuthSocketTestingController, AuthSocketTestingOptions } from './testing-controller';

/**
 * Replaces the socket, the clock and the browser's network events of `AuthSocketService` with
 * {@link AuthSocketTestingController}: no network, no real time. Put it after
 * `provideAuthSocket(...)`, next to `provideHttpClientTesting()` (ticket requests go through it).
 *
 * @usageNotes
 * ```ts
 * TestBed.configureTestingModule({
 *   providers: [
 *     provideHttpClient(withInterceptors([authTokenInterceptor])),
 *     provideHttpClientTesting(),
 *     provideAuthSocket({ url: 'wss://api.test/channel/' }),
 *     provideAuthSocketTesting(),
 *   ],
 * });
 * ```
 */
export function provideAuthSocketTesting(options: AuthSocketTestingOptions = {}): EnvironmentProviders {
  return makeEnvironmentProviders([
    { provide: AUTH_SOCKET_TESTING_OPTIONS, useValue: options },
    AuthSocketTestingController,
    { provide: AUTH_SOCKET_RUNTIME, useFactory: (controller: AuthSocketTestingController) => controller.runtime, deps: [AuthSocketTestingController] },
  ]);
}
