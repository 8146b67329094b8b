// The library against a real NestJS server (examples/nestjs: @nestjs/platform-ws's WsAdapter,
// @nestjs/jwt, tickets redeemed before the handshake): frames are Nest's {event, data} and go
// through the README's eventEnvelope serializer; auth frames and close codes are the server's. The
// token rotations against it run in token-rotation.test.mjs (profile `nest`). The last tests speak
// to the example directly (the `ws` client) for what a browser app cannot provoke: a foreign
// Origin, a reused ticket, a silent socket, another user's token, a client that ignores the close.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { launchBrowser, waitUntil } from './support/browser.mjs';
import { openInterop } from './support/interop.mjs';
import { NestServer, nestOptions } from './support/nest-server.mjs';

const TIMING = { reconnect: { initialDelayMs: 100, maxDelayMs: 800 }, ticketTimeoutMs: 2000 };

let browser;
const server = new NestServer({ tokenTtlS: 300, authDeadlineMs: 800 });

before(async () => {
  browser = await launchBrowser();
  await server.start();
});

after(async () => {
  await browser?.close();
  await server.stop();
});

/** The app of the example, logged in as `user`; every ticket request it makes is counted. */
async function openApp(mode, user) {
  const options = nestOptions();
  const app = await openInterop(browser, server.url, {
    ...options,
    tokenSource: 'capture',
    rotation: false,
    socket: { ...options.socket, auth: mode, ...TIMING },
  });
  app.ticketRequests = 0;
  app.page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/ws-ticket') app.ticketRequests++;
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
      // Long enough for a retry: the backoff starts at 100 ms.
      await new Promise((ok) => setTimeout(ok, 1500));
      const rec = await record(page);
      await app.context.close();
      assert.equal(rec.states.at(-1), 'closed', rec.states.join(' → '));
      // Ticket mode: one 403 from the ticket endpoint and no socket; first-message mode: one
      // socket, refused with auth_failed forbidden + 4003.
      assert.deepEqual(rec.errors, mode === 'auto' ? ['ticket-forbidden'] : ['forbidden']);
      assert.equal(app.ticketRequests, mode === 'auto' ? 1 : 0);
      assert.equal(app.sockets.length, mode === 'auto' ? 0 : 1);
      assert.deepEqual(app.problems, []);
    });
  }
});

describe('NestJS example: the server side of the contract, client by hand', () => {
  const wsUrl = () => `${server.url.replace('http', 'ws')}/ws`;
  const origin = () => server.url;
  async function login(username) {
    const response = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: username }),
    });
    return (await response.json()).access_token;
  }
  async function ticket(token) {
    const response = await fetch(`${server.url}/api/ws-ticket`, { headers: { authorization: `Bearer ${token}` } });
    return (await response.json()).ticket;
  }
  /** Opens a socket; resolves with it once open, or with the HTTP status of a refused upgrade. */
  function connect(url, headers = { origin: origin() }) {
    return new Promise((ok) => {
      const ws = new WebSocket(url, { headers });
      const frames = [];
      ws.on('message', (m) => frames.push(JSON.parse(String(m))));
      ws.once('open', () => ok({ ws, frames }));
      ws.once('unexpected-response', (_req, res) => ok({ status: res.statusCode }));
      ws.once('error', () => undefined);
    });
  }
  const closed = (ws) => new Promise((ok) => ws.once('close', (code, reason) => ok({ code, reason: String(reason) })));
  const send = (ws, event, data) => ws.send(JSON.stringify({ event, data }));

  test('the upgrade: a foreign Origin is refused (403) without using the ticket up; a ticket works once (401 after)', async () => {
    const token = await login('olga');
    const t = await ticket(token);
    assert.equal((await connect(`${wsUrl()}?ticket=${t}`, { origin: 'http://evil.example' })).status, 403);
    assert.equal((await connect(`${wsUrl()}?ticket=${t}`, { origin: 'null' })).status, 403);
    const first = await connect(`${wsUrl()}?ticket=${t}`);
    assert.ok(first.ws, 'the ticket still works after the refused Origins');
    assert.equal((await connect(`${wsUrl()}?ticket=${t}`)).status, 401);
    first.ws.close();
    const unauthorized = await fetch(`${server.url}/api/ws-ticket`);
    assert.equal(unauthorized.status, 401);
    assert.equal(unauthorized.headers.get('www-authenticate'), 'Bearer');
    assert.equal(unauthorized.headers.get('cache-control'), 'no-store');
  });

  test('a socket that never authenticates gets auth_failed (auth_timeout) and 4001 at the deadline', async () => {
    const { ws, frames } = await connect(wsUrl());
    const close = await closed(ws);
    assert.deepEqual(close, { code: 4001, reason: 'auth_timeout' });
    assert.deepEqual(frames, [{ event: 'auth_failed', data: { reason: 'auth_timeout' } }]);
  });

  test("another user's token on an open socket is forbidden (4003), and nothing it sends after the verdict counts", async () => {
    const [pat, quinn] = [await login('pat'), await login('quinn')];
    const watcher = await connect(`${wsUrl()}?ticket=${await ticket(pat)}`);
    const { ws, frames } = await connect(wsUrl());
    send(ws, 'authenticate', { token: pat });
    await waitUntil(async () => frames.some((f) => f.event === 'authenticated'), 'authenticated', 5000);
    // The chat goes right behind the refused frame, before this client has heard the verdict.
    send(ws, 'authenticate', { token: quinn });
    send(ws, 'chat', { text: 'after the verdict' });
    const close = await closed(ws);
    send(watcher.ws, 'chat', { text: 'marker' });
    await waitUntil(async () => watcher.frames.some((f) => f.data?.text === 'marker'), 'the marker', 5000);
    watcher.ws.close();
    assert.equal(close.code, 4003);
    assert.ok(frames.some((f) => f.event === 'auth_failed' && f.data.reason === 'forbidden'));
    assert.deepEqual(
      watcher.frames.filter((f) => f.event === 'chat').map((f) => f.data.text),
      ['marker'],
      "the refused socket's chat reached nobody",
    );
  });

  test('what the server printed over every run holds no JWT and no ticket', () => {
    assert.match(server.log, /listening on/);
    assert.doesNotMatch(server.log, /eyJ[\w-]+\.eyJ/);
    assert.doesNotMatch(server.log, /ticket=/);
  });
});
