import { JWT_A, JWT_B, SocketHarness, TICKET_URL, makeJwt } from '../../spec-support/socket-harness';

describe('connection: driven by the token store', () => {
  let h: SocketHarness;
  afterEach(() => h.dispose());

  it('connects when a token appears while someone is subscribed', () => {
    h = new SocketHarness();
    h.listen();
    h.http.expectNone(TICKET_URL);
    h.store.set(JWT_A);
    h.grantTicket();
    expect(h.state.kind).toBe('open');
  });

  it('closes at once with 1000 on logout, goes idle and delivers nothing more', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    h.grantTicket();
    h.push({ type: 'chat', n: 1 });
    const socket = h.lastSocket;
    h.store.clear();
    expect(h.state).toEqual({ kind: 'idle' });
    socket.send({ type: 'chat', n: 2 });
    h.tick(100);
    expect(socket.closeCode).toBe(1000);
    expect(h.messages).toEqual([{ type: 'chat', n: 1 }]);
    h.tick(10 * 60_000);
    h.http.expectNone(TICKET_URL);
  });

  it('cancels a ticket request in flight on logout', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    const pending = h.expectTicketRequest();
    h.store.clear();
    expect(pending.cancelled).toBeTrue();
    expect(h.state).toEqual({ kind: 'idle' });
  });

  it('reconnects with a fresh ticket when the token changes in ticket mode (default)', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    h.grantTicket('tk-1');
    h.store.set(JWT_B);
    const request = h.grantTicket('tk-2');
    expect(request.request.headers.get('Authorization')).toBe(`Bearer ${JWT_B}`);
    h.tick(2000);
    expect(h.sockets[0].closeCode).toBe(1000);
    expect(h.lastSocket.url).toContain('ticket=tk-2');
    expect(h.state.kind).toBe('open');
  });

  it('restarts an attempt in flight with the new token', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    const first = h.expectTicketRequest();
    h.store.set(JWT_B);
    expect(first.cancelled).toBeTrue();
    const second = h.grantTicket('tk-b');
    expect(second.request.headers.get('Authorization')).toBe(`Bearer ${JWT_B}`);
  });

  it('on 401 calls refreshToken() once and retries with the new token', async () => {
    const refresh = jasmine.createSpy('refreshToken').and.resolveTo(JWT_B);
    h = new SocketHarness({ refreshToken: refresh }, { token: JWT_A });
    h.listen();
    h.failTicket(401);
    expect(h.state).toEqual({ kind: 'refreshing-token', attempt: 1 });
    await h.settle();
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(h.store.token()).toBe(JWT_B);
    const retry = h.grantTicket('tk-2');
    expect(retry.request.headers.get('Authorization')).toBe(`Bearer ${JWT_B}`);
    expect(h.state.kind).toBe('open');
    expect(h.errors.map((e) => e.code)).toEqual(['ticket-unauthorized']);
  });

  it('refreshes after close 4001 (token expired while open) and comes back', async () => {
    const refresh = jasmine.createSpy('refreshToken').and.resolveTo(JWT_B);
    h = new SocketHarness({ refreshToken: refresh }, { token: JWT_A });
    h.listen();
    h.grantTicket('tk-1');
    h.serverClose(4001, 'token_expired');
    expect(h.errors[0].code).toBe('auth-rejected');
    await h.settle();
    h.grantTicket('tk-2');
    expect(h.state.kind).toBe('open');
  });

  it('goes unauthorized without a retry loop when the refreshed token is refused too', async () => {
    const refresh = jasmine.createSpy('refreshToken').and.resolveTo(JWT_B);
    h = new SocketHarness({ refreshToken: refresh }, { token: JWT_A });
    h.listen();
    h.failTicket(401);
    await h.settle();
    h.failTicket(401);
    await h.settle();
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(h.state.kind).toBe('unauthorized');
    expect(h.errors.map((e) => e.code)).toEqual(['ticket-unauthorized', 'ticket-unauthorized', 'unauthorized']);
    h.tick(10 * 60_000);
    h.http.expectNone(TICKET_URL);
  });

  it('goes unauthorized when refreshToken() yields null or throws', async () => {
    h = new SocketHarness({ refreshToken: () => Promise.reject(new Error('refresh endpoint down')) }, { token: JWT_A });
    h.listen();
    h.failTicket(401);
    await h.settle();
    expect(h.state.kind).toBe('unauthorized');
    expect(h.errors.map((e) => e.code)).toEqual(['ticket-unauthorized', 'refresh-failed', 'unauthorized']);
  });

  it('without a refresh hook waits in unauthorized until the store gets a new token', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    h.failTicket(401);
    expect(h.state.kind).toBe('unauthorized');
    h.tick(10 * 60_000);
    h.http.expectNone(TICKET_URL);
    h.store.set(JWT_B);
    h.grantTicket('tk-2');
    expect(h.state.kind).toBe('open');
  });

  it('after forbidden, stays closed for a refreshed token of the same user; another user or connect() tries again', () => {
    const bob = makeJwt({ sub: 'bob' });
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    h.failTicket(403);
    expect(h.state).toEqual(jasmine.objectContaining({ kind: 'closed', reason: 'forbidden' }));
    h.store.set(JWT_B); // alice again, refreshed
    h.tick(10 * 60_000);
    h.http.expectNone(TICKET_URL);
    h.store.set(bob);
    h.grantTicket();
    expect(h.state.kind).toBe('open');
    h.serverClose(4003);
    expect(h.state.kind).toBe('closed');
    h.service.connect();
    h.grantTicket();
    expect(h.state.kind).toBe('open');
  });

  it('reads the token through tokenGetter on every attempt', async () => {
    let current = JWT_A;
    h = new SocketHarness({ tokenGetter: () => Promise.resolve(current) });
    h.listen();
    await h.settle();
    const first = h.grantTicket('tk-1');
    expect(first.request.headers.get('Authorization')).toBe(`Bearer ${JWT_A}`);
    current = JWT_B;
    h.serverClose(1006);
    h.advanceToRetry();
    await h.settle();
    const second = h.grantTicket('tk-2');
    expect(second.request.headers.get('Authorization')).toBe(`Bearer ${JWT_B}`);
  });

  it('keeps JWTs and tickets out of every state and error', async () => {
    h = new SocketHarness({ refreshToken: () => Promise.resolve(null) }, { token: JWT_A });
    h.listen();
    h.grantTicket('secret-ticket-1');
    h.serverClose(4001, `expired ${JWT_A}`);
    await h.settle();
    const dump = JSON.stringify(h.states) + h.errors.map((e) => `${e.message} ${e.reason} ${e.stack}`).join('\n');
    expect(dump).not.toContain(JWT_A);
    expect(dump).not.toContain('secret-ticket-1');
  });
});
