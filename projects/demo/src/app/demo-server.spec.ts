import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { AuthTokenStore } from 'ngx-auth-socket';
import { TEST_JWT as JWT, configureSocketTestBed } from '../testing/socket-test-bed';
import { AuthApi } from './auth-api';
import { DEMO_SERVER, DJANGO_SERVER, REFERENCE_SERVER, demoServer } from './demo-server';

describe('DemoServer: the demo against the Django example (?server=django)', () => {
  let http: HttpTestingController;
  let api: AuthApi;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [{ provide: DEMO_SERVER, useValue: DJANGO_SERVER }] });
    configureSocketTestBed({ captureToken: DJANGO_SERVER.captureToken, firstMessage: DJANGO_SERVER.firstMessage });
    http = TestBed.inject(HttpTestingController);
    api = TestBed.inject(AuthApi);
  });

  afterEach(() => http.verify());

  it('is chosen by ?server=django only', () => {
    expect(demoServer('?server=django')).toBe(DJANGO_SERVER);
    expect(demoServer('?server=other')).toBe(REFERENCE_SERVER);
    expect(demoServer('')).toBe(REFERENCE_SERVER);
  });

  it('logs in through simplejwt and captures the access token', () => {
    api.login('alice', 'alice').subscribe();
    const login = http.expectOne('/api/token/');
    expect(login.request.body).toEqual({ username: 'alice', password: 'alice' });
    login.flush({ access: JWT, refresh: 'r-1' });
    expect(TestBed.inject(AuthTokenStore).token()).toBe(JWT);
  });

  it('refreshes with {refresh}, keeps the rotated refresh token, and burns it at logout', () => {
    api.login('alice', 'alice').subscribe();
    http.expectOne('/api/token/').flush({ access: JWT, refresh: 'r-1' });
    const tokens: (string | null)[] = [];
    api.refresh().subscribe((t) => tokens.push(t));
    const refresh = http.expectOne('/api/token/refresh/');
    expect(refresh.request.body).toEqual({ refresh: 'r-1' });
    refresh.flush({ access: `${JWT}x`, refresh: 'r-2' });
    expect(tokens).toEqual([`${JWT}x`]);
    api.logout();
    const logout = http.expectOne('/api/token/blacklist/');
    expect(logout.request.body).toEqual({ refresh: 'r-2' });
    logout.flush({});
    expect(TestBed.inject(AuthTokenStore).token()).toBeNull();
  });

  it('names the auth frames as the example does', () => {
    const { buildAuthMessage, isAck, isRejection } = DJANGO_SERVER.firstMessage!;
    expect(buildAuthMessage!('jwt', {})).toEqual({ type: 'authenticate', token: 'jwt' });
    expect(isAck!({ type: 'authenticated' })).toBeTrue();
    expect(isRejection!({ type: 'auth_failed', reason: 'forbidden' })).toBeTrue();
  });
});

describe('DemoServer: the reference server (default)', () => {
  let http: HttpTestingController;
  let api: AuthApi;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [{ provide: DEMO_SERVER, useValue: REFERENCE_SERVER }] });
    configureSocketTestBed({ captureToken: REFERENCE_SERVER.captureToken });
    http = TestBed.inject(HttpTestingController);
    api = TestBed.inject(AuthApi);
  });

  afterEach(() => http.verify());

  it('burns the refresh token with POST /auth/logout and forgets the JWT at once', () => {
    api.login('alice', 'alice').subscribe();
    http.expectOne('/auth').flush({ token: JWT, refreshToken: 'r-1', expiresIn: 900 });
    api.logout();
    expect(TestBed.inject(AuthTokenStore).token()).toBeNull();
    const logout = http.expectOne('/auth/logout');
    expect(logout.request.method).toBe('POST');
    expect(logout.request.body).toEqual({ refreshToken: 'r-1' });
    logout.flush(null, { status: 204, statusText: 'No Content' });
  });
});
