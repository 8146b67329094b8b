// Channels on one server (no Redis), over real sockets on loopback: joins and refusals, scoped
// fan-out, per-channel seq and resume, presence with its grace, kicks, the deny list, caps.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, test, type TestContext } from 'node:test';
import type { ServerConfig } from '../../src/config.mjs';
import type { RunningServer } from '../../src/create-server.mjs';
import { eventually } from '../../testing/eventually.mjs';
import { RawSocket } from '../../testing/raw-socket.mjs';
import { fetchTicket, login, requestJson } from '../../testing/http-client.mjs';
import { connect, join, joined, nothingPending, until, type Frame } from '../../testing/channel-client.mjs';
import { startTestServer } from '../../testing/test-server.mjs';

const USERS = { alice: 'alice', bob: 'bob', carol: 'carol' };

async function server(t: TestContext, config: Partial<ServerConfig> = {}): Promise<RunningServer> {
  return startTestServer(t, { users: USERS, testControl: true, ...config });
}

const control = (s: RunningServer, body: unknown) => requestJson(`${s.url}/__control`, { body });

describe('joining', () => {
  test('who may join what: rooms for anyone, private:<me> for me, the deny list, bad names', async (t) => {
    const s = await server(t, { channelDeny: ['room:secret', 'admin:*'] });
    const alice = await connect(t, s, 'alice');
    const cases: [string, string][] = [
      ['room:42', 'joined'],
      ['private:alice', 'joined'],
      ['private:bob', 'forbidden'],
      ['room:secret', 'forbidden'],
      ['admin:panel', 'forbidden'],
      ['lobby', 'forbidden'],
      ['news:today', 'forbidden'],
      ['room 42', 'bad_channel'],
      ['', 'bad_channel'],
    ];
    for (const [channel, expected] of cases) {
      const answer = (await join(alice, channel)).at(-1)!;
      assert.equal(answer.type === 'joined' ? 'joined' : answer.reason, expected, channel);
      if (answer.type === 'join_refused') assert.deepEqual(answer, { type: 'join_refused', channel, reason: expected });
    }
    assert.deepEqual([s.stats().channelJoins, s.stats().channelJoinRefusals], [2, 7]);
  });

  test('joined says where the channel stands and who is in it, after the replay; joining twice is idempotent', async (t) => {
    const s = await server(t);
    const alice = await connect(t, s, 'alice');
    const first = await joined(alice, 'room:1');
    assert.deepEqual(Object.keys(first), ['type', 'channel', 'seq', 'presence']);
    assert.deepEqual(first.presence, ['alice']);
    assert.ok(Number.isSafeInteger(first.seq));
    alice.send({ type: 'chat', channel: 'room:1', text: 'one' });
    const chat = (await alice.next()) as Frame;
    // A second join: no replay (the socket has been receiving live), the current seq.
    const again = await join(alice, 'room:1', { resume: first.seq });
    assert.deepEqual(again, [{ type: 'joined', channel: 'room:1', seq: chat.seq, presence: ['alice'] }]);
    assert.equal(s.stats().channelMemberships, 1);
  });

  test('a join with an id is acknowledged after its answer; malformed joins are bad_message', async (t) => {
    const s = await server(t);
    const alice = await connect(t, s, 'alice');
    alice.send({ type: 'join', channel: 'room:1', id: 'j1' });
    assert.equal(((await alice.next()) as Frame).type, 'joined');
    assert.deepEqual(await alice.next(), { type: 'ack', id: 'j1' });
    alice.send({ type: 'join', channel: 'private:bob', id: 'j2' });
    assert.equal(((await alice.next()) as Frame).reason, 'forbidden');
    assert.deepEqual(await alice.next(), { type: 'ack', id: 'j2' });
    for (const bad of [{ type: 'join' }, { type: 'join', channel: 'room:1', resume: 'x' }, { type: 'leave', channel: 7 }]) {
      alice.send(bad);
      assert.deepEqual(await alice.next(), { type: 'error', reason: 'bad_message' }, JSON.stringify(bad));
    }
  });
});

describe('scoped frames', () => {
  test('a chat with a channel reaches that channel only, with its own seq; the global room is untouched', async (t) => {
    const s = await server(t);
    const alice = await connect(t, s, 'alice');
    const bob = await connect(t, s, 'bob');
    const carol = await connect(t, s, 'carol');
    await joined(alice, 'room:1');
    await joined(bob, 'room:2');
    await joined(carol, 'room:1');
    await until(alice, (m) => m.type === 'presence'); // carol joined
    alice.send({ type: 'chat', channel: 'room:1', text: 'in one', id: 'c1' });
    const toAlice = (await alice.next()) as Frame & { from: string; ts: number };
    assert.deepEqual(Object.keys(toAlice), ['type', 'channel', 'seq', 'from', 'text', 'ts', 'id']);
    assert.deepEqual({ ...toAlice, ts: 0 }, { type: 'chat', channel: 'room:1', seq: toAlice.seq, from: 'alice', text: 'in one', ts: 0, id: 'c1' });
    assert.deepEqual(await alice.next(), { type: 'ack', id: 'c1' }, 'the ack follows the delivery');
    assert.deepEqual(await carol.next(), toAlice);
    await nothingPending(bob);

    bob.send({ type: 'chat', channel: 'room:2', text: 'in two' });
    const inTwo = (await bob.next()) as Frame;
    alice.send({ type: 'chat', channel: 'room:1', text: 'again' });
    const again = (await alice.next()) as Frame;
    assert.equal(again.seq, toAlice.seq! + 1, 'seq is per channel: room:2 did not move it');
    assert.equal(inTwo.channel, 'room:2');

    // Channels are additive: a global chat still reaches every socket, without a channel field.
    bob.send({ type: 'chat', text: 'global' });
    for (const socket of [alice, bob, carol]) {
      const m = (await until(socket, (f) => f.text === 'global')).at(-1)!;
      assert.equal(m.channel, undefined);
    }
    assert.equal(s.stats().channelChatsAccepted, 3);
  });

  test('a frame scoped to a channel not joined is refused not_joined, naming its id, and not acknowledged', async (t) => {
    const s = await server(t);
    const alice = await connect(t, s, 'alice');
    alice.send({ type: 'chat', channel: 'room:1', text: 'too early', id: 'm1' });
    assert.deepEqual(await alice.next(), { type: 'error', reason: 'not_joined', channel: 'room:1', id: 'm1' });
    alice.send({ type: 'echo', channel: 'room:1', id: 'e1', payload: 1 });
    assert.deepEqual(await alice.next(), { type: 'error', reason: 'not_joined', channel: 'room:1', id: 'e1' });
    await joined(alice, 'room:1');
    // The client re-sends after re-joining: now it is processed.
    alice.send({ type: 'chat', channel: 'room:1', text: 'too early', id: 'm1' });
    assert.equal(((await alice.next()) as Frame).text, 'too early');
    assert.deepEqual(await alice.next(), { type: 'ack', id: 'm1' });
    alice.send({ type: 'echo', channel: 'room:1', id: 'e1', payload: 1 });
    assert.deepEqual(await alice.next(), { type: 'ack', id: 'e1' });
    assert.deepEqual(await alice.next(), { type: 'echo_reply', id: 'e1', payload: 1, channel: 'room:1' });
    // A re-sent chat id is dropped (acknowledged again, not sent again), as in the global room.
    alice.send({ type: 'chat', channel: 'room:1', text: 'too early', id: 'm1' });
    assert.deepEqual(await alice.next(), { type: 'ack', id: 'm1' });
    await nothingPending(alice);
    assert.deepEqual([s.stats().channelNotJoined, s.stats().channelDuplicatesDropped], [2, 1]);
  });

  test('after a leave the socket gets nothing of the channel; leaving again is harmless', async (t) => {
    const s = await server(t);
    const alice = await connect(t, s, 'alice');
    const bob = await connect(t, s, 'bob');
    await joined(alice, 'room:1');
    await joined(bob, 'room:1');
    await until(alice, (m) => m.type === 'presence');
    bob.send({ type: 'leave', channel: 'room:1', id: 'l1' });
    assert.deepEqual(await bob.next(), { type: 'ack', id: 'l1' });
    bob.send({ type: 'leave', channel: 'room:1', id: 'l2' });
    assert.deepEqual(await bob.next(), { type: 'ack', id: 'l2' });
    alice.send({ type: 'chat', channel: 'room:1', text: 'bob is gone' });
    await alice.next();
    await nothingPending(bob);
    bob.send({ type: 'chat', channel: 'room:1', text: 'x' });
    assert.equal(((await bob.next()) as Frame).reason, 'not_joined');
    assert.equal(s.stats().channelLeaves, 1);
  });
});

describe('resume', () => {
  test('a join resuming from a seq gets what came after it, then joined; too old or unknown gets resume_failed', async (t) => {
    const s = await server(t);
    const alice = await connect(t, s, 'alice');
    const start = await joined(alice, 'room:1');
    const seqs: number[] = [];
    for (const text of ['one', 'two', 'three']) {
      alice.send({ type: 'chat', channel: 'room:1', text });
      seqs.push(((await alice.next()) as Frame).seq!);
    }
    assert.deepEqual(seqs, [start.seq! + 1, start.seq! + 2, start.seq! + 3]);
    const bob = await connect(t, s, 'bob');
    const replay = await join(bob, 'room:1', { resume: seqs[0] });
    assert.deepEqual(
      replay.map((m) => [m.type, m.text ?? m.seq]),
      [['chat', 'two'], ['chat', 'three'], ['joined', seqs[2]]],
    );
    // A fresh socket resuming from joined.seq of an empty channel gets nothing but joined.
    const carol = await connect(t, s, 'carol');
    assert.deepEqual((await join(carol, 'room:empty')).map((m) => m.type), ['joined']);
    const empty = (await joined(await connect(t, s, 'carol'), 'room:empty')).seq!;
    const resumedEmpty = await join(await connect(t, s, 'carol'), 'room:empty', { resume: empty });
    assert.deepEqual(resumedEmpty.map((m) => m.type), ['joined']);

    for (const point of [seqs[2]! + 1, 0]) {
      const late = await connect(t, s, 'carol');
      const answer = await join(late, 'room:1', { resume: point });
      assert.deepEqual(answer.slice(0, 1), [{ type: 'resume_failed', channel: 'room:1', seq: seqs[2] }], `resume ${point}`);
      assert.equal(answer[1]!.type, 'joined');
    }
    assert.deepEqual([s.stats().channelResumes, s.stats().channelResumeFailures], [2, 2]);
  });
});

describe('presence', () => {
  test('members get join and leave diffs; a second socket of a member changes nothing; the last one out leaves after the grace', async (t) => {
    const s = await server(t, { presenceGraceMs: 150 });
    const alice = await connect(t, s, 'alice');
    assert.deepEqual((await joined(alice, 'room:1')).presence, ['alice']);
    const bob1 = await connect(t, s, 'bob');
    assert.deepEqual((await joined(bob1, 'room:1')).presence, ['alice', 'bob']);
    assert.deepEqual(await alice.next(), { type: 'presence', channel: 'room:1', joined: ['bob'] });
    const bob2 = await connect(t, s, 'bob');
    assert.deepEqual((await joined(bob2, 'room:1')).presence, ['alice', 'bob']);
    await bob1.close();
    await eventually(() => s.stats().channelMemberships === 2, 2000, 'bob1 gone');
    const closedAt = Date.now();
    await bob2.close();
    assert.deepEqual(await alice.next(), { type: 'presence', channel: 'room:1', left: ['bob'] });
    assert.ok(Date.now() - closedAt >= 140, 'not before the grace');
  });

  test('no flicker: a socket that comes back within the grace keeps its user present; after the grace without one, they leave', async (t) => {
    const grace = 250;
    const s = await server(t, { presenceGraceMs: grace });
    const alice = await connect(t, s, 'alice');
    await joined(alice, 'room:1');
    const bob = await connect(t, s, 'bob');
    await joined(bob, 'room:1');
    await until(alice, (m) => m.type === 'presence');
    // The new socket is opened first (login and ticket take a while on a loaded machine); it
    // joins only once the old one is gone, as after a reconnect.
    const back = await connect(t, s, 'bob');
    const droppedAt = Date.now();
    await bob.close();
    await joined(back, 'room:1');
    // Past the grace of the first socket: a server that did not keep bob would have told alice by now.
    await delay(Math.max(0, droppedAt + grace + 100 - Date.now()));
    await nothingPending(alice);
    await back.close();
    assert.deepEqual(await alice.next(), { type: 'presence', channel: 'room:1', left: ['bob'] });
  });
});

describe('kicks and the deny list', () => {
  test('a control kick removes the user from the channel at once, on every socket, without the grace', async (t) => {
    const s = await server(t, { presenceGraceMs: 60_000 });
    const alice = await connect(t, s, 'alice');
    await joined(alice, 'room:1');
    const bob1 = await connect(t, s, 'bob');
    const bob2 = await connect(t, s, 'bob');
    await joined(bob1, 'room:1');
    await joined(bob2, 'room:1');
    await joined(bob1, 'room:2');
    await until(alice, (m) => m.type === 'presence');
    const res = await control(s, { kickFromChannel: { channel: 'room:1', user: 'bob', reason: 'spam' } });
    assert.deepEqual(res.body, { ticketMode: 'ok', tokenTtlS: 900, kicked: 0, channelKicked: true });
    for (const bob of [bob1, bob2]) assert.deepEqual(await bob.next(), { type: 'kicked', channel: 'room:1', reason: 'spam' });
    assert.deepEqual(await alice.next(), { type: 'presence', channel: 'room:1', left: ['bob'] });
    // Only that channel: bob is still in room:2, and may ask to join room:1 again.
    bob1.send({ type: 'chat', channel: 'room:1', text: 'x' });
    assert.equal(((await bob1.next()) as Frame).reason, 'not_joined');
    bob1.send({ type: 'chat', channel: 'room:2', text: 'still here' });
    assert.equal(((await bob1.next()) as Frame).text, 'still here');
    await joined(bob1, 'room:1');
    assert.equal(s.stats().channelKicks, 2);
    const absent = await control(s, { kickFromChannel: { channel: 'room:1', user: 'carol' } });
    assert.equal((absent.body as { channelKicked: boolean }).channelKicked, false);
    assert.equal((await control(s, { kickFromChannel: { channel: 'bad name', user: 'bob' } })).status, 400);
  });

  test('a deny list changed at run time kicks members of the channels it now denies (forbidden) and refuses new joins', async (t) => {
    const s = await server(t);
    const alice = await connect(t, s, 'alice');
    const bob = await connect(t, s, 'bob');
    await joined(alice, 'room:1');
    await joined(alice, 'room:2');
    await joined(bob, 'room:2');
    await until(alice, (m) => m.type === 'presence');
    const res = await control(s, { channelDeny: ['room:1', 'private:*'] });
    assert.deepEqual(res.body, { ticketMode: 'ok', tokenTtlS: 900, kicked: 0, channelDenyKicked: 1, channelDeny: ['private:*', 'room:1'] });
    assert.deepEqual(await alice.next(), { type: 'kicked', channel: 'room:1', reason: 'forbidden' });
    assert.equal((await join(alice, 'room:1')).at(-1)!.reason, 'forbidden');
    assert.equal((await join(alice, 'private:alice')).at(-1)!.reason, 'forbidden');
    await nothingPending(bob);
    assert.equal((await control(s, { channelDeny: ['room:*x'] })).status, 400);
    assert.deepEqual((await control(s, { channelDeny: [] })).body, { ticketMode: 'ok', tokenTtlS: 900, kicked: 0, channelDenyKicked: 0, channelDeny: [] });
    await joined(alice, 'room:1');
  });
});

describe('caps', () => {
  test('a socket joins at most 1000 channels (too_many_channels); a leave makes room; closing leaves them all', async (t) => {
    const s = await server(t);
    const alice = await connect(t, s, 'alice');
    for (let i = 0; i < 1000; i++) alice.send({ type: 'join', channel: `room:${i}` });
    const answers = await until(alice, (m) => m.channel === 'room:999');
    assert.equal(answers.filter((m) => m.type === 'joined').length, 1000);
    assert.equal((await join(alice, 'room:1000')).at(-1)!.reason, 'too_many_channels');
    assert.deepEqual([s.stats().channels, s.stats().channelMemberships], [1000, 1000]);
    alice.send({ type: 'leave', channel: 'room:0' });
    await joined(alice, 'room:1000');
    await alice.close();
    await eventually(() => s.stats().channelMemberships === 0 && s.stats().channels === 0, 2000, 'all channels left');
  });

  test('the cap is a setting', async (t) => {
    const s = await server(t, { maxChannelsPerSocket: 2 });
    const alice = await connect(t, s, 'alice');
    await joined(alice, 'room:a');
    await joined(alice, 'room:b');
    assert.deepEqual((await join(alice, 'room:c')).at(-1), { type: 'join_refused', channel: 'room:c', reason: 'too_many_channels' });
    // Joining one already joined is not one more.
    await joined(alice, 'room:a');
  });
});

test('channel traffic for a socket that does not read meets the same byte cap (4008); the sender is not held up', async (t) => {
  const s = await server(t, { maxBufferedBytes: 65_536 });
  const { token } = await login(s.url, 'bob');
  const { ticket } = await fetchTicket(s.url, token);
  const idle = await RawSocket.open(s.url, { path: `/channel/?ticket=${encodeURIComponent(ticket)}` });
  t.after(() => idle.reset());
  idle.sendFrames([{ type: 'join', channel: 'room:flood' }]);
  await idle.until((r) => r.count((m) => m['type'] === 'joined') === 1);
  idle.stopReading();
  const alice = await connect(t, s, 'alice');
  await joined(alice, 'room:flood');
  // 6 KB a chat (3-byte characters), 1.2 MB a batch, until the kernel's buffers are full and the
  // server's cap is reached (how much loopback hides varies from one machine to another).
  const text = '€'.repeat(2000);
  let sent = 0;
  while (s.stats().slowConsumerCloses === 0 && sent < 4000) {
    for (let i = 0; i < 200; i++) alice.send({ type: 'chat', channel: 'room:flood', text, id: `f${sent++}` });
    await until(alice, (m) => m.type === 'ack' && m.id === `f${sent - 1}`, 10_000);
  }
  t.diagnostic(`idle member closed 4008 after ${sent} channel chats of 6 KB`);
  assert.equal(s.stats().slowConsumerCloses, 1);
});

test('GET /__stats carries the channel counters', async (t) => {
  const s = await server(t);
  const alice = await connect(t, s, 'alice');
  await joined(alice, 'room:1');
  await join(alice, 'private:bob');
  const stats = (await requestJson(`${s.url}/__stats`)).body as Record<string, number>;
  assert.deepEqual(
    [stats['channelJoins'], stats['channelJoinRefusals'], stats['channelKicks'], stats['channels'], stats['channelMemberships']],
    [1, 1, 0, 1, 1],
  );
});
