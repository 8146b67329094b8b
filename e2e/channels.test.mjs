// Channels end to end (issue 14), real Chromium against the real reference server with Redis:
// two rooms survive a server restart (joined again by themselves and resumed, nothing lost or
// doubled), a refused private channel is not asked again, presence is right on two pages across
// two nodes behind the loopback balancer, and tabs sharing one socket keep one join per channel.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, login, openLab, openTab, waitForState, waitUntil } from './support/browser.mjs';
import { Balancer } from './support/balancer.mjs';
import { LAB, ServerProcess } from './support/server.mjs';

const { RedisProcess } = await import(join(import.meta.dirname, '..', 'dist/server/testing/redis-server.mjs'));

const FAST = {
  channels: true,
  resume: true,
  delivery: { acks: true },
  ticketTimeoutMs: 2000,
  connectTimeoutMs: 2000,
  reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
};
const redis = new RedisProcess();
const secret = `channels-${Date.now()}`;
const CHANNEL_ENV = { PRESENCE_GRACE_MS: '300', PRESENCE_TTL_MS: '1500' };
let browser;
let single;
const nodes = [];
const balancer = new Balancer(() => nodes.filter((n) => n.child).map((n) => n.port));

before(async () => {
  await redis.start();
  single = new ServerProcess({ STATIC_DIR: LAB, REDIS_URL: redis.url, REDIS_PREFIX: 'single:', ...CHANNEL_ENV });
  await single.start();
  await balancer.listen();
  for (let i = 0; i < 2; i++) {
    const node = new ServerProcess({
      STATIC_DIR: LAB,
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'pair:',
      JWT_SECRET: secret,
      ORIGINS: balancer.url,
      ...CHANNEL_ENV,
    });
    await node.start();
    nodes.push(node);
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const server of [single, ...nodes]) await server?.stop();
  await balancer.close();
  await redis.stop();
});

/** A lab page logged in as `user` with one channel client; returns the page and the client id. */
async function member(url, user) {
  const lab = await openLab(browser, url);
  await lab.page.evaluate((u) => window.lab.login(u, u), user);
  const [id] = await lab.page.evaluate((c) => window.lab.createClients(1, c), FAST);
  return { lab, id };
}

const channelOf = ({ lab, id }, name) => lab.page.evaluate(([i, n]) => window.lab.client(i).channels[n], [id, name]);
const join$ = ({ lab, id }, name) => lab.page.evaluate(([i, n]) => window.lab.client(i).joinChannel(n), [id, name]);
const say = ({ lab, id }, name, text) =>
  lab.page.evaluate(([i, n, t]) => window.lab.client(i).sendInChannel(n, t), [id, name, text]);
const lastState = async (m, name) => (await channelOf(m, name))?.states.at(-1);
const waitJoined = (m, name) =>
  waitUntil(async () => (await lastState(m, name)) === 'joined', `${name} joined`, 20_000);

test(
  'two rooms survive a server restart: joined again by themselves and resumed, nothing lost or doubled',
  { timeout: 120_000 },
  async () => {
    const alice = await member(single.url, 'alice');
    const bob = await member(single.url, 'bob');
    for (const m of [alice, bob]) for (const room of ['room:a', 'room:b']) await join$(m, room);
    for (const m of [alice, bob]) for (const room of ['room:a', 'room:b']) await waitJoined(m, room);
    const lines = (room, from, to) => Array.from({ length: to - from + 1 }, (_, i) => `${room}-${from + i}`);
    for (const room of ['room:a', 'room:b']) for (const text of lines(room, 1, 5)) await say(bob, room, text);
    for (const room of ['room:a', 'room:b']) {
      await waitUntil(async () => (await channelOf(alice, room)).texts.length >= 5, `${room}: the first lines`, 20_000);
    }
    // The server dies; bob keeps typing (queued, acknowledged later); the server comes back.
    await single.kill('SIGKILL');
    for (const room of ['room:a', 'room:b']) for (const text of lines(room, 6, 10)) await say(bob, room, text);
    await single.start();
    for (const room of ['room:a', 'room:b']) {
      await waitUntil(async () => (await channelOf(alice, room)).texts.length >= 10, `${room}: every line`, 30_000);
      await waitJoined(alice, room);
    }
    await new Promise((r) => setTimeout(r, 300)); // a duplicate would have arrived by now
    for (const room of ['room:a', 'room:b']) {
      const { texts, states } = await channelOf(alice, room);
      assert.deepEqual(texts, lines(room, 1, 10), `${room}: each line once, in order`);
      assert.ok(states.includes('joining') && states.at(-1) === 'joined', `${room}: ${states.join(' → ')}`);
    }
    const fates = await bob.lab.page.evaluate((i) => window.lab.client(i).fateCounts(), bob.id);
    assert.deepEqual(fates, { acked: 20 });
    const stats = await single.stats();
    assert.ok(
      stats.channelResumes >= 4,
      `both members resumed both rooms on the new process (${stats.channelResumes})`,
    );
    assert.equal(stats.channelResumeFailures, 0);
    for (const m of [alice, bob]) {
      assert.deepEqual(m.lab.problems, []);
      await m.lab.context.close();
    }
  },
);

test('a refused private channel stays refused: not asked again after reconnects', { timeout: 60_000 }, async () => {
  const before = await single.stats();
  const alice = await member(single.url, 'alice');
  await join$(alice, 'private:bob');
  await join$(alice, 'private:alice');
  await waitJoined(alice, 'private:alice');
  await waitUntil(async () => (await lastState(alice, 'private:bob')) === 'rejected:forbidden', 'private:bob refused');
  for (let i = 0; i < 2; i++) {
    // The states so far: `joining` may pass between two polls, so look for it in what came after.
    const seen = (await channelOf(alice, 'private:alice')).states.length;
    await single.control({ kickAll: true });
    await waitUntil(
      async () => (await channelOf(alice, 'private:alice')).states.slice(seen).includes('joining'),
      'the kick seen',
    );
    await waitJoined(alice, 'private:alice');
  }
  const after = await single.stats();
  assert.equal(after.channelJoinRefusals - before.channelJoinRefusals, 1, 'one refusal: the join was never sent again');
  assert.equal(await lastState(alice, 'private:bob'), 'rejected:forbidden');
  await alice.lab.context.close();
});

test('presence is right on two pages whose sockets are on two nodes', { timeout: 60_000 }, async () => {
  const alice = await member(balancer.url, 'alice');
  await join$(alice, 'room:p');
  await waitJoined(alice, 'room:p');
  const bob = await member(balancer.url, 'bob');
  await join$(bob, 'room:p');
  await waitJoined(bob, 'room:p');
  // The balancer puts each upgrade on the node with fewer sockets: one page per node.
  const perNode = await Promise.all(nodes.map(async (n) => (await n.stats()).sockets));
  assert.deepEqual(perNode.sort(), [1, 1]);
  for (const m of [alice, bob]) {
    await waitUntil(async () => (await channelOf(m, 'room:p')).members.join() === 'alice,bob', 'both present', 10_000);
  }
  await bob.lab.context.close();
  await waitUntil(
    async () => (await channelOf(alice, 'room:p')).members.join() === 'alice',
    'bob left (after the grace)',
    10_000,
  );
  await alice.lab.context.close();
});

test(
  'tabs sharing one socket keep one join per channel, also across a leader handover',
  { timeout: 90_000 },
  async () => {
    const demo = new ServerProcess({ ...CHANNEL_ENV });
    await demo.start();
    try {
      const context = await browser.newContext();
      const query = '?tabs=shared&timeouts=short';
      const a = await openTab(context, demo.url, query);
      await login(a.page, 'alice');
      await waitForState(a.page, 'open');
      const b = await openTab(context, demo.url, query);
      const c = await openTab(context, demo.url, query);
      const joined = (tab) =>
        tab.page.waitForFunction(
          () => document.querySelector('[data-testid=room-state]')?.textContent?.trim() === 'joined',
          null,
          { timeout: 20_000 },
        );
      for (const tab of [a, b, c]) await joined(tab);
      let stats = await demo.stats();
      assert.equal(stats.channelJoins, 1, 'one join for three tabs');
      assert.equal(stats.channelMemberships, 1);
      // The leader goes: another tab takes the socket and joins the room again, once.
      await a.page.close();
      await waitUntil(async () => (await demo.stats()).channelJoins === 2, 'the new leader joins again', 20_000);
      for (const tab of [b, c]) await joined(tab);
      await new Promise((r) => setTimeout(r, 500)); // past the presence grace
      stats = await demo.stats();
      assert.equal(stats.channelJoins, 2);
      assert.equal(stats.channelMemberships, 1);
      for (const tab of [b, c])
        assert.equal((await tab.page.textContent('[data-testid=room-online]'))?.trim(), 'alice');
      await context.close();
    } finally {
      await demo.stop();
    }
  },
);
