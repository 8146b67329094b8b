import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { InjectionToken, inject } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { AuthSocketService } from './auth-socket.service';
import { AUTH_SOCKET_CONFIG } from './config';
import { AUTH_SOCKET_HEARTBEAT, withHeartbeat } from './features';
import { provideAuthSocket, provideAuthSocketAs } from './provide-auth-socket';
import { AUTH_SOCKET_RUNTIME, AuthSocketRuntime, SocketLike } from './runtime';
import { AuthTokenStore } from './token/auth-token-store';
import { authTokenInterceptor } from './token/auth-token.interceptor';
import { HandSocket } from '../spec-support/hand-socket';
import { JWT_A } from '../spec-support/socket-harness';

const APP_ENV = new InjectionToken<{ socketUrl: string; pricesUrl: string }>('app env');
const PRICES = new InjectionToken<AuthSocketService>('prices socket');

/** Sockets by hand, time stands still (timers are only recorded): enough to see who connects where. */
function runtime(sockets: HandSocket[], timers: number[]): AuthSocketRuntime {
  return {
    createSocket: (url) => {
      const socket = new HandSocket(url);
      sockets.push(socket);
      return socket as unknown as SocketLike;
    },
    setTimeout: (_callback, ms) => timers.push(ms),
    clearTimeout: () => undefined,
    now: () => Date.now(),
    random: () => 0.5,
    randomId: () => 'id',
    isOnline: () => true,
    watchNetwork: () => () => undefined,
  };
}

describe('provideAuthSocket() and provideAuthSocketAs()', () => {
  let sockets: HandSocket[];
  let timers: number[];
  let http: HttpTestingController;

  function setup(providers: unknown[]): void {
    sockets = [];
    timers = [];
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authTokenInterceptor])),
        provideHttpClientTesting(),
        { provide: APP_ENV, useValue: { socketUrl: 'wss://chat.test/channel/', pricesUrl: 'wss://prices.test/ws/' } },
        { provide: AUTH_SOCKET_RUNTIME, useValue: runtime(sockets, timers) },
        ...(providers as []),
      ],
    });
    http = TestBed.inject(HttpTestingController);
  }

  afterEach(() => http.verify());

  it('computes the configuration in an injection context when given a function', () => {
    setup([provideAuthSocket(() => ({ url: inject(APP_ENV).socketUrl }))]);
    expect(TestBed.inject(AUTH_SOCKET_CONFIG).url).toBe('wss://chat.test/channel/');
    expect(TestBed.inject(AUTH_SOCKET_CONFIG).ticketUrl).toBe('https://chat.test/ws_ticket');
  });

  it('gives a second socket its own configuration and token; a login connects both, a logout closes both', () => {
    setup([
      provideAuthSocket({ url: 'wss://chat.test/channel/' }),
      provideAuthSocketAs(PRICES, () => ({ url: inject(APP_ENV).pricesUrl, ticketUrl: 'https://prices.test/ticket' })),
    ]);
    const chat = TestBed.inject(AuthSocketService);
    const prices = TestBed.inject(PRICES);
    expect(prices).not.toBe(chat);
    chat.messages$.subscribe();
    prices.messages$.subscribe();
    TestBed.inject(AuthTokenStore).set(JWT_A);
    const chatTicket = http.expectOne('https://chat.test/ws_ticket');
    const pricesTicket = http.expectOne('https://prices.test/ticket');
    expect(pricesTicket.request.headers.get('Authorization')).toBe(`Bearer ${JWT_A}`);
    chatTicket.flush({ ticket: 'c-1', expires: Math.floor(Date.now() / 1000) + 30 });
    pricesTicket.flush({ ticket: 'p-1', expires: Math.floor(Date.now() / 1000) + 30 });
    expect(sockets.map((s) => new URL(s.url).host)).toEqual(['chat.test', 'prices.test']);
    for (const s of sockets) s.open();
    expect([chat.state().kind, prices.state().kind]).toEqual(['open', 'open']);
    TestBed.inject(AuthTokenStore).clear();
    expect(sockets.map((s) => s.closedWith)).toEqual([1000, 1000]);
    expect([chat.state().kind, prices.state().kind]).toEqual(['idle', 'idle']);
  });

  it('does not let the second socket inherit the main socket\'s features', () => {
    setup([provideAuthSocket({ url: 'wss://chat.test/channel/' }, withHeartbeat({ intervalMs: 12_345 })), provideAuthSocketAs(PRICES, { url: 'wss://prices.test/ws/' })]);
    TestBed.inject(AuthTokenStore).set(JWT_A);
    TestBed.inject(PRICES).messages$.subscribe();
    http.expectOne('https://prices.test/ws_ticket').flush({ ticket: 'p-1' });
    sockets[0].open();
    // No heartbeat ping scheduled for the prices socket: the root's withHeartbeat() is the chat socket's.
    expect(timers).not.toContain(12_345);
    TestBed.inject(AuthSocketService).messages$.subscribe();
    http.expectOne('https://chat.test/ws_ticket').flush({ ticket: 'c-1' });
    sockets[1].open();
    expect(timers).toContain(12_345);
  });

  it('reads a second socket\'s own tokenGetter without storing its answer as the app\'s token', async () => {
    setup([
      provideAuthSocket({ url: 'wss://chat.test/channel/' }),
      provideAuthSocketAs(PRICES, { url: 'wss://prices.test/ws/', tokenGetter: () => 'prices-token' }),
    ]);
    TestBed.inject(PRICES).messages$.subscribe();
    await Promise.resolve();
    await Promise.resolve();
    const ticket = http.expectOne('https://prices.test/ws_ticket');
    expect(ticket.request.headers.get('Authorization')).toBe('Bearer prices-token');
    expect(TestBed.inject(AuthTokenStore).token()).toBeNull();
    ticket.flush({ ticket: 'p-1' });
  });

  it('validates each socket\'s features when the providers are built', () => {
    expect(() => provideAuthSocketAs(PRICES, { url: '/p' }, withHeartbeat(), withHeartbeat())).toThrowError(/given twice/);
  });
});
