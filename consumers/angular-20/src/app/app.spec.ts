// The README quick start's App and Chat (copied into src/app/ by consumers/consumers.test.mjs),
// tested the way the README tells app authors to: ngx-auth-socket/testing plays the server and
// HttpTestingController answers the login. Written for the runner's globals (describe/it/expect),
// so the same file runs under Vitest (Angular 21 CLI) and Karma + Jasmine (Angular 20 CLI).
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, ComponentFixtureAutoDetect, TestBed } from '@angular/core/testing';
import { authTokenInterceptor, provideAuthSocket } from 'ngx-auth-socket';
import { AuthSocketTestingController, provideAuthSocketTesting } from 'ngx-auth-socket/testing';
import { App } from './app';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

describe('App (README quick start) with ngx-auth-socket/testing', () => {
  let fixture: ComponentFixture<App>;
  let socket: AuthSocketTestingController;
  let http: HttpTestingController;
  const root = () => fixture.nativeElement as HTMLElement;
  const page = () => root().textContent ?? '';
  const button = (label: string) =>
    [...root().querySelectorAll('button')].find((b) => b.textContent?.trim() === label) as HTMLButtonElement;

  async function signIn(): Promise<void> {
    const [user, password] = [...root().querySelectorAll('input')];
    user.value = 'alice';
    password.value = 'alice';
    button('Sign in').click();
    const login = http.expectOne('/auth');
    expect(login.request.body).toEqual({ user: 'alice', password: 'alice' });
    login.flush({ token: JWT, refreshToken: 'refresh-1', expiresIn: 900 });
    await fixture.whenStable();
  }

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authTokenInterceptor])),
        provideHttpClientTesting(),
        provideAuthSocket({ url: '/channel/', captureToken: [{ url: '/auth' }] }),
        provideAuthSocketTesting(),
        // Zoneless apps (21) detect changes by themselves; zone.js apps (20) need this for whenStable().
        { provide: ComponentFixtureAutoDetect, useValue: true },
      ],
    });
    socket = TestBed.inject(AuthSocketTestingController);
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(App);
    await fixture.whenStable();
  });

  afterEach(() => {
    socket.verify();
    http.verify();
  });

  it('stays idle until sign-in, then connects with a ticket and shows what the server pushes', async () => {
    expect(page()).toContain('Connection: idle');
    await signIn();

    const ticket = socket.expectTicketRequest();
    expect(ticket.request.headers.get('Authorization')).toBe(`Bearer ${JWT}`);
    ticket.grant('tk-1');
    await socket.flush();
    expect(socket.socket.ticket).toBe('tk-1');

    socket.push({ type: 'chat', from: 'bob', text: 'hello alice' });
    await fixture.whenStable();
    expect(page()).toContain('Connection: open');
    expect(page()).toContain('bob: hello alice');
  });

  it('sends a chat frame on click; sign-out closes the socket and burns the refresh token', async () => {
    await signIn();
    await socket.open();

    button('Say hello').click();
    await socket.flush();
    expect(socket.expectSent('chat')).toEqual({ type: 'chat', text: 'hello' });

    button('Sign out').click();
    const logout = http.expectOne('/auth/logout');
    expect(logout.request.body).toEqual({ refreshToken: 'refresh-1' });
    logout.flush(null, { status: 204, statusText: 'No Content' });
    await socket.flush();
    await fixture.whenStable();
    expect(socket.socket.closed?.code).toBe(1000);
    expect(page()).toContain('Connection: idle');
  });
});
