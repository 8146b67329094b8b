// A server without a ticket endpoint: the client falls back to first-message auth on its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { login, openDemo, say, waitForChat, waitForState } from './support/browser.mjs';
import { serverAndBrowser } from './support/suite.mjs';
import { JWT_PATTERN } from './support/server.mjs';

const suite = serverAndBrowser({ TICKETS: 'off' });
const { server } = suite;

test('auto mode falls back to first-message auth and chats', async () => {
  const alice = await openDemo(suite.browser, server.url);
  await login(alice.page, 'alice');
  await waitForState(alice.page, 'open');
  assert.equal((await alice.page.textContent('[data-testid=mode]'))?.trim(), 'Auth mode: first-message');
  const socket = alice.sockets[0];
  assert.equal(new URL(socket.url).search, '');
  const first = JSON.parse(socket.sent[0]);
  assert.equal(first.type, 'auth');
  assert.match(first.payload, JWT_PATTERN);
  assert.ok(socket.received.some((f) => JSON.parse(f).type === 'auth_ok'));
  await say(alice.page, 'first-message works');
  await waitForChat(alice.page, 'first-message works');
  const stats = await server.stats();
  assert.equal(stats.firstMessageAuths, 1);
  assert.equal(stats.requestsByPath['/ws_ticket'], 1, 'one 404 from the ticket endpoint, then no more asks');
  await alice.context.close();
});

test('the fallback is remembered across reconnects', async () => {
  const alice = await openDemo(suite.browser, server.url);
  await login(alice.page, 'alice');
  await waitForState(alice.page, 'open');
  const ticketAsksBefore = (await server.stats()).requestsByPath['/ws_ticket'];
  await alice.page.click('[data-testid=kick]');
  await alice.page.waitForFunction(
    () => document.querySelector('[data-testid=state-kind]')?.textContent?.trim() !== 'open',
  );
  await waitForState(alice.page, 'open');
  assert.equal(alice.sockets.length, 2);
  assert.equal((await server.stats()).requestsByPath['/ws_ticket'], ticketAsksBefore);
  await alice.context.close();
});

test('no JWT appears in any URL of the access log', () => {
  assert.doesNotMatch(server.accessLogText(), JWT_PATTERN);
});
