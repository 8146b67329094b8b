// Issue 11, case 7: a refresh token presented twice means it was copied; the whole chain of
// tokens descending from that login is revoked. Logging out burns the refresh token.
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import { login, requestJson, type Session } from '../../testing/http-client.mjs';
import { RedisProcess } from '../../testing/redis-server.mjs';
import { startTestServer } from '../../testing/test-server.mjs';

const redis = new RedisProcess();
let prefixes = 0;
before(() => redis.start());
after(() => redis.stop());

const STORES: Readonly<Record<string, () => { redisUrl?: string; redisPrefix?: string }>> = {
  memory: () => ({}),
  redis: () => ({ redisUrl: redis.url, redisPrefix: `rv${++prefixes}:` }),
};

async function refresh(baseUrl: string, refreshToken: string): Promise<{ status: number; session?: Session }> {
  const res = await requestJson(`${baseUrl}/auth/refresh`, { body: { refreshToken } });
  return res.status === 200 ? { status: 200, session: res.body as Session } : { status: res.status };
}

for (const [name, store] of Object.entries(STORES)) {
  describe(`${name} store`, () => {
    test('reusing a burnt refresh token revokes every token of that login; other logins keep theirs', async (t: TestContext) => {
      const server = await startTestServer(t, store());
      const stolen = await login(server.url);
      const other = await login(server.url);
      const rotated = await refresh(server.url, stolen.refreshToken);
      assert.equal(rotated.status, 200);
      assert.equal((await refresh(server.url, stolen.refreshToken)).status, 401, 'the burnt token is refused');
      const afterReuse = await refresh(server.url, rotated.session!.refreshToken);
      t.diagnostic(`${name}: after a reuse, the legitimate successor token answers ${afterReuse.status}`);
      assert.equal(afterReuse.status, 401, 'its family is revoked');
      assert.equal((await refresh(server.url, other.refreshToken)).status, 200, 'another login of the same user is untouched');
      assert.equal(server.stats().refreshReuses, 1);
    });

    test('POST /auth/logout {refreshToken} burns it: 204, idempotent; malformed bodies 400', async (t: TestContext) => {
      const server = await startTestServer(t, store());
      const session = await login(server.url);
      const out = await requestJson(`${server.url}/auth/logout`, { body: { refreshToken: session.refreshToken } });
      assert.equal(out.status, 204);
      assert.equal((await refresh(server.url, session.refreshToken)).status, 401);
      assert.equal((await requestJson(`${server.url}/auth/logout`, { body: { refreshToken: session.refreshToken } })).status, 204);
      assert.equal((await requestJson(`${server.url}/auth/logout`, { body: { token: 'x' } })).status, 400);
      assert.equal(server.stats().logouts, 2);
    });
  });
}
