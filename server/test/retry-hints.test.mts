import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dropAllClose } from '../src/close-codes.mjs';
import { parseControlCommand } from '../src/control-command.mjs';
import { channelUrl, login, requestJson } from '../testing/http-client.mjs';
import { connectWithTicket } from '../testing/connect.mjs';
import { TestSocket } from '../testing/socket-client.mjs';
import { startTestServer } from '../testing/test-server.mjs';

const control = (url: string, body: unknown) => requestJson(`${url}/__control`, { body });

test('kickAll with retryAfterS closes every socket with 1013 retry_after=<s>', async (t) => {
  const server = await startTestServer(t, { testControl: true });
  const ticketed = await connectWithTicket(server.url);
  const waiting = await TestSocket.open(channelUrl(server.url));
  const res = await control(server.url, { kickAll: true, retryAfterS: 5 });
  assert.deepEqual(res.body, { ticketMode: 'ok', tokenTtlS: 900, kicked: 2 });
  assert.deepEqual(await ticketed.closedWithin(), { code: 1013, reason: 'retry_after=5' });
  assert.deepEqual(await waiting.closedWithin(), { code: 1013, reason: 'retry_after=5' });
});

test('kickAll without retryAfterS is still 1012 server_restart', async (t) => {
  const server = await startTestServer(t);
  const socket = await connectWithTicket(server.url);
  assert.equal(server.control.kickAll(), 1);
  assert.deepEqual(await socket.closedWithin(), { code: 1012, reason: 'server_restart' });
});

test('ticketMode fail with retryAfterS answers 503 with Retry-After, readable cross-origin', async (t) => {
  const server = await startTestServer(t, { testControl: true });
  const { token } = await login(server.url);
  const origin = 'http://localhost:4200';
  const ask = () => requestJson(`${server.url}/ws_ticket`, { headers: { Authorization: `Bearer ${token}`, Origin: origin } });
  await control(server.url, { ticketMode: 'fail', retryAfterS: 5 });
  assert.equal(server.control.ticketRetryAfterS, 5);
  const hinted = await ask();
  assert.equal(hinted.status, 503);
  assert.deepEqual(hinted.body, { error: 'unavailable' });
  assert.equal(hinted.headers.get('retry-after'), '5');
  assert.match(hinted.headers.get('access-control-expose-headers') ?? '', /Retry-After/);
  // Setting the mode again without a hint drops it: a plain 500.
  await control(server.url, { ticketMode: 'fail' });
  const plain = await ask();
  assert.equal(plain.status, 500);
  assert.equal(plain.headers.get('retry-after'), null);
});

test('retryAfterS is whole seconds and needs a kick or a failing ticket endpoint', () => {
  assert.deepEqual(parseControlCommand({ kickAll: true, retryAfterS: 5 }), {
    ticketMode: undefined,
    tokenTtlS: undefined,
    kickAll: true,
    retryAfterS: 5,
  });
  assert.equal(parseControlCommand({ ticketMode: 'fail', retryAfterS: 0 })?.retryAfterS, 0);
  const bad = [
    { retryAfterS: 5 },
    { ticketMode: 'ok', retryAfterS: 5 },
    { kickAll: false, retryAfterS: 5 },
    { kickAll: true, retryAfterS: -1 },
    { kickAll: true, retryAfterS: 1.5 },
    { kickAll: true, retryAfterS: '5' },
    { kickAll: true, retryAfterS: 86_401 },
  ];
  for (const body of bad) assert.equal(parseControlCommand(body), null, JSON.stringify(body));
});

test('the close for a drop-all: 1012 server_restart, or 1013 with the hint in the reason', () => {
  assert.deepEqual(dropAllClose(), { code: 1012, reason: 'server_restart' });
  assert.deepEqual(dropAllClose(30), { code: 1013, reason: 'retry_after=30' });
});

test('the programmatic control refuses a retry hint it cannot honour', async (t) => {
  const server = await startTestServer(t);
  assert.throws(() => server.control.setTicketMode('ok', 5), RangeError);
  assert.throws(() => server.control.kickAll(-1), RangeError);
  server.control.setTicketMode('fail', 7);
  server.control.setTicketMode('ok');
  assert.equal(server.control.ticketRetryAfterS, undefined);
});
