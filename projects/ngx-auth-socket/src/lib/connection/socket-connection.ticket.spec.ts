import { TestBed } from '@angular/core/testing';
import { PLATFORM_ID } from '@angular/core';
import { JWT_A, SOCKET_URL, SocketHarness, TICKET_URL } from '../../spec-support/socket-harness';
import { withResume } from '../features';

describe('connection: ticket auth and lifecycle', () => {
  let h: SocketHarness;
  afterEach(() => h.dispose());

  it('stays idle with no subscriber, even with a token', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.tick(5000);
    h.http.expectNone(TICKET_URL);
    expect(h.state).toEqual({ kind: 'idle' });
  });

  it('stays idle with a subscriber but no token', () => {
    h = new SocketHarness();
    h.listen();
    h.tick(5000);
    h.http.expectNone(TICKET_URL);
    expect(h.state.kind).toBe('idle');
  });

  it('fetches a ticket with the Bearer JWT and opens the socket with ?ticket=', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    expect(h.state).toEqual({ kind: 'fetching-ticket', attempt: 1 });
    const request = h.expectTicketRequest();
    expect(request.request.method).toBe('GET');
    expect(request.request.headers.get('Authorization')).toBe(`Bearer ${JWT_A}`);
    request.flush({ ticket: 'tk-1', expires: Math.floor(h.now() / 1000) + 30 });
    expect(h.state).toEqual({ kind: 'connecting', attempt: 1, mode: 'ticket' });
    h.tick();
    expect(h.state).toEqual({ kind: 'open', mode: 'ticket', since: jasmine.any(Number) as unknown as number });
    expect(h.sockets.length).toBe(1);
    expect(h.lastSocket.url).toBe(`${SOCKET_URL}?ticket=tk-1`);
    expect(h.kinds).toEqual(['idle', 'fetching-ticket', 'connecting', 'open']);
  });

  it('never puts the JWT in the socket URL and sends nothing before the app does', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    h.grantTicket('tk-1');
    expect(h.lastSocket.url).not.toContain(JWT_A);
    expect(h.lastSocket.received).toEqual([]);
  });

  it('keeps the socket URL query and uses the configured ticket parameter', () => {
    h = new SocketHarness({ url: `${SOCKET_URL}?room=7`, ticketParam: 't' }, { token: JWT_A });
    h.listen();
    h.grantTicket('tk-9');
    expect(h.lastSocket.url).toBe(`${SOCKET_URL}?room=7&t=tk-9`);
  });

  describe('a ticket endpoint that is not ours (ticketMethod, readTicket)', () => {
    const foreign = {
      ticketMethod: 'POST' as const,
      readTicket: (b: { token: string; expires_in: number }) => ({
        ticket: b.token,
        expires: Date.now() + b.expires_in * 1000,
      }),
    };

    it('POSTs (no body, the Bearer header) and reads the ticket from the mapped body', () => {
      h = new SocketHarness(foreign, { token: JWT_A });
      h.listen();
      const request = h.expectTicketRequest();
      expect([request.request.method, request.request.body]).toEqual(['POST', null]);
      expect(request.request.headers.get('Authorization')).toBe(`Bearer ${JWT_A}`);
      request.flush({ token: 'tk-f', expires_in: 30 });
      h.tick();
      expect(h.state.kind).toBe('open');
      expect(h.lastSocket.url).toBe(`${SOCKET_URL}?ticket=tk-f`);
    });

    it('checks what readTicket returns like a body of ours; a readTicket that throws is a bad body too; both are retried', () => {
      h = new SocketHarness(foreign, { token: JWT_A });
      h.listen();
      h.expectTicketRequest().flush({ ticket: 'ours, not theirs' }); // readTicket finds no token
      expect(h.state.kind).toBe('reconnecting');
      h.advanceToRetry();
      h.expectTicketRequest().flush(null); // readTicket throws on null
      expect(h.state.kind).toBe('reconnecting');
      expect(h.errors.map((e) => e.code)).toEqual(['ticket-invalid', 'ticket-invalid']);
      expect(h.errors[1].message).toContain('readTicket threw');
      h.advanceToRetry();
      h.expectTicketRequest().flush({ token: 'tk-2', expires_in: 30 });
      h.tick();
      expect(h.state.kind).toBe('open');
    });

    it('never repeats what a throwing readTicket said (it may quote the ticket), in the message or the causes', () => {
      const secret = 'tk-secret-123';
      h = new SocketHarness(
        {
          ...foreign,
          readTicket: (b: { token: string }) => {
            throw new Error(`no expires_in in ${JSON.stringify(b)}`);
          },
        },
        { token: JWT_A },
      );
      h.listen();
      h.expectTicketRequest().flush({ token: secret });
      h.tick();
      expect(h.errors.map((e) => e.code)).toEqual(['ticket-invalid']);
      const chain: unknown[] = [];
      for (let e: unknown = h.errors[0]; e !== undefined; e = (e as { cause?: unknown }).cause) chain.push(e);
      for (const e of chain) expect(`${(e as Error).message} ${JSON.stringify(e)}`).not.toContain(secret);
    });

    it('keeps a resume point in the query of a POST', () => {
      h = new SocketHarness(foreign, { token: JWT_A, features: [withResume()] });
      h.listen();
      h.expectTicketRequest().flush({ token: 'tk-1', expires_in: 30 });
      h.tick();
      h.push({ type: 'chat', seq: 7 });
      h.serverClose(1006);
      h.advanceToRetry();
      const request = h.expectTicketRequest();
      expect([request.request.method, request.request.body, request.request.params.get('resume')]).toEqual([
        'POST',
        null,
        '7',
      ]);
    });

    it('a captureToken rule that matches the ticket endpoint never takes the ticket for the token', () => {
      h = new SocketHarness(
        { ...foreign, captureToken: [{ url: (u: string) => u.includes('/ws_ticket') }] },
        { token: JWT_A },
      );
      h.listen();
      h.expectTicketRequest().flush({ token: 'tk-1', expires_in: 30 });
      h.tick();
      expect(h.state.kind).toBe('open');
      expect(h.store.token()).toBe(JWT_A);
    });

    it('in auto mode POSTs too, and a 405 to the POST still means "no tickets here": first-message auth', () => {
      h = new SocketHarness({ ...foreign, auth: 'auto' }, { token: JWT_A });
      h.listen();
      const request = h.expectTicketRequest();
      expect(request.request.method).toBe('POST');
      request.flush({ detail: 'Method not allowed.' }, { status: 405, statusText: 'Method Not Allowed' });
      h.tick();
      expect(h.lastSocket.url).toBe(SOCKET_URL);
      expect(h.lastSocket.received).toEqual([{ type: 'auth', payload: JWT_A }]);
      h.acceptAuth();
      expect(h.state).toEqual(jasmine.objectContaining({ kind: 'open', mode: 'first-message' }));
    });

    it('asks with GET and reads {ticket, expires} by default', () => {
      h = new SocketHarness({}, { token: JWT_A });
      h.listen();
      expect(h.grantTicket('tk-1').request.method).toBe('GET');
      expect(h.state.kind).toBe('open');
    });
  });

  it('delivers decoded messages to messages$ and to on(type) only for that type', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    const chats: unknown[] = [];
    const other: unknown[] = [];
    h.service.on('chat').subscribe((m) => chats.push(m));
    h.service.on('presence').subscribe((m) => other.push(m));
    h.grantTicket();
    h.push({ type: 'chat', text: 'hi' });
    h.push({ type: 'news', id: 1 });
    expect(h.messages).toEqual([
      { type: 'chat', text: 'hi' },
      { type: 'news', id: 1 },
    ]);
    expect(chats).toEqual([{ type: 'chat', text: 'hi' }]);
    expect(other).toEqual([]);
  });

  it('opens when an on(type) stream is the first subscriber', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.service.on('chat').subscribe();
    h.grantTicket();
    expect(h.state.kind).toBe('open');
  });

  it('does not open for state$ or errors$ subscribers alone', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.service.state$.subscribe();
    h.service.errors$.subscribe();
    h.http.expectNone(TICKET_URL);
  });

  it('closes after the grace period once the last subscriber leaves, and reopens on demand', () => {
    h = new SocketHarness({ idleCloseDelayMs: 2000 }, { token: JWT_A });
    const first = h.listen();
    h.grantTicket('tk-1');
    first.unsubscribe();
    h.tick(1999);
    expect(h.state.kind).toBe('open');
    h.tick(1);
    expect(h.state).toEqual({ kind: 'idle' });
    h.listen();
    h.grantTicket('tk-2');
    expect(h.state.kind).toBe('open');
    expect(h.lastSocket.url).toContain('ticket=tk-2');
  });

  it('keeps the socket when a subscriber returns within the grace period', () => {
    h = new SocketHarness({ idleCloseDelayMs: 2000 }, { token: JWT_A });
    const first = h.listen();
    h.grantTicket();
    first.unsubscribe();
    h.tick(1000);
    h.listen();
    h.tick(5000);
    expect(h.state.kind).toBe('open');
    expect(h.sockets.length).toBe(1);
  });

  it('stays up without subscribers when keepAlive is set', () => {
    h = new SocketHarness({ keepAlive: true }, { token: JWT_A });
    h.grantTicket();
    expect(h.state.kind).toBe('open');
    h.tick(60_000);
    expect(h.state.kind).toBe('open');
  });

  it('connect() opens without subscribers; disconnect() closes with 1000 and does not reconnect', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.service.connect();
    h.grantTicket();
    expect(h.state.kind).toBe('open');
    h.service.disconnect();
    h.tick(100);
    expect(h.lastSocket.closeCode).toBe(1000);
    expect(h.state).toEqual({ kind: 'closed', reason: 'client' });
    h.listen();
    h.tick(60_000);
    h.http.expectNone(TICKET_URL);
    h.service.connect();
    h.grantTicket('tk-2');
    expect(h.state.kind).toBe('open');
  });

  it('never connects on the server platform', () => {
    h = new SocketHarness({}, { token: JWT_A, providers: [{ provide: PLATFORM_ID, useValue: 'server' }] });
    h.listen();
    h.service.connect();
    h.tick(1000);
    h.http.expectNone(TICKET_URL);
    expect(h.state.kind).toBe('idle');
  });

  it('releases the socket, timers and streams when its injector is destroyed', () => {
    h = new SocketHarness({}, { token: JWT_A });
    let completed = false;
    h.service.messages$.subscribe({ complete: () => (completed = true) });
    h.grantTicket();
    TestBed.resetTestingModule();
    expect(h.activeTimers).toBe(0);
    expect(h.networkWatched).toBeFalse();
    h.tick(100);
    expect(h.lastSocket.closeCode).toBe(1000);
    expect(completed).toBeTrue();
  });

  it('never fetches or presents an expired ticket: it fetches another', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    h.grantTicket('stale', Math.floor(h.now() / 1000) - 5);
    expect(h.sockets.length).toBe(0);
    expect(h.errors.map((e) => e.code)).toEqual(['ticket-expired']);
    expect(h.state.kind).toBe('reconnecting');
    h.tick(1000);
    h.grantTicket('fresh');
    expect(h.lastSocket.url).toContain('ticket=fresh');
    expect(h.sockets.length).toBe(1);
  });

  it('exposes the state as a signal as well', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    expect(h.service.state().kind).toBe('fetching-ticket');
    h.grantTicket();
    expect(h.service.state().kind).toBe('open');
  });
});
