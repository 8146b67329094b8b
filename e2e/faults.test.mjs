// Faults against the real server: killed and restarted, ticket endpoint failing and hanging.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  login,
  openDemo,
  say,
  stateKind,
  ticketsOf,
  waitForChat,
  waitForState,
  waitUntil,
} from './support/browser.mjs';
import { serverAndBrowser } from './support/suite.mjs';
import { JWT_PATTERN } from './support/server.mjs';

const suite = serverAndBrowser();
const { server } = suite;

test('server killed (SIGKILL) and restarted: reconnects with a new ticket, outage messages arrive', async () => {
  const alice = await openDemo(suite.browser, server.url, '?timeouts=short');
  await login(alice.page, 'alice');
  await waitForState(alice.page, 'open');
  await server.kill('SIGKILL');
  await alice.page.waitForFunction(() => {
    const kind = document.querySelector('[data-testid=state-kind]')?.textContent?.trim();
    return kind === 'reconnecting';
  });
  await say(alice.page, 'sent during the outage');
  // Let the client fail against the dead server a few times before it comes back.
  const attempt = async () =>
    Number(/attempt (\d+)/.exec((await alice.page.textContent('[data-testid=state]')) ?? '')?.[1] ?? 0);
  await waitUntil(async () => alice.sockets.length >= 1 && (await attempt()) >= 3, 'three attempts', 20_000);
  await server.start();
  await waitForState(alice.page, 'open');
  await waitForChat(alice.page, 'sent during the outage');
  const tickets = ticketsOf(alice.sockets).filter(Boolean);
  assert.equal(new Set(tickets).size, tickets.length, 'every socket used a different ticket');
  assert.ok(tickets.length >= 2);
  const stats = await server.stats();
  assert.equal(stats.ticketsRejected, 0, 'the restarted server never saw an old ticket');
  assert.equal(stats.ticketsRedeemed, 1);
  await alice.context.close();
});

test('ticket endpoint failing with 500: backoff, then recovery when it heals', async () => {
  const alice = await openDemo(suite.browser, server.url, '?timeouts=short');
  await login(alice.page, 'alice');
  await waitForState(alice.page, 'open');
  await server.control({ ticketMode: 'fail' });
  const before = (await server.stats()).ticketRequests;
  await alice.page.click('[data-testid=kick]');
  await waitUntil(async () => (await server.stats()).ticketRequests >= before + 3, 'three failing ticket requests');
  assert.equal((await stateKind(alice.page)) === 'open', false);
  await alice.page.waitForSelector('[data-testid=last-error]');
  // The demo is a production build: the message is the code and the HTTP status, no sentence.
  assert.equal(
    await alice.page.textContent('[data-testid=last-error]'),
    'ticket-failed: [ngx-auth-socket ticket-failed] 500',
  );
  await server.control({ ticketMode: 'ok' });
  await waitForState(alice.page, 'open');
  await alice.context.close();
});

test('ticket endpoint hanging: the request times out, backoff, then recovery', async () => {
  const alice = await openDemo(suite.browser, server.url, '?timeouts=short');
  await login(alice.page, 'alice');
  await waitForState(alice.page, 'open');
  await server.control({ ticketMode: 'hang' });
  const before = (await server.stats()).ticketRequests;
  await alice.page.click('[data-testid=kick]');
  await waitUntil(async () => (await server.stats()).ticketRequests >= before + 2, 'two hung ticket requests');
  // A deadline, not an answer: ticket-failed without an HTTP status (production build: no sentence).
  assert.equal(
    await alice.page.textContent('[data-testid=last-error]'),
    'ticket-failed: [ngx-auth-socket ticket-failed]',
  );
  await server.control({ ticketMode: 'ok' });
  await waitForState(alice.page, 'open');
  await alice.context.close();
});

test('no JWT appears in any URL of the access log across restarts', () => {
  assert.doesNotMatch(server.accessLogText(), JWT_PATTERN);
});
