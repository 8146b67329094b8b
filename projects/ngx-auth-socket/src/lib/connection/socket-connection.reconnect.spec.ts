import { JWT_A, SocketHarness, TICKET_URL } from '../../spec-support/socket-harness';

describe('connection: reconnect with a fresh ticket', () => {
  let h: SocketHarness;
  afterEach(() => h.dispose());

  function openWith(ticket: string, config = {}): void {
    h = new SocketHarness(config, { token: JWT_A });
    h.listen();
    h.grantTicket(ticket);
    expect(h.state.kind).toBe('open');
  }

  it('uses a new ticket for every reconnect and never the old one', () => {
    openWith('tk-1');
    for (let i = 2; i <= 5; i++) {
      h.serverClose(1012, 'restart');
      expect(h.state.kind).toBe('reconnecting');
      h.advanceToRetry();
      h.grantTicket(`tk-${i}`);
      expect(h.state.kind).toBe('open');
    }
    const tickets = h.sockets.map((s) => new URL(s.url).searchParams.getAll('ticket'));
    expect(tickets).toEqual([['tk-1'], ['tk-2'], ['tk-3'], ['tk-4'], ['tk-5']]);
  });

  for (const code of [1000, 1001, 1006, 1011, 1012, 1013, 4500]) {
    it(`backs off and reconnects after close code ${code}`, () => {
      openWith('tk-1');
      h.serverClose(code);
      expect(h.state).toEqual(jasmine.objectContaining({ kind: 'reconnecting', attempt: 2, delayMs: 500 }));
      const error = h.errors[h.errors.length - 1];
      expect(error.code).toBe('socket-closed');
      expect(error.closeCode).toBe(code);
      const state = h.state as { retryAt: number };
      h.tick(state.retryAt - h.now() - 1);
      h.http.expectNone(TICKET_URL);
      h.tick(1);
      h.grantTicket('tk-2');
      expect(h.state.kind).toBe('open');
    });
  }

  it('grows the delay with full jitter up to the cap, under fake time', () => {
    h = new SocketHarness(
      { reconnect: { initialDelayMs: 100, factor: 2, maxDelayMs: 1000 } },
      { token: JWT_A, random: 0.999999 },
    );
    h.listen();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const failedAt = h.now();
      h.failTicket(503);
      const state = h.state;
      if (state.kind !== 'reconnecting') throw new Error(`expected reconnecting, got ${state.kind}`);
      delays.push(state.delayMs);
      expect(state.retryAt).toBe(failedAt + state.delayMs);
      h.advanceToRetry();
    }
    expect(delays).toEqual([99, 199, 399, 799, 999, 999, 999]);
    expect(h.errors.every((e) => e.code === 'ticket-failed' && e.status === 503)).toBeTrue();
  });

  it('gives up after the attempt budget with retries-exhausted', () => {
    h = new SocketHarness({ reconnect: { maxAttempts: 2 } }, { token: JWT_A });
    h.listen();
    h.failTicket(500);
    h.advanceToRetry();
    h.failTicket(500);
    h.advanceToRetry();
    h.failTicket(500);
    expect(h.state).toEqual(jasmine.objectContaining({ kind: 'closed', reason: 'retries-exhausted' }));
    expect(h.errors.map((e) => e.code)).toContain('retries-exhausted');
    h.tick(10 * 60_000);
    h.http.expectNone(TICKET_URL);
  });

  it('resets the attempt counter after the connection has been open for resetAfterMs', () => {
    h = new SocketHarness({ reconnect: { resetAfterMs: 5000 } }, { token: JWT_A });
    h.listen();
    h.failTicket(500);
    h.advanceToRetry();
    h.failTicket(500);
    expect(h.state).toEqual(jasmine.objectContaining({ attempt: 3 }));
    h.advanceToRetry();
    h.grantTicket('tk-ok');
    h.serverClose(1006);
    expect(h.state).toEqual(jasmine.objectContaining({ kind: 'reconnecting', attempt: 4 }));
    h.advanceToRetry();
    h.grantTicket('tk-ok-2');
    h.tick(5000);
    h.serverClose(1006);
    expect(h.state).toEqual(jasmine.objectContaining({ kind: 'reconnecting', attempt: 2 }));
  });

  it('retries on a ticket timeout and cancels the hung request', () => {
    h = new SocketHarness({ ticketTimeoutMs: 3000 }, { token: JWT_A });
    h.listen();
    const hung = h.expectTicketRequest();
    h.tick(3000);
    expect(hung.cancelled).toBeTrue();
    expect(h.errors[0].code).toBe('ticket-failed');
    expect(h.state.kind).toBe('reconnecting');
    h.advanceToRetry();
    h.grantTicket('tk-2');
    expect(h.state.kind).toBe('open');
  });

  it('retries on a network error (status 0) and on a non-JSON 200 body', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    h.expectTicketRequest().error(new ProgressEvent('error'));
    h.tick();
    expect(h.errors[0].code).toBe('ticket-failed');
    expect(h.errors[0].status).toBe(0);
    h.advanceToRetry();
    h.failTicket(200, 'tk-plain-text');
    expect(h.errors[1].code).toBe('ticket-invalid');
    // A plain-text body may be a ticket: it is not kept, in the message or any cause.
    for (let e: unknown = h.errors[1]; e !== undefined; e = (e as { cause?: unknown }).cause)
      expect(`${(e as Error).message} ${JSON.stringify(e)}`).not.toContain('tk-plain-text');
    h.advanceToRetry();
    h.expectTicketRequest().flush({ nothing: true });
    h.tick();
    expect(h.errors[2].code).toBe('ticket-invalid');
    expect(h.state.kind).toBe('reconnecting');
  });

  it('closes and retries when the socket does not open in time', () => {
    h = new SocketHarness({ connectTimeoutMs: 2000 }, { token: JWT_A });
    h.holdConnections(); // the server never answers the upgrade
    h.listen();
    h.expectTicketRequest().flush({ ticket: 'tk-1', expires: Math.floor(h.now() / 1000) + 30 });
    h.tick(1999);
    expect(h.state.kind).toBe('connecting');
    h.tick(1);
    expect(h.errors.map((e) => e.code)).toEqual(['connect-timeout']);
    expect(h.lastSocket.closeCode).toBe(1000);
    expect(h.state.kind).toBe('reconnecting');
  });

  it('retries when the server refuses the upgrade (the browser reports 1006)', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.holdConnections();
    h.listen();
    h.grantTicket('tk-1');
    h.lastSocket.refuse();
    expect(h.errors.map((e) => e.code)).toEqual(['socket-closed']);
    expect(h.state.kind).toBe('reconnecting');
  });

  it('pauses while offline and retries at once when the network returns', () => {
    openWith('tk-1');
    h.goOffline();
    h.serverClose(1006);
    expect(h.state).toEqual({ kind: 'waiting-for-network', attempt: 2 });
    h.tick(10 * 60_000);
    h.http.expectNone(TICKET_URL);
    h.goOnline();
    h.grantTicket('tk-2');
    expect(h.state.kind).toBe('open');
  });

  it('stops a pending backoff when the browser goes offline', () => {
    openWith('tk-1');
    h.serverClose(1006);
    expect(h.state.kind).toBe('reconnecting');
    h.goOffline();
    expect(h.state).toEqual({ kind: 'waiting-for-network', attempt: 2 });
    h.tick(10 * 60_000);
    h.http.expectNone(TICKET_URL);
  });

  it('retries at once when the page becomes visible again', () => {
    h = new SocketHarness({ reconnect: { initialDelayMs: 20_000, maxDelayMs: 30_000 } }, { token: JWT_A });
    h.listen();
    h.grantTicket('tk-1');
    h.serverClose(1006);
    expect(h.state.kind).toBe('reconnecting');
    h.pageResumed();
    h.grantTicket('tk-2');
    expect(h.state.kind).toBe('open');
  });

  it('does not reconnect after a close it asked for', () => {
    openWith('tk-1');
    h.service.disconnect();
    h.tick(10 * 60_000);
    h.http.expectNone(TICKET_URL);
    expect(h.errors).toEqual([]);
  });

  it('stops for good on 4003 and on a 403 from the ticket endpoint', () => {
    openWith('tk-1');
    h.serverClose(4003, 'banned');
    expect(h.state).toEqual(jasmine.objectContaining({ kind: 'closed', reason: 'forbidden' }));
    expect(h.errors[0].code).toBe('forbidden');
    h.tick(10 * 60_000);
    h.http.expectNone(TICKET_URL);
    h.dispose();

    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    h.failTicket(403);
    expect(h.state).toEqual(jasmine.objectContaining({ kind: 'closed', reason: 'forbidden' }));
    expect(h.errors[0].code).toBe('ticket-forbidden');
    h.tick(10 * 60_000);
    h.http.expectNone(TICKET_URL);
  });

  it('connect() retries at once from a backoff', () => {
    openWith('tk-1');
    h.serverClose(1006);
    h.service.connect();
    h.grantTicket('tk-2');
    expect(h.state.kind).toBe('open');
  });
});
