import { AuthSocketError } from './errors';
import { provideAuthSocket } from './provide-auth-socket';
import { AUTH_SOCKET_HEARTBEAT, AUTH_SOCKET_RESUME, withHeartbeat, withResume } from './features';

describe('feature functions', () => {
  it('withHeartbeat() applies the default interval and timeout', () => {
    const feature = withHeartbeat();
    expect(feature.ɵkind).toBe('heartbeat');
    const provider = feature.ɵproviders[0] as { provide: unknown; useValue: { timeoutMs: number } };
    expect(provider.provide).toBe(AUTH_SOCKET_HEARTBEAT);
    expect(provider.useValue.timeoutMs).toBe(10_000);
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
