import { ComponentFixture, TestBed } from '@angular/core/testing';
import { AuthSocketError, AuthSocketService, AuthTokenStore, ConnectionState } from 'ngx-auth-socket';
import { AuthSocketTestingController } from 'ngx-auth-socket/testing';
import { TEST_JWT as JWT, configureSocketTestBed } from '../testing/socket-test-bed';
import { ConnectionStatus, describeState } from './connection-status';

describe('describeState (demo status line)', () => {
  const now = 1_000_000;
  const cases: Array<[ConnectionState, string]> = [
    [{ kind: 'idle' }, 'Idle'],
    [{ kind: 'fetching-ticket', attempt: 2 }, 'Fetching a ticket (attempt 2)'],
    [{ kind: 'connecting', attempt: 1, mode: 'first-message' }, 'Connecting with first-message auth (attempt 1)'],
    [{ kind: 'open', mode: 'ticket', since: now }, 'Connected'],
    [
      {
        kind: 'reconnecting',
        attempt: 3,
        delayMs: 1500,
        retryAt: now + 1500,
        error: new AuthSocketError('ticket-failed', 'x'),
      },
      'Reconnecting: attempt 3 in 2 s (ticket-failed)',
    ],
    [{ kind: 'waiting-for-network', attempt: 4 }, 'Offline: attempt 4 when the network returns'],
    [{ kind: 'closed', reason: 'forbidden' }, 'Closed (forbidden)'],
  ];
  for (const [state, text] of cases) {
    it(`${state.kind} → "${text}"`, () => expect(describeState(state, now)).toBe(text));
  }
});

describe('ConnectionStatus (demo) with ngx-auth-socket/testing', () => {
  let fixture: ComponentFixture<ConnectionStatus>;
  let socket: AuthSocketTestingController;

  beforeEach(async () => {
    socket = configureSocketTestBed({ reconnect: { initialDelayMs: 2000 } });
    TestBed.inject(AuthTokenStore).set(JWT);
    fixture = TestBed.createComponent(ConnectionStatus);
    TestBed.inject(AuthSocketService).connect(); // the status line alone does not subscribe to messages
    await fixture.whenStable();
  });

  afterEach(() => socket.verify());

  const text = (testId: string) =>
    (fixture.nativeElement as HTMLElement).querySelector(`[data-testid=${testId}]`)?.textContent?.trim() ?? '';

  it('shows the ticket fetch, then the auth mode once connected', async () => {
    expect(text('state')).toBe('Fetching a ticket (attempt 1)');
    await socket.open();
    await fixture.whenStable();
    expect(text('state-kind')).toBe('open');
    expect(text('mode')).toBe('Auth mode: ticket');
  });

  it('shows first-message auth when the server has no ticket endpoint', async () => {
    socket.expectTicketRequest().fail(404);
    await socket.flush();
    await fixture.whenStable();
    expect(text('state')).toBe('Authenticating (attempt 1)');
    socket.acceptAuth();
    await socket.flush();
    await fixture.whenStable();
    expect(text('mode')).toBe('Auth mode: first-message');
  });

  it('says it waits for the network while offline, and reconnects when it returns', async () => {
    await socket.open();
    socket.goOffline();
    socket.drop(1006);
    await socket.flush();
    await fixture.whenStable();
    expect(text('state')).toBe('Offline: attempt 2 when the network returns');
    socket.goOnline();
    await socket.open();
    await fixture.whenStable();
    expect(text('state-kind')).toBe('open');
  });

  it('asks the user to sign in again when the ticket endpoint refuses the token', async () => {
    socket.expectTicketRequest().fail(401);
    await fixture.whenStable();
    expect(text('state-kind')).toBe('unauthorized');
    expect(text('state')).toBe('Unauthorized: sign in again');
  });
});
