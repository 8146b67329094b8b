// One socket for all tabs (withSharedTabs): several tabs of one browser context, the demo with
// ?tabs=shared. Only the leader tab holds a socket; the others get its messages and send through it;
// closing the leader hands the socket to another tab with a fresh ticket; a logout anywhere ends it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chatLines, login, openTab, say, waitForChat, waitForState, waitUntil } from './support/browser.mjs';
import { serverAndBrowser } from './support/suite.mjs';

const suite = serverAndBrowser();
const { server } = suite;

const QUERY = '?tabs=shared&timeouts=short';
const openSockets = (tab) => tab.sockets.filter((s) => !s.closed).length;

test(
  'three tabs share one socket; the leader closes and another takes over; logout in one tab ends it for all',
  { timeout: 90_000 },
  async () => {
    const context = await suite.browser.newContext();
    const a = await openTab(context, server.url, QUERY);
    await login(a.page, 'alice');
    await waitForState(a.page, 'open');
    // Tabs opened later learn the login from the others and show the shared connection's state.
    const b = await openTab(context, server.url, QUERY);
    const c = await openTab(context, server.url, QUERY);
    await waitForState(b.page, 'open');
    await waitForState(c.page, 'open');
    await waitUntil(async () => (await server.stats()).sockets === 1, 'one socket on the server');
    assert.equal(a.sockets.length, 1);
    assert.equal(b.sockets.length + c.sockets.length, 0, 'followers open no socket');

    // Messages reach every tab; a follower's line goes out through the leader's socket.
    await say(a.page, 'from the leader');
    await say(b.page, 'from a follower');
    for (const tab of [a, b, c]) {
      await waitForChat(tab.page, 'from the leader');
      await waitForChat(tab.page, 'from a follower');
    }
    assert.ok(
      a.sockets[0].sent.some((f) => f.includes('from a follower')),
      "the follower's line used the leader's socket",
    );
    const issuedBefore = (await server.stats()).ticketsIssued;

    // The leader tab closes: another tab takes over within a second with a fresh ticket.
    const closedAt = Date.now();
    await a.page.close();
    await waitUntil(() => openSockets(b) + openSockets(c) === 1, 'a new leader socket', 10_000);
    const takeoverMs = Date.now() - closedAt;
    const leader = openSockets(b) ? b : c;
    await waitForState(leader.page, 'open');
    await waitForState(leader === b ? c.page : b.page, 'open');
    const stats = await server.stats();
    assert.equal(stats.sockets, 1);
    assert.ok(stats.ticketsIssued > issuedBefore, 'the new leader fetched a fresh ticket');
    assert.equal(stats.ticketsRejected, 0, 'no ticket was presented twice');
    const tickets = [...a.sockets, ...b.sockets, ...c.sockets].map((s) => new URL(s.url).searchParams.get('ticket'));
    assert.equal(new Set(tickets).size, tickets.length);
    console.log(`# leader handover: new socket ${takeoverMs} ms after the leader tab closed`);
    assert.ok(takeoverMs < 3000, `takeover took ${takeoverMs} ms`);

    // Chat still flows both ways after the handover, with nothing doubled.
    const follower = leader === b ? c : b;
    await say(follower.page, 'after the handover');
    await waitForChat(leader.page, 'after the handover');
    await waitForChat(follower.page, 'after the handover');
    const lines = await chatLines(follower.page);
    assert.equal(lines.filter((l) => l.includes('after the handover')).length, 1);

    // Logout in the follower tab: every tab shows the login form and the one socket closes.
    await follower.page.click('[data-testid=logout]');
    for (const tab of [b, c]) await tab.page.waitForSelector('#user');
    await waitUntil(async () => (await server.stats()).sockets === 0, 'the socket closed');
    assert.equal(openSockets(b) + openSockets(c), 0);
    assert.deepEqual([...a.problems, ...b.problems, ...c.problems], []);
    await context.close();
  },
);
