import { HttpRequest } from '@angular/common/http';
import { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { DestroyRef, Injectable, InjectionToken, Injector, inject } from '@angular/core';
import { Server, WebSocket as MockWebSocket } from 'mock-socket';
import { AUTH_SOCKET_CONFIG, AuthSocketRuntime, AuthSocketService, NetworkEvents, SocketLike } from 'ngx-auth-socket';
import { FrameMatcher, TestServerSocket } from './test-server-socket';
import { VirtualClock } from './virtual-clock';

/** Options of {@link provideAuthSocketTesting}. */
export interface AuthSocketTestingOptions {
  /** Where the virtual clock starts (ms since the epoch). @default the real `Date.now()` when the controller is created */
  readonly startTime?: number;
  /**
   * What the library's `random()` returns, i.e. which share of the backoff ceiling a reconnect
   * waits (full jitter). @default 0.5
   */
  readonly random?: number;
}

/** A pending ticket request (`GET /ws_ticket`), to grant or fail. */
export interface TestTicketRequest {
  /** The request as the library sent it (its `Authorization` header carries the app's JWT). */
  readonly request: HttpRequest<unknown>;
  /** Answers `{ticket, expires}`; `expires` is `expiresInS` seconds from the virtual now. */
  grant(ticket?: string, options?: { expiresInS?: number }): void;
  /** Answers with an HTTP error, e.g. 401, 404 (no ticket endpoint: `auto` falls back), 503. */
  fail(status: number, options?: { body?: unknown; retryAfterS?: number }): void;
}

// Captured before any spec can install fake timers: mock-socket delivers its events on real
// 4 ms timers, and flush() must be able to wait for them.
const realSetTimeout = globalThis.setTimeout.bind(globalThis);

/**
 * Plays the server, the network and the clock for `AuthSocketService` in specs — what
 * `HttpTestingController` is for HTTP. Ticket requests are answered through Angular's
 * `HttpTestingController`; sockets are mock-socket sockets; the library's timers run on a virtual
 * clock that only `tick()` and `advanceToReconnect()` move, so backoff is exact and instant under
 * any test runner. mock-socket delivers opens, client frames and closes a few real milliseconds
 * later: `await flush()` after anything that opens, sends or closes.
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
 * const socket = TestBed.inject(AuthSocketTestingController);
 * TestBed.inject(AuthTokenStore).set(jwt);
 * fixture.detectChanges();                 // the component subscribes: the library asks for a ticket
 * await socket.open();                     // grant the ticket, let the socket open
 * socket.push({ type: 'chat', text: 'hi' });
 * ```
 */
@Injectable()
export class AuthSocketTestingController {
  readonly #injector = inject(Injector);
  readonly #config = inject(AUTH_SOCKET_CONFIG);
  readonly #clock: VirtualClock;
  readonly #random: number;
  readonly #sockets: TestServerSocket[] = [];
  #server: Server | null = null;
  #online = true;
  #network: NetworkEvents | null = null;
  #ids = 0;
  #activity = 0;
  /** Ticket requests taken out of HttpTestingController (its match() consumes) and not yet answered. */
  #tickets: TestRequest[] = [];

  constructor() {
    const options = inject(AUTH_SOCKET_TESTING_OPTIONS);
    this.#clock = new VirtualClock(options.startTime ?? Date.now());
    this.#random = options.random ?? 0.5;
    inject(DestroyRef).onDestroy(() => this.#server?.stop());
  }

  /** @internal The runtime `provideAuthSocketTesting()` gives the library. */
  readonly runtime: AuthSocketRuntime = {
    createSocket: (url, protocols) => {
      this.#ensureServer();
      return new MockWebSocket(url, protocols) as unknown as SocketLike;
    },
    setTimeout: (callback, ms) => this.#clock.setTimeout(callback, ms),
    clearTimeout: (handle) => this.#clock.clearTimeout(handle),
    now: () => this.#clock.now(),
    random: () => this.#random,
    randomId: () => `test-id-${++this.#ids}`,
    isOnline: () => this.#online,
    watchNetwork: (events) => {
      this.#network = events;
      return () => {
        if (this.#network === events) this.#network = null;
      };
    },
  };

  // ---- time and network ------------------------------------------------------------------

  /** The virtual now (ms since the epoch). */
  now(): number {
    return this.#clock.now();
  }

  /** Advances the library's clock by `ms`, running the timers that fall due (deadlines, backoff, TTLs, heartbeats). */
  tick(ms: number): void {
    this.#clock.tick(ms);
  }

  /**
   * Advances the clock exactly to the pending reconnect attempt; the attempt then asks for a new
   * ticket (or opens a socket, in first-message mode).
   * @throws Error when the service is not waiting to reconnect.
   */
  advanceToReconnect(): void {
    const state = this.#injector.get(AuthSocketService).state();
    if (state.kind !== 'reconnecting') throw new Error(`advanceToReconnect(): no reconnect is pending; the state is "${state.kind}".`);
    this.#clock.tick(Math.max(0, state.retryAt - this.#clock.now()));
  }

  /** The browser goes offline: reconnects wait for the network instead of counting down. */
  goOffline(): void {
    this.#online = false;
    this.#network?.offline();
  }

  /** The browser is back online: a waiting reconnect starts at once. */
  goOnline(): void {
    this.#online = true;
    this.#network?.online();
  }

  /** Lets mock-socket deliver what is in flight (opens, client frames, closes): a few real ms. */
  async flush(): Promise<void> {
    for (let round = 0; round < 50; round++) {
      const before = this.#activity;
      await new Promise((resolve) => realSetTimeout(resolve, 6));
      if (this.#activity === before && round > 0) return;
    }
  }

  // ---- tickets ---------------------------------------------------------------------------

  /**
   * The one pending ticket request.
   * @throws Error when there is none or more than one (as `HttpTestingController.expectOne`).
   */
  expectTicketRequest(): TestTicketRequest {
    const tickets = this.#pendingTickets();
    if (tickets.length !== 1) {
      throw new Error(`Expected one pending ticket request to ${this.#config.ticketUrl}, found ${tickets.length}.`);
    }
    const pending = this.#takeTicket();
    return {
      request: pending.request,
      grant: (ticket = `ticket-${this.#sockets.length + 1}`, options = {}) =>
        pending.flush({ ticket, expires: Math.floor(this.#clock.now() / 1000) + (options.expiresInS ?? 30) }),
      fail: (status, options = {}) =>
        pending.flush(options.body ?? { error: 'refused' }, {
          status,
          statusText: `status ${status}`,
          headers: options.retryAfterS === undefined ? undefined : { 'Retry-After': String(options.retryAfterS) },
        }),
    };
  }

  // ---- sockets ---------------------------------------------------------------------------

  /** Every socket the library opened so far, oldest first. */
  get sockets(): readonly TestServerSocket[] {
    return this.#sockets;
  }

  /**
   * The newest socket.
   * @throws Error when the library has not opened one (did you `await flush()`?).
   */
  get socket(): TestServerSocket {
    const socket = this.#sockets[this.#sockets.length - 1];
    if (!socket) throw new Error('No socket has connected yet: grant the ticket (or wait for first-message auth) and await flush().');
    return socket;
  }

  /** Takes the oldest frame of the newest socket that matches (a `type` or a predicate). */
  expectSent<T = Record<string, unknown>>(matcher: FrameMatcher): T {
    return this.socket.expectSent<T>(matcher);
  }

  /** Pushes a server message to the newest socket. */
  push(message: unknown): void {
    this.socket.push(message);
  }

  /** Acknowledges (`{"type":"ack","id"}`) every frame with an `id` the client sent on the newest socket; returns their ids. */
  ackAll(): string[] {
    const socket = this.socket;
    const ids = socket.sent.map((f) => (typeof f === 'object' && f !== null ? (f as { id?: unknown }).id : undefined)).filter((id): id is string => typeof id === 'string');
    for (const id of ids) socket.push({ type: 'ack', id });
    return ids;
  }

  /** Takes the client's auth frame (first-message mode) and answers `auth_ok`; returns the frame. */
  acceptAuth(): { type: string; payload: string; [key: string]: unknown } {
    const frame = this.socket.expectSent<{ type: string; payload: string }>('auth');
    this.socket.push({ type: 'auth_ok' });
    return frame;
  }

  /** Takes the client's auth frame and refuses it: `auth_error` with `reason`, then close `code` (4001). */
  rejectAuth(reason = 'invalid_token', code = 4001): void {
    this.socket.expectSent('auth');
    this.socket.push({ type: 'auth_error', reason });
    this.socket.close(code, reason);
  }

  /** Closes the newest socket from the server side: 1006 (default) is a dropped connection. */
  drop(code = 1006, reason = ''): void {
    this.socket.close(code, reason);
  }

  /**
   * Gets the library to `open`: grants the pending ticket request if there is one, lets the socket
   * open, and accepts the auth frame if the client sent one (first-message mode).
   */
  async open(ticket?: string): Promise<TestServerSocket> {
    const tickets = this.#pendingTickets();
    if (tickets.length > 1) throw new Error(`open(): ${tickets.length} ticket requests are pending; expected one.`);
    if (tickets.length === 1) {
      this.#takeTicket().flush({ ticket: ticket ?? `ticket-${this.#sockets.length + 1}`, expires: Math.floor(this.#clock.now() / 1000) + 30 });
    }
    await this.flush();
    const socket = this.socket;
    if (socket.sent.some((f) => typeof f === 'object' && f !== null && (f as { type?: unknown }).type === 'auth')) {
      this.acceptAuth();
      await this.flush();
    }
    return socket;
  }

  /**
   * Fails when something was left unanswered: a pending ticket request, or frames a socket still
   * open received that no spec took. Call it in `afterEach`, like `HttpTestingController.verify()`.
   */
  verify(): void {
    const problems: string[] = [];
    const tickets = this.#pendingTickets();
    if (tickets.length) problems.push(`${tickets.length} ticket request(s) were not answered`);
    this.#sockets.forEach((s, i) => {
      if (!s.closed && s.sent.length) problems.push(`socket ${i + 1} has ${s.sent.length} frame(s) no spec took: ${JSON.stringify(s.sent)}`);
    });
    if (problems.length) throw new Error(`AuthSocketTestingController.verify(): ${problems.join('; ')}.`);
  }

  #pendingTickets(): readonly TestRequest[] {
    this.#tickets.push(...this.#http().match((req: HttpRequest<unknown>) => req.url === this.#config.ticketUrl));
    // A request the library gave up on (deadline, reconnect) is cancelled: nothing to answer.
    this.#tickets = this.#tickets.filter((t) => !t.cancelled);
    return this.#tickets;
  }

  #takeTicket(): TestRequest {
    return this.#tickets.shift()!;
  }

  #http(): HttpTestingController {
    const http = this.#injector.get(HttpTestingController, null);
    if (!http) throw new Error('Ticket requests are answered through HttpTestingController: add provideHttpClientTesting() to the providers.');
    return http;
  }

  #ensureServer(): void {
    if (this.#server) return;
    const url = new URL(this.#config.url);
    url.search = '';
    const server = new Server(url.toString());
    server.on('connection', (client) => {
      this.#sockets.push(new TestServerSocket(client, () => this.#activity++));
      this.#activity++;
    });
    this.#server = server;
  }
}

/** @internal */
export const AUTH_SOCKET_TESTING_OPTIONS = new InjectionToken<AuthSocketTestingOptions>('AUTH_SOCKET_TESTING_OPTIONS', {
  factory: () => ({}),
});
