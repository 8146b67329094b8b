import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { accessTokenTimes, createTokenService } from '../src/tokens.mjs';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';

describe('access tokens', () => {
  test('a signed token verifies with its sub, iat and exp', async () => {
    const tokens = createTokenService(SECRET);
    const { token, claims } = await tokens.sign('alice', 60);
    assert.equal(token.split('.').length, 3);
    const verdict = await tokens.verify(token);
    assert.deepEqual(verdict, { ok: true, claims });
    assert.equal(claims.sub, 'alice');
  });

  test('a token is refused as expired once exp has passed', async () => {
    let now = 1_700_000_000_000;
    const tokens = createTokenService(SECRET, () => now);
    const { token, claims } = await tokens.sign('alice', 1);
    now = claims.exp * 1000;
    assert.deepEqual(await tokens.verify(token), { ok: false, error: { kind: 'token-expired' } });
  });

  const forgeries: [string, () => Promise<string>][] = [
    ['signed with another secret', async () => (await createTokenService('other-secret').sign('alice', 60)).token],
    ['unsigned (alg none)', async () => new UnsecuredJWT({ sub: 'alice' }).setIssuedAt().setExpirationTime('1h').encode()],
    ['missing sub', async () =>
      new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(SECRET))],
    ['missing exp', async () =>
      new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuedAt().sign(new TextEncoder().encode(SECRET))],
    ['not a JWT', async () => 'hello'],
    ['empty', async () => ''],
    ['absurdly long', async () => 'a'.repeat(10_000)],
  ];
  for (const [name, make] of forgeries) {
    test(`a token ${name} is invalid`, async () => {
      const verdict = await createTokenService(SECRET).verify(await make());
      assert.equal(verdict.ok, false);
      assert.equal(!verdict.ok && verdict.error.kind, 'token-invalid');
    });
  }
});

describe('accessTokenTimes', () => {
  const cases: [number, number, { iat: number; exp: number }][] = [
    [1_000_000, 900, { iat: 1000, exp: 1900 }],
    [1_000_999, 1, { iat: 1000, exp: 1002 }],
    [1_000_001, 1, { iat: 1000, exp: 1002 }],
  ];
  for (const [now, ttl, expected] of cases) {
    test(`now=${now} ttl=${ttl} → iat ${expected.iat}, exp ${expected.exp} (lives at least ttl)`, () => {
      const times = accessTokenTimes(now, ttl);
      assert.deepEqual(times, expected);
      assert.ok(times.exp * 1000 - now >= ttl * 1000);
    });
  }
});
