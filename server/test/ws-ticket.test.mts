import assert from 'node:assert/strict';
import { request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { createTokenService } from '../src/tokens.mjs';
import { channelUrl, fetchTicket, login, requestJson } from '../testing/http-client.mjs';
import { TestSocket } from '../testing/socket-client.mjs';
import { startTestServer } from '../testing/test-server.mjs';

const SECRET = 'ws-ticket-spec-secret-0123456789abcdef';

test('GET /ws_ticket with a valid JWT returns a ticket expiring in TICKET_TTL_S seconds', async (t) => {
  const server = await startTestServer(t, { ticketTtlS: 30 });
  const { token } = await login(server.url);
  const before = Math.floor(Date.now() / 1000);
  const res = await requestJson(`${server.url}/ws_ticket`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  const { ticket, expires } = res.body as { ticket: string; expires: number };
  assert.ok(Buffer.from(ticket, 'base64url').length >= 16);
  assert.ok(expires >= before + 29 && expires <= before + 31, `expires ${expires} is unix seconds ~30 s ahead`);
  assert.equal(server.stats().ticketsIssued, 1);
});

test('GET /ws_ticket without a usable JWT is 401 with a Bearer challenge', async (t) => {
  const server = await startTestServer(t, { jwtSecret: SECRET });
  const expired = await createTokenService(SECRET, () => Date.now() - 3600_000).sign('alice', 60);
  const foreign = await createTokenService('another-secret').sign('alice', 60);
  const headers: [string, Record<string, string>, string][] = [
    ['missing', {}, 'Bearer'],
    ['not bearer', { Authorization: 'Basic YWxpY2U6YWxpY2U=' }, 'Bearer'],
    ['garbage', { Authorization: 'Bearer garbage' }, 'Bearer error="invalid_token"'],
    ['expired', { Authorization: `Bearer ${expired.token}` }, 'Bearer error="invalid_token"'],
    ['wrong key', { Authorization: `Bearer ${foreign.token}` }, 'Bearer error="invalid_token"'],
  ];
  for (const [name, h, challenge] of headers) {
    const res = await requestJson(`${server.url}/ws_ticket`, { headers: h });
    assert.equal(res.status, 401, name);
    assert.deepEqual(res.body, { error: 'unauthorized' });
    assert.equal(res.headers.get('www-authenticate'), challenge, name);
  }
  assert.equal(server.stats().ticketsIssued, 0);
});

test('a valid ticket opens an authenticated socket that gets room traffic straight away', async (t) => {
  const server = await startTestServer(t);
  const alice = await login(server.url, 'alice');
  const bob = await login(server.url, 'bob');
  const a = await TestSocket.open(channelUrl(server.url, (await fetchTicket(server.url, alice.token)).ticket));
  const b = await TestSocket.open(channelUrl(server.url, (await fetchTicket(server.url, bob.token)).ticket));
  b.send({ type: 'chat', text: 'hi alice' });
  const received = (await a.next()) as { type: string; from: string; text: string; ts: number };
  assert.equal(received.type, 'chat');
  assert.equal(received.from, 'bob');
  assert.equal(received.text, 'hi alice');
  assert.equal(server.stats().ticketsRedeemed, 2);
  assert.equal(server.stats().firstMessageAuths, 0, 'no auth frame was needed');
  await Promise.all([a.close(), b.close()]);
});

test('a ticket is single use: the second upgrade is a plain HTTP 401', async (t) => {
  const server = await startTestServer(t);
  const { ticket } = await fetchTicket(server.url, (await login(server.url)).token);
  const first = await TestSocket.open(channelUrl(server.url, ticket));
  assert.equal(await TestSocket.rejection(channelUrl(server.url, ticket)), 401);
  const stats = server.stats();
  assert.equal(stats.ticketsRejected, 1);
  assert.equal(stats.ticketReuseAttempts, 1);
  await first.close();
});

test('an unknown or empty ticket is 401', async (t) => {
  const server = await startTestServer(t);
  assert.equal(await TestSocket.rejection(channelUrl(server.url, 'A'.repeat(32))), 401);
  assert.equal(await TestSocket.rejection(`${channelUrl(server.url)}?ticket=`), 401);
  assert.equal(server.stats().ticketReuseAttempts, 0);
});

test('an expired ticket is 401', async (t) => {
  const server = await startTestServer(t, { ticketTtlS: 0.05 });
  const { ticket } = await fetchTicket(server.url, (await login(server.url)).token);
  await delay(80); // the configured 50 ms ticket lifetime must really pass
  assert.equal(await TestSocket.rejection(channelUrl(server.url, ticket)), 401);
});

test('concurrent upgrades with one ticket: exactly one socket opens', async (t) => {
  const server = await startTestServer(t);
  const { ticket } = await fetchTicket(server.url, (await login(server.url)).token);
  const attempts = await Promise.allSettled(Array.from({ length: 10 }, () => TestSocket.open(channelUrl(server.url, ticket))));
  const opened = attempts.filter((a) => a.status === 'fulfilled');
  assert.equal(opened.length, 1);
  for (const a of opened) await a.value.close();
});

test('with tickets off, /ws_ticket is 404 and first-message auth still works', async (t) => {
  const server = await startTestServer(t, { tickets: false });
  const { token } = await login(server.url);
  const res = await requestJson(`${server.url}/ws_ticket`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 404);
  assert.deepEqual(res.body, { error: 'not_found' });
  const socket = await TestSocket.open(channelUrl(server.url));
  socket.send({ type: 'auth', payload: token });
  assert.deepEqual(await socket.next(), { type: 'auth_ok', user: 'alice' });
  await socket.close();
});

test('upgrades elsewhere than /channel/ are 404; malformed handshakes 400 or 426', async (t) => {
  const server = await startTestServer(t);
  assert.equal(await TestSocket.rejection(`${server.url.replace('http', 'ws')}/other`), 404);
  const key = 'dGhlIHNhbXBsZSBub25jZQ==';
  assert.equal(await rawUpgrade(`${server.url}/channel/`, {}), 400, 'no key');
  assert.equal(await rawUpgrade(`${server.url}/channel/`, { 'Sec-WebSocket-Key': 'short' }), 400, 'bad key');
  assert.equal(await rawUpgrade(`${server.url}/channel/`, { 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '7' }), 426);
});

/** Sends an upgrade request by hand and returns the HTTP status of the refusal. */
function rawUpgrade(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Connection: 'Upgrade', Upgrade: 'websocket', ...headers } });
    req.once('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('upgrade', (_res, socket) => {
      socket.destroy();
      reject(new Error('unexpectedly upgraded'));
    });
    req.once('error', reject);
    req.end();
  });
}
