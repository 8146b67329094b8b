import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import {
  AuthSocketConfig,
  AuthSocketError,
  AuthSocketFeature,
  AuthSocketService,
  AuthTokenStore,
  SendReceipt,
  SocketMessage,
  authTokenInterceptor,
  provideAuthSocket,
  withHeartbeat,
} from 'ngx-auth-socket';
import { AuthSocketTestingController, AuthSocketTestingOptions, provideAuthSocketTesting } from 'ngx-auth-socket/testing';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

describe('ngx-auth-socket/testing', () => {
  let socket: AuthSocketTestingController;
  let service: AuthSocketService;
  let messages: SocketMessage[];
  let errors: AuthSocketError[];

  function setUp(config: Partial<AuthSocketConfig> = {}, options: AuthSocketTestingOptions = {}, ...features: AuthSocketFeature[]): void {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authTokenInterceptor])),
        provideHttpClientTesting(),
        provideAuthSocket({ url: 'wss://api.test/channel/', ...config }, ...features),
        provideAuthSocketTesting(options),
      ],
    });
    socket = TestBed.inject(AuthSocketTestingController);
    service = TestBed.inject(AuthSocketService);
    TestBed.inject(AuthTokenStore).set(JWT);
    messages = [];
    errors = [];
    service.messages$.subscribe((m) => messages.push(m));
    service.errors$.subscribe((e) => errors.push(e));
  }

  const delayMs = () => {
    const state = service.state();
    return state.kind === 'reconnecting' ? state.delayMs : `not reconnecting but ${state.kind}`;
  };

  afterEach(() => TestBed.resetTestingModule());

  describe('tickets and sockets', () => {
    it('answers the ticket request, opens the socket with the ticket and pushes messages', async () => {
      setUp();
      const ticket = socket.expectTicketRequest();
      expect(ticket.request.headers.get('Authorization')).toBe(`Bearer ${JWT}`);
      ticket.grant('tk-1');
      await socket.flush();
      expect(socket.socket.ticket).toBe('tk-1');
      expect(socket.socket.url).toBe('wss://api.test/channel/?ticket=tk-1');
      expect(service.state().kind).toBe('open');
      socket.push({ type: 'chat', text: 'hi' });
      expect(messages).toEqual([{ type: 'chat', text: 'hi' }]);
      socket.verify();
    });

    it('names the state and what to do when no ticket request is pending', async () => {
      setUp();
      await socket.open();
      expect(() => socket.expectTicketRequest()).toThrowError(
        'Expected one pending ticket request to https://api.test/ws_ticket, found none; the connection state is "open".',
      );
      socket.drop(1006);
      await socket.flush();
      expect(() => socket.expectTicketRequest()).toThrowError(/state is "reconnecting" \(advanceToReconnect\(\) starts the next attempt\)/);
    });

    it('fails the ticket request with a status: 401 without a refresh hook leaves the service unauthorized', () => {
      setUp();
      socket.expectTicketRequest().fail(401);
      expect(service.state().kind).toBe('unauthorized');
      expect(errors.map((e) => e.code)).toContain('ticket-unauthorized');
      socket.verify();
    });

    it('falls back to first-message auth when the ticket endpoint answers 404 (auto mode)', async () => {
      setUp();
      socket.expectTicketRequest().fail(404);
      await socket.flush();
      expect(socket.socket.ticket).toBeNull();
      expect(service.state().kind).toBe('authenticating');
      expect(socket.acceptAuth({ user: 'alice' })).toEqual({ type: 'auth', payload: JWT });
      await socket.flush();
      expect(service.state().kind).toBe('open');
      socket.verify();
    });
  });

  describe('frames', () => {
    it('shows what the client sent, and says what it expected when a frame is missing', async () => {
      setUp();
      await socket.open();
      service.send({ type: 'chat', text: 'hello' }).subscribe();
      await socket.flush();
      expect(socket.sent()).toEqual([{ type: 'chat', text: 'hello' }]);
      expect(() => socket.expectSent('typing')).toThrowError(
        'Expected a "typing" frame from the client; it sent {"type":"chat","text":"hello"}.',
      );
      expect(socket.expectSent((f) => (f as { text?: string }).text === 'hello')).toEqual({ type: 'chat', text: 'hello' });
      expect(() => socket.expectSent('chat')).toThrowError(/it sent nothing \(did you await flush\(\)/);
      socket.verify();
    });

    it('pushes raw frames: a non-JSON frame is a bad-frame error and the connection stays open', async () => {
      setUp();
      await socket.open();
      socket.pushRaw('not json');
      expect(errors.map((e) => e.code)).toEqual(['bad-frame']);
      expect(messages).toEqual([]);
      expect(service.state().kind).toBe('open');
    });

    it('acknowledges by id (deterministic ids) and refuses an id the client never sent', async () => {
      setUp({ delivery: { acks: true } });
      await socket.open();
      const receipts: SendReceipt[] = [];
      service.send({ type: 'chat', text: 'a' }).subscribe((r) => receipts.push(r));
      await socket.flush();
      expect(socket.expectSent('chat')).toEqual({ type: 'chat', text: 'a', id: 'test-id-1' });
      expect(receipts).toEqual([]);
      expect(() => socket.ack('test-id-9')).toThrowError('ack("test-id-9"): the client sent no frame with this id on this socket; ids it sent: "test-id-1".');
      socket.ack('test-id-1');
      expect(receipts).toEqual([{ queued: false, acked: true }]);
    });

    it('ackAll() acknowledges every frame with an id not taken yet', async () => {
      setUp({ delivery: { acks: true } });
      await socket.open();
      const acked: string[] = [];
      service.send({ type: 'chat', text: 'a' }).subscribe((r) => r.acked && acked.push('a'));
      service.send({ type: 'chat', text: 'b' }).subscribe((r) => r.acked && acked.push('b'));
      await socket.flush();
      expect(socket.ackAll()).toEqual(['test-id-1', 'test-id-2']);
      expect(acked).toEqual(['a', 'b']);
      socket.socket.takeAll();
    });
  });

  describe('first-message auth', () => {
    it('completes authentication, then refuses it after a reconnect (4001 without refresh hook → unauthorized)', async () => {
      setUp({ auth: 'first-message' });
      await socket.flush();
      expect(socket.acceptAuth().payload).toBe(JWT);
      await socket.flush();
      expect(service.state().kind).toBe('open');
      socket.drop(1012, 'kicked');
      await socket.flush();
      socket.advanceToReconnect();
      await socket.flush();
      expect(socket.rejectAuth().type).toBe('auth');
      await socket.flush();
      expect(service.state().kind).toBe('unauthorized');
      expect(socket.socket.closed).toEqual({ code: 4001, reason: 'invalid_token' });
      socket.verify();
    });

    it('rejectAuth({code: 4003}) answers auth_error "forbidden" and closes with 4003', async () => {
      setUp({ auth: 'first-message' });
      await socket.flush();
      expect(socket.rejectAuth({ code: 4003 }).payload).toBe(JWT);
      await socket.flush();
      expect(socket.socket.closed).toEqual({ code: 4003, reason: 'forbidden' });
      expect(errors[0].code).toBe('forbidden');
      expect(errors[0].reason).toBe('forbidden');
      expect(service.state()).toEqual(jasmine.objectContaining({ kind: 'closed', reason: 'forbidden' }));
      socket.verify();
    });

    it('expectAuthFrame() takes the auth frame without answering it', async () => {
      setUp({ auth: 'first-message' });
      await socket.flush();
      expect(socket.expectAuthFrame()).toEqual({ type: 'auth', payload: JWT });
      expect(service.state().kind).toBe('authenticating');
      expect(() => socket.expectAuthFrame()).toThrowError(/Expected a "auth" frame from the client; it sent nothing/);
    });
  });

  describe('closes', () => {
    it('a server close 4003 stops the library: closed (forbidden), nothing to advance to', async () => {
      setUp();
      await socket.open();
      socket.drop(4003, 'forbidden');
      await socket.flush();
      const state = service.state();
      expect(state.kind === 'closed' && state.reason).toBe('forbidden');
      expect(() => socket.advanceToReconnect()).toThrowError('advanceToReconnect(): no reconnect is pending; the state is "closed".');
      socket.verify();
    });

    it('a close with a retry hint is honoured on the virtual clock', async () => {
      setUp({ reconnect: { initialDelayMs: 1000, maxDelayMs: 30_000 } });
      await socket.open();
      socket.drop(1013, 'retry_after=5');
      await socket.flush();
      expect(delayMs()).toBe(5000);
      socket.tick(4999);
      expect(() => socket.expectTicketRequest()).toThrowError(/found none/);
      socket.tick(1);
      socket.expectTicketRequest().grant();
      await socket.flush();
      expect(service.state().kind).toBe('open');
    });
  });

  describe('time', () => {
    it('advances exactly to the reconnect, which fetches a fresh ticket', async () => {
      setUp({ reconnect: { initialDelayMs: 1000 } });
      await socket.open('tk-1');
      const dropped = socket.now();
      socket.drop(1006);
      await socket.flush();
      // random() is 0.5 by default: half of the first ceiling (full jitter).
      expect(delayMs()).toBe(500);
      socket.tick(499);
      expect(() => socket.expectTicketRequest()).toThrowError(/found none/);
      socket.advanceToReconnect();
      expect(socket.now() - dropped).toBe(500);
      socket.expectTicketRequest().grant('tk-2');
      await socket.flush();
      expect(socket.sockets.map((s) => s.ticket)).toEqual(['tk-1', 'tk-2']);
      expect(service.state().kind).toBe('open');
      socket.verify();
    });

    it('honours the backoff exactly: the drawn share of a ceiling that doubles per failed attempt', async () => {
      setUp({ reconnect: { initialDelayMs: 1000, factor: 2 } }, { random: 0.75 });
      await socket.open();
      const dropped = socket.now();
      socket.drop(1006);
      await socket.flush();
      expect(delayMs()).toBe(750);
      socket.tick(749);
      expect(service.state().kind).toBe('reconnecting');
      socket.tick(1);
      expect(socket.now() - dropped).toBe(750);
      socket.expectTicketRequest().fail(503);
      expect(delayMs()).toBe(1500);
      socket.tick(1499);
      expect(service.state().kind).toBe('reconnecting');
      socket.tick(1);
      await socket.open();
      expect(service.state().kind).toBe('open');
    });

    it('runs the heartbeat on the virtual clock: a ping after intervalMs, a reconnect when unanswered', async () => {
      setUp({}, {}, withHeartbeat({ intervalMs: 1000, timeoutMs: 500 }));
      await socket.open();
      socket.tick(999);
      await socket.flush();
      expect(socket.sent()).toEqual([]);
      socket.tick(1);
      await socket.flush();
      expect(socket.expectSent('ping')).toEqual({ type: 'ping' });
      socket.tick(500);
      await socket.flush();
      expect(errors.map((e) => e.code)).toContain('heartbeat-timeout');
      expect(service.state().kind).toBe('reconnecting');
    });
  });

  it('refuses a random() outside [0, 1) when the providers are built', () => {
    expect(() => provideAuthSocketTesting({ random: 1 })).toThrowError(RangeError, /random must be in \[0, 1\)/);
  });

  describe('network', () => {
    it('goes offline and back: the reconnect waits for the network, then starts at once', async () => {
      setUp();
      await socket.open();
      socket.goOffline();
      socket.drop(1006);
      await socket.flush();
      expect(service.state().kind).toBe('waiting-for-network');
      expect(() => socket.advanceToReconnect()).toThrowError(/"waiting-for-network" \(goOnline\(\) brings the network back\)/);
      socket.goOnline();
      socket.expectTicketRequest().grant();
      await socket.flush();
      expect(service.state().kind).toBe('open');
    });

    it('resumePage() cuts a pending backoff short', async () => {
      setUp({ reconnect: { initialDelayMs: 10_000 } });
      await socket.open();
      socket.drop(1006);
      await socket.flush();
      expect(service.state().kind).toBe('reconnecting');
      socket.resumePage();
      socket.expectTicketRequest().grant();
      await socket.flush();
      expect(service.state().kind).toBe('open');
    });
  });

  describe('verify()', () => {
    it('reports unanswered ticket requests', () => {
      setUp();
      expect(() => socket.verify()).toThrowError(
        'AuthSocketTestingController.verify(): 1 ticket request(s) to https://api.test/ws_ticket were not answered.',
      );
    });

    it('reports frames no spec took, on open and on closed sockets', async () => {
      setUp();
      await socket.open();
      service.send({ type: 'chat', text: 'left over' }).subscribe();
      await socket.flush();
      expect(() => socket.verify()).toThrowError(/socket 1 received 1 frame\(s\) no spec took: \{"type":"chat","text":"left over"\}/);
      socket.drop(1006);
      await socket.flush();
      expect(() => socket.verify()).toThrowError(/socket 1 received 1 frame/);
      socket.sockets[0].takeAll();
      expect(() => socket.verify()).not.toThrow();
    });
  });
});
