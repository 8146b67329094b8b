/**
 * The lab's "interop" mode (`/?interop=<JSON options>`): one app set up the way real apps are —
 * one AuthSocketService at the root, the login and refresh endpoints of whatever server it talks
 * to, and the token handed over the way the app chose (captured by the interceptor, stored by the
 * app, read by a tokenGetter, or set as a Bearer header by a class-based interceptor of its own,
 * before or after ours). Driven through `window.interop` by the e2e tests.
 */
import {
  HTTP_INTERCEPTORS,
  HttpClient,
  HttpEvent,
  HttpHandler,
  HttpInterceptor,
  HttpRequest,
  provideHttpClient,
  withInterceptors,
  withInterceptorsFromDi,
} from '@angular/common/http';
import {
  Component,
  EnvironmentProviders,
  Injectable,
  Provider,
  inject,
  provideZonelessChangeDetection,
} from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { Observable, firstValueFrom, map } from 'rxjs';
import {
  AuthMode,
  AuthSocketConfig,
  AuthSocketService,
  AuthTokenStore,
  CloseCodesConfig,
  FirstMessageConfig,
  ReconnectConfig,
  SocketMessage,
  TokenChangePolicy,
  authTokenInterceptor,
  provideAuthSocket,
  withResume,
  withTokenRotation,
} from 'ngx-auth-socket';

/** What a test asks for; plain JSON in the page URL. */
export interface InteropOptions {
  readonly socket: {
    readonly url: string;
    readonly ticketUrl?: string;
    readonly auth?: AuthMode;
    readonly onTokenChange?: TokenChangePolicy;
    readonly refreshBeforeExpiryMs?: number;
    readonly ackTimeoutMs?: number;
    readonly reconnect?: ReconnectConfig;
    readonly closeCodes?: CloseCodesConfig;
    readonly ticketTimeoutMs?: number;
  };
  /** The server's auth frames: ours (`auth` / `auth_ok` / `auth_error`) or a foreign server's. */
  readonly frames: 'reference' | 'foreign';
  /** Endpoints and the field names of their JSON bodies. */
  readonly api: {
    readonly login: string;
    readonly refresh: string;
    readonly user: string;
    readonly password: string;
    readonly access: string;
    readonly refreshToken: string;
  };
  /**
   * - `capture`: `captureToken` rules read the login (and, with `captureRefresh`, refresh) response;
   * - `store`: the app calls `AuthTokenStore.set()` after login;
   * - `getter`: the app keeps the token in localStorage and configures `tokenGetter`; it calls
   *   `connect()` after login;
   * - `adopt`: nothing configured; the app's own interceptor sets the Bearer header (see `diInterceptor`).
   */
  readonly tokenSource: 'capture' | 'store' | 'getter' | 'adopt';
  /** The refresh trap: `captureToken` also matches the refresh endpoint the refresh hook calls. */
  readonly captureRefresh?: boolean;
  /** A class-based interceptor (like @auth0/angular-jwt) setting the Bearer header, listed before or after ours. */
  readonly diInterceptor?: 'before' | 'after';
  readonly resume?: boolean;
  /**
   * `withTokenRotation()` with the refresh hook (default true). False: neither, and the app
   * refreshes on its own (`refreshNow()`, captured by the `captureRefresh` rule).
   */
  readonly rotation?: boolean;
  /** A ticket endpoint of its own: `POST` → `{token, expires_in}` (`ticketMethod` + `readTicket`). */
  readonly ticketBody?: 'token-expires-in';
}

const FOREIGN_FRAMES: FirstMessageConfig = {
  buildAuthMessage: (token) => ({ type: 'authenticate', token }),
  isAck: (m) => m.type === 'authenticated',
  isRejection: (m) => m.type === 'auth_failed',
};

/** Sets `Authorization: Bearer <localStorage.access>` on same-origin requests, as angular-jwt does. */
@Injectable()
class BearerFromStorageInterceptor implements HttpInterceptor {
  intercept(request: HttpRequest<unknown>, next: HttpHandler): Observable<HttpEvent<unknown>> {
    const token = localStorage.getItem('access');
    const sameOrigin = request.url.startsWith('/') || request.url.startsWith(location.origin);
    return next.handle(
      token && sameOrigin ? request.clone({ setHeaders: { Authorization: `Bearer ${token}` } }) : request,
    );
  }
}

@Component({ selector: 'lab-root', template: `<p>ngx-auth-socket lab, interop mode</p>` })
class InteropRoot {}

function httpProviders(options: InteropOptions): Array<Provider | EnvironmentProviders> {
  const ours = withInterceptors([authTokenInterceptor]);
  if (!options.diInterceptor) return [provideHttpClient(ours)];
  const theirs = { provide: HTTP_INTERCEPTORS, useClass: BearerFromStorageInterceptor, multi: true };
  // Interceptors run in the order their features are listed: "before" lets ours adopt the header.
  const http =
    options.diInterceptor === 'before'
      ? provideHttpClient(withInterceptorsFromDi(), ours)
      : provideHttpClient(ours, withInterceptorsFromDi());
  return [http, theirs];
}

export async function bootInterop(options: InteropOptions): Promise<void> {
  const { api, socket } = options;
  const field = (body: unknown, name: string) => (body as Record<string, unknown> | null)?.[name];
  const captureToken = [
    ...(options.tokenSource === 'capture'
      ? [{ url: api.login, read: (b: unknown) => field(b, api.access) as string }]
      : []),
    ...(options.captureRefresh ? [{ url: api.refresh, read: (b: unknown) => field(b, api.access) as string }] : []),
  ];
  let refreshes = 0;
  let config: AuthSocketConfig = {
    url: socket.url,
    ticketUrl: socket.ticketUrl,
    auth: socket.auth,
    onTokenChange: socket.onTokenChange,
    refreshBeforeExpiryMs: socket.refreshBeforeExpiryMs,
    reconnect: socket.reconnect,
    closeCodes: socket.closeCodes,
    ticketTimeoutMs: socket.ticketTimeoutMs,
    ...(options.ticketBody === 'token-expires-in'
      ? {
          ticketMethod: 'POST' as const,
          readTicket: (b: { token: string; expires_in: number }) => ({
            ticket: b.token,
            expires: Date.now() + b.expires_in * 1000,
          }),
        }
      : {}),
    firstMessage: {
      ...(options.frames === 'foreign' ? FOREIGN_FRAMES : {}),
      ...(socket.ackTimeoutMs ? { ackTimeoutMs: socket.ackTimeoutMs } : {}),
    },
    captureToken,
    ...(options.tokenSource === 'getter' ? { tokenGetter: () => localStorage.getItem('access') } : {}),
  };
  // The usual refresh: the refresh endpoint through HttpClient, rotating the refresh token.
  const refresh = (http: HttpClient) => {
    refreshes++;
    return http.post(api.refresh, { [api.refreshToken]: localStorage.getItem('refresh') }).pipe(
      map((body) => {
        const next = field(body, api.refreshToken);
        if (typeof next === 'string') localStorage.setItem('refresh', next);
        const access = field(body, api.access) as string;
        localStorage.setItem('access', access);
        return access;
      }),
    );
  };
  const rotation = options.rotation !== false;
  if (rotation) config = { ...config, refreshToken: () => refresh(inject(HttpClient)) };
  else config = { ...config, onTokenChange: undefined, refreshBeforeExpiryMs: undefined };
  const app = await bootstrapApplication(InteropRoot, {
    providers: [
      provideZonelessChangeDetection(),
      ...httpProviders(options),
      provideAuthSocket(config, ...(rotation ? [withTokenRotation()] : []), ...(options.resume ? [withResume()] : [])),
    ],
  });
  const service = app.injector.get(AuthSocketService);
  const store = app.injector.get(AuthTokenStore);
  const http = app.injector.get(HttpClient);
  const record = {
    states: [] as string[],
    errors: [] as string[],
    texts: [] as string[],
    /** Every chat delivery with its seq or id and when (ms since the page loaded): for diagnosing a doubled line. */
    deliveries: [] as Array<{ text: string; seq: unknown; id: unknown; t: number }>,
    fates: {} as Record<string, string>,
  };
  service.state$.subscribe((s) => record.states.push(s.kind));
  service.errors$.subscribe((e) => record.errors.push(e.code));

  const interop = {
    record,
    refreshes: () => refreshes,
    state: () => service.state().kind,
    token: () => store.token(),
    async login(user: string, password = user): Promise<void> {
      const body = await firstValueFrom(http.post(api.login, { [api.user]: user, [api.password]: password }));
      localStorage.setItem('access', field(body, api.access) as string);
      localStorage.setItem('refresh', field(body, api.refreshToken) as string);
      if (options.tokenSource === 'store') store.set(field(body, api.access) as string);
      if (options.tokenSource === 'getter') service.connect();
    },
    /** Subscribes to messages (which opens the socket once a token is there). */
    listen(): void {
      service.messages$.subscribe((m: SocketMessage) => {
        if (m.type !== 'chat' || typeof m['text'] !== 'string') return;
        record.texts.push(m['text']);
        record.deliveries.push({ text: m['text'], seq: m['seq'], id: m['id'], t: Math.round(performance.now()) });
      });
    },
    send(text: string): void {
      record.fates[text] = 'pending';
      service.send({ type: 'chat', text }).subscribe({
        next: () => (record.fates[text] = 'written'),
        error: (e: { code?: string }) => (record.fates[text] = e.code ?? 'error'),
      });
    },
    /** The app refreshing on its own, through HttpClient (without the socket's refresh hook). */
    async refreshNow(): Promise<void> {
      await firstValueFrom(refresh(http));
    },
    /** An ordinary API call of the app (its own interceptor attaches the header). */
    async apiCall(url: string): Promise<number> {
      try {
        await firstValueFrom(http.get(url));
        return 200;
      } catch (e) {
        return (e as { status?: number }).status ?? 0;
      }
    },
    logout(): void {
      localStorage.removeItem('access');
      localStorage.removeItem('refresh');
      store.clear();
    },
  };
  (window as unknown as { interop: typeof interop }).interop = interop;
  document.body.dataset['labReady'] = 'true';
}
