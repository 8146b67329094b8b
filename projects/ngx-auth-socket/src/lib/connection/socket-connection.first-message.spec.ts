import { JWT_A, JWT_B, SOCKET_URL, SocketHarness, TICKET_URL } from '../../spec-support/socket-harness';

describe('connection: first-message auth and the fallback', () => {
  let h: SocketHarness;
  afterEach(() => h.dispose());

  for (const status of [404, 405, 501]) {
    it(`auto mode falls back to first-message auth when the ticket endpoint answers ${status}`, () => {
      h = new SocketHarness({}, { token: JWT_A });
      h.listen();
      h.failTicket(status);
      expect(h.errors).toEqual([]);
      expect(h.lastSocket.url).toBe(SOCKET_URL);
      expect(h.lastSocket.received).toEqual([{ type: 'auth', payload: JWT_A }]);
      expect(h.state).toEqual({ kind: 'authenticating', attempt: 1 });
      h.acceptAuth();
      expect(h.state).toEqual(jasmine.objectContaining({ kind: 'open', mode: 'first-message' }));
    });
  }

  it('remembers the fallback for later reconnects of the same service', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    h.failTicket(404);
    h.acceptAuth();
    h.serverClose(1006);
    h.advanceToRetry();
    h.tick();
    h.http.expectNone(TICKET_URL);
    expect(h.sockets.length).toBe(2);
    expect(h.lastSocket.received).toEqual([{ type: 'auth', payload: JWT_A }]);
  });

  it('ticket mode does not fall back: a 404 is retried', () => {
    h = new SocketHarness({ auth: 'ticket' }, { token: JWT_A });
    h.listen();
    h.failTicket(404);
    expect(h.sockets.length).toBe(0);
    expect(h.state.kind).toBe('reconnecting');
  });

  it('first-message mode never asks for a ticket and sends the JWT only in the first frame', () => {
    h = new SocketHarness({ auth: 'first-message' }, { token: JWT_A });
    h.listen();
    h.tick();
    h.http.expectNone(TICKET_URL);
    expect(h.lastSocket.url).toBe(SOCKET_URL);
    expect(h.lastSocket.url).not.toContain(JWT_A);
    expect(h.lastSocket.received).toEqual([{ type: 'auth', payload: JWT_A }]);
  });

  it('does not deliver the acknowledgement to subscribers', () => {
    h = new SocketHarness({ auth: 'first-message' }, { token: JWT_A });
    h.listen();
    h.tick();
    h.acceptAuth();
    h.push({ type: 'chat', text: 'hello' });
    expect(h.messages).toEqual([{ type: 'chat', text: 'hello' }]);
  });

  it('times out waiting for the acknowledgement, closes and backs off', () => {
    h = new SocketHarness({ auth: 'first-message', firstMessage: { ackTimeoutMs: 3000 } }, { token: JWT_A });
    h.listen();
    h.tick(); // the socket opens and the auth frame goes out: the wait for the ack starts now
    h.tick(2999);
    expect(h.state.kind).toBe('authenticating');
    h.tick(1);
    expect(h.errors[0].code).toBe('auth-timeout');
    expect(h.state.kind).toBe('reconnecting');
    expect(h.sockets[0].closeCode).toBe(1000);
  });

  it('treats auth_error as unauthorized', () => {
    h = new SocketHarness({ auth: 'first-message' }, { token: JWT_A });
    h.listen();
    h.tick();
    h.rejectAuth('invalid_token');
    expect(h.errors[0].code).toBe('auth-rejected');
    expect(h.errors[0].reason).toBe('invalid_token');
    expect(h.state.kind).toBe('unauthorized');
  });

  it('treats auth_error "forbidden" (a user the socket may not serve) as forbidden: closed, no refresh', () => {
    const refresh = jasmine.createSpy('refreshToken').and.returnValue(Promise.resolve('other-token'));
    h = new SocketHarness({ auth: 'first-message', refreshToken: refresh }, { token: JWT_A });
    h.listen();
    h.tick();
    h.rejectAuth('forbidden');
    expect(h.errors[0].code).toBe('forbidden');
    expect(h.state).toEqual(jasmine.objectContaining({ kind: 'closed', reason: 'forbidden' }));
    expect(refresh).not.toHaveBeenCalled();
  });

  it('uses custom auth message, ack and rejection predicates', () => {
    h = new SocketHarness(
      {
        auth: 'first-message',
        firstMessage: {
          buildAuthMessage: (jwt) => ({ type: 'hello', token: jwt }),
          isAck: (m) => m.type === 'welcome',
          isRejection: (m) => m.type === 'go_away',
        },
      },
      { token: JWT_A },
    );
    h.listen();
    h.tick();
    expect(h.lastSocket.received).toEqual([{ type: 'hello', token: JWT_A }]);
    h.push({ type: 'auth_ok' });
    expect(h.state.kind).toBe('authenticating');
    h.push({ type: 'welcome' });
    expect(h.state.kind).toBe('open');
  });

  it('opens right after the auth frame when waitForAck is false', () => {
    h = new SocketHarness({ auth: 'first-message', firstMessage: { waitForAck: false } }, { token: JWT_A });
    h.listen();
    h.tick();
    expect(h.state.kind).toBe('open');
  });

  it('re-authenticates in band when the token changes (default in first-message mode)', () => {
    h = new SocketHarness({ auth: 'first-message' }, { token: JWT_A });
    h.listen();
    h.tick();
    h.acceptAuth();
    h.store.set(JWT_B);
    h.tick();
    expect(h.sockets.length).toBe(1);
    expect(h.lastSocket.received).toEqual([
      { type: 'auth', payload: JWT_A },
      { type: 'auth', payload: JWT_B },
    ]);
    h.acceptAuth();
    h.tick(60_000);
    expect(h.state.kind).toBe('open');
    expect(h.messages).toEqual([]);
  });

  it('replaces the socket make-before-break when a re-auth is not acknowledged, and from then on', () => {
    h = new SocketHarness({ auth: 'first-message', firstMessage: { ackTimeoutMs: 1000 } }, { token: JWT_A });
    h.listen();
    h.tick();
    h.acceptAuth();
    h.store.set(JWT_B);
    h.tick(1000);
    h.tick();
    // The server ignored the re-auth frame: a second socket authenticates with the new token ...
    expect(h.sockets.length).toBe(2);
    expect(h.sockets[0].closeCode).toBeNull();
    expect(h.sockets[1].received).toEqual([{ type: 'auth', payload: JWT_B }]);
    h.acceptAuth();
    // ... and only then does the first one close, after draining. The state never left open; nothing was reported.
    h.tick(2000);
    expect(h.sockets[0].closeCode).toBe(1000);
    expect(h.kinds.filter((k) => k !== 'open').slice(-1)).toEqual(['authenticating']);
    expect(h.state.kind).toBe('open');
    expect(h.errors).toEqual([]);
    // The next token change goes straight to a new socket: no second wait for an ack that never comes.
    h.store.set(JWT_A);
    h.tick();
    expect(h.sockets.length).toBe(3);
    expect(h.sockets[1].received.length).toBe(1);
  });

  it('with onTokenChange reconnect, a second socket authenticates before the first closes', () => {
    h = new SocketHarness({ auth: 'first-message', onTokenChange: 'reconnect' }, { token: JWT_A });
    h.listen();
    h.tick();
    h.acceptAuth();
    h.push({ type: 'chat', n: 1 });
    h.store.set(JWT_B);
    h.tick();
    expect(h.sockets.length).toBe(2);
    expect(h.sockets[0].closeCode).toBeNull();
    expect(h.lastSocket.received).toEqual([{ type: 'auth', payload: JWT_B }]);
    // Until the successor is acknowledged, messages still come from the first socket.
    h.sockets[0].send({ type: 'chat', n: 2 });
    h.tick();
    h.acceptAuth();
    h.tick(2000);
    expect(h.sockets[0].closeCode).toBe(1000);
    h.push({ type: 'chat', n: 3 });
    expect(h.messages.map((m) => m['n'])).toEqual([1, 2, 3]);
    expect(h.state.kind).toBe('open');
    expect(h.errors).toEqual([]);
  });
});
