import { HttpClient, HttpInterceptorFn, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { AuthSocketConfig } from '../config';
import { provideAuthSocket } from '../provide-auth-socket';
import { AuthTokenStore } from './auth-token-store';
import { authTokenInterceptor } from './auth-token.interceptor';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

describe('authTokenInterceptor', () => {
  let http: HttpClient;
  let backend: HttpTestingController;
  let store: AuthTokenStore;
  const page = location.origin;

  function setup(config: Partial<AuthSocketConfig> = {}, before: HttpInterceptorFn[] = []): void {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([...before, authTokenInterceptor])),
        provideHttpClientTesting(),
        provideAuthSocket({
          url: 'wss://rt.example.com/channel/',
          ticketUrl: 'https://tickets.example.com/ws_ticket',
          allowedOrigins: ['https://api.example.com'],
          ...config,
        }),
      ],
    });
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
    store = TestBed.inject(AuthTokenStore);
  }

  afterEach(() => backend.verify());

  it('attaches the token to the app origin, the ticket origin and allowed origins', () => {
    setup();
    store.set(JWT);
    for (const url of ['/api/me', `${page}/x`, 'https://tickets.example.com/ws_ticket', 'https://api.example.com/v1']) {
      http.get(url).subscribe();
      const req = backend.expectOne(url);
      expect(req.request.headers.get('Authorization')).toBe(`Bearer ${JWT}`);
      req.flush({});
    }
  });

  it('never sends the token to a third-party origin', () => {
    setup();
    store.set(JWT);
    http.get('https://cdn.other.com/lib.js').subscribe();
    const req = backend.expectOne('https://cdn.other.com/lib.js');
    expect(req.request.headers.has('Authorization')).toBeFalse();
    req.flush({});
  });

  it('sends no header while logged out', () => {
    setup();
    http.get('/api/me').subscribe();
    const req = backend.expectOne('/api/me');
    expect(req.request.headers.has('Authorization')).toBeFalse();
    req.flush({});
  });

  it('captures the token from a login response with the default reader', () => {
    setup({ captureToken: [{ url: '/auth' }] });
    http.post('/auth', { user: 'alice' }).subscribe();
    backend.expectOne('/auth').flush({ token: JWT });
    expect(store.token()).toBe(JWT);
  });

  it('captures from {access, refresh} bodies', () => {
    setup({ captureToken: [{ url: /\/token\/$/ }] });
    http.post('/api/token/', {}).subscribe();
    backend.expectOne('/api/token/').flush({ access: JWT, refresh: 'r-1' });
    expect(store.token()).toBe(JWT);
  });

  it('captures with a custom reader', () => {
    setup({ captureToken: [{ url: '/login', read: (b) => (b as { data: { jwt: string } }).data.jwt }] });
    http.post('/login', {}).subscribe();
    backend.expectOne('/login').flush({ data: { jwt: JWT } });
    expect(store.token()).toBe(JWT);
  });

  it('does not capture from failed responses, other URLs or third-party origins', () => {
    setup({ captureToken: [{ url: /auth$/ }] });
    http.post('/auth', {}).subscribe({ error: () => undefined });
    backend.expectOne('/auth').flush({ token: JWT }, { status: 401, statusText: 'Unauthorized' });
    http.post('/other', {}).subscribe();
    backend.expectOne('/other').flush({ token: JWT });
    http.post('https://evil.example.net/auth', {}).subscribe();
    backend.expectOne('https://evil.example.net/auth').flush({ token: JWT });
    expect(store.token()).toBeNull();
  });

  it('adopts a Bearer token another interceptor attached', () => {
    const other: HttpInterceptorFn = (req, next) => next(req.clone({ setHeaders: { Authorization: `Bearer ${JWT}` } }));
    setup({}, [other]);
    http.get('/api/me').subscribe();
    const req = backend.expectOne('/api/me');
    expect(req.request.headers.get('Authorization')).toBe(`Bearer ${JWT}`);
    req.flush({});
    expect(store.token()).toBe(JWT);
  });

  it('does not adopt tokens sent to third-party origins', () => {
    const other: HttpInterceptorFn = (req, next) => next(req.clone({ setHeaders: { Authorization: 'Bearer theirs' } }));
    setup({}, [other]);
    http.get('https://partner.example.org/x').subscribe();
    backend.expectOne('https://partner.example.org/x').flush({});
    expect(store.token()).toBeNull();
  });

  it('uses tokenGetter when the app keeps the token elsewhere', async () => {
    setup({ tokenGetter: () => Promise.resolve(JWT) });
    http.get('/api/me').subscribe();
    await new Promise((resolve) => setTimeout(resolve)); // let the async getter's promise chain settle
    const req = backend.expectOne('/api/me');
    expect(req.request.headers.get('Authorization')).toBe(`Bearer ${JWT}`);
    req.flush({});
    expect(store.token()).toBe(JWT);
  });
});

describe('AuthTokenStore', () => {
  it('exposes the token as a signal and a synchronous stream of distinct values', () => {
    TestBed.configureTestingModule({});
    const store = TestBed.inject(AuthTokenStore);
    const seen: Array<string | null> = [];
    store.token$.subscribe((t) => seen.push(t));
    store.set('a');
    store.set('a');
    store.set('');
    store.set('b');
    store.clear();
    expect(seen).toEqual([null, 'a', null, 'b', null]);
    expect(store.token()).toBeNull();
    expect(store.hasToken()).toBeFalse();
  });
});
