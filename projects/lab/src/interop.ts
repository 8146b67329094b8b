/**
 * The lab's "interop" mode (`/?interop=<JSON options>`): one app set up the way real apps are —
 * one AuthSocketService at the root, the login and refresh endpoints of whatever server it talks
 * to, and the token handed over the way the app chose (captured by the interceptor, stored by the
 * app, read by a tokenGetter, or set as a Bearer header by a class-based interceptor of its own,
 * before or after ours). Driven through `window.interop` by the e2e tests. With `channels: 'foreign'`
 * it also uses `withChannels()` named for a server's own group frames (e2e/support/foreign-server.mjs).
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
import { Observable, Subscription, firstValueFrom, map } from 'rxjs';
import {
  AuthMode,
  AuthSocketConfig,
  AuthSocketService,
  AuthTokenStore,
  ChannelFrames,
  CloseCodesConfig,
  FirstMessageConfig,
  ReconnectConfig,
  SocketMessage,
  TokenChangePolicy,
  authTokenInterceptor,
  provideAuthSocket,
  withChannels,
  withResume,
  withTokenRotation,
} from 'ngx-auth-socket';
import { eventEnvelope } from './event-envelope';

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
    readonly idleCloseDelayMs?: number;
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
  /** `withTokenRotation({ messageId })` reading a server's own id field (`msg_id`). */
  readonly messageId?: 'msg_id';
  /** A ticket endpoint of its own: `POST` → `{token, expires_in}` (`ticketMethod` + `readTicket`). */
  readonly ticketBody?: 'token-expires-in';
  /** `withChannels()` for a server's own group frames (`FOREIGN_CHANNELS`). */
  readonly channels?: 'foreign';
  /** Frames named by `event` with their fields under `data` (NestJS): the README's `eventEnvelope` serializer. */
  readonly envelope?: 'event';
}

/** What the page recorded of one channel (`subscribeChannel()`). */
interface ChannelRecord {
  /** Every state, `rejected:<reason>` for a rejected one. */
  states: string[];
  /** When each state came (ms since the page loaded). */
  stateAt: number[];
  /** Every message delivered in the channel: its id (`msg_id`, else `id`), body and when (ms since the page loaded). */
  messages: Array<{ id: unknown; body: unknown; at: number }>;
  /** The members after each presence update (the current value replayed included). */
  members: string[][];
  /** Errors or completions of the channel's streams. */
  errors: string[];
}

const FOREIGN_FRAMES: FirstMessageConfig = {
  buildAuthMessage: (token) => ({ type: 'authenticate', token }),
  isAck: (m) => m.type === 'authenticated',
  isRejection: (m) => m.type === 'auth_failed',
};

/**
 * A Django-Channels-like server's groups (e2e/support/foreign-server.mjs): `subscribe` /
 * `unsubscribe` a `group`; answers `subscribed`, `subscription_denied` {detail}, `removed` {detail};
 * messages carry the `group` they belong to.
 */
const FOREIGN_CHANNELS: ChannelFrames = {
  join: (group) => ({ type: 'subscribe', group }),
  leave: (group) => ({ type: 'unsubscribe', group }),
  read: (m) => {
    const group = m['group'];
    if (typeof group !== 'string') return undefined;
    const detail = typeof m['detail'] === 'string' && m['detail'] !== '' ? m['detail'] : undefined;
    switch (m.type) {
      case 'subscribed':
        return { kind: 'joined', channel: group };
      case 'subscription_denied':
        return { kind: 'refused', channel: group, reason: detail ?? 'subscription_denied' };
      case 'removed':
        return { kind: 'kicked', channel: group, reason: detail ?? 'removed' };
      default:
        return undefined;
    }
  },
  channelOf: (m) => (typeof m['group'] === 'string' ? m['group'] : undefined),
  scope: (message, group) => ({ ...message, group }),
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
    ...(socket.idleCloseDelayMs === undefined ? {} : { idleCloseDelayMs: socket.idleCloseDelayMs }),
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
    ...(options.envelope === 'event' ? { serializer: eventEnvelope } : {}),
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
      provideAuthSocket(
        config,
        ...(rotation ? [withTokenRotation(options.messageId ? { messageId: (m) => m[options.messageId!] } : {})] : []),
        ...(options.resume ? [withResume()] : []),
        ...(options.channels === 'foreign' ? [withChannels(FOREIGN_CHANNELS)] : []),
      ),
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
    /** How many messages of each type reached `messages$` (after `listen()`). */
    types: {} as Record<string, number>,
    /** Per channel, from `subscribeChannel()` on. */
    channels: {} as Record<string, ChannelRecord>,
  };
  const channelSubscriptions = new Map<string, Subscription>();
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
        record.types[m.type] = (record.types[m.type] ?? 0) + 1;
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
    /**
     * Subscribes to channel `name`'s messages and presence (which joins it), recording them; its
     * states are recorded from the first call on, also after `unsubscribeChannel()`.
     */
    subscribeChannel(name: string): void {
      const channel = service.channel(name);
      let entry = record.channels[name];
      if (!entry) {
        const created: ChannelRecord = { states: [], stateAt: [], messages: [], members: [], errors: [] };
        record.channels[name] = entry = created;
        channel.state$.subscribe((s) => {
          created.states.push(s.kind === 'rejected' ? `rejected:${s.reason}` : s.kind);
          created.stateAt.push(Math.round(performance.now()));
        });
      }
      const mine = entry;
      const subscription = new Subscription();
      const ended = (what: string) => (e?: { code?: string }) => mine.errors.push(e?.code ?? what);
      subscription.add(
        channel.messages$.subscribe({
          next: (m) =>
            mine.messages.push({ id: m['msg_id'] ?? m['id'], body: m['body'], at: Math.round(performance.now()) }),
          error: ended('messages-error'),
          complete: () => mine.errors.push('messages-complete'),
        }),
      );
      subscription.add(
        channel.presence$.subscribe({
          next: (p) => mine.members.push([...p.members]),
          error: ended('presence-error'),
        }),
      );
      channelSubscriptions.get(name)?.unsubscribe();
      channelSubscriptions.set(name, subscription);
    },
    /** Ends the page's subscriptions of channel `name` (the library leaves it after `idleCloseDelayMs`). */
    unsubscribeChannel(name: string): void {
      channelSubscriptions.get(name)?.unsubscribe();
      channelSubscriptions.delete(name);
    },
    /** Sends `{type: 'group.send', body}` in channel `name` (the channel's `scope` adds its group). */
    sendInChannel(name: string, body: unknown): void {
      service
        .channel(name)
        .send({ type: 'group.send', body })
        .subscribe({ error: (e: { code?: string }) => record.channels[name]?.errors.push(e.code ?? 'send-error') });
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
