import { HttpRequest } from '@angular/common/http';
import { AuthSocketError, isAuthSocketError } from '../errors';
import { SendReceipt } from '../messaging/outbox';
import { JWT_A, START_TIME, SocketHarness, TICKET_URL, makeJwt } from '../../spec-support/socket-harness';
import { ResyncEvent } from '../messaging/resume-tracker';
import { withHeartbeat, withResume } from '../features';
import { withRequests } from '../messaging/with-requests';
import { withChannels } from '../channels/with-channels';

describe('delivery: acknowledged sends', () => {
  let h: SocketHarness;
  afterEach(() => h.dispose());

  function open(config = {}): void {
    h = new SocketHarness({ delivery: { acks: true }, ...config }, { token: JWT_A });
    h.listen();
    h.grantTicket('tk-1');
  }

  it('gives each message an id and ends it when the server acknowledges it', () => {
    open();
    const receipts: SendReceipt[] = [];
    h.service.send({ type: 'chat', text: 'hi' }).subscribe((r) => receipts.push(r));
    h.tick();
    expect(h.lastSocket.received).toEqual([{ type: 'chat', text: 'hi', id: 'test-id-1' }]);
    expect(receipts).toEqual([]);
    h.push({ type: 'ack', id: 'test-id-1' });
    expect(receipts).toEqual([{ queued: false, acked: true }]);
    expect(h.messages).toEqual([]);
  });

  it('keeps an id the message already has', () => {
    open();
    h.service.send({ type: 'chat', id: 'mine-7' }).subscribe();
    h.tick();
    expect(h.lastSocket.received).toEqual([{ type: 'chat', id: 'mine-7' }]);
  });

  it('re-sends unacknowledged messages after a reconnect, in order, with the same ids', () => {
    open();
    for (const text of ['a', 'b', 'c']) h.service.send({ type: 'chat', text }).subscribe();
    h.tick();
    h.push({ type: 'ack', id: 'test-id-1' });
    h.serverClose(1006);
    h.service.send({ type: 'chat', text: 'd' }).subscribe();
    h.advanceToRetry();
    h.grantTicket('tk-2');
    expect(h.lastSocket.received).toEqual([
      { type: 'chat', text: 'b', id: 'test-id-2' },
      { type: 'chat', text: 'c', id: 'test-id-3' },
      { type: 'chat', text: 'd', id: 'test-id-4' },
    ]);
  });

  it('fails a message with send-expired when no ack comes within its time-to-live', () => {
    open({ delivery: { acks: true, messageTtlMs: 5000 } });
    let error: AuthSocketError | undefined;
    h.service.send({ type: 'chat', text: 'lost' }).subscribe({ error: (e) => (error = e) });
    h.tick(4999);
    expect(error).toBeUndefined();
    h.tick(1);
    expect(error?.code).toBe('send-expired');
  });

  it('counts unacknowledged messages against the outbox bound', () => {
    open({ delivery: { acks: true }, outboxLimit: 2 });
    h.service.send({ type: 'a' }).subscribe();
    h.service.send({ type: 'b' }).subscribe();
    let code = '';
    h.service.send({ type: 'c' }).subscribe({ error: (e) => (code = e.code) });
    expect(code).toBe('outbox-full');
  });

  it('refuses non-object messages with encode-failed', () => {
    open();
    let code = '';
    h.service.send('plain text').subscribe({ error: (e) => (code = e.code) });
    expect(code).toBe('encode-failed');
  });

  it('delivers an ack to subscribers when acks are off (it is then just a message)', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    h.grantTicket();
    h.push({ type: 'ack', id: 'x' });
    expect(h.messages).toEqual([{ type: 'ack', id: 'x' }]);
  });
});

describe('delivery: request/reply', () => {
  let h: SocketHarness;
  afterEach(() => h.dispose());

  it('sends with an id and emits the reply with that id, then completes', () => {
    h = new SocketHarness({}, { token: JWT_A, features: [withRequests()] });
    h.listen();
    h.grantTicket();
    const replies: unknown[] = [];
    let done = false;
    h.service
      .request({ type: 'echo', payload: 42 })
      .subscribe({ next: (r) => replies.push(r), complete: () => (done = true) });
    h.tick();
    expect(h.lastSocket.received).toEqual([{ type: 'echo', payload: 42, id: 'test-id-1' }]);
    h.push({ type: 'chat', id: 'other' });
    h.push({ type: 'echo_reply', id: 'test-id-1', payload: 42 });
    expect(replies).toEqual([{ type: 'echo_reply', id: 'test-id-1', payload: 42 }]);
    expect(done).toBeTrue();
    expect(h.messages).toEqual([{ type: 'chat', id: 'other' }]);
  });

  it('opens the socket on its own and sends once authenticated', () => {
    h = new SocketHarness({}, { token: JWT_A, features: [withRequests()] });
    const replies: unknown[] = [];
    h.service.request({ type: 'echo' }).subscribe((r) => replies.push(r));
    h.grantTicket();
    h.tick();
    h.push({ type: 'echo_reply', id: 'test-id-1' });
    expect(replies.length).toBe(1);
  });

  it('times out with request-timeout and forgets the request', () => {
    h = new SocketHarness({}, { token: JWT_A, features: [withRequests({ timeoutMs: 3000 })] });
    h.listen();
    h.grantTicket();
    let code = '';
    h.service.request({ type: 'echo' }).subscribe({ error: (e) => (code = e.code) });
    h.tick(3000);
    expect(code).toBe('request-timeout');
    h.push({ type: 'echo_reply', id: 'test-id-1' });
    expect(h.messages).toEqual([{ type: 'echo_reply', id: 'test-id-1' }]);
  });

  it('fails with request-interrupted when the connection drops before the reply (no acks)', () => {
    h = new SocketHarness({}, { token: JWT_A, features: [withRequests()] });
    h.listen();
    h.grantTicket();
    let code = '';
    h.service.request({ type: 'echo' }).subscribe({ error: (e) => (code = e.code) });
    h.tick();
    h.serverClose(1006);
    expect(code).toBe('request-interrupted');
  });

  it('with acks, survives the drop: re-sent after the reconnect and answered there', () => {
    h = new SocketHarness({ delivery: { acks: true } }, { token: JWT_A, features: [withRequests()] });
    h.listen();
    h.grantTicket('tk-1');
    const replies: unknown[] = [];
    h.service.request({ type: 'echo' }).subscribe({ next: (r) => replies.push(r), error: fail });
    h.tick();
    h.serverClose(1006);
    h.advanceToRetry();
    h.grantTicket('tk-2');
    expect(h.lastSocket.received).toEqual([{ type: 'echo', id: 'test-id-1' }]);
    h.push({ type: 'ack', id: 'test-id-1' });
    h.push({ type: 'echo_reply', id: 'test-id-1' });
    expect(replies).toEqual([{ type: 'echo_reply', id: 'test-id-1' }]);
  });

  it('fails on logout and on unauthorized, even with acks', () => {
    h = new SocketHarness({ delivery: { acks: true } }, { token: JWT_A, features: [withRequests()] });
    h.listen();
    h.grantTicket();
    const codes: string[] = [];
    h.service.request({ type: 'echo' }).subscribe({ error: (e) => codes.push(e.code) });
    h.store.clear();
    expect(codes).toEqual(['request-interrupted']);
  });

  it('unsubscribing forgets the request: a late reply goes to messages$', () => {
    h = new SocketHarness({}, { token: JWT_A, features: [withRequests()] });
    h.listen();
    h.grantTicket();
    const subscription = h.service.request({ type: 'echo' }).subscribe();
    h.tick();
    subscription.unsubscribe();
    h.push({ type: 'echo_reply', id: 'test-id-1' });
    expect(h.messages).toEqual([{ type: 'echo_reply', id: 'test-id-1' }]);
  });

  it('a deadline of its own overrides the feature default', () => {
    h = new SocketHarness({}, { token: JWT_A, features: [withRequests({ timeoutMs: 3000 })] });
    h.listen();
    h.grantTicket();
    let code = '';
    h.service.request({ type: 'echo' }, { timeoutMs: 500 }).subscribe({ error: (e) => (code = e.code) });
    h.tick(499);
    expect(code).toBe('');
    h.tick(1);
    expect(code).toBe('request-timeout');
  });

  it('without withRequests(), request() throws invalid-config naming the feature, and sends nothing', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    h.grantTicket();
    expect(() => h.service.request({ type: 'echo' })).toThrowMatching(
      (e) => isAuthSocketError(e, 'invalid-config') && e.message.includes('withRequests()'),
    );
    h.tick();
    expect(h.lastSocket.received).toEqual([]);
  });

  it('withRequests() refuses a deadline that is not a number ≥ 1 ms', () => {
    h = new SocketHarness({}, { token: JWT_A });
    for (const timeoutMs of [0, -1, NaN, '5000' as unknown as number]) {
      expect(() => withRequests({ timeoutMs })).toThrowMatching((e) => isAuthSocketError(e, 'invalid-config'));
    }
  });

  it('a deadline of its own may also be longer than the feature default', () => {
    h = new SocketHarness({}, { token: JWT_A, features: [withRequests({ timeoutMs: 3000 })] });
    h.listen();
    h.grantTicket();
    let code = '';
    h.service.request({ type: 'echo' }, { timeoutMs: 5000 }).subscribe({ error: (e) => (code = e.code) });
    h.tick(4999);
    expect(code).toBe('');
    h.tick(1);
    expect(code).toBe('request-timeout');
  });

  it('refuses a per-call deadline that is not a number ≥ 1 ms, before sending anything', () => {
    h = new SocketHarness({}, { token: JWT_A, features: [withRequests()] });
    h.listen();
    h.grantTicket();
    for (const timeoutMs of [0, -5, NaN]) {
      expect(() => h.service.request({ type: 'echo' }, { timeoutMs })).toThrowMatching((e) =>
        isAuthSocketError(e, 'invalid-config'),
      );
    }
    h.tick();
    expect(h.lastSocket.received).toEqual([]);
  });

  it('fails a waiting request with request-interrupted when the service is destroyed', () => {
    h = new SocketHarness({}, { token: JWT_A, features: [withRequests()] });
    h.listen();
    h.grantTicket();
    const codes: string[] = [];
    h.service.request({ type: 'echo' }).subscribe({ error: (e) => codes.push(e.code) });
    h.tick();
    h.dispose();
    expect(codes).toEqual(['request-interrupted']);
  });

  it("a channel's request() needs withRequests() too", () => {
    h = new SocketHarness({}, { token: JWT_A, features: [withChannels()] });
    expect(() => h.service.channel('room').request({ type: 'echo' })).toThrowMatching((e) =>
      isAuthSocketError(e, 'invalid-config'),
    );
  });
});

describe('delivery: heartbeat', () => {
  let h: SocketHarness;
  afterEach(() => h.dispose());

  it('pings while open and consumes pongs', () => {
    h = new SocketHarness({}, { token: JWT_A, features: [withHeartbeat({ intervalMs: 1000, timeoutMs: 500 })] });
    h.listen();
    h.grantTicket();
    h.tick(1000);
    expect(h.lastSocket.received).toEqual([{ type: 'ping' }]);
    h.push({ type: 'pong' });
    h.tick(1000);
    h.push({ type: 'pong' });
    expect(h.state.kind).toBe('open');
    expect(h.messages).toEqual([]);
  });

  it('replaces a silent connection within interval + timeout', () => {
    h = new SocketHarness({}, { token: JWT_A, features: [withHeartbeat({ intervalMs: 1000, timeoutMs: 500 })] });
    h.listen();
    h.grantTicket();
    // The socket opened in grantTicket(), and no time has passed since: the deadline is at open + 1000 + 500.
    h.tick(1499);
    expect(h.state.kind).toBe('open');
    h.tick(1);
    expect(h.errors.map((e) => e.code)).toEqual(['heartbeat-timeout']);
    expect(h.state.kind).toBe('reconnecting');
    h.advanceToRetry();
    h.grantTicket('tk-2');
    expect(h.state.kind).toBe('open');
  });

  it("speaks a server's own heartbeat frames (ping, isPong): its answer is consumed, the app's frames pass", () => {
    const heartbeat = withHeartbeat({
      intervalMs: 1000,
      timeoutMs: 500,
      ping: () => ({ event: 'heartbeat', ref: 'hb' }),
      isPong: (m) => m.type === 'phx_reply' && m['ref'] === 'hb',
    });
    h = new SocketHarness({}, { token: JWT_A, features: [heartbeat] });
    h.listen();
    h.grantTicket();
    h.tick(1000);
    expect(h.lastSocket.received).toEqual([{ event: 'heartbeat', ref: 'hb' }]);
    h.push({ type: 'phx_reply', ref: 'hb' });
    // Our default pong is an ordinary message for such a server.
    h.push({ type: 'pong' });
    h.tick(1000);
    h.push({ type: 'phx_reply', ref: 'hb' });
    expect(h.state.kind).toBe('open');
    expect(h.messages).toEqual([{ type: 'pong' }]);
  });

  it('an isPong that throws on a frame lets the frame through (an auth acknowledgement is not lost)', () => {
    const isPong = (m: { type: string; [k: string]: unknown }) => (m['payload'] as { status: string }).status === 'hb';
    h = new SocketHarness(
      { auth: 'first-message' },
      { token: JWT_A, features: [withHeartbeat({ intervalMs: 1000, timeoutMs: 500, isPong })] },
    );
    h.listen();
    h.acceptAuth(); // {type: 'auth_ok'}: no payload, isPong throws
    expect(h.state.kind).toBe('open');
    h.push({ type: 'chat', n: 1 });
    h.push({ type: 'reply', payload: { status: 'hb' } });
    expect(h.messages).toEqual([{ type: 'chat', n: 1 }]);
  });

  it('a ping() that throws is reported (encode-failed) and not sent; the healthy socket stays', () => {
    let calls = 0;
    const ping = () => {
      if (++calls <= 2) throw new Error('no session id yet');
      return { type: 'ping' };
    };
    h = new SocketHarness({}, { token: JWT_A, features: [withHeartbeat({ intervalMs: 1000, timeoutMs: 500, ping })] });
    h.listen();
    h.grantTicket();
    h.tick(2999);
    expect(h.errors.map((e) => [e.code, e.message, (e.cause as Error).message])).toEqual([
      ['encode-failed', '[ngx-auth-socket encode-failed] withHeartbeat ping() threw', 'no session id yet'],
      ['encode-failed', '[ngx-auth-socket encode-failed] withHeartbeat ping() threw', 'no session id yet'],
    ]);
    expect(h.state.kind).toBe('open');
    expect(h.sockets.length).toBe(1);
    // Once it builds a ping again, the heartbeat works as before.
    h.tick(1);
    expect(h.lastSocket.received).toEqual([{ type: 'ping' }]);
    h.tick(500);
    expect(h.errors.map((e) => e.code)).toEqual(['encode-failed', 'encode-failed', 'heartbeat-timeout']);
  });

  it('a ping the serializer cannot encode is reported (encode-failed), not dropped in silence', () => {
    h = new SocketHarness(
      {},
      {
        token: JWT_A,
        features: [withHeartbeat({ intervalMs: 1000, timeoutMs: 500, ping: () => ({ type: 'ping', n: 1n }) })],
      },
    );
    h.listen();
    h.grantTicket();
    h.tick(1500);
    expect(h.errors.map((e) => e.code)).toEqual(['encode-failed']);
    expect(h.lastSocket.received).toEqual([]);
    expect(h.state.kind).toBe('open');
  });

  it('counts any frame as a sign of life', () => {
    h = new SocketHarness({}, { token: JWT_A, features: [withHeartbeat({ intervalMs: 1000, timeoutMs: 500 })] });
    h.listen();
    h.grantTicket();
    for (let i = 0; i < 5; i++) {
      h.tick(1000);
      h.push({ type: 'chat', n: i });
    }
    expect(h.state.kind).toBe('open');
  });
});

describe('delivery: resume', () => {
  let h: SocketHarness;
  afterEach(() => h.dispose());

  it('presents the last seq on the ticket request and drops replayed duplicates', () => {
    h = new SocketHarness({}, { token: JWT_A, features: [withResume()] });
    h.listen();
    const first = h.grantTicket('tk-1');
    expect(first.request.params.has('resume')).toBeFalse();
    h.push({ type: 'chat', seq: 1 });
    h.push({ type: 'chat', seq: 2 });
    h.serverClose(1006);
    h.advanceToRetry();
    const request = h.http.expectOne((r: HttpRequest<unknown>) => r.url === TICKET_URL);
    expect(request.request.params.get('resume')).toBe('2');
    request.flush({ ticket: 'tk-2', expires: Math.floor(h.now() / 1000) + 30 });
    h.tick();
    h.push({ type: 'chat', seq: 2 });
    h.push({ type: 'chat', seq: 3 });
    h.push({ type: 'resumed', seq: 3 });
    expect(h.messages.map((m) => m['seq'])).toEqual([1, 2, 3]);
  });

  it('presents the last seq in the first-message auth frame', () => {
    h = new SocketHarness({ auth: 'first-message' }, { token: JWT_A, features: [withResume()] });
    h.listen();
    h.tick();
    expect(h.lastSocket.received).toEqual([{ type: 'auth', payload: JWT_A }]);
    h.acceptAuth();
    h.push({ type: 'chat', seq: 9 });
    h.serverClose(1012);
    h.advanceToRetry();
    h.tick();
    expect(h.lastSocket.received).toEqual([{ type: 'auth', payload: JWT_A, resume: 9 }]);
  });

  it('without withResume() presents nothing and delivers every frame, resume answers included', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    h.grantTicket('tk-1');
    h.push({ type: 'chat', seq: 4 });
    h.serverClose(1006);
    h.advanceToRetry();
    const request = h.http.expectOne((r: HttpRequest<unknown>) => r.url === TICKET_URL);
    expect(request.request.params.has('resume')).toBeFalse();
    request.flush({ ticket: 'tk-2', expires: Math.floor(h.now() / 1000) + 30 });
    h.tick();
    h.push({ type: 'chat', seq: 4 });
    h.push({ type: 'resume_failed', seq: 9 });
    expect(h.messages.map((m) => m.type)).toEqual(['chat', 'chat', 'resume_failed']);
  });

  it('reports resume_failed on resync$ and continues from the server seq', () => {
    h = new SocketHarness({}, { token: JWT_A, features: [withResume()] });
    const events: ResyncEvent[] = [];
    h.service.resync$.subscribe((e) => events.push(e));
    h.listen();
    h.grantTicket('tk-1');
    h.push({ type: 'chat', seq: 5 });
    h.serverClose(1006);
    h.advanceToRetry();
    h.grantTicket('tk-2');
    h.push({ type: 'resume_failed', seq: 900 });
    h.push({ type: 'chat', seq: 901 });
    expect(events).toEqual([{ lastSeq: 5, serverSeq: 900 }]);
    expect(h.messages.map((m) => m['seq'])).toEqual([5, 901]);
  });
});

describe('delivery: proactive token refresh and retry hints', () => {
  let h: SocketHarness;
  afterEach(() => h.dispose());

  it('refreshes before exp and replaces the socket make-before-break in ticket mode (default)', async () => {
    const now = START_TIME;
    const first = makeJwt({ sub: 'alice', exp: now / 1000 + 120 });
    const second = makeJwt({ sub: 'alice', exp: now / 1000 + 240 });
    const refresh = jasmine.createSpy('refreshToken').and.resolveTo(second);
    h = new SocketHarness({ refreshToken: refresh, refreshBeforeExpiryMs: 30_000 }, { token: first });
    h.listen();
    h.grantTicket('tk-1');
    h.tick(89_000);
    expect(refresh).not.toHaveBeenCalled();
    h.tick(1_000);
    expect(refresh).toHaveBeenCalledTimes(1);
    await h.settle();
    expect(h.store.token()).toBe(second);
    const ticket = h.expectTicketRequest();
    expect(ticket.request.headers.get('Authorization')).toBe(`Bearer ${second}`);
    ticket.flush({ ticket: 'tk-2', expires: Math.floor(h.now() / 1000) + 30 });
    h.tick();
    expect(h.sockets.length).toBe(2);
    // The replaced socket drains for two seconds (frames in flight still arrive), then closes.
    expect(h.sockets[0].closeCode).toBeNull();
    h.tick(2000);
    expect(h.sockets[0].closeCode).toBe(1000);
    expect(h.sockets[1].url).toContain('ticket=tk-2');
    expect(h.sockets[1].closeCode).toBeNull();
    expect(h.kinds).toEqual(['idle', 'fetching-ticket', 'connecting', 'open']);
    expect(h.errors).toEqual([]);
    // The next refresh is scheduled from the new token's exp (240 s, refreshed 30 s ahead).
    h.tick(117_000);
    expect(refresh).toHaveBeenCalledTimes(1);
    h.tick(1_000);
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  it("re-authenticates in band in ticket mode with onTokenChange reauth and the server's own ack", async () => {
    const now = START_TIME;
    const first = makeJwt({ sub: 'alice', exp: now / 1000 + 120 });
    const second = makeJwt({ sub: 'alice', exp: now / 1000 + 240 });
    const refresh = jasmine.createSpy('refreshToken').and.resolveTo(second);
    h = new SocketHarness(
      {
        auth: 'ticket',
        onTokenChange: 'reauth',
        refreshToken: refresh,
        firstMessage: {
          buildAuthMessage: (token) => ({ type: 'authenticate', token }),
          isAck: (m) => m.type === 'authenticated',
        },
      },
      { token: first },
    );
    h.listen();
    h.grantTicket();
    h.tick(90_000);
    await h.settle();
    h.tick();
    expect(h.sockets.length).toBe(1);
    expect(h.lastSocket.received).toEqual([{ type: 'authenticate', token: second }]);
    h.push({ type: 'authenticated' });
    h.tick(60_000);
    expect(h.state.kind).toBe('open');
    expect(h.sockets.length).toBe(1);
    // The ack is consumed, never delivered; nothing timed out.
    expect(h.messages).toEqual([]);
    expect(h.errors).toEqual([]);
  });

  it('shares one refresh between concurrent needs', async () => {
    const now = START_TIME;
    const first = makeJwt({ sub: 'alice', exp: now / 1000 + 4 });
    let resolve!: (t: string) => void;
    const refresh = jasmine.createSpy('refreshToken').and.returnValue(new Promise<string>((r) => (resolve = r)));
    h = new SocketHarness({ refreshToken: refresh }, { token: first });
    h.listen();
    h.grantTicket();
    h.tick(2000);
    h.serverClose(4001, 'token_expired');
    expect(refresh).toHaveBeenCalledTimes(1);
    resolve(makeJwt({ sub: 'alice', exp: now / 1000 + 600 }));
    await h.settle();
    h.grantTicket('tk-2');
    expect(h.state.kind).toBe('open');
  });

  it('honours a close reason retry_after=N within the cap', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    h.grantTicket();
    h.serverClose(1013, 'retry_after=7');
    expect(h.state).toEqual(jasmine.objectContaining({ kind: 'reconnecting', delayMs: 7000 }));
  });

  it('honours Retry-After from a failing ticket endpoint', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    h.expectTicketRequest().flush(
      { error: 'busy' },
      { status: 503, statusText: 'busy', headers: { 'Retry-After': '9' } },
    );
    h.tick();
    expect(h.state).toEqual(jasmine.objectContaining({ kind: 'reconnecting', delayMs: 9000 }));
    expect(h.errors[0].retryAfterMs).toBe(9000);
  });
});
