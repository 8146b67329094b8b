// Issue 11, case 3, end to end: the library in real Chromium queues a full outbox (1000 messages,
// its default outboxLimit) before its socket opens, then flushes it at once against the real
// server. With acks and without, every message must be accepted exactly once (counted by the
// server), none expired, and the socket never force-closed.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { openLab, waitUntil } from './support/browser.mjs';
import { serverAndBrowser } from './support/suite.mjs';
import { LAB } from './support/server.mjs';

const OUTBOX = 1000;
const suite = serverAndBrowser({ STATIC_DIR: LAB });

/**
 * One lab client; `OUTBOX` chats sent synchronously (the first send starts the connection, so
 * they all wait in the outbox), then a listener that keeps the chat texts it receives.
 */
async function burst(config, prefix) {
  const lab = await openLab(suite.browser, suite.server.url);
  const { page } = lab;
  await page.evaluate(() => window.lab.login('alice', 'alice'));
  const [id] = await page.evaluate((c) => window.lab.createClients(1, c), config);
  const before = await suite.server.stats();
  const started = performance.now();
  await page.evaluate(
    ([id, prefix, count]) => {
      const client = window.lab.client(id);
      for (let i = 0; i < count; i++) client.send({ type: 'chat', text: `${prefix}-${i}` });
      // The longest main-thread task from here on: the flush, which the library splits into
      // chunks of 100 frames so the page stays responsive (a figure, not a timed assertion).
      window.longestTaskMs = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.longestTaskMs = Math.max(window.longestTaskMs, entry.duration);
      }).observe({ type: 'longtask' });
      client.listen(true);
    },
    [id, prefix, OUTBOX],
  );
  const client = () =>
    page.evaluate((id) => {
      const c = window.lab.client(id);
      return {
        fates: c.fateCounts(),
        closeCodes: c.closeCodes,
        errors: c.errors,
        texts: c.receivedTexts,
        longestTaskMs: window.longestTaskMs,
      };
    }, id);
  await waitUntil(async () => !(await client()).fates.pending, 'every message settled', 90_000);
  await waitUntil(
    async () => (await suite.server.stats()).chatsAccepted - before.chatsAccepted >= OUTBOX,
    'the server accepted them',
    30_000,
  ).catch(() => {});
  const after = await suite.server.stats();
  const seen = await client();
  const ms = performance.now() - started;
  await lab.context.close();
  return {
    ms,
    fates: seen.fates,
    closeCodes: seen.closeCodes,
    errors: seen.errors,
    received: new Set(seen.texts.filter((t) => t.startsWith(`${prefix}-`))).size,
    accepted: after.chatsAccepted - before.chatsAccepted,
    duplicates: after.duplicatesDropped - before.duplicatesDropped,
    problems: lab.problems,
    longestTaskMs: seen.longestTaskMs,
  };
}

test(
  `${OUTBOX} queued messages with acks: each accepted exactly once, acknowledged, none expired, no forced close`,
  { timeout: 150_000 },
  async (t) => {
    const r = await burst({ delivery: { acks: true } }, 'acked');
    t.diagnostic(
      `acks on: ${JSON.stringify(r.fates)}, server accepted ${r.accepted} (+${r.duplicates} duplicates dropped), received back ${r.received}, close codes [${r.closeCodes}], in ${r.ms.toFixed(0)} ms; longest main-thread task meanwhile ${r.longestTaskMs ? `${r.longestTaskMs.toFixed(0)} ms` : 'under 50 ms (no long task)'}`,
    );
    assert.deepEqual(r.fates, { acked: OUTBOX });
    assert.equal(r.accepted, OUTBOX);
    assert.equal(r.duplicates, 0);
    assert.equal(r.received, OUTBOX);
    assert.deepEqual(r.closeCodes, []);
    assert.deepEqual(r.problems, []);
  },
);

test(
  `${OUTBOX} queued messages without acks: each written and accepted exactly once, no forced close`,
  { timeout: 150_000 },
  async (t) => {
    const r = await burst({}, 'unacked');
    t.diagnostic(
      `acks off: ${JSON.stringify(r.fates)}, server accepted ${r.accepted}, received back ${r.received}, close codes [${r.closeCodes}], in ${r.ms.toFixed(0)} ms; longest main-thread task meanwhile ${r.longestTaskMs ? `${r.longestTaskMs.toFixed(0)} ms` : 'under 50 ms (no long task)'}`,
    );
    assert.deepEqual(r.fates, { written: OUTBOX });
    assert.equal(r.accepted, OUTBOX);
    assert.equal(r.received, OUTBOX);
    assert.deepEqual(r.closeCodes, []);
    assert.deepEqual(r.problems, []);
  },
);
