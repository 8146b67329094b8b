import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findJwts, formatAccessLine, redactUrl } from '../src/access-log.mjs';
import { channelUrl, fetchTicket, login, requestJson } from '../testing/http-client.mjs';
import { TestSocket } from '../testing/socket-client.mjs';
import { startTestServer } from '../testing/test-server.mjs';

describe('redactUrl', () => {
  const cases: [string, string][] = [
    ['/channel/', '/channel/'],
    ['/channel/?ticket=abc123', '/channel/?ticket=[redacted]'],
    ['/channel/?a=1&ticket=abc&b=2', '/channel/?a=1&ticket=[redacted]&b=2'],
    ['/channel/?ticket=a&ticket=b', '/channel/?ticket=[redacted]&ticket=[redacted]'],
    ['/channel/?ticket=', '/channel/?ticket=[redacted]'],
    ['/channel/?ticket', '/channel/?ticket=[redacted]'],
    ['/channel/?tick%65t=abc', '/channel/?tick%65t=[redacted]'],
    ['/channel/?ticket=abc#frag', '/channel/?ticket=[redacted]#frag'],
    ['/channel/?xticket=keep&ticketx=keep', '/channel/?xticket=keep&ticketx=keep'],
    ['/x?ticket=%E0%A4%A', '/x?ticket=[redacted]'],
    ['/x?%E0%A4%A=1', '/x?%E0%A4%A=1'],
    ['/x?q=a%20b&ticket=t', '/x?q=a%20b&ticket=[redacted]'],
    ['/auth', '/auth'],
    ['/x?', '/x?'],
  ];
  for (const [input, expected] of cases) {
    test(`${input} → ${expected}`, () => assert.equal(redactUrl(input), expected));
  }

  test('leaves a JWT in another parameter visible, so specs can catch it', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.sig';
    assert.deepEqual(findJwts(redactUrl(`/channel/?token=${jwt}`)), [jwt]);
  });
});

describe('findJwts', () => {
  test('finds compact JWTs and nothing else', () => {
    assert.deepEqual(findJwts('no tokens here, eyJ alone is not one'), []);
    assert.deepEqual(findJwts('a eyJa.eyJb.c-_d b'), ['eyJa.eyJb.c-_d']);
  });
});

test('formatAccessLine writes exactly the five documented fields', () => {
  const line = formatAccessLine({ t: '2025-01-01T00:00:00.000Z', method: 'GET', path: '/healthz', status: 200, ms: 1.5 });
  assert.deepEqual(Object.keys(JSON.parse(line)), ['t', 'method', 'path', 'status', 'ms']);
});

test('a full session leaves one line per request and upgrade, with no JWT and no ticket in it', async (t) => {
  const lines: string[] = [];
  const server = await startTestServer(t, { accessLog: (line) => lines.push(line) });
  const session = await login(server.url);
  await requestJson(`${server.url}/auth/refresh`, { body: { refreshToken: session.refreshToken } });
  const { ticket } = await fetchTicket(server.url, session.token);
  const socket = await TestSocket.open(channelUrl(server.url, ticket));
  await socket.close();
  const inBand = await TestSocket.open(channelUrl(server.url));
  inBand.send({ type: 'auth', payload: session.token });
  await inBand.next();
  await inBand.close();
  await server.close();

  const entries = lines.map((l) => JSON.parse(l) as { path: string; status: number; method: string });
  assert.deepEqual(
    entries.map((e) => `${e.method} ${e.path} ${e.status}`),
    [
      'POST /auth 200',
      'POST /auth/refresh 200',
      'GET /ws_ticket 200',
      'GET /channel/?ticket=[redacted] 101',
      'GET /channel/ 101',
    ],
  );
  const log = lines.join('\n');
  assert.deepEqual(findJwts(log), []);
  assert.ok(!log.includes(ticket), 'the ticket never reaches the log');
  assert.ok(!log.includes(session.refreshToken), 'nor the refresh token');
});
