import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { AuthSocketConfig, AuthSocketService, AuthTokenStore, SendReceipt, SocketMessage, authTokenInterceptor, provideAuthSocket } from 'ngx-auth-socket';
import { AuthSocketTestingController, provideAuthSocketTesting } from 'ngx-auth-socket/testing';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

describe('ngx-auth-socket/testing', () => {
  let socket: AuthSocketTestingController;
  let service: AuthSocketService;
  let messages: SocketMessage[];

  function setUp(config: Partial<AuthSocketConfig> = {}): void {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authTokenInterceptor])),
        provideHttpClientTesting(),
        provideAuthSocket({ url: 'wss://api.test/channel/', ...config }),
        provideAuthSocketTesting(),
      ],
    });
    socket = TestBed.inject(AuthSocketTestingController);
    service = TestBed.inject(AuthSocketService);
    TestBed.inject(AuthTokenStore).set(JWT);
    messages = [];
    service.messages$.subscribe((m) => messages.push(m));
  }

  afterEach(() => TestBed.resetTestingModule());

  it('answers the ticket request, opens the socket with the ticket and pushes messages', async () => {
    setUp();
    const ticket = socket.expectTicketRequest();
    expect(ticket.request.headers.get('Authorization')).toBe(`Bearer ${JWT}`);
    ticket.grant('tk-1');
    await socket.flush();
    expect(socket.socket.ticket).toBe('tk-1');
    expect(service.state().kind).toBe('open');
    socket.push({ type: 'chat', text: 'hi' });
    expect(messages).toEqual([{ type: 'chat', text: 'hi' }]);
    socket.verify();
  });

  it('shows what the client sent, and says what it expected when a frame is missing', async () => {
    setUp();
    await socket.open();
    service.send({ type: 'chat', text: 'hello' }).subscribe();
    await socket.flush();
    expect(() => socket.expectSent('typing')).toThrowError(/Expected a "typing" frame from the client; it sent \{"type":"chat","text":"hello"\}/);
    expect(socket.expectSent('chat')).toEqual({ type: 'chat', text: 'hello' });
    socket.verify();
  });

  it('drops the connection and advances exactly to the reconnect, which fetches a fresh ticket', async () => {
    setUp({ reconnect: { initialDelayMs: 1000 } });
    await socket.open('tk-1');
    socket.drop(1006);
    await socket.flush();
    const state = service.state();
    expect(state.kind).toBe('reconnecting');
    // random() is 0.5 by default: half of the first ceiling (full jitter).
    expect(state.kind === 'reconnecting' && state.delayMs).toBe(500);
    socket.tick(499);
    expect(service.state().kind).toBe('reconnecting');
    socket.advanceToReconnect();
    socket.expectTicketRequest().grant('tk-2');
    await socket.flush();
    expect(socket.sockets.map((s) => s.ticket)).toEqual(['tk-1', 'tk-2']);
    expect(service.state().kind).toBe('open');
  });

  it('completes or refuses first-message authentication', async () => {
    setUp({ auth: 'first-message' });
    await socket.flush();
    expect(socket.acceptAuth().payload).toBe(JWT);
    await socket.flush();
    expect(service.state().kind).toBe('open');
    socket.drop(1012, 'kicked');
    await socket.flush();
    socket.advanceToReconnect();
    await socket.flush();
    socket.rejectAuth('invalid_token');
    await socket.flush();
    expect(service.state().kind).toBe('unauthorized');
  });

  it('verify() reports unanswered ticket requests and frames no spec took', async () => {
    setUp();
    expect(() => socket.verify()).toThrowError(/1 ticket request\(s\) were not answered/);
    await socket.open();
    service.send({ type: 'chat', text: 'left over' }).subscribe();
    await socket.flush();
    expect(() => socket.verify()).toThrowError(/socket 1 has 1 frame\(s\) no spec took/);
    socket.socket.takeAll();
    expect(() => socket.verify()).not.toThrow();
  });

  it('acknowledges frames with ids when delivery acks are on', async () => {
    setUp({ delivery: { acks: true } });
    await socket.open();
    const receipts: SendReceipt[] = [];
    service.send({ type: 'chat', text: 'a' }).subscribe((r) => receipts.push(r));
    await socket.flush();
    expect(receipts).toEqual([]);
    expect(socket.ackAll()).toEqual(['test-id-1']);
    expect(receipts).toEqual([{ queued: false, acked: true }]);
    socket.expectSent('chat');
  });

  it('goes offline and back: the reconnect waits for the network, then starts at once', async () => {
    setUp();
    await socket.open();
    socket.goOffline();
    socket.drop(1006);
    await socket.flush();
    expect(service.state().kind).toBe('waiting-for-network');
    socket.goOnline();
    socket.expectTicketRequest().grant();
    await socket.flush();
    expect(service.state().kind).toBe('open');
  });

  it('fails the ticket request with a status: 401 without a refresh hook leaves the service unauthorized', async () => {
    setUp();
    socket.expectTicketRequest().fail(401);
    expect(service.state().kind).toBe('unauthorized');
    socket.verify();
  });
});
