import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { corsHeaders, isOriginAllowed, preflightHeaders } from '../src/cors.mjs';
import { channelUrl, fetchTicket, login, requestJson } from '../testing/http-client.mjs';
import { TestSocket } from '../testing/socket-client.mjs';
import { startTestServer } from '../testing/test-server.mjs';

const allowed = new Set(['http://localhost:4200']);

describe('CORS policy', () => {
  test('a listed origin is echoed back; others and none get only Vary', () => {
    assert.equal(corsHeaders('http://localhost:4200', allowed)['Access-Control-Allow-Origin'], 'http://localhost:4200');
    assert.deepEqual(corsHeaders('http://evil.test', allowed), { Vary: 'Origin' });
    assert.deepEqual(corsHeaders(undefined, allowed), { Vary: 'Origin' });
  });

  test('a preflight from a listed origin allows Authorization and Content-Type, never credentials', () => {
    const headers = preflightHeaders('http://localhost:4200', allowed);
    assert.equal(headers['Access-Control-Allow-Headers'], 'Authorization, Content-Type');
    assert.match(headers['Access-Control-Allow-Methods'] ?? '', /POST/);
    assert.ok(!('Access-Control-Allow-Credentials' in headers));
    assert.deepEqual(preflightHeaders('http://evil.test', allowed), { Vary: 'Origin' });
  });

  test('the upgrade admits listed origins and non-browser clients (no Origin)', () => {
    assert.ok(isOriginAllowed('http://localhost:4200', allowed));
    assert.ok(isOriginAllowed(undefined, allowed));
    assert.ok(!isOriginAllowed('http://evil.test', allowed));
    assert.ok(!isOriginAllowed('null', allowed));
  });
});

test('OPTIONS preflight on the API answers 204 with CORS grants for the dev server origin', async (t) => {
  const server = await startTestServer(t);
  for (const path of ['/auth', '/auth/refresh', '/ws_ticket']) {
    const res = await fetch(`${server.url}${path}`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:4200',
        'Access-Control-Request-Method': path === '/ws_ticket' ? 'GET' : 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type',
      },
    });
    assert.equal(res.status, 204, path);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:4200');
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Content-Type/);
  }
});

test('API responses carry CORS headers for configured origins only', async (t) => {
  const server = await startTestServer(t, { origins: ['https://app.test'] });
  const ok = await requestJson(`${server.url}/auth`, {
    body: { user: 'alice', password: 'alice' },
    headers: { Origin: 'https://app.test' },
  });
  assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.test');
  const foreign = await requestJson(`${server.url}/healthz`, { headers: { Origin: 'http://localhost:4200' } });
  assert.equal(foreign.headers.get('access-control-allow-origin'), null);
  const preflight = await fetch(`${server.url}/auth`, { method: 'OPTIONS', headers: { Origin: 'http://evil.test' } });
  assert.equal(preflight.headers.get('access-control-allow-origin'), null);
});

test('extra origins (ORIGINS) are added to the defaults: an SSR server on :4000 and the dev server on :4200', async (t) => {
  const server = await startTestServer(t, { extraOrigins: ['http://localhost:4000'] });
  assert.ok(server.origins.includes(server.url));
  for (const origin of ['http://localhost:4000', 'http://localhost:4200']) {
    const res = await requestJson(`${server.url}/healthz`, { headers: { Origin: origin } });
    assert.equal(res.headers.get('access-control-allow-origin'), origin);
  }
  const socket = await TestSocket.open(channelUrl(server.url), { origin: 'http://localhost:4000' });
  socket.ws.close();
});

test('origins: [] with extra origins allows only those (DEFAULT_ORIGINS=off)', async (t) => {
  const server = await startTestServer(t, { origins: [], extraOrigins: ['https://app.test'] });
  assert.deepEqual(server.origins, ['https://app.test']);
  assert.equal(await TestSocket.rejection(channelUrl(server.url), { origin: 'http://localhost:4200' }), 403);
});

test("the server's own origin is allowed by default", async (t) => {
  const server = await startTestServer(t);
  assert.ok(server.origins.includes(server.url));
  const res = await requestJson(`${server.url}/healthz`, { headers: { Origin: server.url } });
  assert.equal(res.headers.get('access-control-allow-origin'), server.url);
});

test('an upgrade from a foreign Origin is HTTP 403 and no socket', async (t) => {
  const server = await startTestServer(t);
  assert.equal(await TestSocket.rejection(channelUrl(server.url), { origin: 'http://evil.test' }), 403);
  const allowedSocket = await TestSocket.open(channelUrl(server.url), { origin: 'http://localhost:4200' });
  allowedSocket.send({ type: 'auth', payload: (await login(server.url)).token });
  assert.deepEqual(await allowedSocket.next(), { type: 'auth_ok', user: 'alice' });
  await allowedSocket.close();
});

test('a foreign Origin is refused before the ticket is looked at, so the ticket survives', async (t) => {
  const server = await startTestServer(t);
  const { token } = await login(server.url);
  const { ticket } = await fetchTicket(server.url, token);
  assert.equal(await TestSocket.rejection(channelUrl(server.url, ticket), { origin: 'http://evil.test' }), 403);
  const socket = await TestSocket.open(channelUrl(server.url, ticket));
  await socket.close();
});
