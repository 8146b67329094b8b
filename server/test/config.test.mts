import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, DEFAULT_CONFIG, defaultOrigins, resolveConfig } from '../src/config.mjs';
import { configFromEnv } from '../src/config-from-env.mjs';

describe('resolveConfig', () => {
  test('given nothing, the documented defaults apply and a random secret is made', () => {
    const config = resolveConfig();
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 0);
    assert.equal(config.tokenTtlS, 900);
    assert.equal(config.ticketTtlS, 30);
    assert.equal(config.authDeadlineMs, 5000);
    assert.equal(config.maxPayload, 65_536);
    assert.equal(config.tickets, true);
    assert.equal(config.testControl, false);
    assert.deepEqual(config.users, { alice: 'alice', bob: 'bob' });
    assert.equal(config.journal, undefined, 'memory only');
    assert.deepEqual(
      [config.maxBufferedBytes, config.maxSocketsPerUser, config.maxUnauthenticatedSockets, config.frameBurst, config.frameRatePerS],
      [1_048_576, 256, 1000, 2000, 1000],
    );
    assert.deepEqual([config.headersTimeoutMs, config.closeGraceMs], [10_000, 1000]);
    assert.deepEqual([config.jwtIssuer, config.jwtAudience], ['ngx-auth-socket-reference', 'ngx-auth-socket']);
    assert.equal(config.jwtSecretSource, 'random');
    assert.ok(config.jwtSecret.length >= 43, 'a 256-bit secret');
    assert.notEqual(resolveConfig().jwtSecret, config.jwtSecret, 'random per server');
  });

  test('undefined fields do not erase defaults', () => {
    assert.equal(resolveConfig({ tokenTtlS: undefined }).tokenTtlS, DEFAULT_CONFIG.tokenTtlS);
  });

  test('an empty journal path is refused', () => {
    assert.throws(() => resolveConfig({ journal: ' ' }), ConfigError);
  });

  test('a configured secret is kept and reported as such', () => {
    const config = resolveConfig({ jwtSecret: 's3cret' });
    assert.equal(config.jwtSecret, 's3cret');
    assert.equal(config.jwtSecretSource, 'config');
  });

  const invalid: [string, Parameters<typeof resolveConfig>[0]][] = [
    ['port out of range', { port: 70_000 }],
    ['fractional port', { port: 1.5 }],
    ['zero token ttl', { tokenTtlS: 0 }],
    ['negative ticket ttl', { ticketTtlS: -1 }],
    ['NaN deadline', { authDeadlineMs: Number.NaN }],
    ['tiny max payload', { maxPayload: 1 }],
    ['empty secret', { jwtSecret: '' }],
    ['no users', { users: {} }],
    ['origin with a path', { origins: ['http://localhost:4200/'] }],
    ['origin that is not a URL', { origins: ['localhost'] }],
    ['extra origin with a path', { extraOrigins: ['http://localhost:4000/'] }],
    ['a byte cap below 64 KiB', { maxBufferedBytes: 1000 }],
    ['no sockets per user', { maxSocketsPerUser: 0 }],
    ['a fractional frame burst', { frameBurst: 1.5 }],
    ['a zero frame rate', { frameRatePerS: 0 }],
    ['a headers timeout under 100 ms', { headersTimeoutMs: 10 }],
    ['a negative close grace', { closeGraceMs: -1 }],
    ['an empty issuer', { jwtIssuer: ' ' }],
  ];
  for (const [name, partial] of invalid) {
    test(`rejects ${name} with a ConfigError`, () => {
      assert.throws(() => resolveConfig(partial), ConfigError);
    });
  }
});

describe('defaultOrigins', () => {
  test('the server itself under both loopback names, plus the Angular dev server', () => {
    assert.deepEqual(defaultOrigins('127.0.0.1', 4300), [
      'http://127.0.0.1:4300',
      'http://localhost:4300',
      'http://localhost:4200',
      'http://127.0.0.1:4200',
    ]);
  });

  test('a named host is added; a wildcard bind is not an origin', () => {
    assert.ok(defaultOrigins('devbox', 1).includes('http://devbox:1'));
    assert.ok(!defaultOrigins('0.0.0.0', 1).some((o) => o.includes('0.0.0.0')));
    assert.ok(defaultOrigins('::1', 1).includes('http://[::1]:1'));
  });
});

describe('configFromEnv', () => {
  const cases: [string, Record<string, string>, string[], Record<string, unknown>][] = [
    ['nothing set: only the CLI port default', {}, [], { port: 4300 }],
    ['PORT', { PORT: '0' }, [], { port: 0 }],
    ['empty variables count as unset', { PORT: '', HOST: ' ' }, [], { port: 4300 }],
    ['numbers', { TOKEN_TTL_S: '60', TICKET_TTL_S: '0.5', AUTH_DEADLINE_MS: '200', MAX_PAYLOAD: '1024' }, [], {
      port: 4300, tokenTtlS: 60, ticketTtlS: 0.5, authDeadlineMs: 200, maxPayload: 1024,
    }],
    ['TICKETS=off', { TICKETS: 'off' }, [], { port: 4300, tickets: false }],
    ['TEST_CONTROL=1', { TEST_CONTROL: '1' }, [], { port: 4300, testControl: true }],
    ['ORIGINS list (added to the defaults), spaces and empties dropped', { ORIGINS: 'http://a.test, http://b.test,,' }, [], {
      port: 4300, extraOrigins: ['http://a.test', 'http://b.test'],
    }],
    ['DEFAULT_ORIGINS=off: only ORIGINS', { ORIGINS: 'http://a.test', DEFAULT_ORIGINS: 'off' }, [], {
      port: 4300, extraOrigins: ['http://a.test'], origins: [],
    }],
    ['DEFAULT_ORIGINS=on changes nothing', { DEFAULT_ORIGINS: 'on' }, [], { port: 4300 }],
    ['ACCESS_LOG file', { ACCESS_LOG: '/tmp/x.log' }, [], { port: 4300, accessLog: { file: '/tmp/x.log' } }],
    ['ACCESS_LOG off', { ACCESS_LOG: 'off' }, [], { port: 4300, accessLog: 'off' }],
    ['JOURNAL', { JOURNAL: '/tmp/chat.jsonl' }, [], { port: 4300, journal: '/tmp/chat.jsonl' }],
    ['--journal flag', {}, ['--journal', 'j.jsonl'], { port: 4300, journal: 'j.jsonl' }],
    ['STATIC_DIR and JWT_SECRET', { STATIC_DIR: 'dist/demo', JWT_SECRET: 'k' }, [], {
      port: 4300, staticDir: 'dist/demo', jwtSecret: 'k',
    }],
    ['flags beat env', { PORT: '1' }, ['--port', '2'], { port: 2 }],
    ['limits', {
      MAX_BUFFERED_BYTES: '262144', MAX_SOCKETS_PER_USER: '3', MAX_UNAUTHENTICATED: '5', FRAME_BURST: '100', FRAME_RATE: '0.5',
      HEADERS_TIMEOUT_MS: '500', CLOSE_GRACE_MS: '0',
    }, [], {
      port: 4300, maxBufferedBytes: 262_144, maxSocketsPerUser: 3, maxUnauthenticatedSockets: 5, frameBurst: 100, frameRatePerS: 0.5,
      headersTimeoutMs: 500, closeGraceMs: 0,
    }],
    ['JWT issuer and audience', { JWT_ISSUER: 'idp', JWT_AUDIENCE: 'chat' }, [], { port: 4300, jwtIssuer: 'idp', jwtAudience: 'chat' }],
    ['--flag=value', {}, ['--token-ttl-s=5'], { port: 4300, tokenTtlS: 5 }],
    ['bare switch flag means on', {}, ['--test-control', '--port=9'], { port: 9, testControl: true }],
  ];
  for (const [name, env, argv, expected] of cases) {
    test(name, () => assert.deepEqual(configFromEnv(env, argv), expected));
  }

  const bad: [string, Record<string, string>, string[]][] = [
    ['non-numeric port', { PORT: 'eighty' }, []],
    ['fractional integer setting', { AUTH_DEADLINE_MS: '1.5' }, []],
    ['unknown switch word', { TICKETS: 'maybe' }, []],
    ['unknown flag', {}, ['--prot=1']],
    ['positional argument', {}, ['serve']],
  ];
  for (const [name, env, argv] of bad) {
    test(`rejects ${name}`, () => assert.throws(() => configFromEnv(env, argv), ConfigError));
  }
});
