import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseControlCommand } from '../src/control-command.mjs';
import { eventually } from '../testing/eventually.mjs';
import { channelUrl, fetchTicket, login, requestJson } from '../testing/http-client.mjs';
import { TestSocket } from '../testing/socket-client.mjs';
import { startTestServer } from '../testing/test-server.mjs';

const control = (url: string, body: unknown) => requestJson(`${url}/__control`, { body });
const ticketRequest = (url: string, token: string) =>
  requestJson(`${url}/ws_ticket`, { headers: { Authorization: `Bearer ${token}` } });

test('parseControlCommand accepts the documented fields and nothing else', () => {
  assert.deepEqual(parseControlCommand({ ticketMode: 'hang' }), { ticketMode: 'hang', tokenTtlS: undefined, kickAll: undefined });
  assert.deepEqual(parseControlCommand({}), { ticketMode: undefined, tokenTtlS: undefined, kickAll: undefined });
  for (const bad of [null, [], { ticketMode: 'sometimes' }, { tokenTtlS: 0 }, { tokenTtlS: '5' }, { kickAll: 1 }, { extra: true }]) {
    assert.equal(parseControlCommand(bad), null, JSON.stringify(bad));
  }
});

test('control endpoints do not exist without testControl', async (t) => {
  const server = await startTestServer(t);
  assert.equal((await control(server.url, { ticketMode: 'fail' })).status, 404);
  assert.equal((await requestJson(`${server.url}/__stats`)).status, 404);
});

test('ticketMode fail makes /ws_ticket answer 500 internal; ok restores it', async (t) => {
  const server = await startTestServer(t, { testControl: true });
  const { token } = await login(server.url);
  assert.deepEqual((await control(server.url, { ticketMode: 'fail' })).body, { ticketMode: 'fail', tokenTtlS: 900, kicked: 0 });
  const failed = await ticketRequest(server.url, token);
  assert.equal(failed.status, 500);
  assert.deepEqual(failed.body, { error: 'internal' });
  await control(server.url, { ticketMode: 'ok' });
  assert.equal((await ticketRequest(server.url, token)).status, 200);
});

test('ticketMode off makes /ws_ticket 404', async (t) => {
  const server = await startTestServer(t, { testControl: true });
  await control(server.url, { ticketMode: 'off' });
  assert.equal((await ticketRequest(server.url, (await login(server.url)).token)).status, 404);
});

test('ticketMode hang holds the request until the mode changes, then answers under the new mode', async (t) => {
  const server = await startTestServer(t, { testControl: true });
  const { token } = await login(server.url);
  await control(server.url, { ticketMode: 'hang' });
  let settled = false;
  const pending = ticketRequest(server.url, token).finally(() => (settled = true));
  await eventually(() => server.stats().ticketRequests === 1, 2000, 'ticket request arrived');
  // Other requests are answered while it hangs: the hang is per ticket request only.
  assert.equal((await requestJson(`${server.url}/healthz`)).status, 200);
  assert.equal(settled, false);
  await control(server.url, { ticketMode: 'ok' });
  const res = await pending;
  assert.equal(res.status, 200);
  assert.ok((res.body as { ticket: string }).ticket);
});

test('a client giving up on a hung request is logged as 499 and does not hold the server', async (t) => {
  const lines: string[] = [];
  const server = await startTestServer(t, { testControl: true, accessLog: (l) => lines.push(l) });
  const { token } = await login(server.url);
  server.control.setTicketMode('hang');
  const gaveUp = new AbortController();
  const pending = fetch(`${server.url}/ws_ticket`, { headers: { Authorization: `Bearer ${token}` }, signal: gaveUp.signal });
  await eventually(() => server.stats().ticketRequests === 1, 2000, 'ticket request arrived');
  gaveUp.abort();
  await assert.rejects(pending);
  const abandoned = (l: string): boolean => JSON.parse(l).path === '/ws_ticket' && JSON.parse(l).status === 499;
  await eventually(() => lines.some(abandoned), 2000, 'the abandoned request logged as 499');
  assert.equal(server.stats().ticketsIssued, 0);
});

test('close() finishes promptly while a ticket request hangs', async (t) => {
  const server = await startTestServer(t, { testControl: true });
  const { token } = await login(server.url);
  server.control.setTicketMode('hang');
  const pending = ticketRequest(server.url, token);
  await eventually(() => server.stats().ticketRequests === 1, 2000, 'ticket request arrived');
  const started = Date.now();
  await server.close();
  assert.ok(Date.now() - started < 1000, 'close is not held by the hung request');
  assert.equal((await pending).status, 503);
});

test('tokenTtlS changes the lifetime of tokens issued afterwards', async (t) => {
  const server = await startTestServer(t, { testControl: true });
  assert.equal((await control(server.url, { tokenTtlS: 5 })).status, 200);
  const session = await login(server.url);
  assert.equal(session.expiresIn, 5);
  assert.equal((await control(server.url, { tokenTtlS: 0 })).status, 400);
});

test('kickAll closes every socket, authenticated or not, with 1012', async (t) => {
  const server = await startTestServer(t, { testControl: true });
  const { token } = await login(server.url);
  const ticketed = await TestSocket.open(channelUrl(server.url, (await fetchTicket(server.url, token)).ticket));
  const waiting = await TestSocket.open(channelUrl(server.url));
  const res = await control(server.url, { kickAll: true });
  assert.equal((res.body as { kicked: number }).kicked, 2);
  assert.equal((await ticketed.closedWithin()).code, 1012);
  assert.equal((await waiting.closedWithin()).code, 1012);
});

test('GET /__stats matches running.stats()', async (t) => {
  const server = await startTestServer(t, { testControl: true });
  const { token } = await login(server.url);
  const { ticket } = await fetchTicket(server.url, token);
  const socket = await TestSocket.open(channelUrl(server.url, ticket));
  await TestSocket.rejection(channelUrl(server.url, ticket));
  const res = await requestJson(`${server.url}/__stats`);
  assert.deepEqual(res.body, server.stats());
  const body = server.stats();
  assert.deepEqual(
    [body.ticketsIssued, body.ticketsRedeemed, body.ticketsRejected, body.ticketReuseAttempts, body.ticketRequests, body.authRequests, body.sockets],
    [1, 1, 1, 1, 1, 1, 1],
  );
  assert.deepEqual(body.requestsByPath, { '/auth': 1, '/ws_ticket': 1, '/channel/': 2, '/__stats': 1 });
  await socket.close();
});
