/**
 * Spec support: a TestBed set-up that plays the server, built on the public testing kit
 * (`ngx-auth-socket/testing`): ticket requests go through HttpTestingController, sockets are the
 * kit's in-memory sockets, time is the kit's virtual clock. Specs read like the protocol:
 * `h.grantTicket()`, `h.acceptAuth()`, `h.serverClose(4001)`. Nothing here touches real time or
 * the runner's fake timers; time moves only with `h.tick()`.
 */
import { HttpRequest, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, TestRequest, provideHttpClientTesting } from '@angular/common/http/testing';
import { Provider } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { AuthSocketTestingController, TestServerSocket, provideAuthSocketTesting } from 'ngx-auth-socket/testing';
import { Subscription, config as rxjsConfig } from 'rxjs';
import { AuthSocketConfig, SocketMessage } from '../lib/config';
import { AuthSocketService } from '../lib/auth-socket.service';
import { ConnectionState } from '../lib/connection/connection-state';
import { AuthSocketError } from '../lib/errors';
import { AuthSocketFeature } from '../lib/features';
import { withTokenRotation } from '../lib/connection/with-token-rotation';
import { provideAuthSocket } from '../lib/provide-auth-socket';
import { AUTH_SOCKET_RUNTIME } from '../lib/runtime';
import { AuthTokenStore } from '../lib/token/auth-token-store';
import { authTokenInterceptor } from '../lib/token/auth-token.interceptor';

export const SOCKET_URL = 'wss://api.test/channel/';
export const TICKET_URL = 'https://api.test/ws_ticket';
/** Where the virtual clock starts: specs that build JWTs date their `exp` from it. */
export const START_TIME = Date.UTC(2026, 0, 1);
/** A syntactically real JWT (header.payload.signature), so redaction specs see the real shape. */
export const JWT_A = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWE';
export const JWT_B = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsIm4iOjJ9.c2lnbmF0dXJlLWI';

/**
 * The server's view of one client socket, in the words these specs use; `kit` is the testing
 * kit's own end of it (`accept()`, `refuse()`, `state`, `expectSent()` …).
 */
export class ServerSideSocket {
  constructor(readonly kit: TestServerSocket) {}

  get url(): string {
    return this.kit.url;
  }

  /** Frames the client sent, read with the app's serializer where possible (the harness never takes them). */
  get received(): readonly unknown[] {
    return this.kit.sent;
  }

  /** Close code once the socket closed (either side), else null. */
  get closeCode(): number | null {
    return this.kit.closed?.code ?? null;
  }

  get closeReason(): string | null {
    return this.kit.closed?.reason ?? null;
  }

  send(message: unknown): void {
    this.kit.push(message);
  }

  sendRaw(data: string | ArrayBuffer): void {
    this.kit.pushRaw(data);
  }

  close(code: number, reason = ''): void {
    this.kit.close(code, reason);
  }

  /** Opens a connection held by `SocketHarness.holdConnections()`. */
  accept(): void {
    this.kit.accept();
  }

  /** Refuses a held connection: the browser reports error + 1006. */
  refuse(): void {
    this.kit.refuse();
  }
}

export interface HarnessOptions {
  /** Providers added after the library's, e.g. to run as the server platform. */
  readonly providers?: Provider[];
  /** Store this token before the service is created. */
  readonly token?: string | null;
  /** Optional features (`withResume()`, `withHeartbeat()`) passed to `provideAuthSocket`. */
  readonly features?: AuthSocketFeature[];
  /**
   * Add `withTokenRotation()` to the features (default true: most connection specs are about a
   * socket that follows the token); false plays an app without it.
   */
  readonly rotation?: boolean;
  /** Install `authTokenInterceptor` (default true); false plays an app that forgot it. */
  readonly interceptor?: boolean;
  /** What the library's `random()` returns (the share of the backoff ceiling); default 0.5. */
  readonly random?: number;
}

export class SocketHarness {
  readonly service: AuthSocketService;
  readonly store: AuthTokenStore;
  readonly http: HttpTestingController;
  /** The public testing kit this harness drives. */
  readonly kit: AuthSocketTestingController;
  readonly states: ConnectionState[] = [];
  readonly errors: AuthSocketError[] = [];
  readonly messages: SocketMessage[] = [];
  /** Dev-mode warnings the library wrote to `console.warn`. */
  readonly warnings: string[] = [];
  readonly #views = new WeakMap<TestServerSocket, ServerSideSocket>();
  #watchingNetwork = 0;
  private readonly subscriptions = new Subscription();

  constructor(config: Partial<AuthSocketConfig> = {}, options: HarnessOptions = {}) {
    expectTeardownRejections();
    const warn = jasmine.isSpy(console.warn) ? (console.warn as jasmine.Spy) : spyOn(console, 'warn');
    warn.and.callFake((message: string) => this.warnings.push(message));
    TestBed.configureTestingModule({
      providers: [
        options.interceptor === false
          ? provideHttpClient()
          : provideHttpClient(withInterceptors([authTokenInterceptor])),
        provideHttpClientTesting(),
        provideAuthSocket(
          { url: SOCKET_URL, ticketUrl: TICKET_URL, ...config },
          ...(options.rotation === false ? [] : [withTokenRotation()]),
          ...(options.features ?? []),
        ),
        provideAuthSocketTesting({ startTime: START_TIME, random: options.random }),
        ...(options.providers ?? []),
      ],
    });
    this.kit = TestBed.inject(AuthSocketTestingController);
    this.#countNetworkWatchers();
    this.store = TestBed.inject(AuthTokenStore);
    if (options.token !== undefined) this.store.set(options.token);
    this.http = TestBed.inject(HttpTestingController);
    this.service = TestBed.inject(AuthSocketService);
    this.subscriptions.add(this.service.state$.subscribe((s) => this.states.push(s)));
    this.subscriptions.add(this.service.errors$.subscribe((e) => this.errors.push(e)));
  }

  get state(): ConnectionState {
    return this.service.state();
  }

  /** The virtual now: what the library's clock reads. */
  now(): number {
    return this.kit.now();
  }

  /** Library timers scheduled and not yet fired or cleared. */
  get activeTimers(): number {
    return this.kit.pendingTimers;
  }

  /** Whether the library is listening to network/visibility events. */
  get networkWatched(): boolean {
    return this.#watchingNetwork > 0;
  }

  get kinds(): string[] {
    return this.states.map((s) => s.kind);
  }

  /** Every socket the library opened, oldest first, as the server sees them. */
  get sockets(): ServerSideSocket[] {
    return this.kit.sockets.map((s) => this.#view(s));
  }

  get lastSocket(): ServerSideSocket {
    const socket = this.kit.sockets[this.kit.sockets.length - 1];
    if (!socket) throw new Error(`no socket has connected to the server; the state is ${this.state.kind}`);
    return this.#view(socket);
  }

  /** Subscribes to `messages$`, recording into `messages`; returns the subscription. */
  listen(): Subscription {
    const subscription = this.service.messages$.subscribe((m) => this.messages.push(m));
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Delivers what the network has in flight, then advances the virtual clock by `ms`. */
  tick(ms = 0): void {
    this.kit.tick(ms);
  }

  /** Advances the clock to the next library timer and runs that one only. */
  runNextTimer(): void {
    this.kit.advanceToNextTimer();
  }

  /** Advances the virtual clock exactly to the pending reconnect attempt. */
  advanceToRetry(): void {
    this.kit.advanceToReconnect();
  }

  /** Lets promise callbacks run (refresh hooks, async token getters) and delivers what they cause. */
  async settle(): Promise<void> {
    await this.kit.flush();
  }

  /** From now on sockets wait in CONNECTING until the spec calls `accept()` or `refuse()` on them. */
  holdConnections(): void {
    this.kit.holdConnections();
  }

  expectTicketRequest(): TestRequest {
    return this.http.expectOne((req: HttpRequest<unknown>) => req.url === TICKET_URL, 'a ticket request');
  }

  /** Answers the pending ticket request with `ticket` and lets the socket open. */
  grantTicket(ticket = 'ticket-1', expires: unknown = Math.floor(this.now() / 1000) + 30): TestRequest {
    const request = this.expectTicketRequest();
    request.flush({ ticket, expires });
    this.tick();
    return request;
  }

  failTicket(status: number, body: string | object | null = { error: 'nope' }): TestRequest {
    const request = this.expectTicketRequest();
    request.flush(body, { status, statusText: `status ${status}` });
    this.tick();
    return request;
  }

  /** Server acknowledges first-message auth on the latest socket. */
  acceptAuth(): void {
    this.lastSocket.send({ type: 'auth_ok' });
  }

  rejectAuth(reason = 'invalid_token'): void {
    this.lastSocket.send({ type: 'auth_error', reason });
  }

  push(message: unknown): void {
    this.lastSocket.send(message);
  }

  serverClose(code: number, reason = ''): void {
    this.lastSocket.close(code, reason);
  }

  goOffline(): void {
    this.kit.goOffline();
  }

  goOnline(): void {
    this.kit.goOnline();
  }

  pageResumed(): void {
    this.kit.resumePage();
  }

  dispose(): void {
    this.subscriptions.unsubscribe();
    TestBed.resetTestingModule();
  }

  #view(socket: TestServerSocket): ServerSideSocket {
    let view = this.#views.get(socket);
    if (!view) this.#views.set(socket, (view = new ServerSideSocket(socket)));
    return view;
  }

  /** Counts the library's subscriptions to network events on the kit's runtime (the spec of teardown). */
  #countNetworkWatchers(): void {
    const runtime = TestBed.inject(AUTH_SOCKET_RUNTIME);
    const watch = runtime.watchNetwork.bind(runtime);
    runtime.watchNetwork = (events) => {
      this.#watchingNetwork++;
      const stop = watch(events);
      let stopped = false;
      return () => {
        if (!stopped) this.#watchingNetwork--;
        stopped = true;
        stop();
      };
    };
  }
}

/**
 * A service destroyed at the end of a spec rejects the sends and requests still pending
 * (`send-cancelled`, `request-interrupted`), and
 * rxjs reports a rejection nobody subscribed to for on a timer, after the spec has ended. Those
 * are expected: they are ignored. Every other unhandled error is still thrown, as rxjs does.
 */
function expectTeardownRejections(): void {
  if (rxjsConfig.onUnhandledError === ignoreTeardownRejection) return;
  rxjsConfig.onUnhandledError = ignoreTeardownRejection;
}

function ignoreTeardownRejection(error: unknown): void {
  const teardown =
    error instanceof AuthSocketError && (error.code === 'send-cancelled' || error.code === 'request-interrupted');
  if (teardown && error.message.includes('the socket service was destroyed')) return;
  throw error;
}

/** An unsigned-but-well-formed JWT with the given claims (the client never verifies signatures). */
export function makeJwt(claims: object): string {
  const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;
}
