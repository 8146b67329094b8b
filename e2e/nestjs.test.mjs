// The library against a real NestJS server (examples/nestjs: @nestjs/platform-ws's WsAdapter,
// @nestjs/jwt, tickets redeemed before the handshake): frames are Nest's {event, data} and go
// through the README's eventEnvelope serializer; auth frames and close codes are the server's. The
// token rotations against it run in token-rotation.test.mjs (profile `nest`).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, waitUntil } from './support/browser.mjs';
import { openInterop } from './support/interop.mjs';
import { NestServer, nestOptions } from './support/nest-server.mjs';

const TIMING = { reconnect: { initialDelayMs: 100, maxDelayMs: 800 }, ticketTimeoutMs: 2000 };

let browser;
const server = new NestServer({ tokenTtlS: 300 });

before(async () => {
  browser = await launchBrowser();
  await server.start();
});

after(async () => {
  await browser?.close();
  await server.stop();
});

async function openApp(mode, user) {
  const options = nestOptions();
  const app = await openInterop(browser, server.url, {
    ...options,
    tokenSource: 'capture',
    rotation: false,
    socket: { ...options.socket, auth: mode, ...TIMING },
  });
  await app.page.evaluate((u) => window.interop.login(u), user);
  await app.page.evaluate(() => window.interop.listen());
  return app;
}

const record = (page) => page.evaluate(() => window.interop.record);
const state = (page) => page.evaluate(() => window.interop.state());

async function roundTrip(page, text) {
  await page.evaluate((t) => window.interop.send(t), text);
  await waitUntil(async () => (await record(page)).texts.includes(text), `"${text}" back`, 15_000);
}

// One after the other: the restart tests kill the one server every test uses.
describe('NestJS example (WsAdapter, {event, data} frames)', () => {
  for (const mode of ['auto', 'first-message']) {
    test(`${mode} mode: opens, talks, and comes back after the server is killed and restarted`, async () => {
      const app = await openApp(mode, `nina-${mode}`);
      const { page } = app;
      await waitUntil(async () => (await state(page)) === 'open', 'open', 15_000);
      await roundTrip(page, `${mode}-before`);
      const before = app.sockets.length;
      await server.kill();
      await waitUntil(async () => (await state(page)) !== 'open', 'the drop seen', 10_000);
      await server.start();
      await waitUntil(async () => (await state(page)) === 'open', 'open again', 20_000);
      await roundTrip(page, `${mode}-after`);
      const rec = await record(page);
      await app.context.close();

      const tickets = app.sockets.map((s) => new URL(s.url).searchParams.get('ticket'));
      if (mode === 'auto') {
        // Tickets in every socket URL, each used once; the JWT in none.
        assert.ok(
          tickets.every((t) => t !== null),
          tickets.join(', '),
        );
        assert.equal(new Set(tickets).size, tickets.length, 'a fresh ticket per socket');
      } else {
        assert.ok(tickets.every((t) => t === null));
      }
      assert.ok(app.sockets.length > before);
      for (const s of app.sockets) {
        assert.ok(!/eyJ/.test(s.url), `no JWT in ${s.url}`);
        // Every frame the page wrote is Nest's: an event, no type.
        for (const f of s.sent) assert.ok(!('type' in JSON.parse(f)) && typeof JSON.parse(f).event === 'string', f);
      }
      assert.deepEqual(
        rec.errors.filter((c) => !['socket-closed', 'ticket-failed', 'connect-timeout'].includes(c)),
        [],
        rec.errors.join(', '),
      );
      assert.deepEqual(rec.texts, [`${mode}-before`, `${mode}-after`]);
      assert.deepEqual(app.problems, []);
    });

    test(`${mode} mode: a user the server refuses ends closed (forbidden), without retrying`, async () => {
      const app = await openApp(mode, 'mallory');
      const { page } = app;
      await waitUntil(async () => (await state(page)) === 'closed', 'closed', 15_000);
      const kind = await page.evaluate(() => window.interop.record.states.at(-1));
      const rec = await record(page);
      const sockets = app.sockets.length;
      await new Promise((ok) => setTimeout(ok, 1000));
      assert.equal(app.sockets.length, sockets, 'no retry');
      await app.context.close();
      assert.equal(kind, 'closed');
      // Ticket mode: 403 from the ticket endpoint, no socket; first-message: auth_failed + 4003.
      assert.deepEqual(rec.errors, mode === 'auto' ? ['ticket-forbidden'] : ['forbidden']);
      assert.equal(sockets, mode === 'auto' ? 0 : 1);
      assert.deepEqual(app.problems, []);
    });
  }
});
