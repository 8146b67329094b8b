// Two reference-server nodes sharing one Redis behind a load balancer, driven by real Chromium:
// a chat typed on a page whose socket is on node A reaches a page on node B; node B killed → its
// page reconnects through the balancer to node A with a fresh ticket, resumes, and nothing is lost
// or doubled.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  chatLines,
  launchBrowser,
  login,
  openDemo,
  say,
  ticketsOf,
  waitForChat,
  waitForState,
  waitUntil,
} from './support/browser.mjs';
import { Balancer } from './support/balancer.mjs';
import { ServerProcess } from './support/server.mjs';

const { RedisProcess } = await import(join(import.meta.dirname, '..', 'dist/server/testing/redis-server.mjs'));

const redis = new RedisProcess();
const secret = `cross-node-${Date.now()}`;
const nodes = [];
const balancer = new Balancer(() => nodes.filter((n) => n.child).map((n) => n.port));
let browser;

before(async () => {
  await redis.start();
  await balancer.listen();
  for (let i = 0; i < 2; i++) {
    const node = new ServerProcess({ REDIS_URL: redis.url, JWT_SECRET: secret, ORIGINS: balancer.url });
    await node.start();
    nodes.push(node);
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const node of nodes) await node.stop();
  await balancer.close();
  await redis.stop();
});

const socketsOn = async (node) => (node.child ? (await node.stats()).sockets : 0);

test(
  'chat crosses nodes; a killed node’s clients reconnect to the other with a fresh ticket and resume',
  { timeout: 90_000 },
  async () => {
    const [a, b] = nodes;
    const alice = await openDemo(browser, balancer.url, '?timeouts=short');
    await login(alice.page, 'alice');
    await waitForState(alice.page, 'open');
    const bob = await openDemo(browser, balancer.url, '?timeouts=short');
    await login(bob.page, 'bob');
    await waitForState(bob.page, 'open');
    // The balancer sends each socket to the node with fewer: one page per node.
    await waitUntil(async () => (await socketsOn(a)) === 1 && (await socketsOn(b)) === 1, 'one socket on each node');

    await say(alice.page, 'line 1 from alice');
    await say(bob.page, 'line 2 from bob');
    for (const page of [alice.page, bob.page]) {
      await waitForChat(page, 'line 1 from alice');
      await waitForChat(page, 'line 2 from bob');
    }
    const relayed = (await a.stats()).chatsRelayed + (await b.stats()).chatsRelayed;
    assert.equal(relayed, 4, 'each chat relayed to both nodes');

    // Kill the node bob's socket went to (the balancer's second socket); alice keeps talking meanwhile.
    const bobsNode = nodes.find((n) => n.port === balancer.socketLog[1]);
    const survivor = bobsNode === a ? b : a;
    assert.notEqual(balancer.socketLog[0], balancer.socketLog[1]);
    await bobsNode.kill('SIGKILL');
    await say(alice.page, 'line 3 while bob is away');
    await waitForState(bob.page, 'open', 30_000);
    await waitForChat(bob.page, 'line 3 while bob is away');
    await say(bob.page, 'line 4 from bob, back');
    await waitForChat(alice.page, 'line 4 from bob, back');
    assert.equal(await socketsOn(survivor), 2, 'both sockets on the surviving node');

    // Nothing lost, nothing doubled, every socket with its own ticket.
    for (const page of [alice.page, bob.page]) {
      const lines = (await chatLines(page)).filter((l) => /line \d/.test(l));
      assert.deepEqual(
        lines.map((l) => /line (\d)/.exec(l)[1]),
        ['1', '2', '3', '4'],
        lines.join(' | '),
      );
    }
    const tickets = [...ticketsOf(alice.sockets), ...ticketsOf(bob.sockets)];
    assert.equal(new Set(tickets).size, tickets.length);
    assert.equal((await survivor.stats()).ticketsRejected, 0);
    assert.ok((await survivor.stats()).resumes >= 1, 'bob resumed on the surviving node from the shared history');
    assert.deepEqual([...alice.problems, ...bob.problems], []);
    await alice.context.close();
    await bob.context.close();
  },
);
