import { AuthSocketError } from './errors';
import { provideAuthSocket } from './provide-auth-socket';
import { AUTH_SOCKET_HEARTBEAT, AUTH_SOCKET_RESUME, HeartbeatFeature, withHeartbeat, withResume } from './features';

describe('feature functions', () => {
  it('withHeartbeat() applies the default interval (25 s) and timeout (10 s), and fails the socket typed', () => {
    const feature = withHeartbeat();
    expect(feature.ɵkind).toBe('heartbeat');
    const provider = feature.ɵproviders[0] as { provide: unknown; useValue: HeartbeatFeature };
    expect(provider.provide).toBe(AUTH_SOCKET_HEARTBEAT);
    const timers: Array<{ ms: number; run: () => void }> = [];
    const extension = provider.useValue.extension({
      setTimeout: (run, ms) => timers.push({ ms, run }),
      clearTimeout: () => undefined,
    });
    const sent: unknown[] = [];
    const failures: AuthSocketError[] = [];
    extension.ready!(
      (m) => sent.push(m) > 0,
      (e) => failures.push(e),
    );
    expect(timers.map((t) => t.ms)).toEqual([25_000]);
    timers[0].run();
    expect(sent).toEqual([{ type: 'ping' }]);
    expect(timers.map((t) => t.ms)).toEqual([25_000, 10_000, 25_000]);
    // A pong is the heartbeat's own frame; any other frame is the app's.
    expect(extension.frame!({ type: 'pong' }, true)).toBeTrue();
    expect(extension.frame!({ type: 'chat' }, true)).toBeFalse();
    timers[1].run();
    expect(failures.map((e) => e.code)).toEqual(['heartbeat-timeout']);
  });

  for (const [what, options] of [
    ['a zero interval', { intervalMs: 0 }],
    ['a negative timeout', { timeoutMs: -5 }],
    ['a NaN interval', { intervalMs: Number.NaN }],
  ] as const) {
    it(`withHeartbeat() rejects ${what} with invalid-config`, () => {
      expect(() => withHeartbeat(options)).toThrowMatching(
        (e) => e instanceof AuthSocketError && e.code === 'invalid-config',
      );
    });
  }

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
