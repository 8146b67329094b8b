// Faults against a server that is not ours (support/foreign-server.mjs: its own frames, endpoints
// and ticket body), so the lifecycle under faults does not lean on our reference server either:
// the server crashing and coming back, a deploy closing every socket, the ticket endpoint failing
// and hanging. The reference server's own fault tests are in faults.test.mjs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, waitUntil } from './support/browser.mjs';
import { foreignOptions, startForeignServer } from './support/foreign-server.mjs';
import { openInterop } from './support/interop.mjs';

// Short delays and deadlines so each fault plays out in a few seconds.
const TIMING = { reconnect: { initialDelayMs: 100, maxDelayMs: 800 }, ticketTimeoutMs: 1000 };
/** Errors a fault may leave behind; none of them a verdict on the user or the token. */
const TRANSIENT = new Set(['socket-closed', 'ticket-failed', 'connect-timeout', 'auth-timeout']);

let browser;
let server;

before(async () => {
  browser = await launchBrowser();
  server = await startForeignServer({ tokenTtlS: 300 });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function openApp(mode, user) {
  const options = foreignOptions();
  const app = await openInterop(browser, server.url, {
    ...options,
    tokenSource: 'capture',
    rotation: false,
    socket: { ...options.socket, auth: mode, ...TIMING },
  });
  const { page } = app;
  await page.evaluate((u) => window.interop.login(u), user);
  await page.evaluate(() => window.interop.listen());
  await waitOpen(page);
  return app;
}

const waitOpen = (page) =>
  waitUntil(async () => (await page.evaluate(() => window.interop.state())) === 'open', 'open', 15_000);
const record = (page) => page.evaluate(() => window.interop.record);
const ticketOf = (url) => new URL(url).searchParams.get('ticket');

/** Sends `text` and waits for the server's echo of it. */
async function roundTrip(page, text) {
  await page.evaluate((t) => window.interop.send(t), text);
  await waitUntil(async () => (await record(page)).texts.includes(text), `"${text}" back`, 15_000);
}

function assertClean(rec, app, what) {
  const lasting = rec.errors.filter((code) => !TRANSIENT.has(code));
  assert.deepEqual(lasting, [], `${what}: only transient errors (${rec.errors.join(', ')})`);
  assert.ok(!rec.states.includes('unauthorized') && !rec.states.includes('closed'), rec.states.join(' → '));
  for (const text of new Set(rec.texts)) assert.equal(rec.texts.filter((t) => t === text).length, 1, `"${text}" once`);
  assert.deepEqual(app.problems, []);
}

describe('a foreign server crashing and coming back', { concurrency: false }, () => {
  for (const mode of ['ticket', 'first-message']) {
    test(
      `${mode} mode: reconnects (a fresh ticket each time), and what was sent meanwhile arrives`,
      { timeout: 60_000 },
      async () => {
        const app = await openApp(mode, `crash-${mode}`);
        const { page } = app;
        await roundTrip(page, `${mode}: before`);
        await server.stop();
        await waitUntil(async () => (await page.evaluate(() => window.interop.state())) !== 'open', 'noticed', 10_000);
        await page.evaluate((t) => window.interop.send(t), `${mode}: during`);
        // Let the client fail against the dead server a few times before it comes back.
        await waitUntil(async () => (await record(page)).errors.length >= 3, 'three failed attempts', 20_000);
        await server.start();
        await waitOpen(page);
        await waitUntil(
          async () => (await record(page)).texts.includes(`${mode}: during`),
          'the message sent during the outage',
          15_000,
        );
        const rec = await record(page);
        await app.context.close();

        assertClean(rec, app, mode);
        assert.equal(rec.fates[`${mode}: during`], 'written');
        if (mode === 'ticket') {
          const tickets = app.sockets.map((s) => ticketOf(s.url));
          assert.ok(tickets.every(Boolean), 'every socket had a ticket');
          assert.equal(new Set(tickets).size, tickets.length, 'no ticket presented twice');
        } else {
          assert.ok(app.sockets.every((s) => ticketOf(s.url) === null));
        }
        assert.ok(app.sockets.length >= 2);
      },
    );
  }
});

test(
  'a deploy closing every socket (1012): each client reconnects on its own, nothing lost',
  { timeout: 60_000 },
  async () => {
    const apps = [await openApp('ticket', 'deploy-a'), await openApp('first-message', 'deploy-b')];
    server.dropSockets(1012);
    for (const [i, { page }] of apps.entries()) {
      await waitUntil(
        async () => (await record(page)).states.filter((k) => k === 'open').length >= 2,
        'open again',
        15_000,
      );
      await roundTrip(page, `after the deploy ${i}`);
    }
    for (const app of apps) {
      const rec = await record(app.page);
      await app.context.close();
      assert.deepEqual(rec.errors, ['socket-closed'], 'the deploy was one ordinary close');
      assertClean(rec, app, 'deploy');
    }
  },
);

for (const [fault, expected] of [
  ['fail', 'answers 500'],
  ['hang', 'never answers (ticketTimeoutMs)'],
]) {
  test(
    `ticket endpoint ${expected}: backoff, no fallback and no refusal; back when it heals`,
    { timeout: 60_000 },
    async () => {
      const app = await openApp('ticket', `ticket-${fault}`);
      const { page } = app;
      const ticketsBefore = server.stats.tickets;
      server.setTicketFault(fault);
      try {
        server.dropSockets(1012);
        await waitUntil(
          async () => (await record(page)).errors.filter((c) => c === 'ticket-failed').length >= 3,
          'three failed ticket requests',
          20_000,
        );
        assert.notEqual(await page.evaluate(() => window.interop.state()), 'open');
      } finally {
        server.setTicketFault('none');
      }
      await waitOpen(page);
      await roundTrip(page, `after the ${fault}`);
      const rec = await record(page);
      await app.context.close();

      assertClean(rec, app, fault);
      assert.equal(server.stats.tickets, ticketsBefore + 1, 'one ticket issued once the endpoint healed');
      assert.ok(
        app.sockets.every((s) => ticketOf(s.url) !== null),
        'never fell back to first-message auth',
      );
      assert.ok(rec.states.includes('reconnecting'), 'it backed off between attempts');
    },
  );
}
