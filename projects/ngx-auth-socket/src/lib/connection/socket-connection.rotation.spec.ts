import { HttpClient } from '@angular/common/http';
import { inject } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { map } from 'rxjs';
import { withResume } from '../features';
import { SendReceipt } from '../messaging/outbox';
import { SocketMessage } from '../config';
import { JWT_A, JWT_B, START_TIME, SocketHarness, TICKET_URL, makeJwt } from '../../spec-support/socket-harness';
import { withRequests } from '../messaging/with-requests';
import { DRAIN_MS } from './drain';
import { withTokenRotation } from './with-token-rotation';
import { withChannels } from '../channels/with-channels';

const NOW = START_TIME;
const FIRST = makeJwt({ sub: 'alice', exp: NOW / 1000 + 120 });
const SECOND = makeJwt({ sub: 'alice', exp: NOW / 1000 + 240 });

describe('connection: token rotation never drops a healthy socket', () => {
  let h: SocketHarness;
  afterEach(() => h.dispose());

  /** Socket 1 replaces socket 0 make-before-break (the spec said when each opened): socket 0 drains now. */
  function swap(): void {
    h.holdConnections();
    h.listen();
    h.grantTicket('tk-1');
    h.sockets[0].accept();
    h.store.set(JWT_B);
    h.grantTicket('tk-2');
    h.sockets[1].accept();
  }

  it('the refresh trap: a refresh through HttpClient whose response the interceptor also captures rotates once (ticket mode)', async () => {
    h = new SocketHarness(
      {
        captureToken: [{ url: '/auth/refresh' }],
        refreshToken: () =>
          inject(HttpClient)
            .post<{ token: string }>('/auth/refresh', {})
            .pipe(map((b) => b.token)),
      },
      { token: FIRST },
    );
    h.listen();
    h.grantTicket('tk-1');
    h.tick(90_000);
    h.http.expectOne('/auth/refresh').flush({ token: SECOND });
    await h.settle();
    expect(h.store.token()).toBe(SECOND);
    const successor = h.expectTicketRequest();
    expect(successor.request.headers.get('Authorization')).toBe(`Bearer ${SECOND}`);
    successor.flush({ ticket: 'tk-2', expires: Math.floor(h.now() / 1000) + 30 });
    h.tick();
    h.http.expectNone(TICKET_URL);
    expect(h.sockets.length).toBe(2);
    h.tick(2000);
    expect(h.sockets[0].closeCode).toBe(1000);
    expect(h.sockets[1].closeCode).toBeNull();
    expect(h.kinds).toEqual(['idle', 'fetching-ticket', 'connecting', 'open']);
    expect(h.errors).toEqual([]);
  });

  it('the refresh trap in first-message mode: one in-band re-auth, no reconnect', async () => {
    h = new SocketHarness(
      {
        auth: 'first-message',
        captureToken: [{ url: '/auth/refresh' }],
        refreshToken: () =>
          inject(HttpClient)
            .post<{ token: string }>('/auth/refresh', {})
            .pipe(map((b) => b.token)),
      },
      { token: FIRST },
    );
    h.listen();
    h.tick();
    h.acceptAuth();
    h.tick(90_000);
    h.http.expectOne('/auth/refresh').flush({ token: SECOND });
    await h.settle();
    h.tick();
    expect(h.lastSocket.received).toEqual([
      { type: 'auth', payload: FIRST },
      { type: 'auth', payload: SECOND },
    ]);
    h.acceptAuth();
    h.tick(30_000);
    expect(h.sockets.length).toBe(1);
    expect(h.kinds).toEqual(['idle', 'connecting', 'authenticating', 'open']);
    expect(h.errors).toEqual([]);
  });

  it('a refreshToken of null is no hook: a later token still rotates the socket, no refresh is waited for', () => {
    h = new SocketHarness({ refreshToken: null as never }, { token: FIRST });
    h.listen();
    h.grantTicket('tk-1');
    h.tick(115_000);
    h.store.set(SECOND);
    h.grantTicket('tk-2');
    h.tick(2000);
    expect(h.sockets.length).toBe(2);
    expect(h.sockets[0].closeCode).toBe(1000);
    expect(h.kinds).toEqual(['idle', 'fetching-ticket', 'connecting', 'open']);
    expect(h.errors).toEqual([]);
  });

  it('make-before-break with withResume(): every seq delivered once across the swap', () => {
    h = new SocketHarness({}, { token: JWT_A, features: [withResume()] });
    h.listen();
    h.grantTicket('tk-1');
    h.push({ type: 'chat', seq: 1 });
    h.push({ type: 'chat', seq: 2 });
    h.store.set(JWT_B);
    const successor = h.expectTicketRequest();
    expect(successor.request.params.get('resume')).toBe('2');
    // Still the first socket's traffic while the successor gets its ticket.
    h.push({ type: 'chat', seq: 3 });
    successor.flush({ ticket: 'tk-2', expires: Math.floor(h.now() / 1000) + 30 });
    h.tick();
    expect(h.sockets.length).toBe(2);
    // The server replays from 2 on the new socket: 3 again (dropped), then 4.
    h.push({ type: 'chat', seq: 3 });
    h.push({ type: 'chat', seq: 4 });
    expect(h.messages.map((m) => m['seq'])).toEqual([1, 2, 3, 4]);
    expect(h.state.kind).toBe('open');
  });

  it('a replaced socket is still heard for replies to its requests and for acks, nothing else', () => {
    h = new SocketHarness({ delivery: { acks: true } }, { token: JWT_A, features: [withRequests()] });
    h.holdConnections(); // the spec says when each socket opens
    h.listen();
    h.grantTicket('tk-1');
    h.sockets[0].accept();
    let reply: unknown;
    h.service.request({ type: 'echo', payload: 1 }).subscribe((r) => (reply = r));
    const receipts: SendReceipt[] = [];
    h.service.send({ type: 'chat', text: 'x' }).subscribe((r) => receipts.push(r));
    expect(h.sockets[0].received.map((f) => (f as { id: string }).id)).toEqual(['test-id-1', 'test-id-2']);
    h.store.set(JWT_B);
    h.grantTicket('tk-2');
    h.sockets[1].accept();
    expect(h.sockets[0].closeCode).toBeNull();
    // Unacknowledged frames go out again on the successor (the server drops duplicates by id).
    expect(h.sockets[1].received.map((f) => (f as { id: string }).id)).toEqual(['test-id-1', 'test-id-2']);
    h.sockets[0].send({ type: 'chat', text: 'broadcast, also on the successor' });
    h.sockets[0].send({ type: 'echo_reply', id: 'test-id-1', payload: 1 });
    h.sockets[0].send({ type: 'ack', id: 'test-id-2' });
    expect(reply).toEqual({ type: 'echo_reply', id: 'test-id-1', payload: 1 });
    expect(receipts).toEqual([{ queued: true, acked: true }]);
    // The successor's acks for the re-sent ids are consumed, never delivered.
    h.sockets[1].send({ type: 'ack', id: 'test-id-1' });
    h.sockets[1].send({ type: 'ack', id: 'test-id-2' });
    expect(h.messages).toEqual([]);
    h.tick(2000);
    expect(h.sockets[0].closeCode).toBe(1000);
    expect(h.state.kind).toBe('open');
    expect(h.errors).toEqual([]);
  });

  it('an ack heard on the replaced socket settles the last queued send, and the socket nobody wants closes', () => {
    h = new SocketHarness({ delivery: { acks: true }, idleCloseDelayMs: 1000 }, { token: JWT_A });
    h.holdConnections(); // the spec says when each socket opens
    // No subscriber: only the send wants the socket.
    const receipts: SendReceipt[] = [];
    h.service.send({ type: 'chat', text: 'x' }).subscribe((r) => receipts.push(r));
    h.grantTicket('tk-1');
    h.sockets[0].accept();
    h.store.set(JWT_B);
    h.grantTicket('tk-2');
    h.sockets[1].accept();
    // The server acknowledges on the socket the frame came on, which drains now.
    h.sockets[0].send({ type: 'ack', id: 'test-id-1' });
    expect(receipts).toEqual([{ queued: true, acked: true }]);
    h.tick(1000);
    expect(h.sockets[1].closeCode).toBe(1000);
    expect(h.state.kind).toBe('idle');
    expect(h.errors).toEqual([]);
  });

  it('make-before-break without withResume(): a message both sockets carry (same seq or id) is delivered once, none lost', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.holdConnections(); // the spec says when each socket opens
    h.listen();
    h.grantTicket('tk-1');
    h.sockets[0].accept();
    h.sockets[0].send({ type: 'chat', id: 'm0' });
    h.store.set(JWT_B);
    h.grantTicket('tk-2');
    // The server already sends to both while the successor's handshake completes.
    h.sockets[0].send({ type: 'chat', id: 'm1' });
    h.sockets[1].accept();
    h.sockets[1].send({ type: 'chat', id: 'm1' });
    h.sockets[1].send({ type: 'chat', seq: 7 });
    // Late frames of the replaced socket: one it alone carried arrives, repeats do not.
    h.sockets[0].send({ type: 'chat', id: 'm2' });
    h.sockets[0].send({ type: 'chat', seq: 7 });
    h.sockets[1].send({ type: 'chat', id: 'm2' });
    h.sockets[0].send({ type: 'presence', note: 'no id: only from the current socket' });
    h.sockets[0].close(1000);
    h.sockets[1].send({ type: 'chat', id: 'm3' });
    expect(h.messages.map((m) => m['id'] ?? m['seq'])).toEqual(['m0', 'm1', 7, 'm2', 'm3']);
    expect(h.errors).toEqual([]);
  });

  it("make-before-break with withTokenRotation({messageId}): a server's own id field tells copies apart", () => {
    h = new SocketHarness(
      {},
      { token: JWT_A, rotation: false, features: [withTokenRotation({ messageId: (m) => m['msg_id'] })] },
    );
    swap(); // socket 1 carries traffic, socket 0 drains
    h.sockets[1].send({ type: 'group.message', msg_id: 'a' });
    h.sockets[0].send({ type: 'group.message', msg_id: 'a' }); // a late copy
    h.sockets[0].send({ type: 'group.message', msg_id: 'b' }); // only the replaced socket had it
    h.sockets[1].send({ type: 'group.message', id: 'x' }); // `id` is no key now: delivered as it is
    h.sockets[0].send({ type: 'group.message', id: 'x' }); // ...and its copy, keyless, dropped
    expect(h.messages.map((m) => m['msg_id'] ?? m['id'])).toEqual(['a', 'b', 'x']);
  });

  it('a copy the successor delivers after the replaced socket closed is not delivered again, for DRAIN_MS', () => {
    h = new SocketHarness({}, { token: JWT_A });
    swap(); // socket 1 carries traffic, socket 0 drains
    h.sockets[0].send({ type: 'chat', id: 'm1' }); // the old path was faster
    h.sockets[0].close(1000); // the drain ends
    h.tick(DRAIN_MS - 1);
    h.sockets[1].send({ type: 'chat', id: 'm1' }); // the same message, still in flight on the successor
    h.sockets[1].send({ type: 'chat', id: 'm2' });
    expect(h.messages.map((m) => m['id'])).toEqual(['m1', 'm2']);
    // Then it is forgotten: the filter holds nothing once two sockets cannot overlap any more.
    h.tick(1);
    h.sockets[1].send({ type: 'chat', id: 'm2' });
    expect(h.messages.map((m) => m['id'])).toEqual(['m1', 'm2', 'm2']);
  });

  it('after the replaced socket closed, ids are looked up, not remembered: an app repeating an id is not cut', () => {
    h = new SocketHarness({}, { token: JWT_A });
    swap(); // socket 1 carries traffic, socket 0 drains
    h.sockets[0].send({ type: 'price', id: 'EUR' });
    h.sockets[0].close(1000);
    h.sockets[1].send({ type: 'price', id: 'EUR' }); // the copy: dropped
    h.sockets[1].send({ type: 'price', id: 'USD' });
    h.sockets[1].send({ type: 'price', id: 'USD' }); // a new price under the same id: delivered
    expect(h.messages.map((m) => m['id'])).toEqual(['EUR', 'USD', 'USD']);
  });

  it('a rotation during the 2 s after a drain carries the filter on; destroying the service then leaves no timer', () => {
    h = new SocketHarness({}, { token: JWT_A });
    swap(); // socket 1 carries traffic, socket 0 drains
    h.sockets[0].send({ type: 'chat', id: 'm1' });
    h.sockets[0].close(1000); // the tail begins
    h.store.set(makeJwt({ sub: 'alice', n: 3 }));
    h.grantTicket('tk-3');
    h.sockets[2].accept(); // socket 1 drains now
    h.sockets[2].send({ type: 'chat', id: 'm1' }); // a copy of what socket 0 delivered: still known
    h.sockets[1].send({ type: 'chat', id: 'm2' });
    h.sockets[2].send({ type: 'chat', id: 'm2' });
    expect(h.messages.map((m) => m['id'])).toEqual(['m1', 'm2']);
    TestBed.resetTestingModule();
    expect(h.activeTimers).toBe(0);
  });

  it('messageId: a key that is no string or number is no key; numbers and strings do not collide in a channel', () => {
    const warn = spyOn(console, 'warn');
    h = new SocketHarness(
      {},
      {
        token: JWT_A,
        rotation: false,
        features: [
          withChannels(),
          withTokenRotation({
            messageId: (m) => (m['key'] === 'throw' ? (m['nothing'] as { x: 1 }).x : m['key']),
          }),
        ],
      },
    );
    swap(); // socket 1 carries traffic, socket 0 drains
    h.sockets[1].send({ type: 'm', channel: 'room:1', key: 1, n: 'number 1' });
    h.sockets[1].send({ type: 'm', channel: 'room:1', key: '1', n: 'string 1' });
    h.sockets[1].send({ type: 'm', key: { id: 1 }, n: 'object key, current' });
    h.sockets[0].send({ type: 'm', key: { id: 1 }, n: 'object key, replaced: no key, dropped' });
    h.sockets[1].send({ type: 'm', key: 'throw', n: 'throws, current' });
    h.sockets[0].send({ type: 'm', key: 'throw', n: 'throws, replaced: dropped' });
    expect(h.messages.map((m) => m['n'])).toEqual(['number 1', 'string 1', 'object key, current', 'throws, current']);
    const warnings = warn.calls.allArgs().map(([m]) => String(m));
    expect(warnings.filter((m) => m.includes('withTokenRotation messageId threw on a frame')).length).toBe(1);
  });

  it('back-to-back rotations: a socket still draining cannot double what its successor delivered', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.holdConnections(); // the spec says when each socket opens
    h.listen();
    h.grantTicket('tk-1');
    h.sockets[0].accept();
    h.store.set(JWT_B);
    h.grantTicket('tk-2');
    h.sockets[1].accept(); // socket 0 drains now
    h.sockets[1].send({ type: 'chat', seq: 5 });
    // A second rotation begins while socket 0 still drains, and its successor opens.
    h.store.set(makeJwt({ sub: 'alice', n: 3 }));
    h.grantTicket('tk-3');
    h.sockets[0].send({ type: 'chat', seq: 5 }); // late copy on the oldest socket
    h.sockets[0].send({ type: 'chat', seq: 6 }); // only the oldest socket had this one
    h.sockets[2].accept();
    h.sockets[2].send({ type: 'chat', seq: 6 });
    h.sockets[1].send({ type: 'chat', seq: 7 });
    h.sockets[2].send({ type: 'chat', seq: 7 });
    expect(h.messages.map((m) => m['seq'])).toEqual([5, 6, 7]);
  });

  it('a successor that fails leaves the open socket alone and reports why', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    h.grantTicket('tk-1');
    h.store.set(JWT_B);
    h.failTicket(503);
    expect(h.state.kind).toBe('open');
    expect(h.sockets.length).toBe(1);
    expect(h.sockets[0].closeCode).toBeNull();
    expect(h.errors.map((e) => e.code)).toEqual(['ticket-failed']);
    h.push({ type: 'chat', n: 1 });
    expect(h.messages.length).toBe(1);
  });

  it('when the old token lapses (4001) while the successor is under way, it carries on with the new token without a refresh', () => {
    const refresh = jasmine.createSpy('refreshToken');
    h = new SocketHarness({ refreshToken: refresh }, { token: JWT_A });
    h.listen();
    h.grantTicket('tk-1');
    h.store.set(JWT_B);
    const pending = h.expectTicketRequest();
    h.serverClose(4001, 'token_expired');
    expect(pending.cancelled).toBeTrue();
    const next = h.grantTicket('tk-3');
    expect(next.request.headers.get('Authorization')).toBe(`Bearer ${JWT_B}`);
    expect(refresh).not.toHaveBeenCalled();
    expect(h.state.kind).toBe('open');
  });

  it('consumes a late or repeated acknowledgement instead of delivering it', () => {
    h = new SocketHarness(
      { auth: 'first-message', firstMessage: { isAck: (m) => m.type === 'authenticated' } },
      { token: JWT_A },
    );
    h.listen();
    h.tick();
    h.push({ type: 'authenticated' });
    h.push({ type: 'authenticated' });
    expect(h.state.kind).toBe('open');
    expect(h.messages).toEqual([]);
  });
});

describe('connection: failures carry their own label', () => {
  let h: SocketHarness;
  afterEach(() => h.dispose());

  it('a rejected tokenGetter is token-failed and is retried with backoff', async () => {
    let fail = true;
    h = new SocketHarness({
      tokenGetter: () => (fail ? Promise.reject(new Error('storage locked')) : Promise.resolve(JWT_A)),
    });
    h.listen();
    await h.settle();
    expect(h.errors.map((e) => e.code)).toEqual(['token-failed']);
    expect(h.state.kind).toBe('reconnecting');
    fail = false;
    h.advanceToRetry();
    await h.settle();
    h.grantTicket();
    expect(h.state.kind).toBe('open');
  });

  it('an auth frame that cannot be encoded stops as bad-auth-message; a new token tries again', () => {
    let broken = true;
    h = new SocketHarness(
      {
        auth: 'first-message',
        firstMessage: { buildAuthMessage: (t) => (broken ? { type: 'auth', n: BigInt(1) } : { type: 'auth', t }) },
      },
      { token: JWT_A },
    );
    h.listen();
    h.tick();
    expect(h.state).toEqual(jasmine.objectContaining({ kind: 'closed', reason: 'bad-auth-message' }));
    expect(h.errors.map((e) => e.code)).toEqual(['encode-failed']);
    broken = false;
    h.store.set(JWT_B);
    h.tick();
    expect(h.lastSocket.received).toEqual([{ type: 'auth', t: JWT_B }]);
  });

  it('an auth frame builder that throws is encode-failed too: bad-auth-message, and a new token tries again', () => {
    let broken = true;
    h = new SocketHarness(
      {
        auth: 'first-message',
        firstMessage: {
          buildAuthMessage: (t) => {
            if (broken) throw new Error('no device id yet');
            return { type: 'auth', t };
          },
        },
      },
      { token: JWT_A },
    );
    h.listen();
    h.tick();
    expect(h.state).toEqual(jasmine.objectContaining({ kind: 'closed', reason: 'bad-auth-message' }));
    expect(h.errors.map((e) => [e.code, (e.cause as Error).message])).toEqual([['encode-failed', 'no device id yet']]);
    expect(h.lastSocket.received).toEqual([]);
    broken = false;
    h.store.set(JWT_B);
    h.tick();
    expect(h.lastSocket.received).toEqual([{ type: 'auth', t: JWT_B }]);
    h.acceptAuth();
    expect(h.state.kind).toBe('open');
  });

  it('an auth frame builder that throws on an in-band re-auth stops the open socket as bad-auth-message', () => {
    h = new SocketHarness(
      {
        auth: 'first-message',
        firstMessage: {
          buildAuthMessage: (t) => {
            if (t === JWT_B) throw new Error('cannot sign for B');
            return { type: 'auth', payload: t };
          },
        },
      },
      { token: JWT_A },
    );
    h.listen();
    h.tick();
    h.acceptAuth();
    h.store.set(JWT_B);
    h.tick();
    expect(h.state).toEqual(jasmine.objectContaining({ kind: 'closed', reason: 'bad-auth-message' }));
    expect(h.errors.map((e) => [e.code, (e.cause as Error).message])).toEqual([['encode-failed', 'cannot sign for B']]);
    expect(h.sockets[0].closeCode).not.toBeNull();
  });

  it('a firstMessage.isAck or isRejection that throws on a frame does not match it: the frame reaches the app', () => {
    const warn = spyOn(console, 'warn');
    // Predicates written for the server's frames, which all carry a payload.
    const payloadOf = (m: SocketMessage) => m['payload'] as { status: string };
    h = new SocketHarness(
      {
        auth: 'first-message',
        firstMessage: {
          isAck: (m) => m.type === 'reply' && payloadOf(m).status === 'ok',
          isRejection: (m) => m.type === 'reply' && payloadOf(m).status === 'error',
        },
      },
      { token: JWT_A },
    );
    h.listen();
    h.tick();
    h.push({ type: 'reply' }); // no payload: both predicates throw
    expect(h.state.kind).toBe('authenticating');
    h.push({ type: 'reply', payload: { status: 'ok' } });
    expect(h.state.kind).toBe('open');
    h.push({ type: 'reply', n: 1 });
    expect(h.messages).toEqual([{ type: 'reply' }, { type: 'reply', n: 1 }]);
    expect(h.errors).toEqual([]);
    // In dev mode, once per predicate: the app learns why, without a warning per frame.
    const warnings = warn.calls.allArgs().map(([m]) => String(m));
    expect(warnings.filter((m) => m.includes('firstMessage.isAck threw on a frame')).length).toBe(1);
    expect(warnings.filter((m) => m.includes('firstMessage.isRejection threw on a frame')).length).toBe(1);
  });

  it('a failing refresh hook is refresh-failed, then unauthorized', async () => {
    h = new SocketHarness(
      {
        refreshToken: () => {
          throw new Error('no refresh token');
        },
      },
      { token: JWT_A },
    );
    h.listen();
    h.failTicket(401);
    await h.settle();
    expect(h.errors.map((e) => e.code)).toEqual(['ticket-unauthorized', 'refresh-failed', 'unauthorized']);
    expect(h.state.kind).toBe('unauthorized');
  });
});

describe('connection: where the token comes from', () => {
  let h: SocketHarness;
  afterEach(() => h.dispose());

  it('with tokenGetter, "log in, then connect()" opens at once', async () => {
    let stored: string | null = null; // the app's own storage, as another auth library keeps it
    h = new SocketHarness({ tokenGetter: () => stored });
    h.listen();
    await h.settle();
    expect(h.state.kind).toBe('idle');
    stored = JWT_A;
    h.service.connect();
    await h.settle();
    h.grantTicket();
    expect(h.state.kind).toBe('open');
  });

  it('warns once in dev mode when subscribers wait 5 s without a token, naming the three ways', () => {
    h = new SocketHarness();
    h.listen();
    h.tick(4_900);
    expect(h.warnings).toEqual([]);
    h.tick(200);
    expect(h.warnings.length).toBe(1);
    expect(h.warnings[0]).toContain('authTokenInterceptor');
    expect(h.warnings[0]).toContain('AuthTokenStore.set(token)');
    expect(h.warnings[0]).toContain('tokenGetter');
    h.tick(60_000);
    expect(h.warnings.length).toBe(1);
  });

  it('does not warn when the token arrives in time', () => {
    h = new SocketHarness();
    h.listen();
    h.tick(3_000);
    h.store.set(JWT_A);
    h.grantTicket();
    h.tick(10_000);
    expect(h.warnings).toEqual([]);
  });

  it('warns when captureToken is configured but the interceptor never ran', () => {
    h = new SocketHarness({ captureToken: [{ url: '/auth' }] }, { interceptor: false });
    h.listen();
    h.tick(5_000);
    expect(h.warnings.length).toBe(2);
    expect(h.warnings[1]).toContain(
      'captureToken is configured but authTokenInterceptor has not seen a single request',
    );
  });

  it('warns when authTokenInterceptor is not installed (seen at the first ticket request)', () => {
    h = new SocketHarness({}, { token: JWT_A, interceptor: false });
    h.listen();
    h.grantTicket();
    expect(h.state.kind).toBe('open');
    expect(h.warnings.length).toBe(1);
    expect(h.warnings[0]).toContain('authTokenInterceptor is not installed');
  });

  it('says nothing when the interceptor is installed', () => {
    h = new SocketHarness({}, { token: JWT_A });
    h.listen();
    h.grantTicket();
    h.tick(10_000);
    expect(h.warnings).toEqual([]);
  });
});
