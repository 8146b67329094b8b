// Issue 11, case 4: in Redis mode an acknowledged chat is delivered, or the loss is reported
// (`resume_failed`) — never silently dropped: a Redis restart without persistence, a dropped
// pub/sub connection, a chat the Lua script could not store.
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { channelUrl, fetchTicket, login, requestJson } from '../../testing/http-client.mjs';
import { eventually } from '../../testing/eventually.mjs';
import { RedisProcess } from '../../testing/redis-server.mjs';
import { TestSocket } from '../../testing/socket-client.mjs';
import { startTestServer } from '../../testing/test-server.mjs';

const SECRET = 'hostile-redis-secret-0123456789abcdef';
const redis = new RedisProcess();
let prefixes = 0;

before(() => redis.start());
after(() => redis.stop());

async function twoNodes(t: TestContext) {
  const shared = { jwtSecret: SECRET, redisUrl: redis.url, redisPrefix: `h${++prefixes}:` };
  return [await startTestServer(t, shared), await startTestServer(t, shared)] as const;
}

interface Message {
  type: string;
  seq?: number;
  text?: string;
  id?: string;
}

/** A socket whose every message stays unread, for "delivered or reported" checks. */
async function listener(t: TestContext, baseUrl: string, user: string, resume?: number) {
  const { token } = await login(baseUrl, user);
  const { ticket } = await fetchTicket(baseUrl, token, resume === undefined ? {} : { resume });
  const socket = await TestSocket.open(channelUrl(baseUrl, ticket));
  t.after(() => socket.close());
  return {
    socket,
    get seen(): Message[] {
      return socket.unread as Message[];
    },
  };
}

/** Sends chats with ids and waits for their acks (the broadcasts are checked elsewhere). */
async function chatAcked(baseUrl: string, prefix: string, count: number): Promise<void> {
  const { socket } = await retryUntilOpen(baseUrl);
  for (let i = 0; i < count; i++) socket.send({ type: 'chat', id: `${prefix}-${i}`, text: `${prefix} ${i}` });
  const acked = new Set<string>();
  await eventually(() => {
    for (const m of socket.unread as Message[]) if (m.type === 'ack') acked.add(m.id!);
    return acked.size === count;
  }, 5000, `acks for ${prefix}`);
  await socket.close();
}

/** After a Redis restart the node needs a moment to reconnect: login and tickets answer 503 until then. */
async function retryUntilOpen(baseUrl: string): Promise<{ socket: TestSocket }> {
  for (let i = 0; ; i++) {
    const session = await requestJson(`${baseUrl}/auth`, { body: { user: 'alice', password: 'alice' } });
    const token = (session.body as { token?: string }).token;
    const res = token === undefined ? session : await requestJson(`${baseUrl}/ws_ticket`, { headers: { Authorization: `Bearer ${token}` } });
    if (res.status === 200) return { socket: await TestSocket.open(channelUrl(baseUrl, (res.body as { ticket: string }).ticket)) };
    if (i > 100) throw new Error(`no ticket after the restart: ${res.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every chat `${prefix} i` reached `seen`, or a `resume_failed` reported the gap it fell into. */
function deliveredOrReported(seen: readonly Message[], prefix: string, count: number): { delivered: number; reported: boolean } {
  const texts = seen.filter((m) => m.type === 'chat').map((m) => m.text);
  const delivered = Array.from({ length: count }, (_, i) => `${prefix} ${i}`).filter((text) => texts.includes(text)).length;
  return { delivered, reported: seen.some((m) => m.type === 'resume_failed') };
}

test('Redis restarted without persistence: chats after it are delivered, old resume points get resume_failed', { timeout: 30_000 }, async (t) => {
  const [a, b] = await twoNodes(t);
  const bob = await listener(t, b.url, 'bob');
  await chatAcked(a.url, 'before', 3);
  await eventually(() => deliveredOrReported(bob.seen, 'before', 3).delivered === 3, 3000, 'the first chats at B');
  const lastSeen = Math.max(...bob.seen.map((m) => m.seq ?? 0));

  await redis.stop();
  await redis.start();
  await chatAcked(a.url, 'after', 5);
  await eventually(() => deliveredOrReported(bob.seen, 'after', 5).delivered === 5, 5000, 'the chats after the restart at B').catch(() => {});
  const outcome = deliveredOrReported(bob.seen, 'after', 5);
  t.diagnostic(`redis restart: ${outcome.delivered}/5 acknowledged chats delivered to a live socket on the other node, gap reported: ${outcome.reported}`);
  assert.equal(outcome.delivered, 5);
  const texts = bob.seen.filter((m) => m.type === 'chat').map((m) => m.text);
  assert.equal(new Set(texts).size, texts.length, 'each delivered once');
  // The new epoch is reported before its first chat, with the seq the room continues from, so
  // a client's tracker (which takes resume_failed's seq as its new last seq) accepts what follows.
  const reported = bob.seen.findIndex((m) => m.type === 'resume_failed');
  const firstAfter = bob.seen.findIndex((m) => m.text === 'after 0');
  assert.ok(reported !== -1 && reported < firstAfter, 'resume_failed before the new epoch\'s chats');
  assert.ok(bob.seen.filter((m) => m.text?.startsWith('after')).every((m) => m.seq! > bob.seen[reported]!.seq!));

  // A client that saw the old numbers cannot be replayed from the new Redis: it must be told.
  const late = await listener(t, b.url, 'bob', lastSeen);
  await eventually(() => late.seen.length > 0, 3000, 'the resume answer');
  t.diagnostic(`resume from seq ${lastSeen} (before the restart) answered ${late.seen[0]?.type}`);
  assert.equal(late.seen[0]?.type, 'resume_failed');
});

test('pub/sub connection dropped: chats acked meanwhile are delivered, and resume replays them', { timeout: 30_000 }, async (t) => {
  const [a, b] = await twoNodes(t);
  const bob = await listener(t, b.url, 'bob');
  await chatAcked(a.url, 'warm', 1);
  await eventually(() => deliveredOrReported(bob.seen, 'warm', 1).delivered === 1, 3000, 'the first chat at B');
  const before = Math.max(...bob.seen.map((m) => m.seq ?? 0));

  const admin = new Redis(redis.url);
  t.after(() => admin.disconnect());
  const { socket } = await retryUntilOpen(a.url);
  await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
  for (let i = 0; i < 5; i++) socket.send({ type: 'chat', id: `gap-${i}`, text: `gap ${i}` });
  await eventually(() => (socket.unread as Message[]).filter((m) => m.type === 'ack').length === 5, 5000, 'five acks');
  await eventually(() => deliveredOrReported(bob.seen, 'gap', 5).delivered === 5, 5000, 'the chats at B').catch(() => {});
  const outcome = deliveredOrReported(bob.seen, 'gap', 5);
  t.diagnostic(`subscriber drop: ${outcome.delivered}/5 acknowledged chats delivered at the other node, gap reported: ${outcome.reported}, reloads: ${b.stats().roomResyncs}`);
  assert.equal(outcome.delivered, 5);
  assert.ok(b.stats().roomResyncs >= 1, 'delivered by the reload after the reconnect');

  const resumed = await listener(t, b.url, 'bob', before);
  await eventually(() => resumed.seen.some((m) => m.type === 'resumed' || m.type === 'resume_failed'), 3000, 'the resume answer');
  assert.deepEqual(
    resumed.seen.filter((m) => m.type === 'chat').map((m) => m.text),
    Array.from({ length: 5 }, (_, i) => `gap ${i}`),
  );
});

test('a chat that is not well-formed UTF-16 is bad_message; the same id sent properly is then delivered', { timeout: 30_000 }, async (t) => {
  const [a, b] = await twoNodes(t);
  const bob = await listener(t, b.url, 'bob');
  const { socket } = await retryUntilOpen(a.url);
  t.after(() => socket.close());
  socket.send({ type: 'chat', id: 'p-1', text: 'ends in a lone surrogate \ud800' });
  assert.deepEqual(await socket.next(), { type: 'error', reason: 'bad_message' });
  socket.send({ type: 'chat', id: 'p-1', text: 'sent properly' });
  const answers = [await socket.next(), await socket.next()] as Message[];
  assert.deepEqual(answers.map((m) => m.type).sort(), ['ack', 'chat']);
  await eventually(() => bob.seen.some((m) => m.text === 'sent properly'), 3000, 'the chat at B');
  assert.equal(a.stats().duplicatesDropped, 0);
});
