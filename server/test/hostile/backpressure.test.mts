// Issue 11, case 2: a client that stops reading must not make the server buffer without bound —
// not replies, not broadcasts, not resume replays — and must not slow everybody else down.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startCliServer } from '../../testing/cli-process.mjs';
import { connectWithTicket } from '../../testing/connect.mjs';
import { eventually } from '../../testing/eventually.mjs';
import { fetchTicket, login } from '../../testing/http-client.mjs';
import { MB, watchRss } from '../../testing/process-memory.mjs';
import { maskedFrame, RawSocket } from '../../testing/raw-socket.mjs';
import type { TestSocket } from '../../testing/socket-client.mjs';
import { startTestServer } from '../../testing/test-server.mjs';

/** The documented bound (server/README.md, "Limits"): what a non-reading client may cost in RSS. */
const RSS_BOUND = 64 * MB;
const OFFER_BYTES = 300 * MB;

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Median time for a ping with an id to come back as ack + pong. */
async function roundTripMs(socket: TestSocket, count: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    socket.send({ type: 'ping', id: `rt-${i}` });
    await socket.next();
    await socket.next();
    times.push(performance.now() - started);
  }
  return median(times);
}

/** A socket that authenticated with a ticket and will not read a byte of what the server sends. */
async function nonReader(baseUrl: string, token: string, resume?: number): Promise<RawSocket> {
  const { ticket } = await fetchTicket(baseUrl, token, resume === undefined ? {} : { resume });
  const socket = await RawSocket.open(baseUrl, { path: `/channel/?ticket=${encodeURIComponent(ticket)}` });
  assert.equal(socket.status, 101);
  socket.stopReading();
  return socket;
}

test('a client that sends echoes and never reads: bounded server memory, other clients unaffected', { timeout: 60_000 }, async (t) => {
  const server = await startCliServer(t);
  const pid = server.child.pid!;
  const legit = await connectWithTicket(server.url, { user: 'bob' });
  await roundTripMs(legit, 10); // warm-up
  const idleMs = await roundTripMs(legit, 30);

  const rss = watchRss(pid);
  const { token } = await login(server.url, 'alice');
  const attacker = await nonReader(server.url, token);
  const frame = maskedFrame(JSON.stringify({ type: 'echo', id: 'e', payload: 'x'.repeat(60_000) }));
  let offered = 0;
  let stalled = false;
  const attackStarted = performance.now();
  const attack = (async () => {
    while (offered < OFFER_BYTES && performance.now() - attackStarted < 20_000) {
      offered += frame.length;
      if (attacker.socket.write(frame)) continue;
      // The server pushing back (no drain for a whole second) is the outcome we want; stop there.
      const drained = await Promise.race([once(attacker.socket, 'drain').then(() => true), delay(1000, false)]);
      if (!drained) return void (stalled = true);
    }
  })();
  await eventually(() => stalled || offered >= 30 * MB, 20_000, 'the attack under way');
  const duringMs = await roundTripMs(legit, 30);
  await attack;
  const growth = rss.stop() - rss.baseline;
  attacker.reset();

  t.diagnostic(
    `echo flood: offered ${(offered / MB).toFixed(1)} MB of ${OFFER_BYTES / MB} MB (${stalled ? 'server pushed back' : 'all taken'}), ` +
      `server RSS +${(growth / MB).toFixed(1)} MB (bound ${RSS_BOUND / MB} MB); ` +
      `legit round trip idle ${idleMs.toFixed(2)} ms, under attack ${duringMs.toFixed(2)} ms (×${(duringMs / idleMs).toFixed(2)})`,
  );
  assert.ok(growth < RSS_BOUND, `RSS grew ${(growth / MB).toFixed(1)} MB`);
  // Sub-millisecond medians jitter by themselves on a loaded machine: 1 ms is the floor of "idle".
  assert.ok(duringMs <= 2 * Math.max(idleMs, 1), `round trip ${duringMs.toFixed(2)} ms vs idle ${idleMs.toFixed(2)} ms`);
});

test('30 resume replays of long chats to sockets that never read: bounded server memory', { timeout: 60_000 }, async (t) => {
  const server = await startCliServer(t);
  const alice = await connectWithTicket(server.url);
  // Control characters are escaped to six bytes each: 2000 of them make a ~12 KB broadcast.
  const text = '\u0001'.repeat(2000);
  let firstSeq = 0;
  for (let batch = 0; batch < 20; batch++) {
    for (let i = 0; i < 50; i++) alice.send({ type: 'chat', id: `fill-${batch}-${i}`, text });
    for (let i = 0; i < 100; i++) {
      const message = (await alice.next()) as { type: string; seq?: number };
      if (firstSeq === 0 && message.type === 'chat') firstSeq = message.seq!;
    }
  }
  await alice.close();
  const tokens = [(await login(server.url, 'alice')).token, (await login(server.url, 'bob')).token];

  const rss = watchRss(server.child.pid!);
  const started = performance.now();
  const readers = await Promise.all(Array.from({ length: 30 }, (_, i) => nonReader(server.url, tokens[i % 2]!, firstSeq - 1)));
  await delay(1500); // the replays have had every chance to pile up
  const growth = rss.stop() - rss.baseline;
  for (const reader of readers) reader.reset();
  t.diagnostic(
    `replays: 30 × 1000 chats of ~12 KB (~${((30 * 1000 * 12_000) / MB).toFixed(0)} MB offered) to non-readers: ` +
      `server RSS +${(growth / MB).toFixed(1)} MB (bound ${RSS_BOUND / MB} MB) in ${(performance.now() - started).toFixed(0)} ms`,
  );
  assert.ok(growth < RSS_BOUND, `RSS grew ${(growth / MB).toFixed(1)} MB`);
});

test('a room member that stops reading is closed with 4008 slow_consumer once over its byte cap', { timeout: 30_000 }, async (t) => {
  const server = await startTestServer(t, { maxBufferedBytes: 256 * 1024, closeGraceMs: 10_000 });
  const victim = await connectWithTicket(server.url, { user: 'bob' });
  victim.ws.pause();
  const sender = await connectWithTicket(server.url);
  const text = 'x'.repeat(2000);
  let sent = 0;
  while (server.stats().slowConsumerCloses !== 1 && sent < 6000) {
    for (let i = 0; i < 50; i++) sender.send({ type: 'chat', id: `s-${sent + i}`, text });
    for (let i = 0; i < 100; i++) await sender.next();
    sent += 50;
  }
  t.diagnostic(`slow consumer: closed after ${sent} broadcasts of ~2 KB (${((sent * 2100) / MB).toFixed(1)} MB) with a 256 KiB cap`);
  assert.equal(server.stats().slowConsumerCloses, 1);
  victim.ws.resume();
  const close = await victim.closedWithin(10_000);
  assert.deepEqual(close, { code: 4008, reason: 'slow_consumer retry_after=1' });
  await eventually(() => server.stats().sockets === 1, 5000, 'the slow socket gone');
  // The sender, who reads, is untouched.
  sender.send({ type: 'ping', id: 'still-here' });
  assert.deepEqual(await sender.next(), { type: 'ack', id: 'still-here' });
});

test('per-user socket limit: one socket too many is closed with 1013 too_many_sockets; other users unaffected', async (t) => {
  const server = await startTestServer(t, { maxSocketsPerUser: 3 });
  const mine = await Promise.all([1, 2, 3].map(() => connectWithTicket(server.url)));
  const extra = await connectWithTicket(server.url);
  const refused = await extra.closedWithin();
  assert.equal(refused.code, 1013);
  assert.match(refused.reason, /^too_many_sockets retry_after=\d+$/);
  const bob = await connectWithTicket(server.url, { user: 'bob' });
  bob.send({ type: 'ping', id: 'b' });
  assert.deepEqual(await bob.next(), { type: 'ack', id: 'b' });
  // Freeing a place lets the user in again.
  await mine[0]!.close();
  await eventually(() => server.stats().sockets === 3, 2000, 'the closed socket gone');
  const again = await connectWithTicket(server.url);
  again.send({ type: 'ping', id: 'again' });
  assert.deepEqual(await again.next(), { type: 'ack', id: 'again' });
  assert.equal(server.stats().userSocketLimitCloses, 1);
});
