// Issue 11, case 6: sockets that never authenticate, ignore the close frame or trickle their
// request are cut promptly, and the ones waiting for auth are capped.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { connectWithTicket } from '../../testing/connect.mjs';
import { RawSocket } from '../../testing/raw-socket.mjs';
import { startTestServer } from '../../testing/test-server.mjs';

/** Milliseconds until `ended` resolves, or `limitMs` (the assertion then fails on it). */
async function within(ended: Promise<number>, limitMs: number): Promise<number> {
  const giveUp = new AbortController();
  const limit = delay(limitMs, limitMs, { signal: giveUp.signal }).catch(() => limitMs);
  try {
    return await Promise.race([ended, limit]);
  } finally {
    giveUp.abort();
  }
}

test('a socket that never authenticates and ignores the close frame is cut at deadline + grace', { timeout: 15_000 }, async (t) => {
  const server = await startTestServer(t, { authDeadlineMs: 300, closeGraceMs: 300 });
  const silent = await RawSocket.open(server.url);
  const ms = await within(silent.ended, 5000);
  t.diagnostic(`silent unauthenticated socket held ${ms.toFixed(0)} ms (deadline 300 + grace 300)`);
  assert.deepEqual(silent.closeFrame, { code: 4001, reason: 'auth_timeout' });
  assert.ok(ms < 3000, `held ${ms.toFixed(0)} ms`);
});

test('a socket whose auth fails and that ignores the close frame is cut after the grace', { timeout: 15_000 }, async (t) => {
  const server = await startTestServer(t, { closeGraceMs: 300 });
  const socket = await RawSocket.open(server.url);
  const started = performance.now();
  socket.sendFrames([{ type: 'auth', payload: 'not-a-jwt' }]);
  await within(socket.ended, 5000);
  const ms = performance.now() - started;
  t.diagnostic(`refused socket held ${ms.toFixed(0)} ms after its bad auth frame (grace 300)`);
  assert.deepEqual(socket.closeFrame, { code: 4001, reason: 'invalid_token' });
  assert.ok(ms < 3000, `held ${ms.toFixed(0)} ms`);
});

test('sockets waiting for auth are capped: the next is refused 503 before the handshake, tickets still work', { timeout: 15_000 }, async (t) => {
  const server = await startTestServer(t, { maxUnauthenticatedSockets: 5, authDeadlineMs: 10_000 });
  const waiting = await Promise.all(Array.from({ length: 5 }, () => RawSocket.open(server.url)));
  assert.deepEqual(waiting.map((s) => s.status), [101, 101, 101, 101, 101]);
  const refused = await RawSocket.open(server.url);
  t.diagnostic(`6th unauthenticated socket with a cap of 5: HTTP ${refused.status}, Retry-After ${refused.headers['retry-after']}`);
  assert.equal(refused.status, 503);
  assert.match(refused.headers['retry-after'] ?? '', /^\d+$/);
  const ticketed = await connectWithTicket(server.url);
  ticketed.send({ type: 'ping', id: 'p' });
  assert.deepEqual(await ticketed.next(), { type: 'ack', id: 'p' });
  waiting[0]!.reset();
  let again = await RawSocket.open(server.url);
  for (let i = 0; again.status !== 101 && i < 50; i++) {
    await delay(20);
    again = await RawSocket.open(server.url);
  }
  assert.equal(again.status, 101, 'a freed place is usable again');
  for (const s of [...waiting, again]) s.reset();
  await ticketed.close();
});

test('a request whose headers never finish is cut after headersTimeoutMs', { timeout: 15_000 }, async (t) => {
  const server = await startTestServer(t, { headersTimeoutMs: 500 });
  const { hostname, port } = new URL(server.url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  socket.resume(); // read (and drop) the 408, so the end of the connection is seen
  const started = performance.now();
  socket.write('GET /channel/ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
  const ended = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - started)));
  const ms = await within(ended, 8000);
  socket.destroy();
  t.diagnostic(`half-sent upgrade request held ${ms.toFixed(0)} ms (headersTimeoutMs 500)`);
  assert.ok(ms < 4000, `held ${ms.toFixed(0)} ms`);
});
