// Token rotation against more than one server: our reference server, a foreign server with its own
// frame names (authenticate / authenticated / auth_failed, expiry close 4001), the same server with
// NestJS-style frames that carry no `type` at all ({event, data}, read through the README's
// serializer), a real NestJS server (examples/nestjs) and one with no in-band re-auth at all, in each auth mode, over at least three refresh cycles. The app is set up
// the way apps are: the refresh hook calls the refresh endpoint through HttpClient and a
// captureToken rule also matches that endpoint (the refresh trap). Every cycle must keep the socket
// `open`: in-band re-auth on one socket, or make-before-break with nothing lost or doubled.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, waitUntil } from './support/browser.mjs';
import { foreignOptions, startForeignServer } from './support/foreign-server.mjs';
import { LAB, ServerProcess } from './support/server.mjs';
import { NestServer, nestOptions } from './support/nest-server.mjs';
import { openInterop } from './support/interop.mjs';

// Tokens live 16 s and are refreshed 8 s before expiry: a refresh cycle every ~8 s. An unanswered
// re-auth is noticed after ackTimeoutMs (1.5 s) and its replacement still has 6.5 s before the old
// token lapses. A ticket and a socket take milliseconds, but ten of these tests share two cores
// with their browser: with 10 s tokens (3.5 s to spare) a stall of the loaded machine now and then
// let an old token lapse first.
const TTL_S = 16;
const CYCLES = 3;
const TIMING = { refreshBeforeExpiryMs: 8000, ackTimeoutMs: 1500, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } };

const REFERENCE_API = {
  login: '/auth',
  refresh: '/auth/refresh',
  user: 'user',
  password: 'password',
  access: 'token',
  refreshToken: 'refreshToken',
};

let browser;
const reference = new ServerProcess({ STATIC_DIR: LAB, TOKEN_TTL_S: String(TTL_S) });
const nest = new NestServer({ tokenTtlS: TTL_S });
const servers = {};

before(async () => {
  browser = await launchBrowser();
  await reference.start();
  await nest.start();
  servers.foreign = await startForeignServer({ profile: 'foreign', tokenTtlS: TTL_S });
  servers.noReauth = await startForeignServer({ profile: 'no-reauth', tokenTtlS: TTL_S });
  servers.noTicket = await startForeignServer({ profile: 'foreign', tokenTtlS: TTL_S, ticketEndpoint: false });
  // Codes of their own: graphql-ws's 4401, and a policy-violation 1008 the client is told about.
  servers.code4401 = await startForeignServer({
    tokenTtlS: TTL_S,
    closeCodes: { unauthorized: 4401, forbidden: 4403 },
  });
  servers.code1008 = await startForeignServer({
    tokenTtlS: TTL_S,
    closeCodes: { unauthorized: 1008, forbidden: 4100 },
  });
  // Frames named by `event`, fields under `data` (NestJS's WsAdapter): no frame has a `type`.
  servers.event = await startForeignServer({ tokenTtlS: TTL_S, envelope: 'event' });
  // A ticket endpoint of its own: POST → {token, expires_in}.
  servers.postTicket = await startForeignServer({ tokenTtlS: TTL_S, ticketStyle: 'post' });
});

after(async () => {
  await browser?.close();
  await reference.stop();
  await nest.stop();
  for (const s of Object.values(servers)) await s.close();
});

const PROFILES = {
  reference: () => ({
    url: reference.url,
    user: 'alice',
    options: { frames: 'reference', api: REFERENCE_API, socket: { url: '/channel/' } },
  }),
  foreign: () => ({ url: servers.foreign.url, user: 'fiona', server: servers.foreign, options: foreignOptions() }),
  event: () => ({
    url: servers.event.url,
    user: 'evan',
    server: servers.event,
    options: { ...foreignOptions(), envelope: 'event' },
  }),
  // A user per test, as on the foreign servers: the gateway sends chat to all of a user's sockets.
  nest: () => ({ url: nest.url, user: 'nestor', perTestUser: true, options: nestOptions() }),
  'no-reauth': () => ({ url: servers.noReauth.url, user: 'nora', server: servers.noReauth, options: foreignOptions() }),
  4401: () => ({ url: servers.code4401.url, user: 'gail', server: servers.code4401, options: foreignOptions() }),
  1008: () => {
    const options = foreignOptions();
    options.socket.closeCodes = { unauthorized: [1008], forbidden: [4100] };
    return { url: servers.code1008.url, user: 'polly', server: servers.code1008, options };
  },
  'post-ticket': () => {
    const options = foreignOptions();
    options.ticketBody = 'token-expires-in';
    return { url: servers.postTicket.url, user: 'pete', server: servers.postTicket, options };
  },
};

/**
 * Logs in, streams chat lines while the token is refreshed `CYCLES` times, then checks: `open`
 * throughout, no error, every line received exactly once, and one socket (in-band re-auth) or one
 * new socket per refresh (make-before-break).
 */
/**
 * Opens the app of `profile` the way apps are set up (the refresh trap included), logs `user` in
 * (on a foreign server, one user per test keeps their traffic apart) and waits for `open`.
 */
async function openApp({ url, user, options, server, perTestUser }, suffix, interop) {
  const app = await openInterop(browser, url, { ...options, tokenSource: 'capture', captureRefresh: true, ...interop });
  const { page } = app;
  await page.evaluate((u) => window.interop.login(u), server || perTestUser ? `${user}-${suffix}` : user);
  await page.evaluate(() => window.interop.listen());
  await waitUntil(async () => (await page.evaluate(() => window.interop.state())) === 'open', 'open', 10_000);
  return app;
}

async function rotate(profile, mode, rotation, prefix) {
  const { options, server } = profile;
  const app = await openApp(profile, mode, { socket: { ...options.socket, auth: mode, ...TIMING } });
  const { page } = app;
  let sent = 0;
  const stream = setInterval(() => {
    const text = `${prefix}-${++sent}`;
    page.evaluate((t) => window.interop.send(t), text).catch(() => undefined);
  }, 100);
  try {
    await waitUntil(
      async () => (await page.evaluate(() => window.interop.refreshes())) >= CYCLES,
      `${CYCLES} refreshes`,
      60_000,
    );
  } finally {
    clearInterval(stream);
  }
  await waitUntil(
    async () =>
      (await page.evaluate((p) => window.interop.record.texts.filter((t) => t.startsWith(`${p}-`)).length, prefix)) >=
      sent,
    'every line back',
    5_000,
  ).catch(() => undefined);
  // Look between two cycles: the last rotation done (one socket open; with make-before-break one
  // socket per refresh plus the first), the next one not yet begun.
  let refreshes = 0;
  let sockets = 0;
  await waitUntil(
    async () => {
      refreshes = await page.evaluate(() => window.interop.refreshes());
      sockets = app.sockets.length;
      const open = app.sockets.filter((s) => !s.closed).length;
      return open === 1 && (rotation === 'reauth' || sockets === refreshes + 1);
    },
    'the last rotation to finish',
    10_000,
  ).catch(() => undefined);
  const record = await page.evaluate(() => window.interop.record);
  await app.context.close();

  const mine = record.texts.filter((t) => t.startsWith(`${prefix}-`));
  const counts = new Map();
  for (const t of mine) counts.set(t, (counts.get(t) ?? 0) + 1);
  const doubled = [...counts].filter(([, n]) => n > 1).map(([t]) => t);
  const lost = Array.from({ length: sent }, (_, i) => `${prefix}-${i + 1}`).filter((t) => !counts.has(t));
  const figures = `${refreshes} refreshes, ${sockets} socket(s), ${sent} lines, lost ${lost.length}, doubled ${doubled.length}`;
  console.log(`# ${prefix}: ${figures}`);

  assert.deepEqual(record.errors, [], `no errors (${figures})`);
  const firstOpen = record.states.indexOf('open');
  assert.deepEqual(record.states.slice(firstOpen), ['open'], `open throughout: ${record.states.join(' → ')}`);
  const where = (t) => app.sockets.findIndex((sk) => sk.sent.some((f) => f.includes(`"${t}"`)));
  const lostDetail = lost.map(
    (t) =>
      `${t}: ${record.fates[t]}, written on socket ${where(t)}${server ? `, server got it: ${server.received.includes(t)}` : ''}`,
  );
  assert.deepEqual(lost, [], `nothing lost (${figures}): ${lostDetail.join('; ')}; states ${record.states.join(',')}`);
  const doubledDetail = doubled.map((t) => `${t}: ${JSON.stringify(record.deliveries.filter((d) => d.text === t))}`);
  const timeline = app.sockets.map((sk, i) => `#${i} ${sk.openedAt}–${sk.closedAt ?? 'open'}`).join(', ');
  assert.deepEqual(doubled, [], `nothing doubled (${figures}): ${doubledDetail.join('; ')}; sockets ${timeline}`);
  assert.ok(
    Object.values(record.fates).every((f) => f === 'written'),
    JSON.stringify(record.fates),
  );
  if (rotation === 'reauth') assert.equal(sockets, 1, `one socket throughout (${figures})`);
  else
    assert.equal(
      sockets,
      refreshes + 1,
      `one new socket per refresh, each authenticated before the old one closed (${figures})`,
    );
  if (server)
    assert.deepEqual(
      server.received.filter((t) => t.startsWith(`${prefix}-`)).length,
      sent,
      'the server accepted every line once',
    );
  assert.deepEqual(app.problems, []);
  return { refreshes, sockets };
}

// What each server and mode should do with a new token: in-band re-auth, or make-before-break.
const EXPECTED = {
  reference: { ticket: 'make-before-break', 'first-message': 'reauth', auto: 'make-before-break' },
  foreign: { ticket: 'make-before-break', 'first-message': 'reauth', auto: 'make-before-break' },
  event: { ticket: 'make-before-break', 'first-message': 'reauth', auto: 'make-before-break' },
  nest: { ticket: 'make-before-break', 'first-message': 'reauth', auto: 'make-before-break' },
  // First-message mode tries re-auth once, gets no answer within ackTimeoutMs, then replaces sockets.
  'no-reauth': { ticket: 'make-before-break', 'first-message': 'make-before-break', auto: 'make-before-break' },
};

describe('token rotation, every profile × every auth mode', { concurrency: true }, () => {
  for (const [profile, modes] of Object.entries(EXPECTED)) {
    for (const [mode, rotation] of Object.entries(modes)) {
      test(`${profile} server, ${mode} mode: ${rotation}`, { timeout: 90_000 }, async () => {
        await rotate(PROFILES[profile](), mode, rotation, `${profile}-${mode}`);
      });
    }
  }

  test(
    'auto mode against a server without a ticket endpoint: falls back, then re-authenticates in band',
    { timeout: 60_000 },
    async () => {
      const profile = { url: servers.noTicket.url, user: 'tess', server: servers.noTicket, options: foreignOptions() };
      await rotate(profile, 'auto', 'reauth', 'fallback-auto');
      assert.equal(servers.noTicket.stats.reauths >= CYCLES, true);
    },
  );
});

// Without the feature, in each profile: the server's own expiry close (4001, or its own code) is
// what replaces the socket.
const WITHOUT_ROTATION = [
  ['reference', 'ticket', ['fetching-ticket', 'connecting']],
  ['foreign', 'ticket', ['fetching-ticket', 'connecting']],
  ['foreign', 'first-message', ['connecting', 'authenticating']],
  ['no-reauth', 'auto', ['fetching-ticket', 'connecting']],
  ['4401', 'ticket', ['fetching-ticket', 'connecting']],
  ['1008', 'first-message', ['connecting', 'authenticating']],
  ['post-ticket', 'ticket', ['fetching-ticket', 'connecting']],
  ['nest', 'ticket', ['fetching-ticket', 'connecting']],
  ['nest', 'first-message', ['connecting', 'authenticating']],
];

describe('without withTokenRotation(), every profile', { concurrency: true }, () => {
  for (const [profile, mode, between] of WITHOUT_ROTATION) {
    test(
      `${profile} server, ${mode} mode: a new token leaves the open socket alone until the server ends it (its 'unauthorized' close); the newest token reconnects at once`,
      { timeout: 60_000 },
      async () => {
        await withoutRotation(PROFILES[profile](), mode, between, `norot-${profile}-${mode}`);
      },
    );
  }
});

async function withoutRotation(profile, mode, between, prefix) {
  const { options, server } = profile;
  const app = await openApp(profile, `norot-${mode}`, {
    rotation: false,
    socket: { ...options.socket, auth: mode, reconnect: TIMING.reconnect },
  });
  const { page } = app;
  const burst = async (name) => {
    for (let i = 1; i <= 10; i++) await page.evaluate((t) => window.interop.send(t), `${name}-${i}`);
  };
  const count = (name) => page.evaluate((p) => window.interop.record.texts.filter((t) => t.startsWith(p)).length, name);
  await burst(`${prefix}-a`);
  await waitUntil(async () => (await count(`${prefix}-a-`)) >= 10, 'the first burst back', 5_000);
  // Halfway through the token's life the app refreshes on its own; the interceptor captures the
  // new token (valid ~TTL_S/2 beyond the old one) into the store.
  await new Promise((resolve) => setTimeout(resolve, (TTL_S * 1000) / 2 - 1000));
  const before = await page.evaluate(() => window.interop.token());
  const refreshedAt = Date.now();
  await page.evaluate(() => window.interop.refreshNow());
  const states = () => page.evaluate(() => window.interop.record.states);
  await waitUntil(async () => (await states()).filter((k) => k === 'open').length >= 2, 'open again', 20_000).catch(
    async (e) => {
      const r = await page.evaluate(() => window.interop.record);
      throw new Error(`${e.message}: states ${r.states.join(',')}, errors ${r.errors.join(',')}`);
    },
  );
  const reopenedAt = Date.now();
  const keptMs = reopenedAt - refreshedAt;
  assert.notEqual(await page.evaluate(() => window.interop.token()), before, 'the refresh stored a new token');
  await burst(`${prefix}-b`);
  await waitUntil(async () => (await count(`${prefix}-b-`)) >= 10, 'the second burst back', 5_000);
  const record = await page.evaluate(() => window.interop.record);
  await app.context.close();

  console.log(`# ${prefix}: old socket kept ~${keptMs} ms after the token changed, ${app.sockets.length} sockets`);
  const firstOpen = record.states.indexOf('open');
  assert.deepEqual(
    record.states.slice(firstOpen),
    ['open', ...between, 'open'],
    'no backoff: straight to the next attempt',
  );
  assert.deepEqual(record.errors, ['auth-rejected'], 'the server ended the old token; nothing else went wrong');
  assert.equal(app.sockets.length, 2, 'no socket for the new token until the old one ended');
  // The socket stayed on the old token until it lapsed (the server's 4001), not replaced at the
  // refresh: open again no earlier than the old token's exp (whole seconds, hence the 1 s).
  const { exp } = JSON.parse(Buffer.from(before.split('.')[1], 'base64url').toString());
  assert.ok(reopenedAt >= exp * 1000 - 1000, `open again ${exp * 1000 - reopenedAt} ms before the old token's exp`);
  for (const name of [`${prefix}-a`, `${prefix}-b`]) {
    const mine = record.texts.filter((t) => t.startsWith(`${name}-`));
    assert.equal(new Set(mine).size, 10, `${name}: every line once`);
    assert.equal(mine.length, 10, `${name}: nothing doubled`);
    if (server)
      assert.equal(
        server.received.filter((t) => t.startsWith(`${name}-`)).length,
        10,
        `${name}: the server took each once`,
      );
  }
  assert.deepEqual(app.problems, []);
}

test('the event-envelope server saw no frame with a type', (t) => {
  if (servers.event.stats.authFrames === 0) return t.skip('the event profile did not run');
  assert.ok(servers.event.stats.authFrames >= 3 && servers.event.stats.chats > 0, JSON.stringify(servers.event.stats));
  assert.equal(servers.event.stats.typedFrames, 0);
});

test("the lab's eventEnvelope serializer is the README's, verbatim", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const lab = readFileSync(new URL('../projects/lab/src/event-envelope.ts', import.meta.url), 'utf8');
  const recipe = lab.slice(lab.indexOf('import '));
  assert.ok(readme.includes('```ts\n' + recipe + '```'), 'projects/lab/src/event-envelope.ts is the README block');
});

test('no-reauth profile: the one unanswered re-auth is the only one tried', () => {
  assert.equal(servers.noReauth.stats.ignoredReauths, 1);
});
