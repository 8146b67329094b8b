import { VirtualClock } from 'ngx-auth-socket/testing';
import { AuthSocketError } from './errors';
import { provideAuthSocket } from './provide-auth-socket';
import { withTokenRotation } from './connection/with-token-rotation';
import { AUTH_SOCKET_HEARTBEAT, AUTH_SOCKET_RESUME, HeartbeatFeature, withHeartbeat, withResume } from './features';

describe('feature functions', () => {
  it('withHeartbeat() applies the default interval (25 s) and timeout (10 s), and fails the socket typed', () => {
    const feature = withHeartbeat();
    expect(feature.ɵkind).toBe('heartbeat');
    const provider = feature.ɵproviders[0] as { provide: unknown; useValue: HeartbeatFeature };
    expect(provider.provide).toBe(AUTH_SOCKET_HEARTBEAT);
    // A small fake clock: timers fire in due order when time advances; cleared ones never.
    let now = 0;
    let next = 0;
    const timers = new Map<number, { at: number; run: () => void }>();
    const advance = (ms: number) => {
      const until = now + ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= until).sort((x, y) => x[1].at - y[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].run();
      }
      now = until;
    };
    const reported: AuthSocketError[] = [];
    const extension = provider.useValue.extension({
      setTimeout: (run, ms) => (timers.set(++next, { at: now + ms, run }), next),
      clearTimeout: (handle) => timers.delete(handle as number),
    });
    const sent: unknown[] = [];
    const failures: AuthSocketError[] = [];
    extension.ready!(
      (m) => sent.push(m) > 0,
      (e) => failures.push(e),
      () => undefined,
      (e) => reported.push(e),
    );
    advance(24_999);
    expect(sent).toEqual([]);
    advance(1);
    expect(sent).toEqual([{ type: 'ping' }]);
    // Any frame on the socket carrying traffic is a sign of life...
    advance(9_000);
    expect(extension.frame!({ type: 'chat' }, true)).toBeFalse();
    advance(5_000);
    expect(failures).toEqual([]);
    // ...one on another socket (a successor, a replaced one) is not.
    advance(11_000);
    expect(sent.length).toBe(2);
    expect(extension.frame!({ type: 'chat' }, false)).toBeFalse();
    advance(9_999);
    expect(failures).toEqual([]);
    advance(1);
    expect(failures.map((e) => e.code)).toEqual(['heartbeat-timeout']);
    // Our own pong is the heartbeat's; a pong answering the app's ping (id or channel) is the app's.
    expect(extension.frame!({ type: 'pong' }, true)).toBeTrue();
    expect(extension.frame!({ type: 'pong', id: 'p-1' }, true)).toBeFalse();
    expect(extension.frame!({ type: 'pong', channel: 'room:1' }, true)).toBeFalse();
    extension.lost!(false);
    advance(100_000);
    expect(sent.length).toBe(2);
    expect(reported).toEqual([]);
  });

  it('withHeartbeat() awaits the answer to a ping that found the socket closing, not to one that could not be encoded', () => {
    const provider = withHeartbeat({ intervalMs: 100, timeoutMs: 50 }).ɵproviders[0] as { useValue: HeartbeatFeature };
    const clock = new VirtualClock(0);
    const extension = provider.useValue.extension({
      setTimeout: (run, ms) => clock.setTimeout(run, ms),
      clearTimeout: (handle) => clock.clearTimeout(handle),
    });
    // undefined: the frame could not be encoded (the connection reported it); false: the socket is closing.
    let result: boolean | undefined = undefined;
    const failures: string[] = [];
    extension.ready!(
      () => result,
      (e) => failures.push(e.code),
      () => undefined,
      () => undefined,
    );
    clock.tick(1000);
    expect(failures).toEqual([]);
    result = false; // a close handshake that never completes: the heartbeat ends it
    clock.tick(200);
    expect(failures).toEqual(['heartbeat-timeout']);
  });

  for (const [what, options] of [
    ['a zero interval', { intervalMs: 0 }],
    ['a negative timeout', { timeoutMs: -5 }],
    ['a NaN interval', { intervalMs: Number.NaN }],
    ['a ping that is no function', { ping: { type: 'ping' } as never }],
    ['an isPong that is no function', { isPong: 'pong' as never }],
  ] as const) {
    it(`withHeartbeat() rejects ${what} with invalid-config`, () => {
      expect(() => withHeartbeat(options)).toThrowMatching(
        (e) => e instanceof AuthSocketError && e.code === 'invalid-config',
      );
    });
  }

  it('withTokenRotation() refuses a messageId that is not a function', () => {
    expect(() => withTokenRotation({ messageId: 'msg_id' as never })).toThrowMatching(
      (e) => e instanceof AuthSocketError && e.code === 'invalid-config',
    );
  });

  it('withResume() provides a fresh tracker per service', () => {
    const provider = withResume().ɵproviders[0] as { provide: unknown; useValue: () => object };
    expect(provider.provide).toBe(AUTH_SOCKET_RESUME);
    expect(provider.useValue()).not.toBe(provider.useValue());
  });

  it('provideAuthSocket() refuses a feature given twice and values that are not features', () => {
    const invalid = (e: unknown) => e instanceof AuthSocketError && e.code === 'invalid-config';
    expect(() => provideAuthSocket({ url: '/c' }, withResume(), withResume())).toThrowMatching(invalid);
    expect(() => provideAuthSocket({ url: '/c' }, {} as never)).toThrowMatching(invalid);
    expect(() => provideAuthSocket({ url: '/c' }, withResume(), withHeartbeat())).not.toThrow();
  });
});
