import { EnvironmentProviders, makeEnvironmentProviders } from '@angular/core';
import { AUTH_SOCKET_RUNTIME } from 'ngx-auth-socket';
import {
  AUTH_SOCKET_TESTING_OPTIONS,
  AuthSocketTestingController,
  AuthSocketTestingOptions,
  runtimeOf,
} from './testing-controller';

/**
 * Replaces the sockets, the clock, the randomness and the browser's network events of
 * `AuthSocketService` (the `AUTH_SOCKET_RUNTIME` token) with {@link AuthSocketTestingController}:
 * no network, no real time. Put it after `provideAuthSocket(...)`, next to
 * `provideHttpClientTesting()` (ticket requests are answered through `HttpTestingController`).
 *
 * Works under any test runner, with or without fake timers (`jasmine.clock()`,
 * `vi.useFakeTimers()`, `fakeAsync`): the sockets are in memory and deliver synchronously or in
 * microtasks, and the library's time is the controller's own virtual clock.
 *
 * @throws RangeError when `options.random` is not in [0, 1).
 *
 * @usageNotes
 * ```ts
 * TestBed.configureTestingModule({
 *   providers: [
 *     provideHttpClient(withInterceptors([authTokenInterceptor])),
 *     provideHttpClientTesting(),
 *     provideAuthSocket({ url: 'wss://api.test/channel/' }),
 *     provideAuthSocketTesting(),            // or provideAuthSocketTesting({ random: 0.25 })
 *   ],
 * });
 * const socket = TestBed.inject(AuthSocketTestingController);
 * ```
 */
export function provideAuthSocketTesting(options: AuthSocketTestingOptions = {}): EnvironmentProviders {
  if (options.random !== undefined && !(options.random >= 0 && options.random < 1)) {
    throw new RangeError(
      `provideAuthSocketTesting(): random must be in [0, 1) like Math.random(), got ${options.random}.`,
    );
  }
  return makeEnvironmentProviders([
    { provide: AUTH_SOCKET_TESTING_OPTIONS, useValue: options },
    AuthSocketTestingController,
    {
      provide: AUTH_SOCKET_RUNTIME,
      useFactory: (controller: AuthSocketTestingController) => runtimeOf(controller),
      deps: [AuthSocketTestingController],
    },
  ]);
}
