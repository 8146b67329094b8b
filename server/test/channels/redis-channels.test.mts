// Channels across nodes sharing one real redis-server (a free loopback port): fan-out, resume,
// presence (grace across nodes, a killed node's members expiring), kicks, and what happens when
// Redis or its pub/sub connection goes away.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, test, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import type { ServerConfig } from '../../src/config.mjs';
import { startCliServer } from '../../testing/cli-process.mjs';
import { requestJson } from '../../testing/http-client.mjs';
import { RedisProcess } from '../../testing/redis-server.mjs';
import { connect, join, joined, nothingPending, until, type Frame } from '../../testing/channel-client.mjs';
import { startTestServer } from '../../testing/test-server.mjs';

const SECRET = 'redis-channels-secret-0123456789abcdef';
const USERS = { alice: 'alice', bob: 'bob', carol: 'carol' };
const redis = new RedisProcess();
let prefixes = 0;

before(() => redis.start());
after(() => redis.stop());

function shared(prefix = `rc${++prefixes}:`): Partial<ServerConfig> {
  return { jwtSecret: SECRET, redisUrl: redis.url, redisPrefix: prefix, users: USERS, testControl: true };
}

async function twoNodes(t: TestContext, config: Partial<ServerConfig> = {}) {
  const common = { ...shared(), ...config };
  return [await startTestServer(t, common), await startTestServer(t, common)] as const;
}

test('a chat on node A reaches the channel members on node B, with the channel seq; presence is the same on both', async (t) => {
  const [a, b] = await twoNodes(t);
  const alice = await connect(t, a, 'alice');
  const bob = await connect(t, b, 'bob');
  const carol = await connect(t, b, 'carol');
  assert.deepEqual((await joined(alice, 'room:1')).presence, ['alice']);
  assert.deepEqual((await joined(bob, 'room:1')).presence, ['alice', 'bob']);
  assert.deepEqual(await alice.next(), { type: 'presence', channel: 'room:1', joined: ['bob'] });
  await joined(carol, 'room:2');

  alice.send({ type: 'chat', channel: 'room:1', text: 'from A', id: 'a1' });
  // Across nodes the ack (Redis accepted it) may come before the chat is back from pub/sub.
  const atA = (await until(alice, (m) => m.type === 'chat')).at(-1)!;
  const atB = (await bob.next()) as Frame;
  assert.deepEqual(atB, atA);
  bob.send({ type: 'chat', channel: 'room:1', text: 'from B' });
  const back = (await until(alice, (m) => m.text === 'from B')).at(-1)!;
  assert.equal(back.seq, atA.seq! + 1);
  await nothingPending(carol);
  assert.equal(a.stats().channelChatsAccepted + b.stats().channelChatsAccepted, 2);
});

test('resume on node B replays what was sent in the channel through node A; an unknown point gets resume_failed', async (t) => {
  const [a, b] = await twoNodes(t);
  const alice = await connect(t, a, 'alice');
  await joined(alice, 'room:1');
  const seqs: number[] = [];
  for (const text of ['one', 'two', 'three']) {
    alice.send({ type: 'chat', channel: 'room:1', text });
    seqs.push(((await alice.next()) as Frame).seq!);
  }
  const bob = await connect(t, b, 'bob');
  const replay = await join(bob, 'room:1', { resume: seqs[0] });
  assert.deepEqual(replay.map((m) => [m.type, m.text ?? m.seq]), [['chat', 'two'], ['chat', 'three'], ['joined', seqs[2]]]);
  const carol = await connect(t, b, 'carol');
  const failed = await join(carol, 'room:1', { resume: seqs[2]! + 5 });
  assert.deepEqual(failed[0], { type: 'resume_failed', channel: 'room:1', seq: seqs[2] });
  assert.equal(failed[1]!.type, 'joined');
  // A re-sent id is dropped on the other node too (ids are per user: bob's 'dup' is his own).
  alice.send({ type: 'chat', channel: 'room:1', text: 'once', id: 'dup' });
  await until(alice, (m) => m.type === 'ack');
  bob.send({ type: 'chat', channel: 'room:1', text: 'once', id: 'dup' });
  await until(bob, (m) => m.type === 'ack');
  assert.equal(b.stats().channelDuplicatesDropped, 0);
  const alice2 = await connect(t, b, 'alice');
  await joined(alice2, 'room:1');
  alice2.send({ type: 'chat', channel: 'room:1', text: 'once', id: 'dup' });
  assert.deepEqual(await alice2.next(), { type: 'ack', id: 'dup' });
  assert.equal(b.stats().channelDuplicatesDropped, 1);
});

test('a user who moves from node A to node B within the grace never leaves; without a socket, they leave after it', async (t) => {
  const grace = 300;
  const [a, b] = await twoNodes(t, { presenceGraceMs: grace });
  const alice = await connect(t, b, 'alice');
  await joined(alice, 'room:1');
  const bobOnA = await connect(t, a, 'bob');
  await joined(bobOnA, 'room:1');
  assert.deepEqual(await alice.next(), { type: 'presence', channel: 'room:1', joined: ['bob'] });
  // Opened first, joined once the old socket is gone (login and ticket are not what is tested).
  const bobOnB = await connect(t, b, 'bob');
  const droppedAt = Date.now();
  await bobOnA.close();
  assert.deepEqual((await joined(bobOnB, 'room:1')).presence, ['alice', 'bob']);
  await delay(Math.max(0, droppedAt + grace + 150 - Date.now()));
  await nothingPending(alice);
  await bobOnB.close();
  assert.deepEqual(await alice.next(2000), { type: 'presence', channel: 'room:1', left: ['bob'] });
});

test("a killed node's members leave once its presence entries expire (PRESENCE_TTL_MS)", async (t) => {
  const config = shared();
  const b = await startTestServer(t, { ...config, presenceTtlMs: 300 });
  const a = await startCliServer(t, {
    REDIS_URL: redis.url,
    REDIS_PREFIX: config.redisPrefix!,
    JWT_SECRET: SECRET,
    PRESENCE_TTL_MS: '300',
  });
  const alice = await connect(t, b, 'alice');
  await joined(alice, 'room:1');
  const bob = await connect(t, a, 'bob');
  await joined(bob, 'room:1');
  assert.deepEqual(await alice.next(), { type: 'presence', channel: 'room:1', joined: ['bob'] });
  const killedAt = Date.now();
  a.child.kill('SIGKILL');
  // Within the TTL plus one refresh of node B (a third of it), give or take a loaded machine.
  assert.deepEqual(await alice.next(5000), { type: 'presence', channel: 'room:1', left: ['bob'] });
  assert.ok(Date.now() - killedAt >= 150, 'not before the entries could have expired');
});

test('a kick through node A reaches the user on node B; deny lists are per node', async (t) => {
  const [a, b] = await twoNodes(t, { presenceGraceMs: 60_000 });
  const alice = await connect(t, a, 'alice');
  await joined(alice, 'room:1');
  const bob = await connect(t, b, 'bob');
  await joined(bob, 'room:1');
  await until(alice, (m) => m.type === 'presence');
  const res = await requestJson(`${a.url}/__control`, { body: { kickFromChannel: { channel: 'room:1', user: 'bob' } } });
  assert.equal((res.body as { channelKicked: boolean }).channelKicked, true);
  assert.deepEqual(await bob.next(), { type: 'kicked', channel: 'room:1', reason: 'kicked' });
  assert.deepEqual(await alice.next(), { type: 'presence', channel: 'room:1', left: ['bob'] });
  assert.equal(b.stats().channelKicks, 1);
  // bob may join again (the app asked); alice sees him come back.
  await joined(bob, 'room:1');
  assert.deepEqual(await alice.next(), { type: 'presence', channel: 'room:1', joined: ['bob'] });
  await requestJson(`${b.url}/__control`, { body: { channelDeny: ['room:1'] } });
  assert.deepEqual(await bob.next(), { type: 'kicked', channel: 'room:1', reason: 'forbidden' });
  assert.deepEqual(await alice.next(), { type: 'presence', channel: 'room:1', left: ['bob'] });
  assert.equal((await join(bob, 'room:1')).at(-1)!.reason, 'forbidden');
  await joined(await connect(t, a, 'bob'), 'room:1');
});

test('the pub/sub connection dropped while chats go on: members on the other node get every one after it returns', async (t) => {
  const [a, b] = await twoNodes(t);
  const bob = await connect(t, b, 'bob');
  await joined(bob, 'room:1');
  const alice = await connect(t, a, 'alice');
  await joined(alice, 'room:1');
  await until(bob, (m) => m.type === 'presence');
  const admin = new Redis(redis.url, { lazyConnect: true });
  await admin.connect();
  t.after(() => admin.quit());
  // Every subscriber connection goes (both nodes'); ioredis reconnects and re-subscribes.
  await admin.client('KILL', 'TYPE', 'pubsub');
  for (let i = 0; i < 20; i++) alice.send({ type: 'chat', channel: 'room:1', text: `m${i}`, id: `m${i}` });
  await until(alice, (m) => m.type === 'ack' && m.id === 'm19', 5000);
  const seen = await until(bob, (m) => m.text === 'm19', 5000);
  const texts = seen.filter((m) => m.type === 'chat').map((m) => m.text);
  assert.deepEqual(texts, Array.from({ length: 20 }, (_, i) => `m${i}`), 'every chat once, in order');
  assert.ok(b.stats().channelResyncs >= 1, 'node B reloaded the channel after its subscriber came back');
});

test('Redis down: a join is refused unavailable and a channel chat closes its socket 1011; Redis back: joins again', async (t) => {
  const [a] = await twoNodes(t);
  const alice = await connect(t, a, 'alice');
  await joined(alice, 'room:1');
  const spare = await connect(t, a, 'alice');
  await redis.stop();
  try {
    assert.deepEqual((await join(spare, 'room:2')).at(-1), { type: 'join_refused', channel: 'room:2', reason: 'unavailable' });
    alice.send({ type: 'chat', channel: 'room:1', text: 'lost?', id: 'x' });
    assert.equal((await alice.closedWithin(3000)).code, 1011);
    const kick = await requestJson(`${a.url}/__control`, { body: { kickFromChannel: { channel: 'room:1', user: 'bob' } } });
    assert.deepEqual([kick.status, kick.headers.get('retry-after'), kick.body], [503, '2', { error: 'unavailable' }]);
  } finally {
    await redis.start();
  }
  // Redis is back (empty: no persistence); the node reconnects by itself within its capped delay.
  let answer: Frame | undefined;
  for (let i = 0; i < 100 && answer?.type !== 'joined'; i++) {
    answer = (await join(spare, 'room:2')).at(-1);
    if (answer?.type !== 'joined') await delay(50);
  }
  assert.equal(answer?.type, 'joined');
});

test('Redis restarted empty: members on the other node get resume_failed for the channel, then the chats after it; presence comes back', async (t) => {
  const [a, b] = await twoNodes(t);
  const bob = await connect(t, b, 'bob');
  await joined(bob, 'room:1');
  const alice = await connect(t, a, 'alice');
  await joined(alice, 'room:1');
  await until(bob, (m) => m.type === 'presence');
  alice.send({ type: 'chat', channel: 'room:1', text: 'before' });
  const before = (await until(bob, (m) => m.text === 'before')).at(-1)!;
  await redis.stop();
  await redis.start();
  // The nodes reconnect by themselves; alice's chat goes through once node A's commands are back.
  let sent = false;
  for (let i = 0; i < 100 && !sent; i++) {
    const probe = await connect(t, a, 'alice').catch(() => null);
    if (probe === null) {
      await delay(50);
      continue;
    }
    if ((await join(probe, 'room:1')).at(-1)!.type === 'joined') {
      probe.send({ type: 'chat', channel: 'room:1', text: 'after', id: 'after' });
      sent = (await until(probe, (m) => m.id === 'after' && m.type === 'ack')).length > 0;
    }
    await probe.close();
  }
  assert.ok(sent, 'a chat went through after the restart');
  const seen = await until(bob, (m) => m.text === 'after', 5000);
  // (The global room reports its own gap too, without a channel.)
  const gap = seen.find((m) => m.type === 'resume_failed' && m.channel === 'room:1');
  assert.deepEqual(gap && { ...gap, seq: 0 }, { type: 'resume_failed', channel: 'room:1', seq: 0 }, JSON.stringify(seen));
  assert.ok(gap!.seq! > before.seq!, 'the new epoch continues above everything before');
  assert.equal(seen.filter((m) => m.text === 'after').length, 1);
  // However presence flickered while the store was empty, it settles on both users.
  const final = await joined(await connect(t, b, 'carol'), 'room:1');
  assert.deepEqual(final.presence, ['alice', 'bob', 'carol']);
});

/** One node with `presenceTtlMs`, alice joined to room:1, and an admin connection to read its keys. */
async function aliceInRoomOnOneNode(t: TestContext, presenceTtlMs: number) {
  const config = { ...shared(), presenceTtlMs };
  const a = await startTestServer(t, config);
  await joined(await connect(t, a, 'alice'), 'room:1');
  const admin = new Redis(redis.url, { lazyConnect: true });
  await admin.connect();
  t.after(() => admin.quit());
  const key = (part: string): string => `${config.redisPrefix}c:room:1:${part}`;
  return { admin, key };
}

/** room:1's members once alice is among them again, or after 2 s. */
async function membersOnceAliceIsBack(admin: Redis, key: (part: string) => string): Promise<string[]> {
  let members: string[] = [];
  for (let i = 0; i < 100 && !members.includes('alice'); i++) {
    await delay(20);
    members = await admin.hkeys(key('members'));
  }
  return members;
}

test('the command connection back while Redis lost the node\'s presence entries: the node re-makes them at once, not at its next refresh', async (t) => {
  // A refresh every 20 s: an entry back within the wait below was made by the reconnect.
  const { admin, key } = await aliceInRoomOnOneNode(t, 60_000);
  // What a Redis restarted empty leaves to a node whose subscriber came back first: its entries
  // gone, its command connection still reconnecting (the subscriber, a pubsub client, stays).
  await admin.del(key('presence'), key('members'));
  assert.ok(((await admin.client('KILL', 'TYPE', 'normal')) as number) >= 1);
  assert.deepEqual(await membersOnceAliceIsBack(admin, key), ['alice']);
});

test('a node whose presence entry vanished (it stalled past the TTL and was swept) makes it again while its socket lives', async (t) => {
  const { admin, key } = await aliceInRoomOnOneNode(t, 300);
  // What another node's sweep does to an entry it found expired (without telling anyone here).
  const [entry] = await admin.zrange(key('presence'), 0, -1);
  assert.match(entry ?? '', /^[0-9a-f]{16}\|alice$/);
  await admin.zrem(key('presence'), entry!);
  await admin.hdel(key('members'), 'alice');
  assert.deepEqual(await membersOnceAliceIsBack(admin, key), ['alice'], 'node A re-made its entry at its next refresh');
  assert.ok((await admin.pttl(key('seq'))) > 3_600_000, 'the refresh keeps the message keys of a channel with members alive');
});
