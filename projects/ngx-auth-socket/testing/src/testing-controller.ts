import { HttpRequest } from '@angular/common/http';
import { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { DestroyRef, Injectable, InjectionToken, Injector, inject } from '@angular/core';
import {
  AUTH_SOCKET_CONFIG,
  AuthSocketRuntime,
  AuthSocketService,
  ConnectionState,
  NetworkEvents,
  SocketMessage,
} from 'ngx-auth-socket';
import { TestClientSocket, TestNetwork } from './test-network';
import { FrameMatcher, TestServerSocket, describeFrames, idOf } from './test-server-socket';
import { VirtualClock } from './virtual-clock';

/**
 * Options of {@link provideAuthSocketTesting}.
 *
 * @usageNotes
 * ```ts
 * // Full-jitter backoff waits random() × ceiling: with initialDelayMs 1000, the first
 * // reconnect waits 250 ms, the second 500 ms, and so on.
 * provideAuthSocketTesting({ random: 0.25, startTime: Date.UTC(2030, 0, 1) })
 * ```
 */
export interface AuthSocketTestingOptions {
  /** Where the virtual clock starts (ms since the epoch). @default the real `Date.now()` when the controller is created */
  readonly startTime?: number;
  /**
   * What the library's `random()` returns, in [0, 1): which share of the backoff ceiling a
   * reconnect waits (full jitter), e.g. the first reconnect waits `random × initialDelayMs`.
   * @default 0.5
   */
  readonly random?: number;
  /**
   * The ticket endpoint's answer, for an app whose `readTicket` reads a body of its own: what
   * `grant()` and `open()` answer with, given the ticket and its lifetime in seconds.
   * @default `(ticket, expiresInS) => ({ ticket, expires: <virtual now in s> + expiresInS })`
   */
  readonly ticketBody?: (ticket: string, expiresInS: number) => object;
  /**
   * The first-message frames of a server that does not speak the reference frames, for an app whose
   * `firstMessage` options build and recognise frames of their own: how `expectAuthFrame()`,
   * `acceptAuth()`, `rejectAuth()` and `open()` find the client's auth frame and answer it.
   * `acceptAuth()` and `rejectAuth()` check their answer against the config's
   * `firstMessage.isAck` / `isRejection` and throw when the library would not recognise it.
   */
  readonly authFrames?: AuthFramesOptions;
}

/**
 * The auth frames of the server a spec plays (testing option `authFrames`). Each member left out
 * keeps the reference frame.
 *
 * @usageNotes
 * ```ts
 * // An app configured with firstMessage {buildAuthMessage: t => ({type: 'authenticate', token: t}),
 * // isAck: m => m.type === 'authenticated', isRejection: m => m.type === 'auth_failed'}:
 * provideAuthSocketTesting({
 *   authFrames: {
 *     isAuth: (frame: any) => frame?.type === 'authenticate',
 *     ack: { type: 'authenticated' },
 *     rejection: (reason) => ({ type: 'auth_failed', reason }),
 *   },
 * })
 * ```
 */
export interface AuthFramesOptions {
  /** Whether a frame the client sent is its auth frame. @default `frame.type === 'auth'` */
  readonly isAuth?: (frame: unknown) => boolean;
  /** What `acceptAuth()` answers (its `reply` argument is merged in). @default `{type: 'auth_ok'}` */
  readonly ack?: { readonly type: string; readonly [key: string]: unknown };
  /**
   * What `rejectAuth()` sends before its close, given the reason; `null` for a server that refuses
   * by its close code alone (`rejectAuth()` then only closes).
   * @default `reason => ({type: 'auth_error', reason})`
   */
  readonly rejection?: ((reason: string) => { readonly type: string; readonly [key: string]: unknown }) | null;
}

/**
 * A pending ticket request (`GET /ws_ticket`, or the config's `ticketMethod` and `ticketUrl`), taken
 * by `expectTicketRequest()`, to grant or fail.
 *
 * @usageNotes
 * ```ts
 * const ticket = controller.expectTicketRequest();
 * expect(ticket.request.headers.get('Authorization')).toBe(`Bearer ${jwt}`);
 * ticket.grant('tk-1');                 // or ticket.fail(503, { retryAfterS: 5 })
 * ```
 */
export interface TestTicketRequest {
  /** The request as the library sent it (its `Authorization` header carries the app's JWT). */
  readonly request: HttpRequest<unknown>;
  /**
   * Answers `{ticket, expires}` (or the testing option `ticketBody`'s body); `expires` is
   * `expiresInS` (default 30) seconds from the virtual now. The default ticket is `ticket-<n>`, n being the number of the socket it will open. The
   * socket the library then opens is open when `grant()` returns (unless `holdConnections()`).
   */
  grant(ticket?: string, options?: { expiresInS?: number }): void;
  /** Answers with an HTTP error, e.g. 401, 403, 404 (no ticket endpoint: `auto` falls back), 503. */
  fail(status: number, options?: { body?: unknown; retryAfterS?: number }): void;
}

/** A channel `join` frame the client sends (`withChannels()`, reference frames). */
export interface JoinFrame {
  readonly type: 'join';
  readonly channel: string;
  readonly params?: unknown;
  readonly resume?: number;
  readonly [key: string]: unknown;
}

function isFrame(frame: unknown, type: string): frame is Record<string, unknown> {
  return typeof frame === 'object' && frame !== null && (frame as { type?: unknown }).type === type;
}

/**
 * The first-message `auth` frame the client sends: `{"type":"auth","payload":"<jwt>"}`, maybe with
 * `resume`. With the testing option `authFrames`, the methods that return it take the type of the
 * app's own frame as a type argument.
 */
export interface AuthFrame {
  readonly type: 'auth';
  readonly payload: string;
  readonly [key: string]: unknown;
}

/** @internal The runtime a controller plays, for `provideAuthSocketTesting()` only. */
export let runtimeOf: (controller: AuthSocketTestingController) => AuthSocketRuntime;

/** How often flush() lets promise callbacks run and delivers again before it gives up. */
const FLUSH_ROUNDS = 100;
/** Microtask turns per round: enough for a chain of promise callbacks (token getters, refresh hooks). */
const MICROTASK_TURNS = 50;

/**
 * Plays the server, the network and the clock for `AuthSocketService` in specs — what
 * `HttpTestingController` is for HTTP. Ticket requests are answered through Angular's
 * `HttpTestingController`; sockets are in-memory sockets whose server end the spec holds
 * ({@link TestServerSocket}); the library's timers run on a {@link VirtualClock} that only
 * `tick()` and `advanceToReconnect()` move, so backoff is exact and instant.
 *
 * Nothing waits on real time, and fake timers (`jasmine.clock()`, `vi.useFakeTimers()`,
 * `fakeAsync`) change nothing. Every member of the controller and of its sockets first delivers
 * what the network has in flight (a socket opening, a close handshake completing), acts, and
 * delivers what that caused; what the client sends is recorded the moment it sends it. What the
 * app does on its own (a click that sends, a new token) is delivered at the next such call, or at
 * the latest in a microtask. `await flush()` also lets the library's promise callbacks run (async
 * token getters, refresh hooks), until nothing moves.
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
 * const fixture = TestBed.createComponent(ChatComponent); // it subscribes: the library asks for a ticket
 * socket.expectTicketRequest().grant('tk-1');             // the socket opens
 * socket.push({ type: 'chat', text: 'hi' });              // a server message, delivered at once
 * socket.drop(1006);                                      // connection lost
 * socket.advanceToReconnect();                            // exactly the backoff delay
 * await socket.open('tk-2');                              // fresh ticket, open again
 * socket.verify();
 * ```
 */
@Injectable()
export class AuthSocketTestingController {
  readonly #injector = inject(Injector);
  readonly #config = inject(AUTH_SOCKET_CONFIG);
  readonly #clock: VirtualClock;
  readonly #random: number;
  readonly #customTicketBody: AuthSocketTestingOptions['ticketBody'];
  readonly #authFrames: AuthFramesOptions;
  readonly #sockets: TestServerSocket[] = [];
  readonly #wire = new TestNetwork();
  #hold = false;
  #online = true;
  #network: NetworkEvents | null = null;
  #ids = 0;
  /** Ticket requests taken out of HttpTestingController (its match() consumes) and not yet answered. */
  #tickets: TestRequest[] = [];

  constructor() {
    const options = inject(AUTH_SOCKET_TESTING_OPTIONS);
    this.#clock = new VirtualClock(options.startTime ?? Date.now());
    this.#random = options.random ?? 0.5;
    this.#customTicketBody = options.ticketBody;
    this.#authFrames = options.authFrames ?? {};
    inject(DestroyRef).onDestroy(() => this.#wire.close());
  }

  static {
    runtimeOf = (controller) => controller.#runtime;
  }

  /** The runtime `provideAuthSocketTesting()` gives the library (kept off the public type). */
  readonly #runtime: AuthSocketRuntime = {
    createSocket: (url, protocols) => {
      const client = new TestClientSocket(url);
      const asked = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : [...protocols];
      this.#sockets.push(
        new TestServerSocket(client, asked, this.#wire, this.#sockets.length + 1, !this.#hold, this.#config.serializer),
      );
      return client;
    },
    setTimeout: (callback, ms) => this.#clock.setTimeout(callback, ms),
    clearTimeout: (handle) => this.#clock.clearTimeout(handle),
    now: () => this.#clock.now(),
    random: () => this.#random,
    // Deterministic, so specs can name the id of an acknowledged message: test-id-1, test-id-2, …
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

  /** The virtual now (ms since the epoch): what the library's `now()` returns. */
  now(): number {
    return this.#clock.now();
  }

  /**
   * Advances the library's clock by `ms`, running the timers that fall due on the way, in order
   * (deadlines, backoff, acknowledgement TTLs, heartbeats). Other timers of the app are untouched.
   */
  tick(ms: number): void {
    this.#wire.deliver();
    this.#clock.tick(ms, () => this.#wire.deliver());
    this.#wire.deliver();
  }

  /**
   * Advances the library's clock to its next timer and runs that timer only, whatever its delay
   * (like `vi.advanceTimersToNextTimer()`); returns how far the clock moved, in ms.
   * @throws Error when no library timer is pending.
   */
  advanceToNextTimer(): number {
    this.#wire.deliver();
    const moved = this.#clock.next();
    if (moved === null) throw new Error(`advanceToNextTimer(): no library timer is pending; ${this.#where()}.`);
    this.#wire.deliver();
    return moved;
  }

  /**
   * The library's timers that are scheduled and have neither run nor been cleared: deadlines,
   * backoff, heartbeats, grace periods. 0 once the service is destroyed.
   */
  get pendingTimers(): number {
    return this.#clock.pending;
  }

  /**
   * Advances the clock exactly to the pending reconnect attempt (`retryAt` of the `reconnecting`
   * state); the attempt then asks for a new ticket (or opens a socket, in first-message mode).
   * @throws Error when the service is not waiting to reconnect.
   */
  advanceToReconnect(): void {
    this.#wire.deliver();
    const state = this.#state();
    if (state.kind !== 'reconnecting') {
      throw new Error(
        `advanceToReconnect(): no reconnect is pending; the state is "${state.kind}"${hintFor(state.kind)}.`,
      );
    }
    this.tick(Math.max(0, state.retryAt - this.#clock.now()));
  }

  /** The browser goes offline (`navigator.onLine` false, `offline` event): reconnects wait for the network. */
  goOffline(): void {
    this.#act(() => {
      this.#online = false;
      this.#network?.offline();
    });
  }

  /** The browser is back online (`online` event): a waiting reconnect starts at once. */
  goOnline(): void {
    this.#act(() => {
      this.#online = true;
      this.#network?.online();
    });
  }

  /** The page became visible again or came back from the back/forward cache: a pending backoff is cut short. */
  resumePage(): void {
    this.#act(() => this.#network?.resumed());
  }

  /**
   * Delivers what is in flight (opens, server frames, closes), lets the library's promise callbacks
   * run (async token getters, refresh hooks), and repeats until nothing moves. Microtasks only: it
   * never waits on a timer, real or fake. Most specs need it only after the library awaited a
   * promise; every other member of the controller delivers what is in flight first anyway.
   * @throws Error when the sockets keep moving for 100 rounds (something answers every event
   *   with another one).
   */
  async flush(): Promise<void> {
    for (let round = 1; round <= FLUSH_ROUNDS; round++) {
      this.#wire.deliver();
      const before = this.#wire.moves;
      for (let turn = 0; turn < MICROTASK_TURNS; turn++) await Promise.resolve();
      this.#wire.deliver();
      if (this.#wire.moves === before) return;
    }
    throw new Error(
      `flush(): the sockets were still moving after ${FLUSH_ROUNDS} rounds of delivery; ${this.#where()}. ` +
        'Something answers every socket event with another one.',
    );
  }

  // ---- tickets ---------------------------------------------------------------------------

  /**
   * Takes the one pending ticket request (to the configured `ticketUrl`), to grant or fail.
   * @throws Error when there is none or more than one (as `HttpTestingController.expectOne`),
   *   saying what the connection is doing instead.
   */
  expectTicketRequest(): TestTicketRequest {
    this.#wire.deliver();
    const tickets = this.#pendingTickets();
    if (tickets.length !== 1) {
      const kind = this.#state().kind;
      throw new Error(
        `Expected one pending ticket request to ${this.#config.ticketUrl}, found ${tickets.length || 'none'}; ` +
          `the connection state is "${kind}"${tickets.length ? '' : hintFor(kind)}.`,
      );
    }
    const pending = this.#takeTicket();
    return {
      request: pending.request,
      grant: (ticket = this.#nextTicket(), options = {}) =>
        this.#act(() => pending.flush(this.#ticketBody(ticket, options.expiresInS))),
      fail: (status, options = {}) =>
        this.#act(() =>
          pending.flush(options.body ?? { error: 'refused' }, {
            status,
            statusText: `status ${status}`,
            headers: options.retryAfterS === undefined ? undefined : { 'Retry-After': String(options.retryAfterS) },
          }),
        ),
    };
  }

  // ---- sockets ---------------------------------------------------------------------------

  /** Every socket the library opened so far, oldest first. */
  get sockets(): readonly TestServerSocket[] {
    this.#wire.deliver();
    return this.#sockets;
  }

  /**
   * The newest socket.
   * @throws Error when the library has not opened one, saying what the connection is doing instead.
   */
  get socket(): TestServerSocket {
    this.#wire.deliver();
    const socket = this.#sockets[this.#sockets.length - 1];
    if (!socket) {
      const kind = this.#state().kind;
      throw new Error(`No socket has been opened yet; the connection state is "${kind}"${hintFor(kind)}.`);
    }
    return socket;
  }

  /**
   * From now on, connections the library opens wait on the server's side until the spec calls
   * `accept()` or `refuse()` on them (`socket.state` is `waiting`, the client stays CONNECTING):
   * a slow server, a connect timeout, an upgrade refused. Until then every connection is accepted
   * at once.
   */
  holdConnections(): void {
    this.#hold = true;
  }

  /** Connections opened from now on are accepted at once again (the default); held ones keep waiting. */
  acceptConnections(): void {
    this.#hold = false;
  }

  /** Frames the client sent on the newest socket that no spec took yet, oldest first (does not take them). */
  sent(): readonly unknown[] {
    return this.socket.sent;
  }

  /**
   * Takes the oldest frame the client sent on the newest socket that matches a `type` or a
   * predicate, and returns it.
   * @throws Error naming the expected frame and listing what was sent, when nothing matches.
   */
  expectSent<T = Record<string, unknown>>(matcher: FrameMatcher): T {
    return this.socket.expectSent<T>(matcher);
  }

  /** Pushes a server message to the client on the newest socket, written with the app's `serializer` (JSON by default). */
  push(message: unknown): void {
    this.socket.push(message);
  }

  /** Pushes a raw frame exactly as given (not JSON, binary…) on the newest socket, e.g. to provoke `bad-frame`. */
  pushRaw(data: string | ArrayBuffer): void {
    this.socket.pushRaw(data);
  }

  /**
   * Acknowledges the client frame with this `id` on the newest socket (`delivery.acks`): the
   * message's receipt completes.
   * @throws Error when the client sent no frame with this id on that socket.
   */
  ack(id: string): void {
    this.socket.ack(id);
  }

  /**
   * Acknowledges every frame with an `id` that the client sent on the newest socket and no spec
   * took yet; returns their ids. Does not take the frames.
   */
  ackAll(): string[] {
    const socket = this.socket;
    const ids = socket.sent.map(idOf).filter((id): id is string => id !== undefined);
    for (const id of ids) socket.ack(id);
    return ids;
  }

  /**
   * Takes the client's `auth` frame (first-message auth, or an in-band token refresh) without
   * answering it, and returns it (the testing option `authFrames.isAuth` says which frame that is).
   * @throws Error listing what the client sent when there is no auth frame.
   */
  expectAuthFrame<T = AuthFrame>(): T {
    const socket = this.socket;
    const isAuth = this.#authFrames.isAuth;
    try {
      return socket.expectSent<T>(isAuth ?? 'auth');
    } catch (e) {
      // Frames were sent but none is the auth frame: most likely the app builds one of its own.
      if (socket.sent.length === 0) throw e;
      throw new Error(
        (e as Error).message +
          (isAuth
            ? ' None is an auth frame by the testing option authFrames.isAuth.'
            : ' An app whose firstMessage.buildAuthMessage builds a frame of another type tells ' +
              'provideAuthSocketTesting({authFrames: {isAuth}}) how to find it.'),
      );
    }
  }

  /**
   * Takes the client's `auth` frame and answers `{"type":"auth_ok", ...reply}` (or the testing
   * option `authFrames.ack`, with `reply` merged in); returns the frame.
   * @throws Error listing what the client sent when there is no auth frame, or when the config's
   *   `firstMessage.isAck` would not recognise the answer (the library would wait for its deadline).
   */
  acceptAuth<T = AuthFrame>(reply: Record<string, unknown> = {}): T {
    const ack = { ...(this.#authFrames.ack ?? { type: 'auth_ok' }), ...reply } as SocketMessage;
    if (!recognises(this.#config.firstMessage.isAck, ack)) {
      throw new Error(
        `acceptAuth(): the config's firstMessage.isAck does not accept ${JSON.stringify(ack)}, so the client ` +
          'would wait for its ackTimeoutMs. Give provideAuthSocketTesting({authFrames: {ack: …}}) the frame your server acknowledges with.',
      );
    }
    this.socket.assertWritable(ack, 'acceptAuth');
    const frame = this.expectAuthFrame<T>();
    this.socket.push(ack);
    return frame;
  }

  /**
   * Takes the client's `auth` frame and refuses it as the protocol says: `auth_error` with
   * `reason` (or the testing option `authFrames.rejection`), then close `code`. 4001 (the default)
   * makes the library refresh the token once; 4003, or another code of the config's
   * `closeCodes.forbidden`, stops it (`closed`, `forbidden`). Returns the frame.
   * @throws Error listing what the client sent when there is no auth frame, or when the config's
   *   `firstMessage.isRejection` would not recognise the refusal frame.
   */
  rejectAuth<T = AuthFrame>(options: { code?: number; reason?: string } = {}): T {
    const code = options.code ?? 4001;
    const reason = options.reason ?? (this.#config.closeCodes.forbidden.includes(code) ? 'forbidden' : 'invalid_token');
    const { rejection } = this.#authFrames;
    const refusal = rejection === null ? null : (rejection?.(reason) ?? { type: 'auth_error', reason });
    if (refusal !== null && !recognises(this.#config.firstMessage.isRejection, refusal)) {
      throw new Error(
        `rejectAuth(): the config's firstMessage.isRejection does not accept ${JSON.stringify(refusal)}. ` +
          'Give provideAuthSocketTesting({authFrames: {rejection: …}}) the frame your server refuses with.',
      );
    }
    if (refusal !== null) this.socket.assertWritable(refusal, 'rejectAuth');
    const frame = this.expectAuthFrame<T>();
    const socket = this.socket;
    // The server sends both before the client can react: they are in flight together.
    this.#wire.together(() => {
      if (refusal !== null) socket.push(refusal);
      socket.close(code, reason);
    });
    return frame;
  }

  // ---- channels (`withChannels()` with the reference frames, docs/PROTOCOL.md §10) ---------

  /**
   * Takes the client's `join` frame for `channel` on the newest socket without answering it, and
   * returns it (`{type: 'join', channel, params?, resume?}`).
   * @throws Error listing what the client sent when it did not join `channel`.
   */
  expectJoin(channel: string): JoinFrame {
    return this.#expectChannelFrame<JoinFrame>('join', channel);
  }

  /**
   * Takes the `join` for `channel` and accepts it: `{type: 'joined', channel, seq, presence}`.
   * Returns the join frame.
   */
  acceptJoin(channel: string, options: { seq?: number; presence?: readonly string[] } = {}): JoinFrame {
    const answer = { type: 'joined', channel, seq: options.seq ?? 0, presence: options.presence ?? [] };
    this.socket.assertWritable(answer, 'acceptJoin');
    const frame = this.expectJoin(channel);
    this.socket.push(answer);
    return frame;
  }

  /**
   * Takes the `join` for `channel` and refuses it (`join_refused`, default reason `forbidden`):
   * the channel ends `rejected` and is not joined again until the app asks again.
   */
  refuseJoin(channel: string, reason = 'forbidden'): JoinFrame {
    const answer = { type: 'join_refused', channel, reason };
    this.socket.assertWritable(answer, 'refuseJoin');
    const frame = this.expectJoin(channel);
    this.socket.push(answer);
    return frame;
  }

  /** Takes the client's `leave` frame for `channel` (sent a grace period after the last subscriber left). */
  expectLeave(channel: string): Record<string, unknown> {
    return this.#expectChannelFrame('leave', channel);
  }

  #expectChannelFrame<T>(type: 'join' | 'leave', channel: string): T {
    const socket = this.socket;
    if (!socket.sent.some((f) => isFrame(f, type) && f['channel'] === channel)) {
      const sent = describeFrames(socket.sent);
      const number = this.#sockets.indexOf(socket) + 1;
      throw new Error(
        `Expected a "${type}" frame for ${JSON.stringify(channel)} from the client on socket ${number}; it sent ${sent}.`,
      );
    }
    return socket.expectSent<T>((f) => isFrame(f, type) && f['channel'] === channel);
  }

  /** Pushes `message` in `channel` (it gets the channel's name) on the newest socket. */
  pushToChannel(channel: string, message: Record<string, unknown>): void {
    this.socket.push({ ...message, channel });
  }

  /** Pushes a presence change of `channel`: users who came and went. */
  presence(channel: string, change: { joined?: readonly string[]; left?: readonly string[] }): void {
    this.socket.push({ type: 'presence', channel, joined: change.joined ?? [], left: change.left ?? [] });
  }

  /** Removes this user from `channel` from the server side (`kicked`): the channel ends `rejected` with `reason`. */
  kickFromChannel(channel: string, reason = 'kicked'): void {
    this.socket.push({ type: 'kicked', channel, reason });
  }

  /**
   * Closes the newest socket from the server side with `code` (1006, the default, is a connection
   * lost without a close frame; 1012 a kick or restart; 4001/4003, or the config's `closeCodes`,
   * auth failures).
   */
  drop(code = 1006, reason = ''): void {
    this.socket.close(code, reason);
  }

  /**
   * Gets the library to `open` in one step: grants the pending ticket request if there is one,
   * lets the socket open, and accepts the `auth` frame if the client sent one (first-message mode).
   * Returns the socket.
   * @throws Error when more than one ticket request is pending or no socket opened.
   */
  async open(ticket?: string): Promise<TestServerSocket> {
    this.#wire.deliver();
    const tickets = this.#pendingTickets();
    if (tickets.length > 1) throw new Error(`open(): ${tickets.length} ticket requests are pending; expected one.`);
    if (tickets.length === 1) {
      const pending = this.#takeTicket();
      this.#act(() => pending.flush(this.#ticketBody(ticket ?? this.#nextTicket())));
    }
    await this.flush();
    const socket = this.socket;
    if (socket.state === 'waiting') socket.accept();
    if (socket.sent.some(this.#authFrames.isAuth ?? ((f: unknown) => isFrame(f, 'auth')))) this.acceptAuth();
    else if (this.#state().kind === 'authenticating') {
      // The client sent its auth frame and waits for the answer, but the kit did not know it.
      throw new Error(
        `open(): the client waits for the answer to its auth frame, but none of the frames it sent is one: ` +
          `${describeFrames(socket.sent)}. An app whose firstMessage.buildAuthMessage builds a frame of another ` +
          'type tells provideAuthSocketTesting({authFrames: {isAuth, ack}}) how to find and answer it.',
      );
    }
    await this.flush();
    return socket;
  }

  /**
   * Fails when something was left unanswered: a pending ticket request, a connection held by
   * `holdConnections()` and neither accepted nor refused, or frames the client sent (on any
   * socket, open or closed) that no spec took. Call it in `afterEach`, like
   * `HttpTestingController.verify()`.
   */
  verify(): void {
    this.#wire.deliver();
    const problems: string[] = [];
    const tickets = this.#pendingTickets();
    if (tickets.length)
      problems.push(`${tickets.length} ticket request(s) to ${this.#config.ticketUrl} were not answered`);
    this.#sockets.forEach((s, i) => {
      if (s.state === 'waiting')
        problems.push(`socket ${i + 1} is waiting to be accepted or refused (holdConnections())`);
      if (s.sent.length)
        problems.push(`socket ${i + 1} received ${s.sent.length} frame(s) no spec took: ${describeFrames(s.sent)}`);
    });
    if (problems.length) throw new Error(`AuthSocketTestingController.verify(): ${problems.join('; ')}.`);
  }

  /** Runs a spec's action with everything in flight delivered before and after it. */
  #act<T>(action: () => T): T {
    this.#wire.deliver();
    const result = action();
    this.#wire.deliver();
    return result;
  }

  /** The connection state for an error message; the service is gone once the test module is torn down. */
  #where(): string {
    try {
      return `the connection state is "${this.#state().kind}"`;
    } catch {
      return 'the test module is torn down';
    }
  }

  #state(): ConnectionState {
    return this.#injector.get(AuthSocketService).state();
  }

  #nextTicket(): string {
    return `ticket-${this.#sockets.length + 1}`;
  }

  #ticketBody(ticket: string, expiresInS = 30): object {
    if (this.#customTicketBody) return this.#customTicketBody(ticket, expiresInS);
    return { ticket, expires: Math.floor(this.#clock.now() / 1000) + expiresInS };
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
    if (!http)
      throw new Error(
        'Ticket requests are answered through HttpTestingController: add provideHttpClientTesting() to the providers.',
      );
    return http;
  }
}

/** @internal */
export const AUTH_SOCKET_TESTING_OPTIONS = new InjectionToken<AuthSocketTestingOptions>('AUTH_SOCKET_TESTING_OPTIONS', {
  factory: () => ({}),
});

/** The app's recogniser on the kit's answer; one that throws on it does not recognise it (as in the library). */
function recognises(predicate: (message: SocketMessage) => boolean, frame: SocketMessage): boolean {
  try {
    return predicate(frame);
  } catch {
    return false;
  }
}

/** What a spec can do about a state, for error messages. */
function hintFor(kind: ConnectionState['kind']): string {
  switch (kind) {
    case 'idle':
      return ' (nothing is subscribed to the socket, or the token store is empty)';
    case 'reconnecting':
      return ' (advanceToReconnect() starts the next attempt)';
    case 'waiting-for-network':
      return ' (goOnline() brings the network back)';
    case 'fetching-ticket':
      return ' (expectTicketRequest() answers the ticket request)';
    case 'connecting':
      return ' (a connection held by holdConnections() waits for accept())';
    case 'authenticating':
      return ' (acceptAuth() answers the auth frame)';
    case 'refreshing-token':
      return ' (the refreshToken hook has not answered: await flush() if it returns a promise)';
    default:
      return '';
  }
}
