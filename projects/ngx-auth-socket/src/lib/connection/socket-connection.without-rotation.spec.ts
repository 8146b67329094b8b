import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { TestBed } from '@angular/core/testing';
import { provideAuthSocketTesting } from 'ngx-auth-socket/testing';
import { AuthSocketService } from '../auth-socket.service';
import { provideAuthSocket } from '../provide-auth-socket';
import { authTokenInterceptor } from '../token/auth-token.interceptor';
import { AuthSocketError } from '../errors';
import { START_TIME, SocketHarness, TICKET_URL, makeJwt } from '../../spec-support/socket-harness';

const NOW = START_TIME;
const FIRST = makeJwt({ sub: 'alice', exp: NOW / 1000 + 120 });
const SECOND = makeJwt({ sub: 'alice', exp: NOW / 1000 + 240 });

describe('connection: without withTokenRotation()', () => {
  let h: SocketHarness;
  afterEach(() => h.dispose());

  it('a new token leaves the open socket alone; when the server ends it (4001) the new token reconnects at once', () => {
    h = new SocketHarness({}, { token: FIRST, rotation: false });
    const seen: unknown[] = [];
    h.service.messages$.subscribe((m) => seen.push(m));
    h.grantTicket('tk-1');
    h.store.set(SECOND);
    h.tick(60_000);
    h.http.expectNone(TICKET_URL);
    expect(h.sockets.length).toBe(1);
    expect(h.state.kind).toBe('open');
    h.push({ type: 'chat', n: 1 });
    // The old token lapses: the server closes, and the newest token is used without a backoff.
    h.serverClose(4001, 'token_expired');
    const next = h.grantTicket('tk-2');
    expect(next.request.headers.get('Authorization')).toBe(`Bearer ${SECOND}`);
    expect(h.state.kind).toBe('open');
    expect(seen).toEqual([{ type: 'chat', n: 1 }]);
    expect(h.errors.map((e) => e.code)).toEqual(['auth-rejected']);
    expect(h.kinds).toEqual(['idle', 'fetching-ticket', 'connecting', 'open', 'fetching-ticket', 'connecting', 'open']);
  });

  it("a server with close codes of its own (closeCodes): its 'unauthorized' takes the newest token at once, its 'forbidden' stops, 4001 is then an ordinary close", () => {
    h = new SocketHarness(
      { closeCodes: { unauthorized: [1008], forbidden: [4100] } },
      { token: FIRST, rotation: false },
    );
    h.listen();
    h.grantTicket('tk-1');
    h.store.set(SECOND);
    h.serverClose(1008, 'policy violation');
    expect(h.grantTicket('tk-2').request.headers.get('Authorization')).toBe(`Bearer ${SECOND}`);
    // Not in the app's lists: the retry class, with its backoff.
    h.serverClose(4001);
    expect(h.state.kind).toBe('reconnecting');
    h.advanceToRetry();
    h.grantTicket('tk-3');
    h.serverClose(4100, 'not for you');
    expect(h.state).toEqual(jasmine.objectContaining({ kind: 'closed', reason: 'forbidden' }));
    h.tick(10 * 60_000);
    h.http.expectNone(TICKET_URL);
    expect(h.errors.map((e) => [e.code, e.closeCode])).toEqual([
      ['auth-rejected', 1008],
      ['socket-closed', 4001],
      ['forbidden', 4100],
    ]);
  });

  it("another user's token replaces the socket at once: it never goes on as the previous user", () => {
    h = new SocketHarness({}, { token: FIRST, rotation: false });
    h.listen();
    h.grantTicket('tk-1');
    const bob = makeJwt({ sub: 'bob', exp: NOW / 1000 + 120 });
    h.store.set(bob);
    expect(h.sockets[0].closeCode).toBe(1000);
    expect(h.grantTicket('tk-2').request.headers.get('Authorization')).toBe(`Bearer ${bob}`);
    expect(h.state.kind).toBe('open');
    expect(h.errors).toEqual([]);
  });

  it('says once, in development, that the socket kept its old token and how to change that', () => {
    h = new SocketHarness({}, { token: FIRST, rotation: false });
    h.listen();
    h.grantTicket('tk-1');
    h.store.set(SECOND);
    h.store.set(makeJwt({ sub: 'alice', exp: NOW / 1000 + 360 }));
    const said = h.warnings.filter((w) => w.includes('withTokenRotation()'));
    expect(said.length).toBe(1);
    expect(said[0]).toContain('keeps the token it authenticated with');
  });

  it('a refusal without a newer token waits, unauthorized, for one (no refresh hook without the feature)', () => {
    h = new SocketHarness({}, { token: FIRST, rotation: false });
    h.listen();
    h.grantTicket('tk-1');
    h.tick(115_000);
    h.serverClose(4001, 'token_expired');
    expect(h.state.kind).toBe('unauthorized');
    h.tick(10 * 60_000);
    h.http.expectNone(TICKET_URL);
    h.store.set(SECOND);
    expect(h.grantTicket('tk-2').request.headers.get('Authorization')).toBe(`Bearer ${SECOND}`);
    expect(h.state.kind).toBe('open');
    expect(h.errors.map((e) => e.code)).toEqual(['auth-rejected', 'unauthorized']);
  });

  it('in first-message mode sends no second auth frame on the open socket', () => {
    h = new SocketHarness({ auth: 'first-message' }, { token: FIRST, rotation: false });
    h.listen();
    h.tick();
    h.acceptAuth();
    h.store.set(SECOND);
    h.tick(30_000);
    expect(h.lastSocket.received).toEqual([{ type: 'auth', payload: FIRST }]);
    expect(h.sockets.length).toBe(1);
  });

  it('accepts refreshBeforeExpiryMs: false, which asks for nothing', () => {
    h = new SocketHarness({ refreshBeforeExpiryMs: false }, { token: FIRST, rotation: false });
    h.listen();
    h.grantTicket('tk-1');
    expect(h.state.kind).toBe('open');
  });
});

describe('provideAuthSocket: the options of withTokenRotation() without it', () => {
  for (const [option, config] of [
    ['refreshToken', { refreshToken: () => 'jwt' }],
    ['onTokenChange', { onTokenChange: 'reauth' as const }],
    ['refreshBeforeExpiryMs', { refreshBeforeExpiryMs: 5000 }],
  ] as const) {
    it(`refuses ${option} with invalid-config naming the feature`, () => {
      TestBed.configureTestingModule({
        providers: [
          provideHttpClient(withInterceptors([authTokenInterceptor])),
          provideAuthSocket({ url: 'ws://127.0.0.1:9/channel/', ...config }),
          provideAuthSocketTesting(),
        ],
      });
      let error: unknown;
      try {
        TestBed.inject(AuthSocketService);
      } catch (e) {
        error = e;
      }
      expect(error).toEqual(jasmine.any(AuthSocketError));
      expect((error as AuthSocketError).code).toBe('invalid-config');
      expect((error as AuthSocketError).message).toContain('withTokenRotation()');
    });
  }
});
