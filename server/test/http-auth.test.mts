import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import { login, requestJson } from '../testing/http-client.mjs';
import { startTestServer } from '../testing/test-server.mjs';

test('POST /auth with good credentials returns a JWT, a refresh token and expiresIn', async (t) => {
  const server = await startTestServer(t, { tokenTtlS: 120 });
  const res = await requestJson(`${server.url}/auth`, { body: { user: 'alice', password: 'alice' } });
  assert.equal(res.status, 200);
  const body = res.body as { token: string; refreshToken: string; expiresIn: number };
  assert.equal(body.expiresIn, 120);
  const claims = decodeJwt(body.token);
  assert.equal(claims.sub, 'alice');
  assert.ok(typeof claims.iat === 'number' && typeof claims.exp === 'number');
  assert.ok(claims.exp - claims.iat >= 120);
  assert.match(body.refreshToken, /^[A-Za-z0-9_-]{22,}$/, 'url-safe, at least 128 bits');
  assert.equal(res.headers.get('cache-control'), 'no-store');
});

test('POST /auth with a wrong password or unknown user is 401 invalid_credentials', async (t) => {
  const server = await startTestServer(t);
  for (const body of [{ user: 'alice', password: 'bob' }, { user: 'mallory', password: 'mallory' }]) {
    const res = await requestJson(`${server.url}/auth`, { body });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { error: 'invalid_credentials' });
  }
});

test('POST /auth with a malformed body is 400 bad_request', async (t) => {
  const server = await startTestServer(t);
  const bodies = ['not json', '[]', '{"user":"alice"}', '{"user":1,"password":"x"}', ''];
  for (const rawBody of bodies) {
    const res = await requestJson(`${server.url}/auth`, { rawBody });
    assert.equal(res.status, 400, rawBody);
    assert.deepEqual(res.body, { error: 'bad_request' });
  }
});

test('POST /auth with a body over 16 KiB is 413', async (t) => {
  const server = await startTestServer(t);
  const res = await requestJson(`${server.url}/auth`, { body: { user: 'alice', password: 'x'.repeat(17 * 1024) } });
  assert.equal(res.status, 413);
  assert.deepEqual(res.body, { error: 'payload_too_large' });
});

test('POST /auth/refresh rotates: the new token works, the old one is burnt (and its reuse revokes the chain)', async (t) => {
  const server = await startTestServer(t);
  const first = await login(server.url, 'bob');
  const refreshed = await requestJson(`${server.url}/auth/refresh`, { body: { refreshToken: first.refreshToken } });
  assert.equal(refreshed.status, 200);
  const second = refreshed.body as { token: string; refreshToken: string; expiresIn: number };
  assert.equal(decodeJwt(second.token).sub, 'bob');
  assert.notEqual(second.refreshToken, first.refreshToken);
  const again = await requestJson(`${server.url}/auth/refresh`, { body: { refreshToken: second.refreshToken } });
  assert.equal(again.status, 200);

  const replay = await requestJson(`${server.url}/auth/refresh`, { body: { refreshToken: first.refreshToken } });
  assert.equal(replay.status, 401);
  assert.deepEqual(replay.body, { error: 'invalid_refresh_token' });
  // Issue 11: a burnt token presented again was copied; every token of that login goes with it.
  const third = (again.body as { refreshToken: string }).refreshToken;
  assert.equal((await requestJson(`${server.url}/auth/refresh`, { body: { refreshToken: third } })).status, 401);
});

test('POST /auth/refresh with an unknown token is 401, without one 400', async (t) => {
  const server = await startTestServer(t);
  assert.equal((await requestJson(`${server.url}/auth/refresh`, { body: { refreshToken: 'nope' } })).status, 401);
  assert.equal((await requestJson(`${server.url}/auth/refresh`, { body: {} })).status, 400);
});

test('GET /healthz is ok; unknown API paths are JSON 404; wrong methods 405', async (t) => {
  const server = await startTestServer(t);
  assert.deepEqual((await requestJson(`${server.url}/healthz`)).body, { ok: true });
  for (const path of ['/nope', '/auth/nope', '/api/x', '/__control', '/__stats']) {
    const res = await requestJson(`${server.url}${path}`);
    assert.equal(res.status, 404, path);
    assert.deepEqual(res.body, { error: 'not_found' });
  }
  const wrongMethod = await requestJson(`${server.url}/auth`);
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get('allow'), 'POST, OPTIONS');
});

test('authRequests and refreshRequests are counted', async (t) => {
  const server = await startTestServer(t);
  const session = await login(server.url);
  await requestJson(`${server.url}/auth`, { body: { user: 'alice', password: 'no' } });
  await requestJson(`${server.url}/auth/refresh`, { body: { refreshToken: session.refreshToken } });
  const stats = server.stats();
  assert.equal(stats.authRequests, 2);
  assert.equal(stats.refreshRequests, 1);
  assert.equal(stats.requestsByPath['/auth'], 2);
});
