import { AuthSocketConfig, DEFAULTS, jsonSerializer, resolveConfig } from './config';
import { AuthSocketError, isAuthSocketError } from './errors';

describe('resolveConfig', () => {
  const page = 'https://app.example.com/home';

  it('an option given as undefined keeps its default (firstMessage, reconnect, delivery)', () => {
    const optional: { isAck?: (m: { type: string }) => boolean; maxAttempts?: number; acks?: boolean } = {};
    const c = resolveConfig(
      {
        url: '/channel/',
        firstMessage: { isAck: optional.isAck, ackTimeoutMs: 500 },
        reconnect: { maxAttempts: optional.maxAttempts },
        delivery: { acks: optional.acks },
      },
      page,
    );
    expect(c.firstMessage.isAck).toBe(DEFAULTS.firstMessage.isAck);
    expect(c.firstMessage.ackTimeoutMs).toBe(500);
    expect(c.reconnect.maxAttempts).toBe(Infinity);
    expect(c.delivery.acks).toBeFalse();
  });

  it('fills every default', () => {
    const c = resolveConfig({ url: '/channel/' }, page);
    expect(c.url).toBe('wss://app.example.com/channel/');
    expect(c.ticketUrl).toBe('https://app.example.com/ws_ticket');
    expect(c.ticketParam).toBe('ticket');
    expect(c.ticketMethod).toBe('GET');
    expect(c.readTicket).toBeUndefined();
    expect(c.auth).toBe('auto');
    expect(c.reconnect).toEqual({
      initialDelayMs: 1000,
      factor: 2,
      maxDelayMs: 30_000,
      maxAttempts: Infinity,
      resetAfterMs: 5000,
    });
    expect(c.firstMessage.waitForAck).toBeTrue();
    expect(c.firstMessage.ackTimeoutMs).toBe(10_000);
    expect(c.firstMessage.buildAuthMessage('jwt', {})).toEqual({ type: 'auth', payload: 'jwt' });
    expect(c.firstMessage.buildAuthMessage('jwt', { resume: 7 })).toEqual({ type: 'auth', payload: 'jwt', resume: 7 });
    expect(c.delivery).toEqual({ acks: false, messageTtlMs: 60_000 });
    // Not given: withTokenRotation() applies its own default (30 s); without the feature there is no refresh lead.
    expect(c.refreshBeforeExpiryMs).toBeUndefined();
    expect(c.firstMessage.isAck({ type: 'auth_ok' })).toBeTrue();
    expect(c.firstMessage.isRejection({ type: 'auth_error' })).toBeTrue();
    expect(c.ticketTimeoutMs).toBe(10_000);
    expect(c.connectTimeoutMs).toBe(10_000);
    expect(c.closeCodes).toEqual({ unauthorized: [4001, 4401], forbidden: [4003, 4403] });
    expect(c.idleCloseDelayMs).toBe(1000);
    expect(c.keepAlive).toBeFalse();
    expect(c.outboxLimit).toBe(1000);
    expect(c.serializer).toBe(jsonSerializer);
    expect(c.allowInsecure).toBeFalse();
    expect(c.onTokenChange).toBeUndefined();
  });

  it('derives the ticket endpoint from an absolute socket URL', () => {
    expect(resolveConfig({ url: 'ws://127.0.0.1:4300/channel/' }, page).ticketUrl).toBe(
      'http://127.0.0.1:4300/ws_ticket',
    );
  });

  it('resolves a relative ticket URL against the page', () => {
    expect(resolveConfig({ url: '/channel/', ticketUrl: '/api/ws_ticket' }, page).ticketUrl).toBe(
      'https://app.example.com/api/ws_ticket',
    );
  });

  it('merges partial reconnect options over the defaults', () => {
    expect(resolveConfig({ url: '/c', reconnect: { maxAttempts: 3 } }, page).reconnect.initialDelayMs).toBe(1000);
  });

  it('takes each closeCodes list on its own, replacing only that default', () => {
    expect(resolveConfig({ url: '/c', closeCodes: { unauthorized: [1008, 4100] } }, page).closeCodes).toEqual({
      unauthorized: [1008, 4100],
      forbidden: [4003, 4403],
    });
    expect(resolveConfig({ url: '/c', closeCodes: { forbidden: [] } }, page).closeCodes.forbidden).toEqual([]);
    // An entry left out, undefined or null (a JSON config) takes its default; a getter is read.
    const nullish = { unauthorized: null as never, forbidden: undefined };
    expect(resolveConfig({ url: '/c', closeCodes: nullish }, page).closeCodes).toEqual(DEFAULTS.closeCodes);
    const codes = new (class {
      get unauthorized() {
        return [4100];
      }
    })();
    expect(resolveConfig({ url: '/c', closeCodes: codes }, page).closeCodes.unauthorized).toEqual([4100]);
  });

  it('normalises allowed origins', () => {
    expect(resolveConfig({ url: '/c', allowedOrigins: ['https://cdn.example.com/path'] }, page).allowedOrigins).toEqual(
      ['https://cdn.example.com'],
    );
  });

  const invalid: Array<[string, AuthSocketConfig, string]> = [
    ['no url', { url: '' }, 'invalid-config'],
    ['ws:// to a remote host', { url: 'ws://api.example.com/ch' }, 'insecure-url'],
    ['unknown auth mode', { url: '/c', auth: 'magic' as never }, 'invalid-config'],
    ['negative delay', { url: '/c', reconnect: { initialDelayMs: -1 } }, 'invalid-config'],
    ['factor below 1', { url: '/c', reconnect: { factor: 0.5 } }, 'invalid-config'],
    ['cap below initial', { url: '/c', reconnect: { initialDelayMs: 5000, maxDelayMs: 100 } }, 'invalid-config'],
    ['zero attempts', { url: '/c', reconnect: { maxAttempts: 0 } }, 'invalid-config'],
    [
      'an http:// ticket endpoint on a remote host',
      { url: 'wss://api.example.com/ch', ticketUrl: 'http://api.example.com/t' },
      'insecure-url',
    ],
    [
      'an http:// allowed origin on a remote host',
      { url: '/c', allowedOrigins: ['http://api.example.com'] },
      'insecure-url',
    ],
    [
      'ws:// to a remote host (its default ticket endpoint is http:// too)',
      { url: 'ws://10.0.0.5/ch' },
      'insecure-url',
    ],
    ['odd ticket parameter', { url: '/c', ticketParam: 'a b' }, 'invalid-config'],
    ['negative outbox', { url: '/c', outboxLimit: -1 }, 'invalid-config'],
    ['zero connect timeout', { url: '/c', connectTimeoutMs: 0 }, 'invalid-config'],
    ['relative allowed origin', { url: '/c', allowedOrigins: ['cdn.example.com'] }, 'invalid-config'],
    ['zero message TTL', { url: '/c', delivery: { messageTtlMs: 0 } }, 'invalid-config'],
    ['negative refresh lead', { url: '/c', refreshBeforeExpiryMs: -1 }, 'invalid-config'],
    ['unknown token policy', { url: '/c', onTokenChange: 'ignore' as never }, 'invalid-config'],
    ['a refresh lead given as a string', { url: '/c', refreshBeforeExpiryMs: '30000' as never }, 'invalid-config'],
    ['a refresh lead of true', { url: '/c', refreshBeforeExpiryMs: true as never }, 'invalid-config'],
    ['a refreshToken that is not a function', { url: '/c', refreshToken: 'jwt' as never }, 'invalid-config'],
    ['a tokenGetter that is not a function', { url: '/c', tokenGetter: {} as never }, 'invalid-config'],
    [
      'a close code the browser reports for a lost network (1006)',
      { url: '/c', closeCodes: { unauthorized: [1006] } },
      'invalid-config',
    ],
    ['a close code beyond 4999', { url: '/c', closeCodes: { forbidden: [5000] } }, 'invalid-config'],
    ['a close code that is no integer', { url: '/c', closeCodes: { forbidden: [4003.5] } }, 'invalid-config'],
    ['close codes not in a list', { url: '/c', closeCodes: { unauthorized: 4001 as never } }, 'invalid-config'],
    // 4001 stays in the default unauthorized list: a code cannot mean both.
    ['a close code in both lists', { url: '/c', closeCodes: { forbidden: [4001] } }, 'invalid-config'],
  ];
  for (const [name, config, code] of invalid) {
    it(`rejects ${name} with ${code}`, () => {
      try {
        resolveConfig(config, page);
        fail('expected an AuthSocketError');
      } catch (e) {
        expect(e).toBeInstanceOf(AuthSocketError);
        expect((e as AuthSocketError).code).toBe(code as AuthSocketError['code']);
      }
    });
  }

  describe('in a production build (ngDevMode false)', () => {
    const g = globalThis as { ngDevMode?: unknown };
    let saved: unknown;
    beforeEach(() => ((saved = g.ngDevMode), (g.ngDevMode = false)));
    afterEach(() => (g.ngDevMode = saved));

    for (const [name, config] of [
      ['a NaN delay', { url: '/c', reconnect: { initialDelayMs: NaN } }],
      ['a negative outbox', { url: '/c', outboxLimit: -1 }],
      ['a negative refresh lead', { url: '/c', refreshBeforeExpiryMs: -5 }],
      ['a null delay from a JSON config', { url: '/c', reconnect: { initialDelayMs: null as unknown as number } }],
      ['a backoff factor below 1', { url: '/c', reconnect: { factor: 0 } }],
      ['a refresh lead given as a string', { url: '/c', refreshBeforeExpiryMs: '30000' as never }],
    ] as Array<[string, AuthSocketConfig]>) {
      it(`still rejects ${name}, with the code and no sentence`, () => {
        expect(() => resolveConfig(config, page)).toThrowMatching(
          (e) => isAuthSocketError(e, 'invalid-config') && e.message === '[ngx-auth-socket invalid-config]',
        );
      });
    }

    it('still rejects a readTicket that is not a function, naming the option', () => {
      expect(() => resolveConfig({ url: '/c', readTicket: {} as never }, page)).toThrowMatching(
        (e) => isAuthSocketError(e, 'invalid-config') && e.message.endsWith('readTicket'),
      );
    });

    it('still rejects an unknown ticket method, naming the option', () => {
      expect(() => resolveConfig({ url: '/c', ticketMethod: 'get' as never }, page)).toThrowMatching(
        (e) => isAuthSocketError(e, 'invalid-config') && e.message.endsWith('ticketMethod'),
      );
    });

    it('still rejects a close code the network reports, naming the option', () => {
      expect(() => resolveConfig({ url: '/c', closeCodes: { unauthorized: [1006] } }, page)).toThrowMatching(
        (e) => isAuthSocketError(e, 'invalid-config') && e.message.endsWith('closeCodes'),
      );
    });

    it('keeps refusing ws:// to a remote host, naming the URL', () => {
      expect(() => resolveConfig({ url: 'ws://api.example.com/ch' }, page)).toThrowMatching(
        (e) => isAuthSocketError(e, 'insecure-url') && e.message.endsWith('ws://api.example.com/ch'),
      );
    });

    it('accepts the defaults', () => {
      expect(resolveConfig({ url: '/c' }, page).outboxLimit).toBe(DEFAULTS.outboxLimit);
    });
  });

  it('reads options from a class instance (methods and getters on its prototype) and takes null as not given', () => {
    class Settings {
      readonly url = '/c';
      get ticketTimeoutMs(): number {
        return 5;
      }
      refreshToken(): string {
        return 'fresh';
      }
    }
    const fromClass = resolveConfig(new Settings(), page);
    expect(fromClass.ticketTimeoutMs).toBe(5);
    expect(typeof fromClass.refreshToken).toBe('function');
    const nulls = resolveConfig(
      { url: '/c', ticketTimeoutMs: null, serializer: null, captureToken: null, refreshToken: null } as never,
      page,
    );
    expect(nulls.ticketTimeoutMs).toBe(DEFAULTS.ticketTimeoutMs);
    expect(nulls.serializer).toBe(jsonSerializer);
    expect(nulls.captureToken).toEqual([]);
    expect(nulls.refreshToken).toBeUndefined();
  });

  it("calls a class-based config's readTicket on the config: its `this` holds", () => {
    class Config {
      readonly url = '/c';
      readonly field = 'token';
      readTicket(body: Record<string, string>) {
        return { ticket: body[this.field] };
      }
    }
    expect(resolveConfig(new Config(), page).readTicket!({ token: 'tk-c' })).toEqual({ ticket: 'tk-c' });
  });

  it('accepts first-message options in ticket mode: they describe in-band re-auth there', () => {
    const c = resolveConfig(
      { url: '/c', auth: 'ticket', firstMessage: { isAck: (m) => m.type === 'authenticated' } },
      page,
    );
    expect(c.firstMessage.isAck({ type: 'authenticated' })).toBeTrue();
    expect(c.firstMessage.ackTimeoutMs).toBe(DEFAULTS.firstMessage.ackTimeoutMs);
  });

  it('allows http:// ticket endpoints and origins on loopback, and remote ones only when explicitly asked', () => {
    expect(
      resolveConfig(
        { url: '/c', ticketUrl: 'http://127.0.0.1:4300/t', allowedOrigins: ['http://localhost:8000'] },
        page,
      ).ticketOrigin,
    ).toBe('http://127.0.0.1:4300');
    const c = resolveConfig(
      {
        url: '/c',
        ticketUrl: 'http://api.example.com/t',
        allowedOrigins: ['http://x.example.com'],
        allowInsecure: true,
      },
      page,
    );
    expect(c.allowedOrigins).toEqual(['http://x.example.com']);
  });

  it('allows ws:// to a remote host only when explicitly asked', () => {
    expect(resolveConfig({ url: 'ws://api.example.com/ch', allowInsecure: true }, page).url).toBe(
      'ws://api.example.com/ch',
    );
  });
});
