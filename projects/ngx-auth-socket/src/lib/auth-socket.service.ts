import { isPlatformBrowser } from '@angular/common';
import { HttpClient } from '@angular/common/http';
import {
  DestroyRef,
  Injectable,
  Injector,
  PLATFORM_ID,
  Signal,
  inject,
  runInInjectionContext,
  signal,
} from '@angular/core';
import { Observable, Subject } from 'rxjs';
import { AUTH_SOCKET_CONFIG, SocketMessage } from './config';
import { ConnectionState } from './connection/connection-state';
import { ConnectionLike } from './connection/connection-like';
import { createDevChecks } from './connection/dev-checks';
import { ConnectionHooks, SocketConnection } from './connection/socket-connection';
import { ResyncEvent } from './messaging/resume-tracker';
import { AuthSocketError } from './errors';
import {
  AUTH_SOCKET_CHANNELS,
  AUTH_SOCKET_REQUESTS,
  AUTH_SOCKET_HEARTBEAT,
  AUTH_SOCKET_RESUME,
  AUTH_SOCKET_ROTATION,
  AUTH_SOCKET_TABS,
  ChannelsFeature,
} from './features';
import type { AuthSocketChannel } from './channels/auth-socket-channel';
import type { ChannelMembership } from './channels/channel-membership';
import { SendReceipt } from './messaging/outbox';
import type { RequestTracker } from './messaging/request-tracker';
import { TypeRouter } from './messaging/type-router';
import { AUTH_SOCKET_RUNTIME } from './runtime';
import { requestTicket } from './ticket/ticket-client';
import { AuthTokenStore, settle } from './token/auth-token-store';

/**
 * The authenticated socket an app injects. Connects when the first message stream is subscribed
 * (or on `connect()`) while a token is present, reconnects with a fresh ticket after failures,
 * and closes a grace period after the last subscriber leaves.
 *
 * @usageNotes
 * ```ts
 * export class ChatComponent {
 *   private readonly socket = inject(AuthSocketService);
 *   readonly state = this.socket.state;                       // Signal<ConnectionState>
 *   readonly chat$ = this.socket.on<ChatMessage>('chat');     // connects on subscribe
 *   post(text: string) { this.socket.send({ type: 'chat', text }).subscribe(); }
 * }
 * ```
 */
@Injectable()
export class AuthSocketService {
  readonly #config = inject(AUTH_SOCKET_CONFIG);
  readonly #tokens = inject(AuthTokenStore);
  readonly #injector = inject(Injector);
  readonly #router = new TypeRouter();
  readonly #errorsSubject = new Subject<AuthSocketError>();
  readonly #resyncSubject = new Subject<ResyncEvent>();
  readonly #stateSignal = signal<ConnectionState>({ kind: 'idle' });
  readonly #connection: ConnectionLike;
  readonly #requests: RequestTracker | null;
  readonly #channels: ChannelMembership | null;
  readonly #channelHandles = new Map<string, AuthSocketChannel>();
  readonly #channelsFeature: ChannelsFeature | null;

  /** Current connection state, for templates. */
  readonly state: Signal<ConnectionState> = this.#stateSignal.asReadonly();
  /** Connection state and every change of it; replays the current state on subscribe. */
  readonly state$: Observable<ConnectionState>;
  /** Every failure, typed and redacted. Subscribing does not open the socket. */
  readonly errors$: Observable<AuthSocketError> = this.#errorsSubject.asObservable();
  /** Every decoded message. Subscribing opens the socket (when a token is present). */
  readonly messages$: Observable<SocketMessage>;
  /**
   * With `withResume()`: the server could not replay what was missed during an outage (its history
   * no longer reaches back, or it restarted). Refetch the state the messages would have updated.
   */
  readonly resync$: Observable<ResyncEvent> = this.#resyncSubject.asObservable();

  constructor() {
    const http = inject(HttpClient);
    const runtime = inject(AUTH_SOCKET_RUNTIME);
    // Only a function is a hook (production skips the type check of the configuration).
    const refreshHook = typeof this.#config.refreshToken === 'function' ? this.#config.refreshToken : undefined;
    const createResumeTracker = inject(AUTH_SOCKET_RESUME);
    const router = this.#router;
    const requests = inject(AUTH_SOCKET_REQUESTS)?.(runtime) ?? null;
    this.#requests = requests;
    const browser = isPlatformBrowser(inject(PLATFORM_ID));
    const heartbeat = inject(AUTH_SOCKET_HEARTBEAT);
    const rotationFeature = inject(AUTH_SOCKET_ROTATION);
    const { onTokenChange, refreshBeforeExpiryMs } = this.#config;
    // Options of a capability that is not there must not be ignored in silence.
    const orphan = refreshHook
      ? 'refreshToken'
      : onTokenChange !== undefined
        ? 'onTokenChange'
        : typeof refreshBeforeExpiryMs === 'number' && 'refreshBeforeExpiryMs';
    if (!rotationFeature && orphan) {
      throw new AuthSocketError(
        'invalid-config',
        typeof ngDevMode === 'undefined' || ngDevMode
          ? `${orphan} needs withTokenRotation() in provideAuthSocket().`
          : 'withTokenRotation',
      );
    }
    const rotation = rotationFeature?.(refreshBeforeExpiryMs ?? 30_000, refreshHook !== undefined) ?? null;
    const channelsFeature = inject(AUTH_SOCKET_CHANNELS);
    const channels = channelsFeature
      ? channelsFeature.membership(runtime, this.#config.idleCloseDelayMs, createResumeTracker !== null, (event) =>
          this.#resyncSubject.next(event),
        )
      : null;
    this.#channels = channels;
    this.#channelsFeature = channelsFeature;
    // The hot path: one field read, then one map lookup in the router.
    const hooks: ConnectionHooks = {
      deliver: (message) => {
        if (requests !== null && requests.size > 0 && requests.resolve(message)) return true;
        channels?.route(message);
        router.dispatch(message);
        return false;
      },
      answer: (message) => requests !== null && requests.size > 0 && requests.resolve(message),
      report: (error) => this.#errorsSubject.next(error),
      resyncNeeded: (event) => this.#resyncSubject.next(event),
    };
    const createReal = (outward: ConnectionHooks, lastSeq: number | undefined) => {
      const resume = createResumeTracker ? createResumeTracker() : null;
      // A tab taking over the shared socket resumes from the last message it was relayed.
      if (resume && lastSeq !== undefined) resume.startFrom(lastSeq);
      return new SocketConnection(
        {
          config: this.#config,
          runtime,
          readToken: () =>
            this.#config.tokenGetter
              ? this.#tokens.resolve(this.#config.tokenGetter, this.#injector)
              : this.#tokens.token(),
          storeToken: (token) => this.#tokens.set(token),
          fetchTicket: (token, point) => requestTicket(http, this.#config, token, point, () => runtime.now()),
          refresh: refreshHook
            ? () => settle(runInInjectionContext(this.#injector, refreshHook)).then((t) => t ?? null)
            : undefined,
          ...outward,
          rotation,
          // The heartbeat sees every frame first; channels judge their own messages before resume.
          extensions: [
            ...(heartbeat ? [heartbeat.extension(runtime)] : []),
            ...(channels ? [channels] : []),
            ...(resume ? [resume.extension(outward.resyncNeeded)] : []),
          ],
          resume,
          channels,
          dev:
            typeof ngDevMode === 'undefined' || ngDevMode
              ? createDevChecks(
                  this.#config,
                  runtime,
                  () => this.#tokens.ɵinterceptorSeen,
                  (m) => console.warn(m),
                )
              : null,
        },
        browser,
      );
    };
    const tabs = browser ? inject(AUTH_SOCKET_TABS) : null;
    this.#connection =
      tabs?.share({
        ...hooks,
        name: this.#config.url,
        outboxLimit: this.#config.outboxLimit,
        runtime,
        storeToken: (token) => this.#tokens.set(token),
        readToken: () => this.#tokens.token(),
        createReal,
        channels,
      }) ?? createReal(hooks, undefined);
    this.state$ = this.#connection.state$;
    let previous: ConnectionState['kind'] = 'idle';
    const stateSubscription = this.#connection.state$.subscribe((s) => {
      this.#stateSignal.set(s);
      requests?.stateChanged(previous, s, this.#config.delivery.acks);
      previous = s.kind;
    });
    // token$ replays the current token at once; only later changes matter here.
    let replayed = false;
    const tokenSubscription = this.#tokens.token$.subscribe((t) => replayed && this.#connection.tokenChanged(t));
    replayed = true;
    // keepAlive (or a token present at start-up with connect() pending) needs no subscriber to begin.
    this.#connection.reviewDemand();
    this.messages$ = router.watch<SocketMessage>(null, (delta) => this.#connection.subscribersChanged(delta));
    inject(DestroyRef).onDestroy(() => {
      tokenSubscription.unsubscribe();
      this.#connection.destroy();
      stateSubscription.unsubscribe();
      if (requests?.size)
        requests.failAll(
          new AuthSocketError(
            'request-interrupted',
            (typeof ngDevMode === 'undefined' || ngDevMode) && 'the socket service was destroyed',
          ),
        );
      router.complete();
      channels?.destroy();
      this.#errorsSubject.complete();
      this.#resyncSubject.complete();
    });
  }

  /**
   * Messages whose `type` equals `type`. Routing is one map lookup per message, whatever the number
   * of watched types. Subscribing opens the socket (when a token is present).
   */
  on<T extends SocketMessage = SocketMessage>(type: string): Observable<T> {
    return this.#router.watch<T>(type, (delta) => this.#connection.subscribersChanged(delta));
  }

  /**
   * A server-side channel (room, topic, group) on this socket, joined while its `messages$` or
   * `presence$` has subscribers and joined again by itself after every reconnect and token rotation
   * (with `withResume()`, from the last seq seen in it). The same name gives the same handle. Needs
   * `withChannels()`.
   *
   * @throws AuthSocketError `invalid-config` without `withChannels()`, or for an empty name.
   * @usageNotes
   * ```ts
   * const room = socket.channel<ChatMessage>('room:42');
   * room.messages$.subscribe((m) => …);            // joins
   * room.send({ type: 'chat', text: 'hi' });       // {type, text, channel: 'room:42'}
   * ```
   */
  channel<T extends SocketMessage = SocketMessage>(name: string, params?: unknown): AuthSocketChannel<T> {
    const channels = this.#channels;
    if (!channels) {
      throw new AuthSocketError(
        'invalid-config',
        typeof ngDevMode === 'undefined' || ngDevMode
          ? 'channel() needs withChannels() in provideAuthSocket(…).'
          : 'channels',
      );
    }
    if (typeof name !== 'string' || name === '') {
      throw new AuthSocketError(
        'invalid-config',
        typeof ngDevMode === 'undefined' || ngDevMode ? 'channel() needs a non-empty name.' : 'channel',
      );
    }
    let handle = this.#channelHandles.get(name);
    if (!handle) {
      handle = this.#channelsFeature!.handle(channels.entry(name), {
        subscribersChanged: (entry, delta) => {
          this.#connection.channelDemand(entry.name, params, delta);
          this.#connection.subscribersChanged(delta);
        },
        send: (message) => this.send(message),
        request: (message, options) => this.request(message, options),
      });
      this.#channelHandles.set(name, handle);
    }
    return handle as unknown as AuthSocketChannel<T>;
  }

  /**
   * Sends `message` now when open, or queues it (bounded by `outboxLimit`) and sends it right after
   * the next authentication. The message is serialized immediately. The returned observable emits
   * once when the frame is written and completes, or errors with an {@link AuthSocketError}
   * (`outbox-full`, `encode-failed`, `send-cancelled`); subscribing to it is optional.
   */
  send(message: unknown): Observable<SendReceipt> {
    return this.#connection.send(message);
  }

  /**
   * Sends `message` with an `id` (its own string `id`, or a fresh one) and emits the first message
   * that comes back with the same `id`, then completes. Cold: subscribing sends. Fails with
   * `request-timeout` after `timeoutMs` (default: the one given to `withRequests()`), with
   * `request-interrupted` when the connection drops before the reply (unless `delivery.acks`
   * re-sends it after the reconnect) or authentication is lost, and with the send errors of
   * {@link send}. A pending request keeps the socket open. Needs `withRequests()`.
   *
   * @throws AuthSocketError `invalid-config` without `withRequests()`, or for a `timeoutMs` that is
   *   not a number ≥ 1.
   * @usageNotes
   * ```ts
   * socket.request<EchoReply>({ type: 'echo', payload: 42 }, { timeoutMs: 5000 }).subscribe(reply => …);
   * ```
   */
  request<T extends SocketMessage = SocketMessage>(
    message: object,
    options: { timeoutMs?: number } = {},
  ): Observable<T> {
    if (!this.#requests) {
      throw new AuthSocketError(
        'invalid-config',
        (typeof ngDevMode === 'undefined' || ngDevMode) && 'request() needs withRequests() in provideAuthSocket(…).',
      );
    }
    return this.#requests.request<T>(message, options.timeoutMs, this.#connection);
  }

  /** Connects (if a token is present) and stays connected without subscribers until `disconnect()`. */
  connect(): void {
    this.#connection.connect();
  }

  /** Closes the socket (1000) and stays closed until `connect()`; queued messages are rejected. */
  disconnect(): void {
    this.#connection.disconnect();
  }
}
