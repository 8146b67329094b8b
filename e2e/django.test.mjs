// The library in Chromium against the Django Channels example (examples/django-channels): tickets,
// the first-message fallback when the ticket endpoint is off, kick → fresh ticket, token expiry →
// refresh → back, in-band re-auth, a forbidden user, logout, groups of the client's own through
// withChannels(), and logs without secrets.
// Four daphne processes, one per configuration: tickets on; tickets off; 3-second access tokens;
// and the demo app (what `npm run start:django` serves) instead of the lab.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  launchBrowser,
  login,
  openDemo,
  openLab,
  say,
  waitForChat,
  waitForState,
  waitUntil,
} from './support/browser.mjs';
import { DEMO, DjangoServer } from './support/django-server.mjs';
import { foreignOptions } from './support/foreign-server.mjs';
import { openInterop } from './support/interop.mjs';
import { JWT_PATTERN } from './support/server.mjs';

const tickets = new DjangoServer();
const noTickets = new DjangoServer({ WS_TICKETS: 'off' });
// 8 s tokens (7–8 s: exp is in whole seconds): short enough to see several expiries and
// refreshes, long enough that a refresh, a ticket, a second socket and the replaced socket's 2 s
// drain fit in the second half of a token's life on a busy machine (with 6 s, a clean-clone CI run
// saw a draining socket reach its expiry).
const shortTokens = new DjangoServer({ ACCESS_TOKEN_LIFETIME_S: '8' });
const demo = new DjangoServer({ WS_SPA_DIR: DEMO });
const servers = [tickets, noTickets, shortTokens, demo];
let browser;
/** Every ticket a page put in a socket URL, for the log scan at the end. */
const ticketsSeen = new Set();
const labs = [];

before(async () => {
  [browser] = await Promise.all([launchBrowser(), ...servers.map((s) => s.start())]);
});
after(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => s.stop()));
});

/** A lab page on `server`, speaking the Django example's API and frames, logged in as `user`. */
async function labFor(server, user = 'alice') {
  const lab = await openLab(browser, server.url);
  labs.push(lab);
  await lab.page.evaluate(() => window.lab.useServer('django'));
  await lab.page.evaluate((u) => window.lab.login(u, u), user);
  return lab;
}

/** One client with `config`, listening (which connects); returns its id. */
async function clientOn(lab, config = {}) {
  const [id] = await lab.page.evaluate((c) => window.lab.createClients(1, c), config);
  await lab.page.evaluate((i) => window.lab.client(i).listen(true), id);
  return id;
}

const state = (lab, id) => lab.page.evaluate((i) => window.lab.client(i).socket.state(), id);
/** The client's state kinds in order, a repeated emission of the same kind counted once. */
const kinds = async (lab, id) =>
  (await lab.page.evaluate((i) => window.lab.client(i).transitions.map((t) => t.kind), id)).filter(
    (k, i, all) => k !== all[i - 1],
  );
const errorsOf = (lab, id) => lab.page.evaluate((i) => window.lab.client(i).errors, id);
const closeCodes = (lab, id) => lab.page.evaluate((i) => window.lab.client(i).closeCodes, id);

async function waitForKind(lab, id, kind, timeout = 15_000) {
  await lab.page.waitForFunction(([i, k]) => window.lab.client(i).socket.state().kind === k, [id, kind], { timeout });
}

/** Waits until the client has reached `open` `times` times in all. */
async function waitForOpenCount(lab, id, times, timeout = 15_000) {
  await lab.page.waitForFunction(
    ([i, n]) => window.lab.client(i).transitions.filter((t) => t.kind === 'open').length >= n,
    [id, times],
    { timeout },
  );
}

function keepTickets(lab) {
  for (const s of lab.sockets) {
    const ticket = new URL(s.url).searchParams.get('ticket');
    if (ticket) ticketsSeen.add(ticket);
  }
}

async function done(lab) {
  keepTickets(lab);
  assert.deepEqual(lab.problems, []);
  await lab.context.close();
}

test('ticket auth: the socket opens with a single-use ticket and the JWT stays out of the URL; two users chat', async () => {
  const before = await tickets.stats();
  const alice = await labFor(tickets, 'alice');
  const bob = await labFor(tickets, 'bob');
  const a = await clientOn(alice);
  const b = await clientOn(bob);
  await waitForKind(alice, a, 'open');
  await waitForKind(bob, b, 'open');
  assert.equal((await state(alice, a)).mode, 'ticket');
  assert.deepEqual(await kinds(alice, a), ['idle', 'fetching-ticket', 'connecting', 'open']);
  const url = new URL(alice.sockets[0].url);
  assert.equal(url.pathname, '/channel/');
  assert.match(url.searchParams.get('ticket') ?? '', /^[A-Za-z0-9_-]{32}$/);
  assert.doesNotMatch(alice.sockets[0].url, JWT_PATTERN);

  await alice.page.evaluate((i) => window.lab.client(i).send({ type: 'chat', text: 'hello from alice' }), a);
  await bob.page.waitForFunction((i) => window.lab.client(i).receivedTexts.includes('hello from alice'), b);

  const after = await tickets.stats();
  assert.equal(after.tickets_issued - before.tickets_issued, 2);
  assert.equal(after.tickets_redeemed - before.tickets_redeemed, 2);
  assert.equal(after.tickets_refused, before.tickets_refused);
  assert.equal(after.first_message_auths, before.first_message_auths);
  assert.equal(after.sockets_open - before.sockets_open, 2);
  assert.deepEqual(await errorsOf(alice, a), []);
  await done(alice);
  await done(bob);
});

test('kick → 4012 → back with a fresh ticket; then logout: the socket closes, the refresh token is burnt, nothing reconnects', async () => {
  const alice = await labFor(tickets);
  const id = await clientOn(alice);
  await waitForKind(alice, id, 'open');
  const before = await tickets.stats();
  await tickets.kick('alice');
  await waitForOpenCount(alice, id, 2);
  assert.deepEqual(await closeCodes(alice, id), [4012]);
  assert.deepEqual((await kinds(alice, id)).slice(3), [
    'open',
    'reconnecting',
    'fetching-ticket',
    'connecting',
    'open',
  ]);
  const [first, second] = alice.sockets.map((s) => new URL(s.url).searchParams.get('ticket'));
  assert.equal(alice.sockets.length, 2);
  assert.notEqual(first, second);
  const afterKick = await tickets.stats();
  assert.equal(afterKick.kicks - before.kicks, 1);
  assert.equal(afterKick.tickets_issued - before.tickets_issued, 1);
  assert.equal(afterKick.tickets_redeemed - before.tickets_redeemed, 1);
  assert.equal(afterKick.tickets_refused, before.tickets_refused, 'no ticket presented twice');

  await alice.page.evaluate(() => window.lab.logout());
  await waitForKind(alice, id, 'idle');
  await waitUntil(
    async () => (await tickets.stats()).sockets_open === afterKick.sockets_open - 1,
    'the server saw the socket close',
  );
  const afterLogout = await tickets.stats();
  assert.equal(afterLogout.requests['/api/token/blacklist/'] - afterKick.requests['/api/token/blacklist/'], 1);
  assert.equal(
    afterLogout.requests['/ws_ticket'],
    afterKick.requests['/ws_ticket'],
    'no ticket asked for after logout',
  );
  assert.equal(alice.sockets.length, 2);
  assert.ok(alice.sockets[1].closed);
  assert.deepEqual(await closeCodes(alice, id), [4012], 'a close the client asked for is no error');
  await done(alice);
});

test('a user who may not use the socket: ticket 403 → closed (forbidden), no retry', async () => {
  const before = await tickets.stats();
  const mallory = await labFor(tickets, 'mallory');
  const id = await clientOn(mallory);
  await waitForKind(mallory, id, 'closed');
  assert.equal((await state(mallory, id)).reason, 'forbidden');
  assert.deepEqual(await errorsOf(mallory, id), ['ticket-forbidden']);
  assert.equal(mallory.sockets.length, 0);
  const after = await tickets.stats();
  assert.equal(after.requests['/ws_ticket'] - before.requests['/ws_ticket'], 1);
  await done(mallory);
});

test('tickets off: auto mode falls back to first-message auth with the example frames, and keeps it across a kick', async () => {
  const before = await noTickets.stats();
  const alice = await labFor(noTickets);
  const id = await clientOn(alice);
  await waitForKind(alice, id, 'open');
  assert.equal((await state(alice, id)).mode, 'first-message');
  assert.deepEqual(await kinds(alice, id), ['idle', 'fetching-ticket', 'connecting', 'authenticating', 'open']);
  assert.equal(new URL(alice.sockets[0].url).search, '');
  await alice.page.evaluate((i) => window.lab.client(i).send({ type: 'chat', text: 'first-message works' }), id);
  await alice.page.waitForFunction((i) => window.lab.client(i).receivedTexts.includes('first-message works'), id);

  await noTickets.kick('alice');
  await waitForOpenCount(alice, id, 2);
  assert.deepEqual((await kinds(alice, id)).slice(4), ['open', 'reconnecting', 'connecting', 'authenticating', 'open']);
  const after = await noTickets.stats();
  assert.equal(after.requests['/ws_ticket'] - before.requests['/ws_ticket'], 1, 'one 404, then no more asks');
  assert.equal(after.first_message_auths - before.first_message_auths, 2);
  assert.equal(after.tickets_issued, 0);
  await done(alice);
});

test('tickets off, forbidden user: auth_failed "forbidden" + 4003 → closed (forbidden), no retry', async () => {
  const before = await noTickets.stats();
  const mallory = await labFor(noTickets, 'mallory');
  const id = await clientOn(mallory);
  await waitForKind(mallory, id, 'closed');
  assert.equal((await state(mallory, id)).reason, 'forbidden');
  assert.deepEqual(await errorsOf(mallory, id), ['forbidden']);
  const after = await noTickets.stats();
  assert.equal(after.forbidden - before.forbidden, 1);
  assert.equal(mallory.sockets.length, 1);
  await done(mallory);
});

test('token expiry: 4001 token_expired → refreshToken() through /api/token/refresh/ → fresh ticket → open', async () => {
  const before = await shortTokens.stats();
  const alice = await labFor(shortTokens);
  // No refresh ahead of expiry: let the server close at `exp`. The attempt streak (and with it the
  // one-refresh budget) resets after 1 s open, shorter than the 8 s token, so every expiry refreshes.
  const id = await clientOn(alice, { refreshBeforeExpiryMs: false, reconnect: { resetAfterMs: 1000 } });
  await waitForKind(alice, id, 'open');
  await waitForOpenCount(alice, id, 2, 15_000);
  assert.deepEqual(await closeCodes(alice, id), [4001]);
  const transitions = await kinds(alice, id);
  assert.deepEqual(transitions.slice(3, 8), ['open', 'refreshing-token', 'fetching-ticket', 'connecting', 'open']);
  const after = await shortTokens.stats();
  assert.ok(after.expired_closes - before.expired_closes >= 1);
  assert.ok(after.requests['/api/token/refresh/'] - before.requests['/api/token/refresh/'] >= 1);
  assert.deepEqual(await alice.page.evaluate(() => window.lab.refreshes()), { calls: 1, tokens: 1 });
  assert.equal(alice.sockets.length, 2);
  await done(alice);
});

test('proactive refresh never drops the socket: in band ("authenticate" → "authenticated") or make-before-break, in every mode', async () => {
  const before = await shortTokens.stats();
  // Side by side, each page with its own refresh token: tickets with the default rotation
  // (a second ticketed socket takes over), tickets re-authenticated in band, and first-message.
  const variants = [
    { name: 'auto (tickets), make-before-break', config: { auth: 'auto' }, inBand: false },
    { name: 'auto (tickets), onTokenChange reauth', config: { auth: 'auto', onTokenChange: 'reauth' }, inBand: true },
    { name: 'first-message', config: { auth: 'first-message' }, inBand: true },
  ];
  const runs = await Promise.all(
    variants.map(async (variant) => {
      const lab = await labFor(shortTokens);
      const id = await clientOn(lab, variant.config);
      await waitForKind(lab, id, 'open');
      return { ...variant, lab, id };
    }),
  );
  // 8 s tokens, refreshed halfway: every socket rotates about every 4 s.
  const refreshes = (lab) => lab.page.evaluate(() => window.lab.refreshes().tokens);
  for (const { lab } of runs) await waitUntil(async () => (await refreshes(lab)) >= 3, 'three refreshes', 25_000);
  for (const { name, inBand, lab, id } of runs) {
    const tokens = await refreshes(lab);
    if (inBand) assert.equal(lab.sockets.length, 1, `${name}: one socket throughout`);
    else
      assert.ok(
        lab.sockets.length >= tokens && lab.sockets.length <= tokens + 1,
        `${name}: a new socket per refresh (${lab.sockets.length} for ${tokens})`,
      );
    assert.deepEqual(await kinds(lab, id), [...(await kinds(lab, id)).slice(0, -1), 'open']);
    assert.equal((await kinds(lab, id)).filter((k) => k === 'open').length, 1, `${name}: open throughout`);
    assert.deepEqual(await closeCodes(lab, id), []);
    assert.deepEqual(await errorsOf(lab, id), []);
  }
  const after = await shortTokens.stats();
  assert.ok(after.reauths - before.reauths >= 4, 'the in-band runs re-authenticated in band');
  assert.equal(after.expired_closes, before.expired_closes, 'no socket met its expiry');
  assert.equal(after.auth_failures, before.auth_failures);
  for (const { lab } of runs) await done(lab);
});

test('the demo app (?server=django, as npm run start:django serves it): sign in, chat with acks, kick, sign out', async () => {
  const alice = await openDemo(browser, demo.url, '?server=django');
  await login(alice.page, 'alice');
  await waitForState(alice.page, 'open');
  assert.equal((await alice.page.textContent('[data-testid=mode]'))?.trim(), 'Auth mode: ticket');
  await say(alice.page, 'hello from the demo');
  await waitForChat(alice.page, 'hello from the demo');
  await alice.page.click('[data-testid=kick]');
  await waitUntil(() => alice.sockets.length === 2, 'a second socket after the kick');
  await waitForState(alice.page, 'open');
  const before = await demo.stats();
  await alice.page.click('[data-testid=logout]');
  await alice.page.waitForSelector('#user');
  await waitUntil(async () => (await demo.stats()).requests['/api/token/blacklist/'] === 1, 'the refresh token burnt');
  const stats = await demo.stats();
  assert.equal(stats.chats, 1);
  assert.equal(stats.tickets_redeemed, 2);
  assert.equal(stats.tickets_refused, 0);
  assert.equal(stats.requests['/ws_ticket'], before.requests['/ws_ticket'], 'nothing asked after logout');
  assert.deepEqual(alice.problems, []);
  await done(alice);
});

test("groups of the client's own: withChannels() with the example's subscribe frames joins, delivers to members only, refuses a private group, and joins again after a kick", async () => {
  // The app of docs/SERVERS.md "Channels with frames of your own", against the real consumer.
  const options = {
    ...foreignOptions(),
    socket: { url: '/channel/', reconnect: { initialDelayMs: 100, maxDelayMs: 500 } },
    channels: 'foreign',
    tokenSource: 'capture',
    rotation: false,
  };
  const [alice, bob] = [
    await openInterop(browser, tickets.url, options),
    await openInterop(browser, tickets.url, options),
  ];
  const channel = (app, name) => app.page.evaluate((n) => window.interop.record.channels[n], name);
  const bodies = async (app, name) => ((await channel(app, name))?.messages ?? []).map((m) => m.body);
  const stateOf = async (app, name) => (await channel(app, name))?.states.at(-1);
  for (const [app, user] of [
    [alice, 'alice'],
    [bob, 'bob'],
  ]) {
    await app.page.evaluate((u) => window.interop.login(u), user);
    await app.page.evaluate(() => window.interop.listen());
    await app.page.evaluate(() => window.interop.subscribeChannel('room-e2e'));
  }
  await waitUntil(
    async () => (await stateOf(alice, 'room-e2e')) === 'joined' && (await stateOf(bob, 'room-e2e')) === 'joined',
    'both joined',
    15_000,
  );
  await alice.page.evaluate(() => window.interop.sendInChannel('room-e2e', 'one'));
  await waitUntil(
    async () => (await bodies(bob, 'room-e2e')).includes('one') && (await bodies(alice, 'room-e2e')).includes('one'),
    '"one" on both',
    10_000,
  );

  await bob.page.evaluate(() => window.interop.subscribeChannel('private-alice'));
  await alice.page.evaluate(() => window.interop.subscribeChannel('private-alice'));
  await waitUntil(
    async () =>
      (await stateOf(bob, 'private-alice'))?.startsWith('rejected:') &&
      (await stateOf(alice, 'private-alice')) === 'joined',
    'private-alice decided',
    10_000,
  );
  await alice.page.evaluate(() => window.interop.sendInChannel('private-alice', 'secret'));
  await waitUntil(async () => (await bodies(alice, 'private-alice')).includes('secret'), '"secret" back', 10_000);

  // The server drops alice's socket (4012): a fresh ticket, and both groups subscribed again.
  const subscribedBefore = alice.sockets.length;
  await tickets.kick('alice');
  await waitUntil(
    async () =>
      alice.sockets.length > subscribedBefore &&
      (await stateOf(alice, 'room-e2e')) === 'joined' &&
      (await stateOf(alice, 'private-alice')) === 'joined',
    'alice back in both groups',
    15_000,
  );
  await bob.page.evaluate(() => window.interop.sendInChannel('room-e2e', 'two'));
  await waitUntil(async () => (await bodies(alice, 'room-e2e')).includes('two'), '"two" after the kick', 10_000);

  const [a, b] = [
    await alice.page.evaluate(() => window.interop.record),
    await bob.page.evaluate(() => window.interop.record),
  ];
  for (const app of [alice, bob]) keepTickets(app);
  await alice.context.close();
  await bob.context.close();
  assert.deepEqual(
    a.channels['room-e2e'].messages.map((m) => m.body),
    ['one', 'two'],
    'each once, in order',
  );
  assert.deepEqual(
    b.channels['room-e2e'].messages.map((m) => m.body),
    ['one', 'two'],
  );
  assert.deepEqual(b.channels['private-alice'].messages, [], "bob never saw alice's private group");
  assert.match(b.channels['private-alice'].states.at(-1), /^rejected:You do not have permission/);
  // A subscribe per group on each of alice's sockets, none twice; the frames' id is the server's msg_id.
  // (A socket that failed before it opened sent nothing and is not asked to.)
  for (const socket of alice.sockets.filter((s) => s.sent.length > 0)) {
    const subscribes = socket.sent
      .map((f) => JSON.parse(f))
      .filter((f) => f.type === 'subscribe')
      .map((f) => f.group);
    assert.deepEqual(subscribes.sort(), ['private-alice', 'room-e2e'], `socket ${socket.url}`);
  }
  assert.ok(a.channels['room-e2e'].messages.every((m) => /^[0-9a-f]{32}$/.test(m.id)));
  assert.deepEqual(a.errors, ['socket-closed'], 'the kick, nothing else');
  assert.deepEqual(b.errors, []);
  // Channel messages reach messages$ too; the subscribe answers never do.
  assert.deepEqual(Object.keys(a.types), ['group.message'], 'control frames never reached messages$');
  assert.deepEqual(Object.keys(b.types), ['group.message']);
  assert.deepEqual(alice.problems, []);
  assert.deepEqual(bob.problems, []);
});

test('no JWT and no ticket in anything the servers logged', () => {
  assert.ok(ticketsSeen.size >= 4, `tickets seen: ${ticketsSeen.size}`);
  for (const server of servers) {
    assert.match(server.output, /WSCONNECT \/channel\//, 'the access log was captured');
    assert.doesNotMatch(server.output, JWT_PATTERN);
    assert.doesNotMatch(server.output, /ticket=/);
    for (const ticket of ticketsSeen) assert.ok(!server.output.includes(ticket), 'a ticket reached a log line');
  }
});
