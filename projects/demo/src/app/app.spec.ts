import { HttpTestingController } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { AuthSocketTestingController } from 'ngx-auth-socket/testing';
import { TEST_JWT as JWT, configureSocketTestBed } from '../testing/socket-test-bed';
import { App } from './app';

describe('App (demo): sign in, chat, sign out', () => {
  let fixture: ComponentFixture<App>;
  let socket: AuthSocketTestingController;
  let http: HttpTestingController;

  beforeEach(async () => {
    // As in app.config.ts: the interceptor captures the JWT from the login response.
    socket = configureSocketTestBed({ captureToken: [{ url: '/auth' }] });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(App);
    await fixture.whenStable();
  });

  afterEach(() => {
    socket.verify();
    http.verify();
  });

  const root = () => fixture.nativeElement as HTMLElement;
  const text = (testId: string) => root().querySelector(`[data-testid=${testId}]`)?.textContent?.trim() ?? '';
  const signIn = () => root().querySelector<HTMLButtonElement>('button[type=submit]')!.click();

  it('opens the socket with the JWT from the login response, and closes it on logout', async () => {
    expect(root().querySelector('demo-chat')).toBeNull();
    signIn();
    http.expectOne('/auth').flush({ token: JWT, refreshToken: 'r-1', expiresIn: 900 });
    await fixture.whenStable();

    // The chat subscribed: the library asks for a ticket with the captured token.
    const ticket = socket.expectTicketRequest();
    expect(ticket.request.headers.get('Authorization')).toBe(`Bearer ${JWT}`);
    ticket.grant('tk-1');
    await socket.flush();
    await fixture.whenStable();
    expect(text('user')).toBe('alice');
    expect(text('state-kind')).toBe('open');
    expect(socket.socket.url).not.toContain(JWT);

    root().querySelector<HTMLButtonElement>('[data-testid=logout]')!.click();
    await socket.flush();
    await fixture.whenStable();
    expect(socket.socket.closed?.code).toBe(1000);
    // ... and the refresh token is burnt on the server.
    expect(http.expectOne('/auth/logout').request.body).toEqual({ refreshToken: 'r-1' });
    expect(root().querySelector('demo-chat')).toBeNull();
    expect(root().querySelector('button[type=submit]')?.textContent).toContain('Sign in');
  });

  it('stays on the login form, with no socket, when the password is wrong', async () => {
    signIn();
    http.expectOne('/auth').flush({ error: 'invalid_credentials' }, { status: 401, statusText: 'Unauthorized' });
    await fixture.whenStable();
    expect(text('login-error')).toBe('Wrong user or password.');
    expect(socket.sockets).toEqual([]);
    expect(() => socket.expectTicketRequest()).toThrowError(/found none; the connection state is "idle"/);
  });
});
