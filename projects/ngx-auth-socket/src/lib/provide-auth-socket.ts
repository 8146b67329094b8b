import {
  DestroyRef,
  EnvironmentInjector,
  EnvironmentProviders,
  InjectionToken,
  Provider,
  createEnvironmentInjector,
  inject,
  makeEnvironmentProviders,
} from '@angular/core';
import { AUTH_SOCKET_CONFIG, AuthSocketConfig, resolveConfig } from './config';
import { AuthSocketService } from './auth-socket.service';
import { AuthSocketError } from './errors';
import {
  AUTH_SOCKET_CHANNELS,
  AUTH_SOCKET_HEARTBEAT,
  AUTH_SOCKET_REQUESTS,
  AUTH_SOCKET_RESUME,
  AUTH_SOCKET_ROTATION,
  AUTH_SOCKET_TABS,
  AuthSocketFeature,
} from './features';
import { pageUrl } from './page-url';

/** The configuration, or a function that computes it in an injection context (it may `inject()`). */
export type AuthSocketConfigSource = AuthSocketConfig | (() => AuthSocketConfig);

/**
 * Provides {@link AuthSocketService} configured by `config`, with optional features
 * (`withHeartbeat()`, `withResume()`, …): code of a feature you do not pass is not bundled. Use it
 * beside `provideHttpClient(withInterceptors([authTokenInterceptor]))`. `config` may be a function,
 * run in an injection context when the socket is first needed, to compute it from injected values
 * (`provideAuthSocket(() => ({ url: inject(APP_ENV).socketUrl }))`).
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
export function provideAuthSocket(
  config: AuthSocketConfigSource,
  ...features: AuthSocketFeature[]
): EnvironmentProviders {
  return makeEnvironmentProviders(socketProviders(config, features));
}

/**
 * Provides one more socket — to another server, or with other options — injected with `token`
 * instead of `AuthSocketService`. It has its own configuration and features (it inherits none of
 * the default socket's), and shares the app's `AuthTokenStore` and `HttpClient`: a login or logout
 * applies to every socket. Use `provideAuthSocket()` for the app's main socket, this for the others.
 *
 * @usageNotes
 * ```ts
 * export const PRICES_SOCKET = new InjectionToken<AuthSocketService>('prices socket');
 *
 * providers: [
 *   provideHttpClient(withInterceptors([authTokenInterceptor])),
 *   provideAuthSocket({ url: '/channel/' }),
 *   provideAuthSocketAs(PRICES_SOCKET, () => ({ url: inject(ENV).pricesUrl }), withHeartbeat()),
 * ];
 *
 * // in a component
 * readonly prices = inject(PRICES_SOCKET).on<Tick>('tick');
 * ```
 */
export function provideAuthSocketAs(
  token: InjectionToken<AuthSocketService>,
  config: AuthSocketConfigSource,
  ...features: AuthSocketFeature[]
): EnvironmentProviders {
  // Features a parent injector provides (the main socket's) must not leak into this one.
  const own = [
    { provide: AUTH_SOCKET_HEARTBEAT, useValue: null },
    { provide: AUTH_SOCKET_RESUME, useValue: null },
    { provide: AUTH_SOCKET_TABS, useValue: null },
    { provide: AUTH_SOCKET_CHANNELS, useValue: null },
    { provide: AUTH_SOCKET_REQUESTS, useValue: null },
    { provide: AUTH_SOCKET_ROTATION, useValue: null },
    ...socketProviders(config, features),
  ];
  return makeEnvironmentProviders([
    {
      provide: token,
      useFactory: () => {
        const injector = createEnvironmentInjector(own, inject(EnvironmentInjector), `ngx-auth-socket ${token}`);
        inject(DestroyRef).onDestroy(() => injector.destroy());
        return injector.get(AuthSocketService);
      },
    },
  ]);
}

function socketProviders(
  config: AuthSocketConfigSource,
  features: AuthSocketFeature[],
): Array<Provider | EnvironmentProviders> {
  const kinds = new Set<string>();
  for (const feature of features) {
    if (!feature || typeof feature.ɵkind !== 'string') {
      throw new AuthSocketError(
        'invalid-config',
        typeof ngDevMode === 'undefined' || ngDevMode
          ? 'provideAuthSocket() features must come from with…() functions.'
          : 'features',
      );
    }
    if (kinds.has(feature.ɵkind)) {
      throw new AuthSocketError(
        'invalid-config',
        typeof ngDevMode === 'undefined' || ngDevMode ? `The ${feature.ɵkind} feature was given twice.` : feature.ɵkind,
      );
    }
    kinds.add(feature.ɵkind);
  }
  return [
    // A factory runs here, in an injection context, the first time the socket is needed.
    {
      provide: AUTH_SOCKET_CONFIG,
      useFactory: () => resolveConfig(typeof config === 'function' ? config() : config, pageUrl()),
    },
    AuthSocketService,
    ...features.flatMap((f) => f.ɵproviders),
  ];
}
