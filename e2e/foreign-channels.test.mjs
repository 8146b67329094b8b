// Channels against a server that is not ours (support/foreign-server.mjs): Django-Channels-like
// groups with their own frame names (subscribe / unsubscribe; subscribed, subscription_denied,
// removed; group.message with a msg_id), no presence, configured in the app through
// withChannels({ join, leave, read, channelOf, scope }) (projects/lab/src/interop.ts). The same
// lifecycle as channels.test.mjs proves against our reference server: joins, refusals, leaves,
// kicks, re-joins after a crash in both auth modes, and a token rotation with a group streaming.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, waitUntil } from './support/browser.mjs';
import { foreignOptions, startForeignServer } from './support/foreign-server.mjs';
import { openInterop } from './support/interop.mjs';

const GRACE_MS = 400; // idleCloseDelayMs: the leave goes out this long after the last subscriber left
const TIMING = {
  reconnect: { initialDelayMs: 100, maxDelayMs: 800 },
  ticketTimeoutMs: 1000,
  idleCloseDelayMs: GRACE_MS,
};
/** Errors a crash or a deploy may leave behind; none of them a verdict on the user or the token. */
const TRANSIENT = new Set(['socket-closed', 'ticket-failed', 'connect-timeout', 'auth-timeout']);
// Rotation: tokens live 6 s (5–6 s: exp is in whole seconds) and are refreshed 3 s ahead, so a
// make-before-break swap every ~3 s, longer than a swap's 2 s drain and than ackTimeoutMs.
const ROTATION = { ttlS: 6, refreshBeforeExpiryMs: 3000, ackTimeoutMs: 1000, cycles: 2, everyMs: 50 };

let browser;
let server;
const rotationServers = {};

before(async () => {
  browser = await launchBrowser();
  server = await startForeignServer({ tokenTtlS: 300 });
  rotationServers.msg_id = await startForeignServer({ tokenTtlS: ROTATION.ttlS, groupIdField: 'msg_id' });
  rotationServers.id = await startForeignServer({ tokenTtlS: ROTATION.ttlS, groupIdField: 'id' });
  rotationServers.drainEnd = await startForeignServer({ tokenTtlS: ROTATION.ttlS, groupIdField: 'id' });
});

after(async () => {
  await browser?.close();
  for (const s of [server, ...Object.values(rotationServers)]) await s?.close();
});

/** The interop app of `on` with the foreign group frames, logged in as `user`, listening, open. */
async function openApp(on, mode, user, socket = {}, extra = {}) {
  const options = foreignOptions();
  const app = await openInterop(browser, on.url, {
    ...options,
    tokenSource: 'capture',
    rotation: false,
    channels: 'foreign',
    ...extra,
    socket: { ...options.socket, auth: mode, ...TIMING, ...socket },
  });
  const { page } = app;
  await page.evaluate((u) => window.interop.login(u), user);
  await page.evaluate(() => window.interop.listen());
  await waitUntil(async () => (await state(page)) === 'open', 'open', 15_000);
  return app;
}

const state = (page) => page.evaluate(() => window.interop.state());
const record = (page) => page.evaluate(() => window.interop.record);
const channelRecord = async (page, name) => (await record(page)).channels[name];
/** What a channel delivered, without the delivery times. */
const delivered = (channel) => channel.messages.map(({ id, body }) => ({ id, body }));
const subscribe = (page, name) => page.evaluate((n) => window.interop.subscribeChannel(n), name);
const unsubscribe = (page, name) => page.evaluate((n) => window.interop.unsubscribeChannel(n), name);
const lastState = async (page, name) => (await channelRecord(page, name))?.states.at(-1);
const waitChannel = (page, name, expected, timeout = 15_000) =>
  waitUntil(
    async () => {
      const last = await lastState(page, name);
      return expected instanceof RegExp ? expected.test(last ?? '') : last === expected;
    },
    `${name} ${expected}`,
    timeout,
  );
/** Waits until channel `name` delivered at least `count` messages. */
const waitMessages = (page, name, count, timeout = 15_000) =>
  waitUntil(
    async () => ((await channelRecord(page, name))?.messages.length ?? 0) >= count,
    `${count} messages in ${name}`,
    timeout,
  );
/** The server's log of `action` frames for `group`, as [socket number, count] pairs in socket order. */
function perSocket(on, group, action) {
  const counts = new Map();
  for (const entry of on.groupLog)
    if (entry.group === group && entry.action === action) counts.set(entry.socket, (counts.get(entry.socket) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a - b);
}
const socketsOf = (on, user) => on.connections.filter((c) => c.user === user).map((c) => c.socket);

function assertClean(rec, app, what) {
  const lasting = rec.errors.filter((code) => !TRANSIENT.has(code));
  assert.deepEqual(lasting, [], `${what}: only transient errors (${rec.errors.join(', ')})`);
  assert.ok(!rec.states.includes('unauthorized') && !rec.states.includes('closed'), rec.states.join(' → '));
  assert.deepEqual(app.problems, []);
}

/** Every channel's presence stayed empty (the server has none) and its streams neither failed nor ended. */
function assertNoPresence(rec) {
  for (const [name, channel] of Object.entries(rec.channels)) {
    assert.ok(channel.members.length >= 1, `${name}: presence$ replayed its value`);
    assert.ok(
      channel.members.every((m) => m.length === 0),
      `${name}: no members ever (${JSON.stringify(channel.members)})`,
    );
    assert.deepEqual(channel.errors, [], `${name}: streams ok`);
  }
}

test(
  'joins, messages in the channel only, a denied group not asked again, one unsubscribe after the grace period, a removal',
  { timeout: 60_000 },
  async () => {
    const user = 'ann';
    const [room, kick, denied, own] = ['lobby', 'news', 'private-bob', `private-${user}`];
    const app = await openApp(server, 'ticket', user);
    const { page } = app;
    for (const group of [room, kick, denied, own]) await subscribe(page, group);
    for (const group of [room, kick, own]) await waitChannel(page, group, 'joined');
    await waitChannel(page, denied, /^rejected:/);
    const [first] = socketsOf(server, user);

    // Group messages reach their channel, in order, each once; the app's own one comes back through the server.
    const ids = [1, 2, 3, 4, 5].map((i) => server.publish(room, `hello ${i}`).id);
    await page.evaluate((g) => window.interop.sendInChannel(g, 'from the app'), room);
    await waitUntil(() => server.published.some((p) => p.body === 'from the app'), 'the app message relayed');
    const relayed = server.published.find((p) => p.body === 'from the app').id;
    const newsId = server.publish(kick, 'news 1').id;
    await waitMessages(page, room, 6);
    await waitMessages(page, kick, 1);

    // Removed from a group: the channel ends rejected with the server's detail.
    assert.equal(server.remove(kick, user, 'Removed by a moderator.'), 1);
    await waitChannel(page, kick, 'rejected:Removed by a moderator.');

    // A deploy closes the socket: the client joins again what it holds joined, and nothing else.
    server.dropSockets(1012);
    await waitUntil(() => socketsOf(server, user).length === 2, 'a second socket');
    const second = socketsOf(server, user)[1];
    await waitUntil(
      async () => (await channelRecord(page, room)).states.filter((s) => s === 'joined').length === 2,
      `${room} joined again`,
    );
    await waitUntil(
      async () => (await channelRecord(page, own)).states.filter((s) => s === 'joined').length === 2,
      `${own} joined again`,
    );
    const later = [6, 7].map((i) => server.publish(room, `hello ${i}`).id);
    await waitMessages(page, room, 8);

    // The last subscriber leaves: one unsubscribe, no sooner than the grace period.
    const left = Date.now();
    await unsubscribe(page, room);
    await waitUntil(() => perSocket(server, room, 'unsubscribe').length > 0, `${room} unsubscribed`, 5_000);
    const unsubscribedAt = server.groupLog.find((e) => e.group === room && e.action === 'unsubscribe').at;
    await waitChannel(page, room, 'left');
    const rec = await record(page);
    await app.context.close();

    assert.deepEqual(
      delivered(rec.channels[room]),
      [...ids.map((id, i) => ({ id, body: `hello ${i + 1}` })), { id: relayed, body: 'from the app' }].concat(
        later.map((id, i) => ({ id, body: `hello ${i + 6}` })),
      ),
      'every message of the group once, in order, in its channel only',
    );
    assert.deepEqual(delivered(rec.channels[kick]), [{ id: newsId, body: 'news 1' }]);
    assert.deepEqual(delivered(rec.channels[own]), []);
    assert.deepEqual(delivered(rec.channels[denied]), []);
    assert.deepEqual(
      rec.types,
      { 'group.message': 9 },
      'messages$ saw the group messages and no control frame (subscribed, subscription_denied, removed)',
    );
    assert.deepEqual(rec.channels[room].states, ['left', 'joining', 'joined', 'joining', 'joined', 'left']);
    assert.deepEqual(rec.channels[kick].states, ['left', 'joining', 'joined', 'rejected:Removed by a moderator.']);
    assert.deepEqual(rec.channels[denied].states, [
      'left',
      'joining',
      'rejected:You do not have permission to join this group.',
    ]);
    assert.deepEqual(perSocket(server, denied, 'denied'), [[first, 1]], 'the denied group was asked once, ever');
    assert.deepEqual(perSocket(server, denied, 'subscribe'), []);
    assert.deepEqual(perSocket(server, kick, 'subscribe'), [[first, 1]], 'the removed group was not joined again');
    assert.deepEqual(perSocket(server, room, 'subscribe'), [
      [first, 1],
      [second, 1],
    ]);
    assert.deepEqual(perSocket(server, own, 'subscribe'), [
      [first, 1],
      [second, 1],
    ]);
    assert.deepEqual(perSocket(server, room, 'unsubscribe'), [[second, 1]], 'one unsubscribe, on the open socket');
    assert.ok(
      unsubscribedAt - left >= GRACE_MS,
      `unsubscribed ${unsubscribedAt - left} ms after the last subscriber left (grace ${GRACE_MS} ms)`,
    );
    assert.equal(perSocket(server, own, 'unsubscribe').length + perSocket(server, kick, 'unsubscribe').length, 0);
    assert.deepEqual(server.members(room), []);
    assert.deepEqual(rec.errors, ['socket-closed'], 'the deploy was the one error');
    assertNoPresence(rec);
    assertClean(rec, app, 'channels');
  },
);

describe('the foreign server crashing and coming back', { concurrency: false }, () => {
  for (const mode of ['ticket', 'first-message']) {
    test(
      `${mode} mode: every group joined again on the new socket, once; later messages once`,
      { timeout: 60_000 },
      async () => {
        const user = `crash-${mode}`;
        const groups = [`${mode}-x`, `${mode}-y`];
        const app = await openApp(server, mode, user);
        const { page } = app;
        for (const group of groups) await subscribe(page, group);
        for (const group of groups) await waitChannel(page, group, 'joined');
        const expected = Object.fromEntries(
          groups.map((g) => [g, [1, 2, 3].map((i) => server.publish(g, `${g} before ${i}`))]),
        );
        for (const group of groups) await waitMessages(page, group, 3);

        await server.stop();
        await waitUntil(async () => (await state(page)) !== 'open', 'the crash noticed', 10_000);
        await waitUntil(async () => (await record(page)).errors.length >= 2, 'two failed attempts', 20_000);
        await server.start();
        for (const group of groups)
          await waitUntil(
            async () => {
              const { states } = await channelRecord(page, group);
              return states.at(-1) === 'joined' && states.filter((s) => s === 'joined').length === 2;
            },
            `${group} joined again`,
            20_000,
          );
        for (const group of groups)
          expected[group].push(...[4, 5, 6].map((i) => server.publish(group, `${group} after ${i}`)));
        for (const group of groups) await waitMessages(page, group, 6);
        const rec = await record(page);
        await app.context.close();

        const sockets = socketsOf(server, user);
        assert.equal(sockets.length, 2, 'one socket before the crash, one after');
        for (const group of groups) {
          assert.deepEqual(
            delivered(rec.channels[group]),
            expected[group].map(({ id, body }) => ({ id, body })),
            `${group}: every message once, in order`,
          );
          assert.deepEqual(
            perSocket(server, group, 'subscribe'),
            sockets.map((s) => [s, 1]),
            `${group}: one subscribe per socket`,
          );
          assert.deepEqual(rec.channels[group].states, ['left', 'joining', 'joined', 'joining', 'joined']);
          assert.ok(
            expected[group].slice(3).every((p) => p.to.length === 1 && p.to[0] === sockets[1]),
            `${group}: the later messages went to the new socket only`,
          );
        }
        if (mode === 'first-message') {
          // (The attempts against the dead server opened no socket and sent nothing.)
          const used = app.sockets.filter((s) => s.sent.length > 0);
          assert.equal(used.length, 2, 'two sockets carried frames');
          for (const { sent } of used)
            assert.deepEqual(
              sent.slice(0, 3).map((f) => JSON.parse(f).type),
              ['authenticate', 'subscribe', 'subscribe'],
              'authenticated first, then subscribed',
            );
        }
        assertNoPresence(rec);
        assertClean(rec, app, mode);
      },
    );
  }
});

/**
 * Streams group messages while the token rotates `ROTATION.cycles` times (make-before-break in
 * ticket mode): one every `everyMs`, plus one at each swap as the server takes the successor's
 * subscribe, just before the successor is in the group (the client has switched to the successor,
 * the server still writes the group to the old socket only; a busy group always has a message
 * there). The old socket stays open 2 s after the swap (DRAIN_MS in drain.ts). With `drainEnd`
 * the successor's path is 30 ms slower than the old one's and a message goes out every millisecond
 * for 150 ms around each drain's end: copies still on their way to the successor as the old socket
 * closes. The msg_id server's app names its id field with `withTokenRotation({ messageId })`.
 * Returns the figures; asserts none.
 */
async function rotateWithGroup(idField, { drainEnd = false } = {}) {
  const on = rotationServers[drainEnd ? 'drainEnd' : idField];
  const user = `rot-${idField}${drainEnd ? '-drain' : ''}`;
  const group = `ticker-${user}`;
  const app = await openApp(
    on,
    'ticket',
    user,
    { refreshBeforeExpiryMs: ROTATION.refreshBeforeExpiryMs, ackTimeoutMs: ROTATION.ackTimeoutMs },
    { rotation: true, ...(idField === 'msg_id' ? { messageId: 'msg_id' } : {}) },
  );
  const { page } = app;
  await subscribe(page, group);
  await waitChannel(page, group, 'joined');
  let n = 0;
  const publish = (why) => on.publish(group, `${why} ${++n}`);
  const bursts = [];
  let burstsDone = 0;
  on.beforeSubscribe = (socket, who, g) => {
    if (who !== user || g !== group) return;
    publish('at swap');
    if (!drainEnd) return;
    // Each successor 30 ms behind the socket it replaces.
    on.lag(socket, 30 * socketsOf(on, user).indexOf(socket));
    bursts.push(
      setTimeout(() => {
        const until = Date.now() + 150;
        const burst = setInterval(() => {
          if (Date.now() <= until) return publish('drain end');
          clearInterval(burst);
          burstsDone++;
        }, 1);
        bursts.push(burst);
      }, 2000 - 50),
    );
  };
  const stream = setInterval(() => publish('tick'), ROTATION.everyMs);
  const refreshes = () => page.evaluate(() => window.interop.refreshes());
  try {
    // Until the last cycle's swap is over: one socket per refresh plus the first, one still open
    // (and its burst sent).
    await waitUntil(
      async () => {
        const done = await refreshes();
        return (
          done >= ROTATION.cycles &&
          app.sockets.length === done + 1 &&
          app.sockets.filter((s) => !s.closed).length === 1 &&
          (!drainEnd || burstsDone === done)
        );
      },
      `${ROTATION.cycles} rotations done`,
      30_000,
    );
  } finally {
    clearInterval(stream);
    for (const timer of bursts) clearInterval(timer);
    on.beforeSubscribe = null;
  }
  // A last message, on the one socket left: whatever was written before it has arrived once it has.
  const last = publish('last');
  await waitUntil(
    async () => (await channelRecord(page, group)).messages.some((m) => m.id === last.id),
    'the last message',
    5_000,
  );
  const sent = on.published.filter((p) => p.group === group);
  const rec = await record(page);
  await app.context.close();

  const ids = rec.channels[group].messages.map((m) => m.id);
  const counts = new Map();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  const lost = sent.filter((p) => !counts.has(p.id));
  const doubled = [...counts].filter(([, c]) => c > 1).map(([id]) => id);
  const sockets = socketsOf(on, user);
  const conn = (s) => on.connections.find((c) => c.socket === s);
  const swaps = sockets.slice(1).map((s, i) => {
    const old = conn(sockets[i]);
    const subscribedAt = on.groupLog.find((e) => e.socket === s && e.group === group && e.action === 'subscribe')?.at;
    return { from: old.socket, to: s, subscribedAt, oldClosedAt: old.closedAt };
  });
  const figures =
    `${user}: ${sockets.length - 1} swaps, ${sent.length} published, ` +
    `${ids.length} delivered, lost ${lost.length}, doubled ${doubled.length}`;
  // How long the channel showed `joining` at each swap (the successor's subscribe on its way).
  const { states, stateAt } = rec.channels[group];
  const rejoins = states
    .map((s, i) => (s === 'joining' && i > states.indexOf('joined') ? stateAt[i + 1] - stateAt[i] : null))
    .filter((ms) => ms !== null);
  console.log(
    `# ${figures}; channel states ${states.join(' → ')}; joining again for ${rejoins.length ? `${rejoins.join(', ')} ms` : 'no time'}`,
  );
  for (const p of lost) console.log(`#   lost ${p.id} "${p.body}" written to socket(s) ${p.to.join(', ')}`);
  const bySockets = {};
  for (const id of doubled) {
    const key = sent.find((p) => p.id === id).to.join('+');
    bySockets[key] = (bySockets[key] ?? 0) + 1;
  }
  if (doubled.length) console.log(`#   doubled, by the sockets they were written to: ${JSON.stringify(bySockets)}`);
  for (const id of doubled.slice(0, 3)) {
    const { at, to } = sent.find((p) => p.id === id);
    const times = rec.channels[group].messages.filter((m) => m.id === id).map((m) => m.at);
    const closed = on.connections.filter((c) => c.user === user && c.closedAt !== null);
    console.log(
      `#   doubled ${id}: published to socket(s) ${to.join(', ')} at ${at}, delivered at page ms ${times.join(', ')}; ` +
        `sockets closed at ${closed.map((c) => `${c.socket}: ${c.closedAt}`).join(', ')}`,
    );
  }
  return { rec, app, on, group, sent, lost, doubled, sockets, swaps, figures };
}

function assertRotation({ rec, app, on, group, sent, lost, doubled, sockets, swaps, figures }) {
  assert.ok(sockets.length >= ROTATION.cycles + 1, `a new socket per rotation (${figures})`);
  assert.deepEqual(rec.errors, [], `errors$ stayed empty (${figures})`);
  const firstOpen = rec.states.indexOf('open');
  assert.deepEqual(rec.states.slice(firstOpen), ['open'], `open throughout: ${rec.states.join(' → ')}`);
  for (const { from, to, subscribedAt, oldClosedAt } of swaps)
    assert.ok(
      subscribedAt !== undefined && oldClosedAt !== null && subscribedAt < oldClosedAt,
      `socket ${to} subscribed (${subscribedAt}) before socket ${from} closed (${oldClosedAt})`,
    );
  assert.deepEqual(
    perSocket(on, group, 'subscribe'),
    sockets.map((s) => [s, 1]),
    'one subscribe per group per socket',
  );
  assert.ok(
    sent.every((p) => p.to.length >= 1),
    'the group always had one of the sockets subscribed',
  );
  assert.ok(
    rec.channels[group].states.every((s) => s === 'left' || s === 'joining' || s === 'joined'),
    rec.channels[group].states.join(' → '),
  );
  // Joined once, then joined throughout: the membership never lapsed, so no `joining` at a swap.
  const states = rec.channels[group].states;
  assert.deepEqual(states.slice(states.indexOf('joined')), ['joined'], `channel states: ${states.join(' → ')}`);
  assert.deepEqual(app.problems, []);
  assertNoPresence(rec);
  assert.deepEqual(doubled, [], `0 duplicated (${figures})`);
  assert.deepEqual(
    lost.map((p) => p.id),
    [],
    `0 lost (${figures})`,
  );
}

describe('token rotation with a group streaming (ticket mode, make-before-break)', { concurrency: true }, () => {
  test(
    "messages carrying the server's own msg_id (withTokenRotation({ messageId })): nothing lost or doubled across each swap",
    { timeout: 60_000 },
    async () => {
      assertRotation(await rotateWithGroup('msg_id'));
    },
  );
  test('messages carrying id: nothing lost or doubled across each swap', { timeout: 60_000 }, async () => {
    assertRotation(await rotateWithGroup('id'));
  });
  test(
    'messages carrying id, some in flight as the replaced socket closes: nothing lost or doubled',
    { timeout: 60_000 },
    async () => {
      assertRotation(await rotateWithGroup('id', { drainEnd: true }));
    },
  );
});
