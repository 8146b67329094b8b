// Bad input on both sides: garbage from the ticket endpoint, non-JSON/binary/untyped frames, a
// server that never acknowledges auth, oversized frames. Each yields a typed error, the system
// recovers, and the page logs no unhandled error.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, openLab, waitUntil } from './support/browser.mjs';
import { startHostileServer } from './support/hostile-server.mjs';
import { LAB, ServerProcess } from './support/server.mjs';

const server = new ServerProcess({ STATIC_DIR: LAB });
let hostile;
let browser;

before(async () => {
  await server.start();
  hostile = await startHostileServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await hostile?.close();
  await server.stop();
});

const state = (page, id) => page.evaluate((id) => window.lab.client(id).socket.state().kind, id);
const errors = (page, id) => page.evaluate((id) => window.lab.client(id).errors, id);

async function hostileClient(config) {
  const lab = await openLab(browser, server.url);
  await lab.page.evaluate(() => window.lab.login('alice', 'alice'));
  const [id] = await lab.page.evaluate(
    ([c]) => window.lab.createClients(1, c),
    [
      {
        url: `ws://127.0.0.1:${hostile.port}/ws`,
        ticketUrl: `${hostile.url}/ws_ticket`,
        reconnect: { initialDelayMs: 100, maxDelayMs: 300 },
        ...config,
      },
    ],
  );
  await lab.page.evaluate((id) => window.lab.client(id).listen(), id);
  return { ...lab, id };
}

test('HTML or malformed JSON from the ticket endpoint: ticket-invalid, retried, then recovers', async () => {
  hostile.state.ticketBody = { kind: 'html' };
  const lab = await hostileClient({});
  await waitUntil(
    async () => (await errors(lab.page, lab.id)).filter((e) => e === 'ticket-invalid').length >= 2,
    'two ticket-invalid errors',
  );
  hostile.state.ticketBody = { kind: 'garbage-json' };
  const seen = (await errors(lab.page, lab.id)).length;
  await waitUntil(async () => (await errors(lab.page, lab.id)).length > seen, 'a garbage-json error');
  assert.ok((await errors(lab.page, lab.id)).every((e) => e === 'ticket-invalid'));
  hostile.state.ticketBody = { kind: 'json' };
  await waitUntil(async () => (await state(lab.page, lab.id)) === 'open', 'open after the endpoint heals');
  assert.deepEqual(lab.problems, []);
  await lab.context.close();
});

test('non-JSON, binary and untyped frames: bad-frame errors, the connection stays up', async () => {
  const lab = await hostileClient({});
  await waitUntil(async () => (await state(lab.page, lab.id)) === 'open', 'open');
  hostile.broadcastRaw('this is not json');
  hostile.broadcastRaw(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
  hostile.broadcastRaw('{"no":"type"}');
  hostile.broadcastRaw('[1,2,3]');
  hostile.broadcastRaw('{"type":"totally_unknown_type","x":1}');
  hostile.broadcastRaw('{"type":"chat","text":"still fine"}');
  await waitUntil(
    async () => (await lab.page.evaluate((id) => window.lab.client(id).received, lab.id)) >= 2,
    'valid messages delivered',
  );
  assert.deepEqual(await errors(lab.page, lab.id), ['bad-frame', 'bad-frame', 'bad-frame', 'bad-frame']);
  assert.equal(await state(lab.page, lab.id), 'open');
  assert.deepEqual(lab.problems, []);
  await lab.context.close();
});

test('a server that never acknowledges auth: auth-timeout, retried with backoff', async () => {
  hostile.state.onAuth = 'ignore';
  const lab = await hostileClient({ auth: 'first-message', firstMessage: { ackTimeoutMs: 500 } });
  await waitUntil(
    async () => (await errors(lab.page, lab.id)).filter((e) => e === 'auth-timeout').length >= 2,
    'two auth timeouts',
  );
  hostile.state.onAuth = 'ack';
  await waitUntil(async () => (await state(lab.page, lab.id)) === 'open', 'open once the server acknowledges');
  assert.deepEqual(lab.problems, []);
  await lab.context.close();
});

test('an oversized frame to the reference server: closed (1009), typed error, the client recovers', async () => {
  const lab = await openLab(browser, server.url);
  await lab.page.evaluate(() => window.lab.login('alice', 'alice'));
  const [id] = await lab.page.evaluate(() =>
    window.lab.createClients(1, { reconnect: { initialDelayMs: 100, maxDelayMs: 300 } }),
  );
  await lab.page.evaluate((id) => window.lab.client(id).listen(), id);
  await waitUntil(async () => (await state(lab.page, id)) === 'open', 'open');
  await lab.page.evaluate((id) => window.lab.client(id).send({ type: 'chat', text: 'x'.repeat(200_000) }), id);
  await waitUntil(async () => (await errors(lab.page, id)).includes('socket-closed'), 'socket-closed error');
  const closeCodes = await lab.page.evaluate((id) => window.lab.client(id).closeCodes, id);
  assert.deepEqual(closeCodes, [1009]);
  await waitUntil(async () => (await state(lab.page, id)) === 'open', 'reconnected');
  assert.deepEqual(lab.problems, []);
  await lab.context.close();
});
