// Ticket path end to end: login → ticket → authenticated socket, chat between two browsers, kick
// and recover with a fresh ticket, logout, no JWT in any URL, and a screenshot of the connected demo.
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { test } from 'node:test';
import {
  chatLines,
  login,
  openDemo,
  say,
  ticketsOf,
  waitForChat,
  waitForState,
  waitUntil,
} from './support/browser.mjs';
import { serverAndBrowser } from './support/suite.mjs';
import { JWT_PATTERN } from './support/server.mjs';

const suite = serverAndBrowser();
const { server } = suite;

test('login fetches a ticket and opens an authenticated socket; the JWT is never in a URL', async () => {
  const alice = await openDemo(suite.browser, server.url);
  await login(alice.page, 'alice');
  await waitForState(alice.page, 'open');
  assert.equal((await alice.page.textContent('[data-testid=mode]'))?.trim(), 'Auth mode: ticket');
  assert.equal(alice.sockets.length, 1);
  const url = new URL(alice.sockets[0].url);
  assert.equal(url.pathname, '/channel/');
  assert.match(url.searchParams.get('ticket') ?? '', /^[A-Za-z0-9_-]{22,}$/);
  assert.doesNotMatch(alice.sockets[0].url, JWT_PATTERN);
  const stats = await server.stats();
  assert.equal(stats.ticketsRedeemed, 1);
  assert.deepEqual(alice.problems, []);
  await alice.context.close();
});

test('two browsers chat with each other', async () => {
  const alice = await openDemo(suite.browser, server.url);
  const bob = await openDemo(suite.browser, server.url);
  await login(alice.page, 'alice');
  await login(bob.page, 'bob', 'bob');
  await waitForState(alice.page, 'open');
  await waitForState(bob.page, 'open');
  await say(alice.page, 'hello bob');
  await waitForChat(bob.page, 'hello bob');
  await say(bob.page, 'hi alice');
  await waitForChat(alice.page, 'hi alice');
  const lines = await chatLines(alice.page);
  assert.ok(lines.some((l) => l.startsWith('alice') && l.includes('hello bob')));
  assert.ok(lines.some((l) => l.startsWith('bob') && l.includes('hi alice')));

  // A screenshot of the connected demo, checked for what a person would see.
  mkdirSync('e2e/artifacts', { recursive: true });
  const path = 'e2e/artifacts/demo-connected.png';
  await alice.page.screenshot({ path, fullPage: true });
  assert.ok(statSync(path).size > 5_000, 'screenshot written');
  const visible = await alice.page.innerText('main');
  assert.match(visible, /Connected/);
  assert.match(visible, /signed in as alice/);
  assert.match(visible, /hi alice/);
  assert.deepEqual([...alice.problems, ...bob.problems], []);
  await alice.context.close();
  await bob.context.close();
});

test('kicking the connection recovers with a fresh ticket', async () => {
  const alice = await openDemo(suite.browser, server.url);
  await login(alice.page, 'alice');
  await waitForState(alice.page, 'open');
  const before = await server.stats();
  await alice.page.click('[data-testid=kick]');
  await alice.page.waitForFunction(
    () => document.querySelector('[data-testid=state-kind]')?.textContent?.trim() !== 'open',
  );
  await waitForState(alice.page, 'open');
  const tickets = ticketsOf(alice.sockets);
  assert.equal(tickets.length, 2);
  assert.notEqual(tickets[0], tickets[1]);
  const after = await server.stats();
  assert.equal(after.ticketsIssued - before.ticketsIssued, 1);
  assert.equal(after.ticketReuseAttempts, 0);
  await alice.context.close();
});

test('logout closes the socket and no further message is delivered', async () => {
  const alice = await openDemo(suite.browser, server.url);
  const bob = await openDemo(suite.browser, server.url);
  await login(alice.page, 'alice');
  await login(bob.page, 'bob', 'bob');
  await waitForState(alice.page, 'open');
  await waitForState(bob.page, 'open');
  await alice.page.click('[data-testid=logout]');
  await alice.page.waitForSelector('#user');
  const aliceSocket = alice.sockets[0];
  await waitUntil(() => aliceSocket.closed, 'alice socket closed');
  const framesAtLogout = aliceSocket.received.length;
  await say(bob.page, 'are you there?');
  await waitForChat(bob.page, 'are you there?');
  assert.equal(aliceSocket.received.length, framesAtLogout);
  assert.equal(alice.sockets.length, 1, 'no new socket after logout');
  // The demo's logout burns the refresh token on the server (POST /auth/logout → 204).
  await waitUntil(
    () => server.accessLog().some((l) => l.method === 'POST' && l.path === '/auth/logout' && l.status === 204),
    'POST /auth/logout',
  );
  await alice.context.close();
  await bob.context.close();
});

test('the access log of the whole run contains no JWT, and tickets are redacted', async () => {
  const text = server.accessLogText();
  assert.ok(text.length > 0);
  assert.doesNotMatch(text, JWT_PATTERN);
  const upgrades = server.accessLog().filter((l) => l.path?.startsWith('/channel/'));
  assert.ok(upgrades.length >= 4);
  for (const line of upgrades) assert.match(line.path, /ticket=\[redacted\]/);
});
