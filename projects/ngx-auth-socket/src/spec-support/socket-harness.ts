/**
 * Spec support: a TestBed set-up that plays the server. Ticket requests go through
 * HttpTestingController, sockets through mock-socket, time through the jasmine clock, so specs
 * read like the protocol: `h.grantTicket()`, `h.acceptAuth()`, `h.serverClose(4001)`.
 */
import { HttpRequest, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, TestRequest, provideHttpClientTesting } from '@angular/common/http/testing';
import { PLATFORM_ID, Provider } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Server, WebSocket as MockWebSocket } from 'mock-socket';
import { Subscription } from 'rxjs';
import { AuthSocketConfig, SocketMessage } from '../lib/config';
import { AuthSocketService } from '../lib/auth-socket.service';
import { ConnectionState } from '../lib/connection/connection-state';
import { AuthSocketError } from '../lib/errors';
import { AuthSocketFeature } from '../lib/features';
import { provideAuthSocket } from '../lib/provide-auth-socket';
import { AUTH_SOCKET_RUNTIME, AuthSocketRuntime, NetworkEvents, SocketLike } from '../lib/runtime';
import { AuthTokenStore } from '../lib/token/auth-token-store';
import { authTokenInterceptor } from '../lib/token/auth-token.interceptor';

export const SOCKET_URL = 'wss://api.test/channel/';
export const TICKET_URL = 'https://api.test/ws_ticket';
/** A syntactically real JWT (header.payload.signature), so redaction specs see the real shape. */
export const JWT_A = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWE';
export const JWT_B = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsIm4iOjJ9.c2lnbmF0dXJlLWI';

/** The server's view of one client socket. */
export interface ServerSideSocket {
  readonly url: string;
  /** Frames the client sent, parsed as JSON where possible. */
  readonly received: unknown[];
  /** Close code once the socket closed (either side), else null. */
  readonly closeCode: number | null;
  readonly closeReason: string | null;
  send(message: unknown): void;
  sendRaw(data: string | ArrayBuffer): void;
  close(code: number, reason?: string): void;
}

export interface HarnessOptions {
  /** Providers added after the library's, e.g. to run as the server platform. */
  readonly providers?: Provider[];
  /** Store this token before the service is created. */
  readonly token?: string | null;
  /** Optional features (`withHeartbeat()`, `withResume()`) passed to `provideAuthSocket`. */
  readonly features?: AuthSocketFeature[];
  /** Install `authTokenInterceptor` (default true); false plays an app that forgot it. */
  readonly interceptor?: boolean;
}

export class SocketHarness {
  readonly service: AuthSocketService;
  readonly store: AuthTokenStore;
  readonly http: HttpTestingController;
  readonly server: Server;
  readonly sockets: ServerSideSocket[] = [];
  readonly states: ConnectionState[] = [];
  readonly errors: AuthSocketError[] = [];
  readonly messages: SocketMessage[] = [];
  /** Dev-mode warnings the library wrote to `console.warn`. */
  readonly warnings: string[] = [];
  online = true;
  /** Replaces mock-socket for the next sockets when set (e.g. a socket that never opens). */
  socketFactory: ((url: string) => SocketLike) | null = null;
  randomValue = 0.5;
  private idCounter = 0;
  private network: NetworkEvents | null = null;
  private readonly timers = new Set<unknown>();
  private readonly subscriptions = new Subscription();

  constructor(config: Partial<AuthSocketConfig> = {}, options: HarnessOptions = {}) {
    jasmine.clock().install();
    const warn = jasmine.isSpy(console.warn) ? (console.warn as jasmine.Spy) : spyOn(console, 'warn');
    warn.and.callFake((message: string) => this.warnings.push(message));
    jasmine.clock().mockDate(new Date(Date.UTC(2026, 0, 1)));
    this.server = new Server(SOCKET_URL);
    this.server.on('connection', (socket) => {
      const entry: ServerSideSocket & { closeCode: number | null; closeReason: string | null } = {
        url: socket.url,
        received: [],
        closeCode: null,
        closeReason: null,
        send: (message) => socket.send(JSON.stringify(message)),
        sendRaw: (data) => socket.send(data),
        close: (code, reason = '') => socket.close({ code, reason, wasClean: code !== 1006 }),
      };
      socket.on('message', (data) => {
        const text = typeof data === 'string' ? data : String(data);
        try {
          entry.received.push(JSON.parse(text));
        } catch {
          entry.received.push(text);
        }
      });
      // mock-socket types this listener without its event; the close event is passed all the same.
      (socket as unknown as { on(type: 'close', cb: (event: CloseEvent) => void): void }).on('close', (event) => {
        entry.closeCode = event.code;
        entry.closeReason = event.reason;
      });
      this.sockets.push(entry);
    });
    const runtime: AuthSocketRuntime = {
      createSocket: (url, protocols) =>
        this.socketFactory ? this.socketFactory(url) : (new MockWebSocket(url, protocols) as unknown as SocketLike),
      setTimeout: (callback, ms) => {
        const handle: number = setTimeout(() => {
          this.timers.delete(handle);
          callback();
        }, ms);
        this.timers.add(handle);
        return handle;
      },
      clearTimeout: (handle) => {
        this.timers.delete(handle);
        clearTimeout(handle as number);
      },
      now: () => Date.now(),
      random: () => this.randomValue,
      randomId: () => `id-${++this.idCounter}`,
      isOnline: () => this.online,
      watchNetwork: (events) => {
        this.network = events;
        return () => (this.network = null);
      },
    };
    TestBed.configureTestingModule({
      providers: [
        options.interceptor === false ? provideHttpClient() : provideHttpClient(withInterceptors([authTokenInterceptor])),
        provideHttpClientTesting(),
        provideAuthSocket({ url: SOCKET_URL, ticketUrl: TICKET_URL, ...config }, ...(options.features ?? [])),
        { provide: AUTH_SOCKET_RUNTIME, useValue: runtime },
        ...(options.providers ?? []),
      ],
    });
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

  /** Library timers scheduled and not yet fired or cleared. */
  get activeTimers(): number {
    return this.timers.size;
  }

  /** Whether the library is listening to network/visibility events. */
  get networkWatched(): boolean {
    return this.network !== null;
  }

  get kinds(): string[] {
    return this.states.map((s) => s.kind);
  }

  get lastSocket(): ServerSideSocket {
    const socket = this.sockets[this.sockets.length - 1];
    if (!socket) throw new Error('no socket has connected to the server');
    return socket;
  }

  /** Subscribes to `messages$`, recording into `messages`; returns the subscription. */
  listen(): Subscription {
    const subscription = this.service.messages$.subscribe((m) => this.messages.push(m));
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Advances fake time (mock-socket delivers its events 4 ms later). */
  tick(ms = 10): void {
    jasmine.clock().tick(ms);
  }

  /** Advances fake time exactly to the pending reconnect attempt. */
  advanceToRetry(): void {
    const state = this.state;
    if (state.kind !== 'reconnecting') throw new Error(`expected a pending reconnect, state is ${state.kind}`);
    jasmine.clock().tick(state.retryAt - Date.now());
  }

  /** Lets promise callbacks run (refresh hooks, async token getters). */
  async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }

  expectTicketRequest(): TestRequest {
    return this.http.expectOne((req: HttpRequest<unknown>) => req.url === TICKET_URL, 'a ticket request');
  }

  /** Answers the pending ticket request with `ticket` and lets the socket open. */
  grantTicket(ticket = 'ticket-1', expires: unknown = Math.floor(Date.now() / 1000) + 30): TestRequest {
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
    this.tick();
  }

  rejectAuth(reason = 'invalid_token'): void {
    this.lastSocket.send({ type: 'auth_error', reason });
    this.tick();
  }

  push(message: unknown): void {
    this.lastSocket.send(message);
    this.tick();
  }

  serverClose(code: number, reason = ''): void {
    this.lastSocket.close(code, reason);
    this.tick();
  }

  goOffline(): void {
    this.online = false;
    this.network?.offline();
  }

  goOnline(): void {
    this.online = true;
    this.network?.online();
  }

  pageResumed(): void {
    this.network?.resumed();
  }

  dispose(): void {
    this.subscriptions.unsubscribe();
    TestBed.resetTestingModule();
    this.server.stop();
    jasmine.clock().uninstall();
  }
}

/** A socket that stays in CONNECTING forever; records whether it was closed. */
export function hangingSocket(): SocketLike & { closedWith: number | null } {
  const socket = {
    readyState: 0,
    binaryType: 'blob',
    closedWith: null as number | null,
    send: () => undefined,
    close: (code?: number) => {
      socket.closedWith = code ?? 1005;
    },
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  };
  return socket as unknown as SocketLike & { closedWith: number | null };
}

/** An unsigned-but-well-formed JWT with the given claims (the client never verifies signatures). */
export function makeJwt(claims: object): string {
  const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;
}
