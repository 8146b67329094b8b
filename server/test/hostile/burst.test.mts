// Issue 11, case 3: a legitimate burst — the client library flushing its whole outbox (1000
// messages by default) the moment it connects — must get through with no forced close and no
// message lost, with acks and without.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { fetchTicket, login } from '../../testing/http-client.mjs';
import { RawSocket } from '../../testing/raw-socket.mjs';
import { startTestServer } from '../../testing/test-server.mjs';

const OUTBOX = 1000; // the library's default outboxLimit

async function ticketSocket(baseUrl: string, user = 'alice'): Promise<RawSocket> {
  const { token } = await login(baseUrl, user);
  const { ticket } = await fetchTicket(baseUrl, token);
  const socket = await RawSocket.open(baseUrl, { path: `/channel/?ticket=${ticket}` });
  assert.equal(socket.status, 101);
  return socket;
}

const isAck = (m: Record<string, unknown>): boolean => m['type'] === 'ack';
const isChat = (m: Record<string, unknown>): boolean => m['type'] === 'chat';

test(`${OUTBOX} chats with ids in one TCP write: ${OUTBOX} acks, ${OUTBOX} accepted, no close`, { timeout: 30_000 }, async (t) => {
  const server = await startTestServer(t);
  const socket = await ticketSocket(server.url);
  const started = performance.now();
  socket.sendFrames(Array.from({ length: OUTBOX }, (_, i) => ({ type: 'chat', id: `q-${i}`, text: `queued ${i}` })));
  await socket.until((s) => s.count(isAck) === OUTBOX || s.closeFrame !== null, 20_000, 'every ack');
  const ms = performance.now() - started;
  t.diagnostic(`burst with acks: ${socket.count(isAck)} acks, ${server.stats().chatsAccepted} accepted, forced closes: ${socket.closeFrame ? 1 : 0}, in ${ms.toFixed(0)} ms`);
  assert.equal(socket.closeFrame, null);
  assert.equal(server.stats().chatsAccepted, OUTBOX);
  assert.deepEqual(
    socket.messages.filter((m) => isAck(m as Record<string, unknown>)).map((m) => (m as { id: string }).id),
    Array.from({ length: OUTBOX }, (_, i) => `q-${i}`),
    'acked once each, in order',
  );
  socket.reset();
});

test(`${OUTBOX} chats without ids in one TCP write: all ${OUTBOX} broadcast, no close`, { timeout: 30_000 }, async (t) => {
  const server = await startTestServer(t);
  const socket = await ticketSocket(server.url);
  const started = performance.now();
  socket.sendFrames(Array.from({ length: OUTBOX }, (_, i) => ({ type: 'chat', text: `fire and forget ${i}` })));
  await socket.until((s) => s.count(isChat) === OUTBOX || s.closeFrame !== null, 20_000, 'every broadcast');
  t.diagnostic(`burst without acks: ${socket.count(isChat)} broadcast, forced closes: ${socket.closeFrame ? 1 : 0}, in ${(performance.now() - started).toFixed(0)} ms`);
  assert.equal(socket.closeFrame, null);
  assert.equal(server.stats().chatsAccepted, OUTBOX);
  socket.reset();
});

test('in-band auth and the flushed outbox in the same TCP write: auth first, then every message', { timeout: 30_000 }, async (t) => {
  const server = await startTestServer(t, { tickets: false });
  const { token } = await login(server.url);
  const socket = await RawSocket.open(server.url);
  socket.sendFrames([{ type: 'auth', payload: token }, ...Array.from({ length: OUTBOX }, (_, i) => ({ type: 'chat', id: `b-${i}`, text: `${i}` }))]);
  await socket.until((s) => s.count(isAck) === OUTBOX || s.closeFrame !== null, 20_000, 'every ack');
  assert.deepEqual(socket.messages[0], { type: 'auth_ok', user: 'alice' });
  assert.equal(socket.closeFrame, null);
  assert.equal(server.stats().chatsAccepted, OUTBOX);
  socket.reset();
});

test('a flood beyond the token bucket is slowed down (reading paused), never closed and never dropped', { timeout: 30_000 }, async (t) => {
  // A small bucket so the throttle shows within the test: 100 frames at once, then 1000 per second.
  const server = await startTestServer(t, { frameBurst: 100, frameRatePerS: 1000 });
  const socket = await ticketSocket(server.url);
  const FLOOD = 600;
  const started = performance.now();
  socket.sendFrames(Array.from({ length: FLOOD }, (_, i) => ({ type: 'ping', id: `f-${i}` })));
  await socket.until((s) => s.count((m) => m['type'] === 'pong') === FLOOD || s.closeFrame !== null, 20_000, 'every pong');
  const ms = performance.now() - started;
  t.diagnostic(`flood of ${FLOOD} pings against a 100-frame bucket at 1000/s: all answered in ${ms.toFixed(0)} ms, closes: ${socket.closeFrame ? 1 : 0}`);
  assert.equal(socket.closeFrame, null);
  // (600 − 100) frames at 1000/s cannot take less than 0.5 s; allow the timer's own slack.
  assert.ok(ms >= 450, `answered in ${ms.toFixed(0)} ms: the bucket did not hold`);
  socket.reset();
});
