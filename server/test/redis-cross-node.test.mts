import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CLI_MAIN } from '../testing/cli-process.mjs';
import { after, before, test } from 'node:test';
import { channelUrl, fetchTicket, login, requestJson } from '../testing/http-client.mjs';
import { eventually } from '../testing/eventually.mjs';
import { RedisProcess } from '../testing/redis-server.mjs';
import { TestSocket } from '../testing/socket-client.mjs';
import { startTestServer } from '../testing/test-server.mjs';

const SECRET = 'redis-cross-node-secret-0123456789abcdef';
const redis = new RedisProcess();
let prefixes = 0;

before(() => redis.start());
after(() => redis.stop());

/** Two nodes sharing one Redis (a fresh key prefix per test) and one JWT secret. */
async function twoNodes(t: Parameters<typeof startTestServer>[0]) {
  const shared = { jwtSecret: SECRET, redisUrl: redis.url, redisPrefix: `t${++prefixes}:` };
  return [await startTestServer(t, shared), await startTestServer(t, shared)] as const;
}

async function openWith(node: { url: string }, token: string, resume?: number): Promise<TestSocket> {
  const { ticket } = await fetchTicket(node.url, token, resume === undefined ? {} : { resume });
  return TestSocket.open(channelUrl(node.url, ticket));
}

test('a ticket issued by node A opens a socket on node B, once: a second use is refused on either node', async (t) => {
  const [a, b] = await twoNodes(t);
  const { token } = await login(a.url);
  const { ticket } = await fetchTicket(a.url, token);
  const socket = await TestSocket.open(channelUrl(b.url, ticket));
  t.after(() => socket.close());
  assert.equal(b.stats().ticketsRedeemed, 1);
  assert.equal(await TestSocket.rejection(channelUrl(b.url, ticket)), 401);
  assert.equal(await TestSocket.rejection(channelUrl(a.url, ticket)), 401);
});

test('50 sockets presenting one ticket at once across both nodes: exactly one wins', async (t) => {
  const [a, b] = await twoNodes(t);
  const { token } = await login(a.url);
  const { ticket } = await fetchTicket(b.url, token);
  const attempts = Array.from({ length: 50 }, (_, i) =>
    TestSocket.open(channelUrl(i % 2 ? a.url : b.url, ticket)).then(
      (socket) => socket,
      () => null,
    ),
  );
  const opened = (await Promise.all(attempts)).filter((s): s is TestSocket => s !== null);
  for (const s of opened) t.after(() => s.close());
  assert.equal(opened.length, 1);
  assert.equal(a.stats().ticketsRedeemed + b.stats().ticketsRedeemed, 1);
  assert.equal(a.stats().ticketsRejected + b.stats().ticketsRejected, 49);
});

test('a refresh token issued by node A is rotated by node B, once; its reuse on A revokes the chain', async (t) => {
  const [a, b] = await twoNodes(t);
  const session = (await login(a.url)) as { refreshToken: string };
  const first = await requestJson(`${b.url}/auth/refresh`, { body: { refreshToken: session.refreshToken } });
  assert.equal(first.status, 200);
  const next = await requestJson(`${a.url}/auth/refresh`, { body: { refreshToken: (first.body as { refreshToken: string }).refreshToken } });
  assert.equal(next.status, 200);
  const again = await requestJson(`${a.url}/auth/refresh`, { body: { refreshToken: session.refreshToken } });
  assert.equal(again.status, 401);
  const revoked = await requestJson(`${b.url}/auth/refresh`, { body: { refreshToken: (next.body as { refreshToken: string }).refreshToken } });
  assert.equal(revoked.status, 401);
});

test('a chat sent through node A reaches a socket on node B, with one global seq', async (t) => {
  const [a, b] = await twoNodes(t);
  const alice = await login(a.url, 'alice');
  const bob = await login(b.url, 'bob');
  const onA = await openWith(a, alice.token);
  const onB = await openWith(b, bob.token);
  t.after(() => onA.close());
  t.after(() => onB.close());
  onA.send({ type: 'chat', id: 'c-1', text: 'hello from A' });
  assert.deepEqual(await onA.next(), { type: 'ack', id: 'c-1' });
  const atB = (await onB.next()) as { type: string; from: string; text: string; seq: number };
  assert.equal(atB.text, 'hello from A');
  assert.equal(atB.from, 'alice');
  onB.send({ type: 'chat', text: 'and back from B' });
  const atA = [(await onA.next()) as { seq: number; text: string }, (await onA.next()) as { seq: number; text: string }];
  assert.deepEqual(atA.map((m) => m.text), ['hello from A', 'and back from B']);
  assert.equal(atA[1]!.seq, atA[0]!.seq + 1);
  assert.equal(b.stats().chatsRelayed, 2);
});

test('a re-sent message id is dropped on the other node too (acked again, not broadcast twice)', async (t) => {
  const [a, b] = await twoNodes(t);
  const alice = await login(a.url, 'alice');
  const first = await openWith(a, alice.token);
  t.after(() => first.close());
  first.send({ type: 'chat', id: 'm-7', text: 'once' });
  assert.deepEqual(await first.next(), { type: 'ack', id: 'm-7' });
  await first.next(); // the broadcast
  const second = await openWith(b, alice.token);
  t.after(() => second.close());
  second.send({ type: 'chat', id: 'm-7', text: 'once' });
  assert.deepEqual(await second.next(), { type: 'ack', id: 'm-7' });
  await eventually(() => b.stats().duplicatesDropped === 1, 2000, 'the duplicate dropped on B');
  assert.equal(a.stats().chatsAccepted + b.stats().chatsAccepted, 1);
});

test('resume on node B replays what was sent through node A; a node started later loads the history', async (t) => {
  const [a, b] = await twoNodes(t);
  const alice = await login(a.url, 'alice');
  const onA = await openWith(a, alice.token);
  t.after(() => onA.close());
  const seqs: number[] = [];
  for (const text of ['one', 'two', 'three']) {
    onA.send({ type: 'chat', text });
    seqs.push(((await onA.next()) as { seq: number }).seq);
  }
  const resumed = await openWith(b, alice.token, seqs[0]);
  t.after(() => resumed.close());
  const replay = [await resumed.next(), await resumed.next(), await resumed.next()] as Array<{ type: string; seq: number; text?: string }>;
  assert.deepEqual(replay.map((m) => [m.type, m.text ?? m.seq]), [['chat', 'two'], ['chat', 'three'], ['resumed', seqs[2]]]);
  // A third node that starts now serves the same history.
  const c = await startTestServer(t, { jwtSecret: SECRET, redisUrl: redis.url, redisPrefix: a.config.redisPrefix });
  const late = await openWith(c, alice.token, seqs[1]);
  t.after(() => late.close());
  assert.deepEqual(((await late.next()) as { text: string }).text, 'three');
});

test('Redis down: the ticket endpoint answers 503 with Retry-After; Redis back: tickets again', async (t) => {
  const [a] = await twoNodes(t);
  const { token } = await login(a.url);
  await redis.stop();
  try {
    const res = await requestJson(`${a.url}/ws_ticket`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '2');
  } finally {
    await redis.start();
  }
  // Redis is back; the client reconnects on its own within its capped retry delay.
  let status = 0;
  for (let i = 0; i < 100 && status !== 200; i++) {
    status = (await requestJson(`${a.url}/ws_ticket`, { headers: { Authorization: `Bearer ${token}` } })).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(status, 200);
});

test('a node that cannot reach Redis at start-up exits 2 with one line (no password shown)', () => {
  const run = spawnSync(process.execPath, [CLI_MAIN], {
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', REDIS_URL: 'redis://:s3cret@127.0.0.1:1' },
    encoding: 'utf8',
    timeout: 15_000,
  });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /^start-up error: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1 is unreachable/);
  assert.doesNotMatch(run.stderr + run.stdout, /s3cret/);
});
