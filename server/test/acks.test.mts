import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectInBand, connectWithTicket } from '../testing/connect.mjs';
import { channelUrl } from '../testing/http-client.mjs';
import { TestSocket } from '../testing/socket-client.mjs';
import { startTestServer } from '../testing/test-server.mjs';

interface Chat {
  type: 'chat';
  seq: number;
  from: string;
  text: string;
  ts: number;
  id?: string;
}

test('a chat with an id is processed, then acknowledged; the broadcast carries seq and the id', async (t) => {
  const server = await startTestServer(t);
  const alice = await connectWithTicket(server.url);
  const bob = await connectWithTicket(server.url, { user: 'bob' });
  alice.send({ type: 'chat', text: 'hello', id: 'm-1' });
  const broadcast = (await alice.next()) as Chat;
  assert.deepEqual(Object.keys(broadcast), ['type', 'seq', 'from', 'text', 'ts', 'id']);
  assert.deepEqual({ ...broadcast, seq: 0, ts: 0 }, { type: 'chat', seq: 0, from: 'alice', text: 'hello', ts: 0, id: 'm-1' });
  assert.deepEqual(await alice.next(), { type: 'ack', id: 'm-1' }, 'the ack follows the broadcast');
  assert.deepEqual(await bob.next(), broadcast);
  assert.equal(bob.unread.length, 0, 'acks go to the sender only');
  assert.deepEqual(
    (({ chatsAccepted, acksSent, duplicatesDropped }) => ({ chatsAccepted, acksSent, duplicatesDropped }))(server.stats()),
    { chatsAccepted: 1, acksSent: 1, duplicatesDropped: 0 },
  );
});

test('a re-sent chat id is acknowledged again but not broadcast again, even from another socket', async (t) => {
  const server = await startTestServer(t);
  const alice = await connectWithTicket(server.url);
  const bob = await connectWithTicket(server.url, { user: 'bob' });
  alice.send({ type: 'chat', text: 'once', id: 'dup' });
  const first = (await bob.next()) as Chat;
  assert.equal(first.text, 'once');
  await alice.next();
  assert.deepEqual(await alice.next(), { type: 'ack', id: 'dup' });

  // The client's reconnect: same message, same id, on a new socket (here in-band authenticated).
  const again = await connectInBand(server.url);
  again.send({ type: 'chat', text: 'once', id: 'dup' });
  assert.deepEqual(await again.next(), { type: 'ack', id: 'dup' });
  again.send({ type: 'chat', text: 'next', id: 'fresh' });
  const second = (await bob.next()) as Chat;
  assert.equal(second.text, 'next', 'bob saw exactly one "once"');
  assert.equal(second.seq, first.seq + 1, 'the duplicate took no seq');
  const stats = server.stats();
  assert.deepEqual([stats.chatsAccepted, stats.duplicatesDropped, stats.acksSent], [2, 1, 3]);
});

test('message ids are per user: bob may use an id alice used', async (t) => {
  const server = await startTestServer(t);
  const alice = await connectWithTicket(server.url);
  const bob = await connectWithTicket(server.url, { user: 'bob' });
  alice.send({ type: 'chat', text: 'from alice', id: 'same' });
  assert.equal(((await alice.next()) as Chat).from, 'alice');
  assert.deepEqual(await alice.next(), { type: 'ack', id: 'same' });
  bob.send({ type: 'chat', text: 'from bob', id: 'same' });
  assert.equal(((await bob.next()) as Chat).from, 'alice');
  assert.equal(((await bob.next()) as Chat).from, 'bob');
  assert.deepEqual(await bob.next(), { type: 'ack', id: 'same' });
});

test('an echo re-sent with the same id is answered again (read-only, never deduplicated)', async (t) => {
  const server = await startTestServer(t);
  const socket = await connectWithTicket(server.url);
  for (let i = 0; i < 2; i++) {
    socket.send({ type: 'echo', id: 'req', payload: { n: 1 } });
    assert.deepEqual(await socket.next(), { type: 'ack', id: 'req' });
    assert.deepEqual(await socket.next(), { type: 'echo_reply', id: 'req', payload: { n: 1 } });
  }
  assert.equal(server.stats().duplicatesDropped, 0);
});

test('a kick with an id is acknowledged, then the socket is closed with 1012 kicked', async (t) => {
  const server = await startTestServer(t);
  const socket = await connectWithTicket(server.url);
  socket.send({ type: 'kick', id: 'bye' });
  assert.deepEqual(await socket.next(), { type: 'ack', id: 'bye' });
  assert.deepEqual(await socket.closedWithin(), { code: 1012, reason: 'kicked' });
});

test('ping is answered with pong at once; an id is acknowledged and carried by the pong', async (t) => {
  const server = await startTestServer(t);
  const socket = await connectWithTicket(server.url);
  socket.send({ type: 'ping' });
  assert.deepEqual(await socket.next(), { type: 'pong' });
  socket.send({ type: 'ping', id: 'hb-2' });
  assert.deepEqual(await socket.next(), { type: 'ack', id: 'hb-2' });
  assert.deepEqual(await socket.next(), { type: 'pong', id: 'hb-2' });
  assert.equal(server.stats().pingsAnswered, 2);
});

test('ping before auth is refused like any other non-auth first frame', async (t) => {
  const server = await startTestServer(t);
  const socket = await TestSocket.open(channelUrl(server.url));
  socket.send({ type: 'ping' });
  assert.deepEqual(await socket.next(), { type: 'auth_error', reason: 'auth_required' });
  assert.deepEqual(await socket.closedWithin(), { code: 4001, reason: 'auth_required' });
  assert.equal(server.stats().pingsAnswered, 0);
});
