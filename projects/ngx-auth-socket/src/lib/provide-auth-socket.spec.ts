import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { InjectionToken, inject } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { AuthSocketTestingController, provideAuthSocketTesting } from 'ngx-auth-socket/testing';
import { AuthSocketService } from './auth-socket.service';
import { AUTH_SOCKET_CONFIG } from './config';
import { withChannels } from './channels/with-channels';
import { AuthSocketError } from './errors';
import { withHeartbeat } from './features';
import { withRequests } from './messaging/with-requests';
import { withTokenRotation } from './connection/with-token-rotation';
import { provideAuthSocket, provideAuthSocketAs } from './provide-auth-socket';
import { AuthTokenStore } from './token/auth-token-store';
import { authTokenInterceptor } from './token/auth-token.interceptor';
import { JWT_A } from '../spec-support/socket-harness';

const APP_ENV = new InjectionToken<{ socketUrl: string; pricesUrl: string }>('app env');
const PRICES = new InjectionToken<AuthSocketService>('prices socket');

describe('provideAuthSocket() and provideAuthSocketAs()', () => {
  let http: HttpTestingController;
  let kit: AuthSocketTestingController;

  function setup(providers: unknown[]): void {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authTokenInterceptor])),
        provideHttpClientTesting(),
        { provide: APP_ENV, useValue: { socketUrl: 'wss://chat.test/channel/', pricesUrl: 'wss://prices.test/ws/' } },
        ...(providers as []),
        provideAuthSocketTesting(),
      ],
    });
    http = TestBed.inject(HttpTestingController);
    kit = TestBed.inject(AuthSocketTestingController);
  }

  const grant = async (url: string, ticket: string) => {
    http.expectOne(url).flush({ ticket, expires: Math.floor(kit.now() / 1000) + 30 });
    await kit.flush();
  };

  afterEach(() => http?.verify());

  it('computes the configuration in an injection context when given a function', () => {
    setup([provideAuthSocket(() => ({ url: inject(APP_ENV).socketUrl }))]);
    expect(TestBed.inject(AUTH_SOCKET_CONFIG).url).toBe('wss://chat.test/channel/');
    expect(TestBed.inject(AUTH_SOCKET_CONFIG).ticketUrl).toBe('https://chat.test/ws_ticket');
  });

  it('gives a second socket its own configuration and token; a login connects both, a logout closes both', async () => {
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
    const pricesTicket = http.expectOne('https://prices.test/ticket');
    expect(pricesTicket.request.headers.get('Authorization')).toBe(`Bearer ${JWT_A}`);
    await grant('https://chat.test/ws_ticket', 'c-1');
    pricesTicket.flush({ ticket: 'p-1', expires: Math.floor(kit.now() / 1000) + 30 });
    await kit.flush();
    expect(kit.sockets.map((s) => new URL(s.url).host)).toEqual(['chat.test', 'prices.test']);
    expect([chat.state().kind, prices.state().kind]).toEqual(['open', 'open']);
    TestBed.inject(AuthTokenStore).clear();
    await kit.flush();
    expect(kit.sockets.map((s) => s.closed?.code)).toEqual([1000, 1000]);
    expect([chat.state().kind, prices.state().kind]).toEqual(['idle', 'idle']);
  });

  it("does not let the second socket inherit the main socket's features", async () => {
    setup([
      provideAuthSocket({ url: 'wss://chat.test/channel/' }, withHeartbeat({ intervalMs: 12_345 })),
      provideAuthSocketAs(PRICES, { url: 'wss://prices.test/ws/' }),
    ]);
    TestBed.inject(AuthTokenStore).set(JWT_A);
    TestBed.inject(AuthSocketService).messages$.subscribe();
    TestBed.inject(PRICES).messages$.subscribe();
    await grant('https://chat.test/ws_ticket', 'c-1');
    await grant('https://prices.test/ws_ticket', 'p-1');
    kit.tick(12_345);
    await kit.flush();
    const [chat, prices] = kit.sockets;
    expect(chat.sent).toEqual([{ type: 'ping' }]);
    // The root's withHeartbeat() is the chat socket's: the prices socket pings nobody.
    expect(prices.sent).toEqual([]);
  });

  it("does not let the second socket inherit the main socket's withRequests() or withChannels()", () => {
    setup([
      provideAuthSocket({ url: 'wss://chat.test/channel/' }, withRequests(), withChannels()),
      provideAuthSocketAs(PRICES, { url: 'wss://prices.test/ws/' }),
    ]);
    expect(() => TestBed.inject(AuthSocketService).request({ type: 'echo' })).not.toThrow();
    expect(() => TestBed.inject(AuthSocketService).channel('room')).not.toThrow();
    expect(() => TestBed.inject(PRICES).request({ type: 'echo' })).toThrowMatching(
      (e) => e instanceof AuthSocketError && e.code === 'invalid-config',
    );
    expect(() => TestBed.inject(PRICES).channel('room')).toThrowMatching(
      (e) => e instanceof AuthSocketError && e.code === 'invalid-config',
    );
  });

  it("does not let the second socket inherit the main socket's withTokenRotation()", () => {
    const refreshToken = () => 'fresh';
    setup([
      provideAuthSocket({ url: 'wss://chat.test/channel/', refreshToken }, withTokenRotation()),
      provideAuthSocketAs(PRICES, { url: 'wss://prices.test/ws/', refreshToken }),
    ]);
    expect(() => TestBed.inject(AuthSocketService)).not.toThrow();
    // Its own configuration asks for the hook, and the feature is not its own: refused.
    expect(() => TestBed.inject(PRICES)).toThrowMatching(
      (e) => e instanceof AuthSocketError && e.code === 'invalid-config' && e.message.includes('withTokenRotation()'),
    );
  });

  it("reads a second socket's own tokenGetter without storing its answer as the app's token", async () => {
    setup([
      provideAuthSocket({ url: 'wss://chat.test/channel/' }),
      provideAuthSocketAs(PRICES, { url: 'wss://prices.test/ws/', tokenGetter: () => 'prices-token' }),
    ]);
    TestBed.inject(PRICES).messages$.subscribe();
    await kit.flush();
    const ticket = http.expectOne('https://prices.test/ws_ticket');
    expect(ticket.request.headers.get('Authorization')).toBe('Bearer prices-token');
    expect(TestBed.inject(AuthTokenStore).token()).toBeNull();
    ticket.flush({ ticket: 'p-1' });
    await kit.flush();
  });

  it("validates each socket's features when the providers are built", () => {
    expect(() => provideAuthSocketAs(PRICES, { url: '/p' }, withHeartbeat(), withHeartbeat())).toThrowError(
      /given twice/,
    );
  });
});
