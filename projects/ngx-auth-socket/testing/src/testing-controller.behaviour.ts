/*
 * The testing kit's own specs, written once for every runner: only describe/it/expect and matchers
 * Jasmine and Vitest share (toBe, toEqual, toThrowError with a message, toContain, toBeNull).
 * Run by testing-controller.spec.ts (Karma/Jasmine, with and without jasmine.clock() installed)
 * and by testing-controller.vitest.ts (Vitest, with vi.useFakeTimers()).
 *
 * With fake timers installed and never advanced, a kit that waited on a timer anywhere would hang
 * the spec until the runner's timeout: these specs passing is the proof that it never does.
 */
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { Component, inject, provideZonelessChangeDetection } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
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
  withChannels,
  withHeartbeat,
} from 'ngx-auth-socket';
import {
  AuthSocketTestingController,
  AuthSocketTestingOptions,
  VirtualClock,
  provideAuthSocketTesting,
} from 'ngx-auth-socket/testing';
import { scan } from 'rxjs';

/** Fake timers of the runner at hand, installed around every spec of a run. */
export interface FakeTimers {
  readonly name: string;
  install(): void;
  uninstall(): void;
}

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
/** The runner's own timer function, before any spec installs fake timers. */
const realSetTimeout = globalThis.setTimeout;

/** A component as an app writes one: the connection state, the chat lines, a button that sends. */
@Component({
  selector: 'kit-chat',
  template: `
    <p>Connection: {{ socket.state().kind }}</p>
    @for (line of lines(); track $index) {
      <p>{{ line }}</p>
    }
    <button (click)="say('hi')">Say hi</button>
  `,
})
class KitChat {
  readonly socket = inject(AuthSocketService);
  readonly lines = toSignal(
    this.socket.on<SocketMessage & { text: string }>('chat').pipe(scan((all, m) => [...all, m.text], [] as string[])),
    {
      initialValue: [] as string[],
    },
  );

  say(text: string): void {
    this.socket.send({ type: 'chat', text }).subscribe();
  }
}

export function describeTestingKit(fakeTimers: FakeTimers | null): void {
  describe(`ngx-auth-socket/testing (${fakeTimers ? `${fakeTimers.name}, never advanced` : 'real timers, never used'})`, () => {
    let socket: AuthSocketTestingController;
    let service: AuthSocketService;
    let messages: SocketMessage[];
    let errors: AuthSocketError[];

    function setUp(
      config: Partial<AuthSocketConfig> = {},
      options: AuthSocketTestingOptions = {},
      ...features: AuthSocketFeature[]
    ): void {
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
    const codes = () => errors.map((e) => e.code);

    beforeEach(() => fakeTimers?.install());
    afterEach(() => {
      TestBed.resetTestingModule();
      fakeTimers?.uninstall();
    });

    if (fakeTimers) {
      it(`runs with ${fakeTimers.name}: setTimeout is the fake one, and a timer never fires unless the spec advances it`, async () => {
        expect(globalThis.setTimeout === realSetTimeout).toBe(false);
        let fired = false;
        setTimeout(() => (fired = true), 0);
        setUp();
        await socket.open();
        socket.tick(60_000);
        await socket.flush();
        expect(fired).toBe(false);
      });
    }

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

      it('needs no flush(): grant() returns with the socket open, push() with the message delivered', () => {
        setUp();
        socket.expectTicketRequest().grant('tk-1');
        expect(service.state().kind).toBe('open');
        socket.push({ type: 'chat', text: 'hi' });
        expect(messages).toEqual([{ type: 'chat', text: 'hi' }]);
        socket.verify();
      });

      it('what the app starts on its own is in flight until the spec next calls the kit', () => {
        setUp({ auth: 'first-message' });
        socket.acceptAuth();
        TestBed.inject(AuthTokenStore).clear();
        TestBed.inject(AuthTokenStore).set(JWT); // a new socket, its open in flight
        expect(service.state().kind).toBe('connecting');
        expect(socket.sockets.length).toBe(2);
        expect(service.state().kind).toBe('authenticating');
        expect(socket.expectAuthFrame()).toEqual({ type: 'auth', payload: JWT });
      });

      it('... or at the latest in a microtask, when the spec only awaits', async () => {
        setUp({ auth: 'first-message' });
        expect(service.state().kind).toBe('connecting');
        await Promise.resolve();
        expect(service.state().kind).toBe('authenticating');
        socket.acceptAuth();
      });

      it('names the state and what to do when no ticket request is pending', async () => {
        setUp();
        await socket.open();
        expect(() => socket.expectTicketRequest()).toThrowError(
          'Expected one pending ticket request to https://api.test/ws_ticket, found none; the connection state is "open".',
        );
        socket.drop(1006);
        expect(() => socket.expectTicketRequest()).toThrowError(
          'Expected one pending ticket request to https://api.test/ws_ticket, found none; ' +
            'the connection state is "reconnecting" (advanceToReconnect() starts the next attempt).',
        );
      });

      it('names the state when a spec asks for a socket before the library opened one', () => {
        setUp();
        expect(() => socket.socket).toThrowError(
          'No socket has been opened yet; the connection state is "fetching-ticket" (expectTicketRequest() answers the ticket request).',
        );
        socket.expectTicketRequest().grant();
      });

      it('fails the ticket request with a status: 401 without a refresh hook leaves the service unauthorized', () => {
        setUp();
        socket.expectTicketRequest().fail(401);
        expect(service.state().kind).toBe('unauthorized');
        expect(codes()).toContain('ticket-unauthorized');
        socket.verify();
      });

      it('falls back to first-message auth when the ticket endpoint answers 404 (auto mode)', () => {
        setUp();
        socket.expectTicketRequest().fail(404);
        expect(socket.socket.ticket).toBeNull();
        expect(service.state().kind).toBe('authenticating');
        expect(socket.acceptAuth({ user: 'alice' })).toEqual({ type: 'auth', payload: JWT });
        expect(service.state().kind).toBe('open');
        socket.verify();
      });

      it('records the subprotocols the client asked for', async () => {
        setUp({ protocols: ['chat.v2', 'chat.v1'] });
        await socket.open();
        expect(socket.socket.protocols).toEqual(['chat.v2', 'chat.v1']);
      });
    });

    describe('frames', () => {
      it('shows what the client sent at once, and says what it expected when a frame is missing', async () => {
        setUp();
        await socket.open();
        service.send({ type: 'chat', text: 'hello' }).subscribe();
        expect(socket.sent()).toEqual([{ type: 'chat', text: 'hello' }]);
        expect(() => socket.expectSent('typing')).toThrowError(
          'Expected a "typing" frame from the client; it sent {"type":"chat","text":"hello"}.',
        );
        expect(socket.expectSent((f) => (f as { text?: string }).text === 'hello')).toEqual({
          type: 'chat',
          text: 'hello',
        });
        expect(() => socket.expectSent('chat')).toThrowError(
          'Expected a "chat" frame from the client; it sent nothing.',
        );
        socket.verify();
      });

      it('pushes raw frames: a non-JSON frame is a bad-frame error and the connection stays open', async () => {
        setUp();
        await socket.open();
        socket.pushRaw('not json');
        socket.pushRaw(new Uint8Array([1, 2, 3]).buffer);
        expect(codes()).toEqual(['bad-frame', 'bad-frame']);
        expect(messages).toEqual([]);
        expect(service.state().kind).toBe('open');
      });

      it('acknowledges by id (deterministic ids) and refuses an id the client never sent', async () => {
        setUp({ delivery: { acks: true } });
        await socket.open();
        const receipts: SendReceipt[] = [];
        service.send({ type: 'chat', text: 'a' }).subscribe((r) => receipts.push(r));
        expect(socket.expectSent('chat')).toEqual({ type: 'chat', text: 'a', id: 'test-id-1' });
        expect(receipts).toEqual([]);
        expect(() => socket.ack('test-id-9')).toThrowError(
          'ack("test-id-9"): the client sent no frame with this id on socket 1; ids it sent: "test-id-1".',
        );
        socket.ack('test-id-1');
        expect(receipts).toEqual([{ queued: false, acked: true }]);
      });

      it('ackAll() acknowledges every frame with an id not taken yet', async () => {
        setUp({ delivery: { acks: true } });
        await socket.open();
        const acked: string[] = [];
        service.send({ type: 'chat', text: 'a' }).subscribe((r) => r.acked && acked.push('a'));
        service.send({ type: 'chat', text: 'b' }).subscribe((r) => r.acked && acked.push('b'));
        expect(socket.ackAll()).toEqual(['test-id-1', 'test-id-2']);
        expect(acked).toEqual(['a', 'b']);
        socket.socket.takeAll();
      });

      it('an answer pushed from inside a subscriber arrives after that subscriber returns, never re-entrantly', async () => {
        setUp();
        await socket.open();
        const seen: string[] = [];
        service.messages$.subscribe((m) => {
          seen.push(`start ${m.type}`);
          if (m.type === 'question') socket.push({ type: 'answer' });
          seen.push(`end ${m.type}`);
        });
        socket.push({ type: 'question' });
        expect(seen).toEqual(['start question', 'end question', 'start answer', 'end answer']);
      });

      it('an endless exchange throws instead of hanging', async () => {
        setUp();
        await socket.open();
        service.messages$.subscribe((m) => socket.push(m));
        expect(() => socket.push({ type: 'echo' })).toThrowError(/more than 10000 socket events in one delivery/);
      });
    });

    describe('a ticket endpoint of its own', () => {
      it("grant() and open() answer with the ticketBody option, which the app's readTicket reads", async () => {
        setUp(
          {
            ticketMethod: 'POST',
            readTicket: (b: { token: string; expires_in: number }) => ({
              ticket: b.token,
              expires: Date.now() + b.expires_in * 1000,
            }),
          },
          { ticketBody: (ticket, expiresInS) => ({ token: ticket, expires_in: expiresInS }) },
        );
        const ticket = socket.expectTicketRequest();
        expect(ticket.request.method).toBe('POST');
        ticket.grant('tk-own');
        expect(socket.socket.url).toContain('ticket=tk-own');
        expect(service.state().kind).toBe('open');
        socket.drop(1012);
        socket.advanceToReconnect();
        expect((await socket.open('tk-2')).url).toContain('ticket=tk-2');
        expect(codes()).toEqual(['socket-closed']);
        socket.verify();
      });
    });

    describe('first-message auth', () => {
      it('completes authentication, then refuses it after a reconnect (4001 without refresh hook → unauthorized)', () => {
        setUp({ auth: 'first-message' });
        expect(socket.acceptAuth().payload).toBe(JWT);
        expect(service.state().kind).toBe('open');
        socket.drop(1012, 'kicked');
        socket.advanceToReconnect();
        expect(socket.rejectAuth().type).toBe('auth');
        expect(service.state().kind).toBe('unauthorized');
        expect(socket.socket.closed).toEqual({ code: 4001, reason: 'invalid_token' });
        socket.verify();
      });

      it('rejectAuth() reads the config\'s closeCodes: a forbidden code of the app\'s own answers "forbidden"', () => {
        setUp({ auth: 'first-message', closeCodes: { forbidden: [4100] } });
        socket.rejectAuth({ code: 4100 });
        expect(socket.socket.closed).toEqual({ code: 4100, reason: 'forbidden' });
        const state = service.state();
        expect(state.kind === 'closed' && state.reason).toBe('forbidden');
        socket.verify();
      });

      it('rejectAuth({code: 4003}) answers auth_error "forbidden" and closes with 4003', () => {
        setUp({ auth: 'first-message' });
        expect(socket.rejectAuth({ code: 4003 }).payload).toBe(JWT);
        expect(socket.socket.closed).toEqual({ code: 4003, reason: 'forbidden' });
        expect(errors[0].code).toBe('forbidden');
        expect(errors[0].reason).toBe('forbidden');
        const state = service.state();
        expect(state.kind === 'closed' && state.reason).toBe('forbidden');
        socket.verify();
      });

      it('expectAuthFrame() takes the auth frame without answering it', () => {
        setUp({ auth: 'first-message' });
        expect(socket.expectAuthFrame()).toEqual({ type: 'auth', payload: JWT });
        expect(service.state().kind).toBe('authenticating');
        expect(() => socket.expectAuthFrame()).toThrowError(
          'Expected a "auth" frame from the client; it sent nothing.',
        );
      });
    });

    describe("the app's serializer", () => {
      // The README's recipe for a NestJS-style server: `{event, data}` on the wire, `{type, …}` in the app.
      const isObject = (value: unknown): value is Record<string, unknown> =>
        typeof value === 'object' && value !== null && !Array.isArray(value);
      const eventEnvelope: AuthSocketConfig['serializer'] = {
        serialize: (message) => {
          const { type, ...fields } = message as SocketMessage;
          if (typeof type !== 'string') throw new TypeError('a message needs a string type');
          const keys = Object.keys(fields);
          const whole = keys.length === 1 && keys[0] === 'data' && !isObject(fields['data']);
          return JSON.stringify({ event: type, data: whole ? fields['data'] : fields });
        },
        deserialize: (frame) => {
          if (typeof frame !== 'string') throw new TypeError('binary frame');
          const { event, data } = JSON.parse(frame);
          if (data === undefined) return { type: event };
          if (!isObject(data)) return { type: event, data };
          if ('type' in data) throw new TypeError('the payload has a type of its own');
          return { ...data, type: event };
        },
      };
      /** What the client wrote on the wire: the frame the next push will carry, read back raw. */
      const wire = (message: SocketMessage) => eventEnvelope!.serialize(message);

      it('push() writes messages with it and sent frames are read with it, so a spec speaks in messages', async () => {
        setUp({ serializer: eventEnvelope, auth: 'first-message' });
        const opened = await socket.open();
        // The auth frame went out as {event: 'auth', data: {payload}} and was read back as a message.
        expect(socket.socket.sent).toEqual([]);
        socket.push({ type: 'chat', text: 'hi' });
        expect(messages).toEqual([{ type: 'chat', text: 'hi' }]);
        service.send({ type: 'chat', text: 'back' }).subscribe();
        await socket.flush();
        expect(opened.expectSent('chat')).toEqual({ type: 'chat', text: 'back' });
        // The same frame raw is what the library itself reads: the kit wrote what the server would.
        opened.pushRaw(wire({ type: 'chat', text: 'raw' }) as string);
        expect(messages.map((m) => m['text'])).toEqual(['hi', 'raw']);
        expect(codes()).toEqual([]);
        socket.verify();
      });

      it('ack(id) and the auth answers go through it too', async () => {
        setUp({ serializer: eventEnvelope, auth: 'first-message', delivery: { acks: true } });
        await socket.open();
        const receipts: SendReceipt[] = [];
        service.send({ type: 'chat', text: 'kept' }).subscribe((r) => receipts.push(r));
        await socket.flush();
        const frame = socket.socket.expectSent<{ id: string }>('chat');
        socket.socket.ack(frame.id);
        expect(receipts).toEqual([{ queued: false, acked: true }]);
        expect(messages).toEqual([]);
        socket.verify();
      });

      it('with the default JSON: what it writes nothing for, or throws on, is named, not sent or rethrown raw', async () => {
        setUp();
        await socket.open();
        expect(() => socket.push(undefined)).toThrowError(
          "push(): the app's serializer wrote undefined for undefined, not text or bytes; to send such a frame, make it a string or an ArrayBuffer and use pushRaw()",
        );
        expect(() => socket.push({ type: 'big', n: BigInt(1) })).toThrowError(
          "push(): the app's serializer could not write [object Object]: TypeError: Do not know how to serialize a BigInt",
        );
        expect(messages).toEqual([]);
        expect(codes()).toEqual([]);
        socket.verify();
      });

      it('binary: frames the client writes as bytes are read back, and push() writes bytes', async () => {
        // A length-prefixed binary codec: serialize returns a Uint8Array view, as msgpack codecs do.
        const binary: AuthSocketConfig['serializer'] = {
          serialize: (message) => {
            const body = new TextEncoder().encode(JSON.stringify(message));
            const framed = new Uint8Array(body.length + 4);
            framed.set(body, 4);
            return framed.subarray(2); // a view that does not start at its buffer's beginning
          },
          deserialize: (frame) => {
            if (typeof frame === 'string') throw new TypeError('text frame');
            return JSON.parse(new TextDecoder().decode(new Uint8Array(frame).subarray(2)));
          },
        };
        setUp({ serializer: binary, auth: 'first-message' });
        const opened = await socket.open();
        socket.push({ type: 'chat', text: 'hi' });
        expect(messages).toEqual([{ type: 'chat', text: 'hi' }]);
        service.send({ type: 'chat', text: 'back' }).subscribe();
        await socket.flush();
        expect(opened.expectSent('chat')).toEqual({ type: 'chat', text: 'back' });
        expect(codes()).toEqual([]);
        socket.verify();
      });

      it('an answer it cannot write throws before the frame it answers is taken', async () => {
        const noAcks: AuthSocketConfig['serializer'] = {
          serialize: (message) => {
            if ((message as SocketMessage).type === 'auth_ok') throw new TypeError('cannot write auth_ok');
            return JSON.stringify(message);
          },
          deserialize: (frame) => JSON.parse(frame as string),
        };
        setUp({ serializer: noAcks, auth: 'first-message' });
        await socket.flush();
        expect(() => socket.acceptAuth()).toThrowError(
          `acceptAuth(): the app's serializer could not write {"type":"auth_ok"}: TypeError: cannot write auth_ok`,
        );
        // Still there for a spec that answers it another way.
        expect(socket.expectAuthFrame()).toEqual({ type: 'auth', payload: JWT });
      });

      it('a message it cannot write is an error naming it, not a frame the client chokes on', async () => {
        const fussy: AuthSocketConfig['serializer'] = {
          serialize: (message) => {
            if ((message as SocketMessage).type === 'odd') throw new TypeError('no odd frames');
            return JSON.stringify(message);
          },
          deserialize: (frame) => JSON.parse(frame as string),
        };
        setUp({ serializer: fussy });
        await socket.open();
        expect(() => socket.push({ type: 'odd' })).toThrowError(
          `push(): the app's serializer could not write {"type":"odd"}: TypeError: no odd frames`,
        );
        expect(messages).toEqual([]);
        socket.verify();
      });
    });

    describe('first-message frames of its own (the testing option authFrames)', () => {
      // The frames of the Django Channels example (README "Your server").
      const djangoFrames: Partial<AuthSocketConfig> = {
        auth: 'first-message',
        firstMessage: {
          buildAuthMessage: (token) => ({ type: 'authenticate', token }),
          isAck: (m) => m.type === 'authenticated',
          isRejection: (m) => m.type === 'auth_failed',
        },
      };
      const authFrames: AuthSocketTestingOptions['authFrames'] = {
        isAuth: (f) => (f as { type?: unknown } | null)?.type === 'authenticate',
        ack: { type: 'authenticated' },
        rejection: (reason) => ({ type: 'auth_failed', reason }),
      };
      interface AuthenticateFrame {
        type: 'authenticate';
        token: string;
      }

      it('open(), acceptAuth() and rejectAuth() find the frame by isAuth and answer with ack and rejection', async () => {
        setUp(djangoFrames, { authFrames });
        const opened = await socket.open();
        expect(service.state().kind).toBe('open');
        expect(opened.sent).toEqual([]);
        socket.push({ type: 'chat', text: 'hi' });
        expect(messages).toEqual([{ type: 'chat', text: 'hi' }]);
        socket.drop(1012);
        socket.advanceToReconnect();
        expect(socket.acceptAuth<AuthenticateFrame>({ user: 'alice' }).token).toBe(JWT);
        expect(service.state().kind).toBe('open');
        socket.drop(1012);
        socket.advanceToReconnect();
        expect(socket.rejectAuth<AuthenticateFrame>().token).toBe(JWT);
        expect(socket.socket.closed).toEqual({ code: 4001, reason: 'invalid_token' });
        expect(service.state().kind).toBe('unauthorized');
        expect(codes()).toEqual(['socket-closed', 'socket-closed', 'auth-rejected', 'unauthorized']);
        // Neither answer reached the app: both were the library's.
        expect(messages.length).toBe(1);
        socket.verify();
      });

      it('without authFrames, each method says what to configure instead of letting the client wait', () => {
        setUp(djangoFrames);
        expect(() => socket.acceptAuth()).toThrowError(
          'acceptAuth(): the config\'s firstMessage.isAck does not accept {"type":"auth_ok"}, so the client would ' +
            'wait for its ackTimeoutMs. Give provideAuthSocketTesting({authFrames: {ack: …}}) the frame your server ' +
            'acknowledges with.',
        );
        expect(() => socket.rejectAuth()).toThrowError(
          /^rejectAuth\(\): the config's firstMessage\.isRejection does not accept \{"type":"auth_error","reason":"invalid_token"\}/,
        );
        expect(() => socket.expectAuthFrame()).toThrowError(
          `Expected a "auth" frame from the client; it sent {"type":"authenticate","token":"${JWT}"}. An app whose ` +
            'firstMessage.buildAuthMessage builds a frame of another type tells provideAuthSocketTesting({authFrames: ' +
            '{isAuth}}) how to find it.',
        );
        // Nothing was taken or answered: the client still waits for its acknowledgement.
        expect(service.state().kind).toBe('authenticating');
        expect(socket.socket.sent.length).toBe(1);
        socket.socket.takeAll();
      });

      it('open() without authFrames says what to configure instead of returning with the client still waiting', async () => {
        setUp(djangoFrames);
        let message = 'open() did not throw';
        try {
          await socket.open();
        } catch (e) {
          message = (e as Error).message;
        }
        expect(message).toMatch(
          /^open\(\): the client waits for the answer to its auth frame, but none of the frames it sent is one: \{"type":"authenticate",.*authFrames: \{isAuth, ack\}/,
        );
        socket.socket.takeAll();
      });

      it('authFrames.rejection null: rejectAuth() only closes, for a server that refuses by its close code', () => {
        setUp(
          { ...djangoFrames, firstMessage: { ...djangoFrames.firstMessage, isRejection: () => false } },
          {
            authFrames: { ...authFrames, rejection: null },
          },
        );
        socket.rejectAuth({ code: 4003 });
        expect(socket.socket.closed).toEqual({ code: 4003, reason: 'forbidden' });
        const state = service.state();
        expect(state.kind === 'closed' && state.reason).toBe('forbidden');
        socket.verify();
      });

      it("a config predicate that throws on the kit's answer reads as not accepting it (the kit's message, not a TypeError)", () => {
        setUp({
          ...djangoFrames,
          firstMessage: { ...djangoFrames.firstMessage, isAck: (m) => (m['payload'] as { ok: boolean }).ok },
        });
        expect(() => socket.acceptAuth()).toThrowError(
          /^acceptAuth\(\): the config's firstMessage\.isAck does not accept/,
        );
        socket.socket.takeAll();
      });

      it('with authFrames, a frame isAuth does not match is not taken for the auth frame', () => {
        setUp(djangoFrames, {
          authFrames: { ...authFrames, isAuth: (f) => (f as { type?: unknown }).type === 'login' },
        });
        expect(() => socket.expectAuthFrame()).toThrowError(
          /it sent \{"type":"authenticate",.*\}\. None is an auth frame by the testing option authFrames\.isAuth\.$/,
        );
        socket.socket.takeAll();
      });
    });

    describe('channels (withChannels())', () => {
      it("channel frames of the app's own are taken and answered with expectSent() and push()", async () => {
        setUp(
          {},
          {},
          withChannels({
            join: (group) => ({ type: 'subscribe', group }),
            leave: (group) => ({ type: 'unsubscribe', group }),
            read: (m) => (m.type === 'subscribed' ? { kind: 'joined', channel: m['group'] as string } : undefined),
            channelOf: (m) => m['group'] as string | undefined,
          }),
        );
        const room = service.channel<SocketMessage & { body: string }>('room-1');
        const bodies: string[] = [];
        room.messages$.subscribe((m) => bodies.push(m.body));
        await socket.open();
        expect(socket.expectSent((f) => (f as { type?: unknown }).type === 'subscribe')).toEqual({
          type: 'subscribe',
          group: 'room-1',
        });
        socket.push({ type: 'subscribed', group: 'room-1' });
        expect(room.state().kind).toBe('joined');
        socket.push({ type: 'group.message', group: 'room-1', body: 'hi' });
        expect(bodies).toEqual(['hi']);
        socket.verify();
      });

      it('expects, accepts and refuses joins, pushes to a channel and changes presence', async () => {
        setUp({}, {}, withChannels());
        const room = service.channel<SocketMessage & { text: string }>('room:1');
        const texts: string[] = [];
        room.messages$.subscribe((m) => texts.push(m.text));
        const members: string[][] = [];
        room.presence$.subscribe((p) => members.push([...p.members]));
        await socket.open();
        expect(socket.acceptJoin('room:1', { seq: 3, presence: ['alice'] })).toEqual({
          type: 'join',
          channel: 'room:1',
        });
        expect(room.state()).toEqual({ kind: 'joined', seq: 3 });
        socket.pushToChannel('room:1', { type: 'chat', text: 'hi', seq: 4 });
        socket.presence('room:1', { joined: ['bob'] });
        socket.presence('room:1', { left: ['alice'] });
        expect(texts).toEqual(['hi']);
        expect(members).toEqual([[], ['alice'], ['alice', 'bob'], ['bob']]);
        const secret = service.channel('private:bob');
        secret.messages$.subscribe();
        expect(socket.refuseJoin('private:bob').channel).toBe('private:bob');
        expect(secret.state()).toEqual({ kind: 'rejected', reason: 'forbidden' });
        socket.kickFromChannel('room:1', 'banned');
        expect(room.state()).toEqual({ kind: 'rejected', reason: 'banned' });
        expect(() => socket.expectJoin('room:9')).toThrowError(
          /Expected a "join" frame for "room:9" from the client on socket 1; it sent/,
        );
        socket.verify();
      });

      it('re-joins after a reconnect (the join comes right after authentication), and leaves after the grace', async () => {
        setUp({ idleCloseDelayMs: 500, keepAlive: true }, {}, withChannels());
        const room = service.channel('room:1');
        const subscription = room.messages$.subscribe();
        await socket.open();
        socket.acceptJoin('room:1');
        socket.drop(1006);
        expect(room.state().kind).toBe('joining');
        socket.advanceToReconnect();
        await socket.open();
        socket.acceptJoin('room:1');
        expect(room.state().kind).toBe('joined');
        subscription.unsubscribe();
        socket.tick(500);
        await socket.flush();
        expect(socket.expectLeave('room:1')).toEqual({ type: 'leave', channel: 'room:1' });
        expect(room.state().kind).toBe('left');
        socket.verify();
      });
    });

    describe('closes', () => {
      it('a server close 4003 stops the library: closed (forbidden), nothing to advance to', async () => {
        setUp();
        await socket.open();
        socket.drop(4003, 'forbidden');
        const state = service.state();
        expect(state.kind === 'closed' && state.reason).toBe('forbidden');
        expect(() => socket.advanceToReconnect()).toThrowError(
          'advanceToReconnect(): no reconnect is pending; the state is "closed".',
        );
        expect(() => socket.drop()).toThrowError(
          'close(): socket 1 is closed already (4003 "forbidden" by the server).',
        );
        socket.verify();
      });

      it('a close with a retry hint is honoured on the virtual clock', async () => {
        setUp({ reconnect: { initialDelayMs: 1000, maxDelayMs: 30_000 } });
        await socket.open();
        socket.drop(1013, 'retry_after=5');
        expect(delayMs()).toBe(5000);
        socket.tick(4999);
        expect(() => socket.expectTicketRequest()).toThrowError(/found none/);
        socket.tick(1);
        socket.expectTicketRequest().grant();
        expect(socket.socket.state).toBe('open');
        expect(service.state().kind).toBe('open');
      });

      it('a socket the client closed is closed with its code at once; frames the server still pushes are dropped', async () => {
        setUp();
        await socket.open();
        const first = socket.socket;
        TestBed.inject(AuthTokenStore).clear(); // logout closes the socket
        expect(first.closed?.code).toBe(1000);
        expect(first.state).toBe('closed');
        first.push({ type: 'chat', text: 'crossed the close' });
        expect(messages).toEqual([]);
        expect(() => first.close(1000)).toThrowError(
          /^close\(\): socket 1 is closed already \(1000 .* by the client\)\.$/,
        );
      });
    });

    describe('held connections', () => {
      it('holdConnections(): the socket waits in connecting until the spec accepts it', async () => {
        setUp();
        socket.holdConnections();
        socket.expectTicketRequest().grant('tk-1');
        await socket.flush();
        expect(socket.socket.state).toBe('waiting');
        expect(service.state().kind).toBe('connecting');
        expect(() => socket.push({ type: 'x' })).toThrowError(
          'push(): socket 1 is waiting to be accepted (holdConnections()); accept() it first.',
        );
        expect(() => socket.verify()).toThrowError(
          'AuthSocketTestingController.verify(): socket 1 is waiting to be accepted or refused (holdConnections()).',
        );
        socket.socket.accept();
        expect(service.state().kind).toBe('open');
        expect(() => socket.socket.accept()).toThrowError(
          'accept(): socket 1 is open already; only a connection held by holdConnections() waits for accept() or refuse().',
        );
        socket.verify();
      });

      it('refuse(): the upgrade fails as the browser reports it (1006), and the library backs off', () => {
        setUp();
        socket.holdConnections();
        socket.expectTicketRequest().grant('tk-1');
        socket.socket.refuse();
        expect(socket.socket.closed).toEqual({ code: 1006, reason: '' });
        expect(codes()).toEqual(['socket-closed']);
        expect(service.state().kind).toBe('reconnecting');
      });

      it('a connection never accepted times out on the virtual clock; the library closes it', () => {
        setUp({ connectTimeoutMs: 2000 });
        socket.holdConnections();
        socket.expectTicketRequest().grant('tk-1');
        socket.tick(1999);
        expect(service.state().kind).toBe('connecting');
        socket.tick(1);
        expect(codes()).toEqual(['connect-timeout']);
        expect(socket.socket.closed?.code).toBe(1000);
        expect(service.state().kind).toBe('reconnecting');
        socket.acceptConnections();
        socket.advanceToReconnect();
        socket.expectTicketRequest().grant('tk-2');
        expect(socket.socket.state).toBe('open');
        expect(service.state().kind).toBe('open');
      });

      it('open() accepts a held connection', async () => {
        setUp();
        socket.holdConnections();
        await socket.open();
        expect(service.state().kind).toBe('open');
      });
    });

    describe('time', () => {
      it('advances exactly to the reconnect, which fetches a fresh ticket', async () => {
        setUp({ reconnect: { initialDelayMs: 1000 } });
        await socket.open('tk-1');
        const dropped = socket.now();
        socket.drop(1006);
        // random() is 0.5 by default: half of the first ceiling (full jitter).
        expect(delayMs()).toBe(500);
        socket.tick(499);
        expect(() => socket.expectTicketRequest()).toThrowError(/found none/);
        socket.advanceToReconnect();
        expect(socket.now() - dropped).toBe(500);
        socket.expectTicketRequest().grant('tk-2');
        expect(socket.sockets.map((s) => s.ticket)).toEqual(['tk-1', 'tk-2']);
        expect(service.state().kind).toBe('open');
        socket.verify();
      });

      it('honours the backoff exactly: the drawn share of a ceiling that doubles per failed attempt', async () => {
        setUp({ reconnect: { initialDelayMs: 1000, factor: 2 } }, { random: 0.75 });
        await socket.open();
        const dropped = socket.now();
        socket.drop(1006);
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
        expect(socket.sent()).toEqual([]);
        socket.tick(1);
        expect(socket.expectSent('ping')).toEqual({ type: 'ping' });
        socket.tick(500);
        expect(codes()).toContain('heartbeat-timeout');
        expect(service.state().kind).toBe('reconnecting');
      });

      it('advanceToNextTimer() runs the next library timer only, and says so when there is none', async () => {
        setUp({ reconnect: { initialDelayMs: 1000 } });
        await socket.open();
        socket.drop(1006);
        expect(socket.pendingTimers).toBe(1);
        expect(socket.advanceToNextTimer()).toBe(500);
        socket.expectTicketRequest().fail(503);
        TestBed.resetTestingModule();
        expect(socket.pendingTimers).toBe(0);
        expect(() => socket.advanceToNextTimer()).toThrowError(
          'advanceToNextTimer(): no library timer is pending; the test module is torn down.',
        );
      });

      it('starts the clock where the spec says, and dates ticket expiries from it', () => {
        const start = Date.UTC(2030, 0, 1);
        setUp({}, { startTime: start });
        expect(socket.now()).toBe(start);
        // Expired on the virtual clock, though years ahead of the real one: the library refuses it.
        socket.expectTicketRequest().grant('stale', { expiresInS: -5 });
        expect(codes()).toEqual(['ticket-expired']);
        socket.advanceToReconnect();
        socket.expectTicketRequest().grant('fresh', { expiresInS: 60 });
        expect(service.state().kind).toBe('open');
        expect(socket.sockets.map((s) => s.ticket)).toEqual(['fresh']);
      });
    });

    it('refuses a random() outside [0, 1) when the providers are built', () => {
      expect(() => provideAuthSocketTesting({ random: 1 })).toThrowError(
        'provideAuthSocketTesting(): random must be in [0, 1) like Math.random(), got 1.',
      );
    });

    describe('flush()', () => {
      it('lets promise callbacks run: an async token getter, then the ticket request it leads to', async () => {
        TestBed.configureTestingModule({
          providers: [
            provideHttpClient(withInterceptors([authTokenInterceptor])),
            provideHttpClientTesting(),
            provideAuthSocket({ url: 'wss://api.test/channel/', tokenGetter: () => Promise.resolve(JWT) }),
            provideAuthSocketTesting(),
          ],
        });
        socket = TestBed.inject(AuthSocketTestingController);
        TestBed.inject(AuthSocketService).connect();
        await socket.flush();
        expect(socket.expectTicketRequest().request.headers.get('Authorization')).toBe(`Bearer ${JWT}`);
      });

      it('throws a clear error when the sockets never settle, instead of giving up silently', async () => {
        setUp();
        await socket.open();
        let echo = true;
        service.messages$.subscribe((m) => void Promise.resolve().then(() => echo && socket.push(m)));
        socket.push({ type: 'echo' });
        let failure: unknown;
        await socket.flush().catch((e: unknown) => (failure = e));
        echo = false;
        expect(String(failure)).toContain(
          'flush(): the sockets were still moving after 100 rounds of delivery; the connection state is "open".',
        );
      });
    });

    describe('network', () => {
      it('goes offline and back: the reconnect waits for the network, then starts at once', async () => {
        setUp();
        await socket.open();
        socket.goOffline();
        socket.drop(1006);
        expect(service.state().kind).toBe('waiting-for-network');
        expect(() => socket.advanceToReconnect()).toThrowError(
          'advanceToReconnect(): no reconnect is pending; the state is "waiting-for-network" (goOnline() brings the network back).',
        );
        socket.goOnline();
        socket.expectTicketRequest().grant();
        expect(socket.socket.state).toBe('open');
        expect(service.state().kind).toBe('open');
      });

      it('resumePage() cuts a pending backoff short', async () => {
        setUp({ reconnect: { initialDelayMs: 10_000 } });
        await socket.open();
        socket.drop(1006);
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
        const report =
          'AuthSocketTestingController.verify(): socket 1 received 1 frame(s) no spec took: {"type":"chat","text":"left over"}.';
        expect(() => socket.verify()).toThrowError(report);
        socket.drop(1006);
        expect(() => socket.verify()).toThrowError(report);
        socket.sockets[0].takeAll();
        expect(() => socket.verify()).not.toThrow();
      });
    });

    describe('in a component spec', () => {
      it('renders what the server pushes and sends what the user does, with fixture.detectChanges() and no timer', () => {
        TestBed.configureTestingModule({
          providers: [
            provideZonelessChangeDetection(),
            provideHttpClient(withInterceptors([authTokenInterceptor])),
            provideHttpClientTesting(),
            provideAuthSocket({ url: 'wss://api.test/channel/' }),
            provideAuthSocketTesting(),
          ],
        });
        socket = TestBed.inject(AuthSocketTestingController);
        TestBed.inject(AuthTokenStore).set(JWT);
        const fixture = TestBed.createComponent(KitChat);
        const page = () => (fixture.nativeElement as HTMLElement).textContent ?? '';
        fixture.detectChanges(); // subscribing connects: a ticket request
        socket.expectTicketRequest().grant('tk-1');
        socket.push({ type: 'chat', text: 'hello from the server' });
        fixture.detectChanges();
        expect(page()).toContain('Connection: open');
        expect(page()).toContain('hello from the server');
        (fixture.nativeElement as HTMLElement).querySelector('button')!.click();
        expect(socket.expectSent('chat')).toEqual({ type: 'chat', text: 'hi' });
        socket.drop(1006);
        fixture.detectChanges();
        expect(page()).toContain('Connection: reconnecting');
        socket.verify();
      });
    });

    describe('VirtualClock', () => {
      it('runs timers in due order, those scheduled on the way included, and only when told', () => {
        const clock = new VirtualClock(1000);
        const fired: string[] = [];
        clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
        const cancelled = clock.setTimeout(() => fired.push('never'), 5);
        clock.setTimeout(() => {
          fired.push(`a@${clock.now()}`);
          clock.setTimeout(() => fired.push(`c@${clock.now()}`), 15);
        }, 10);
        clock.clearTimeout(cancelled);
        expect(clock.pending).toBe(2);
        clock.tick(24);
        expect(fired).toEqual(['a@1010', 'b@1020']);
        expect(clock.now()).toBe(1024);
        expect(clock.next()).toBe(1);
        expect(fired).toEqual(['a@1010', 'b@1020', 'c@1025']);
        expect(clock.next()).toBeNull();
        expect(() => clock.tick(-1)).toThrowError('tick(-1): time only moves forward');
      });

      it('throws when a timer re-arms itself without delay, instead of spinning forever', () => {
        const clock = new VirtualClock();
        const again = (): void => void clock.setTimeout(again, 0);
        again();
        expect(() => clock.tick(0)).toThrowError(
          'tick(0): more than 100000 timers fell due in one step; a timer re-arms itself without delay?',
        );
      });
    });
  });
}
