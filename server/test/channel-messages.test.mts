import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunningServer } from '../src/create-server.mjs';
import { eventually } from '../testing/eventually.mjs';
import { channelUrl, fetchTicket, login } from '../testing/http-client.mjs';
import { TestSocket } from '../testing/socket-client.mjs';
import { startTestServer } from '../testing/test-server.mjs';

/** An authenticated socket for `user`, opened with a ticket. */
async function connect(server: RunningServer, user = 'alice'): Promise<TestSocket> {
  const { token } = await login(server.url, user);
  return TestSocket.open(channelUrl(server.url, (await fetchTicket(server.url, token)).ticket));
}

test('chat reaches every authenticated socket, sender included, and no unauthenticated one', async (t) => {
  const server = await startTestServer(t);
  const alice = await connect(server, 'alice');
  const bob = await connect(server, 'bob');
  const stranger = await TestSocket.open(channelUrl(server.url));

  const before = Date.now();
  alice.send({ type: 'chat', text: 'hello room' });
  const toBob = (await bob.next()) as { type: string; seq: number; from: string; text: string; ts: number };
  assert.deepEqual(Object.keys(toBob), ['type', 'seq', 'from', 'text', 'ts'], 'no id: none was sent');
  assert.deepEqual({ ...toBob, ts: 0 }, { type: 'chat', seq: toBob.seq, from: 'alice', text: 'hello room', ts: 0 });
  assert.ok(Number.isSafeInteger(toBob.seq), 'seq is an integer');
  assert.ok(toBob.ts >= before && toBob.ts <= Date.now(), 'ts is server time in ms');
  assert.deepEqual(await alice.next(), toBob, 'no ack for a chat without an id');

  // The server writes to one socket in order: had the chat gone to the stranger, it would arrive
  // before the auth_ok it gets now.
  stranger.send({ type: 'auth', payload: (await login(server.url, 'bob')).token });
  assert.deepEqual(await stranger.next(), { type: 'auth_ok', user: 'bob' });
  await Promise.all([alice.close(), bob.close(), stranger.close()]);
});

test('echo is acknowledged, then replied to the sender only, matched by id', async (t) => {
  const server = await startTestServer(t);
  const alice = await connect(server, 'alice');
  const bob = await connect(server, 'bob');
  alice.send({ type: 'echo', id: 'req-1', payload: { nested: [1, 'two', null] } });
  alice.send({ type: 'echo', id: 'req-2', payload: 'second' });
  assert.deepEqual(await alice.next(), { type: 'ack', id: 'req-1' });
  assert.deepEqual(await alice.next(), { type: 'echo_reply', id: 'req-1', payload: { nested: [1, 'two', null] } });
  assert.deepEqual(await alice.next(), { type: 'ack', id: 'req-2' });
  assert.deepEqual(await alice.next(), { type: 'echo_reply', id: 'req-2', payload: 'second' });
  // Bob's first message is his own pong, so nothing of Alice's reached him.
  bob.send({ type: 'ping' });
  assert.deepEqual(await bob.next(), { type: 'pong' });
  await Promise.all([alice.close(), bob.close()]);
});

test('kick closes that socket with 1012 kicked', async (t) => {
  const server = await startTestServer(t);
  const socket = await connect(server);
  socket.send({ type: 'kick' });
  assert.deepEqual(await socket.closedWithin(), { code: 1012, reason: 'kicked' });
});

const badMessages: [string, (s: TestSocket) => void][] = [
  ['an unknown type', (s) => s.send({ type: 'dance' })],
  ['malformed JSON', (s) => s.sendRaw('{"type":')],
  ['a binary frame', (s) => s.sendRaw(Buffer.from([0xde, 0xad]), true)],
  ['chat over 2000 characters', (s) => s.send({ type: 'chat', text: 'x'.repeat(2001) })],
  ['echo without an id', (s) => s.send({ type: 'echo', payload: 1 })],
  ['an empty id', (s) => s.send({ type: 'chat', text: 'hi', id: '' })],
  ['an id over 64 characters', (s) => s.send({ type: 'chat', text: 'hi', id: 'x'.repeat(65) })],
  ['a numeric id', (s) => s.send({ type: 'ping', id: 7 })],
  ['a null id', (s) => s.send({ type: 'echo', id: null, payload: 1 })],
];
for (const [name, sendIt] of badMessages) {
  test(`${name} from an authenticated client gets error bad_message and the socket stays open`, async (t) => {
    const server = await startTestServer(t);
    const socket = await connect(server);
    sendIt(socket);
    assert.deepEqual(await socket.next(), { type: 'error', reason: 'bad_message' });
    socket.send({ type: 'ping' });
    assert.deepEqual(await socket.next(), { type: 'pong' }, 'nothing else was sent: no ack, no broadcast');
    assert.equal(server.stats().chatsAccepted, 0);
    await socket.close();
  });
}

test('a message over maxPayload closes the socket with 1009', async (t) => {
  const server = await startTestServer(t, { maxPayload: 1024 });
  const socket = await connect(server);
  socket.send({ type: 'echo', id: 'big', payload: 'x'.repeat(2048) });
  assert.equal((await socket.closedWithin()).code, 1009);
});

test('sockets counts open authenticated sockets only', async (t) => {
  const server = await startTestServer(t);
  const a = await connect(server);
  const unauthenticated = await TestSocket.open(channelUrl(server.url));
  assert.equal(server.stats().sockets, 1);
  await a.close();
  await unauthenticated.close();
  await eventually(() => server.stats().sockets === 0, 2000, 'sockets back to 0');
});
