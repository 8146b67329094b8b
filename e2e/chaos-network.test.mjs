// Chaos: requests across drops, a crowd of clients dropped at once (jitter spread), and a server
// that stops answering (heartbeat).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { launchBrowser, openLab, waitUntil } from './support/browser.mjs';
import { LAB, ServerProcess } from './support/server.mjs';

const server = new ServerProcess({ STATIC_DIR: LAB });
let browser;

before(async () => {
  await server.start();
  browser = await launchBrowser();
});

after(async () => {
  server.resume();
  await browser?.close();
  await server.stop();
});

async function labWithClients(count, config) {
  const lab = await openLab(browser, server.url);
  await lab.page.evaluate(() => window.lab.login('alice', 'alice'));
  const ids = await lab.page.evaluate(([n, c]) => window.lab.createClients(n, c), [count, config]);
  await lab.page.evaluate((ids) => ids.forEach((id) => window.lab.client(id).listen()), ids);
  await waitUntil(
    async () => (await lab.page.evaluate(() => window.lab.kinds())).every((k) => k === 'open'),
    'all clients open',
    60_000,
  );
  return { ...lab, ids };
}

test(
  'connection dropped mid-request: each request succeeds after the reconnect or fails typed, never hangs',
  { timeout: 120_000 },
  async () => {
    const config = { reconnect: { initialDelayMs: 50, maxDelayMs: 300 }, requests: { timeoutMs: 4000 } };
    const withAcks = await labWithClients(1, { ...config, delivery: { acks: true } });
    const without = await labWithClients(1, config);
    const fire = (lab) =>
      lab.page.evaluate(
        (id) =>
          Promise.all(
            Array.from({ length: 20 }, (_, i) => window.lab.client(id).request({ type: 'echo', payload: i }, 4000)),
          ),
        lab.ids[0],
      );
    const inflightA = fire(withAcks);
    const inflightB = fire(without);
    await server.control({ kickAll: true });
    const [a, b] = await Promise.all([inflightA, inflightB]);
    for (const outcome of [...a, ...b]) {
      assert.ok(
        outcome.ok || ['request-interrupted', 'request-timeout'].includes(outcome.code),
        JSON.stringify(outcome),
      );
      assert.ok(outcome.ms < 4500, `settled in ${outcome.ms} ms`);
    }
    assert.ok(
      a.every((o) => o.ok),
      'with acks every request is answered after the reconnect',
    );
    assert.deepEqual([...withAcks.problems, ...without.problems], []);
    await withAcks.context.close();
    await without.context.close();
  },
);

test('200 clients dropped at once reconnect spread by jitter', { timeout: 180_000 }, async () => {
  const CLIENTS = 200;
  const WINDOW_MS = 100;
  const MAX_SHARE = Number(process.env.CHAOS_MAX_WINDOW_SHARE ?? 0.25);
  const crowd = await labWithClients(CLIENTS, { reconnect: { initialDelayMs: 1000, maxDelayMs: 5000 } });
  const kickedAt = await crowd.page.evaluate(() => performance.now());
  await server.control({ kickAll: true });
  // When each client started its reconnect attempt (left the backoff), relative to the kick.
  const reconnectStarts = () =>
    crowd.page.evaluate(
      ([ids, t0]) =>
        ids.map((id) => {
          const t = window.lab.client(id).transitions.find((x) => x.t > t0 && x.kind === 'fetching-ticket');
          return t ? t.t - t0 : null;
        }),
      [crowd.ids, kickedAt],
    );
  await waitUntil(
    async () => (await reconnectStarts()).every((s) => s !== null),
    'every client attempted a reconnect',
    60_000,
  );
  await waitUntil(
    async () => (await crowd.page.evaluate(() => window.lab.kinds())).every((k) => k === 'open'),
    'all reconnected',
    60_000,
  );
  const starts = await reconnectStarts();
  const windows = new Map();
  for (const s of starts) windows.set(Math.floor(s / WINDOW_MS), (windows.get(Math.floor(s / WINDOW_MS)) ?? 0) + 1);
  const histogram = [...windows].sort((a, b) => a[0] - b[0]);
  const busiest = Math.max(...windows.values());
  mkdirSync('e2e/artifacts', { recursive: true });
  const lines = histogram.map(([w, n]) => `| ${w * WINDOW_MS}–${(w + 1) * WINDOW_MS} ms | ${n} | ${'█'.repeat(n)} |`);
  writeFileSync(
    'e2e/artifacts/reconnect-spread.md',
    `# Reconnect spread: ${CLIENTS} clients kicked at once\n\nFull jitter, initialDelayMs 1000. Busiest ${WINDOW_MS} ms window: ${busiest} clients (${((busiest / CLIENTS) * 100).toFixed(1)} %), limit ${MAX_SHARE * 100} %.\n\n| window | attempts | |\n|---|---|---|\n${lines.join('\n')}\n`,
  );
  writeFileSync(
    'e2e/artifacts/reconnect-spread.json',
    JSON.stringify({ clients: CLIENTS, windowMs: WINDOW_MS, startsMs: starts, histogram }, null, 2),
  );
  console.log(`# crowd: busiest ${WINDOW_MS} ms window held ${busiest}/${CLIENTS} reconnects`);
  assert.ok(busiest / CLIENTS <= MAX_SHARE, `busiest window held ${busiest} of ${CLIENTS}`);
  assert.deepEqual(crowd.problems, []);
  await crowd.context.close();
});

test(
  'a server that stops answering (SIGSTOP) is detected within the heartbeat deadline',
  { timeout: 60_000 },
  async () => {
    const INTERVAL = 500;
    const TIMEOUT = 500;
    const lab = await labWithClients(1, {
      heartbeat: { intervalMs: INTERVAL, timeoutMs: TIMEOUT },
      reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
    });
    const [id] = lab.ids;
    const pausedAt = await lab.page.evaluate(() => performance.now());
    server.pause();
    try {
      await waitUntil(
        () => lab.page.evaluate((id) => window.lab.client(id).socket.state().kind !== 'open', id),
        'dead connection noticed',
        10_000,
      );
    } finally {
      server.resume();
    }
    const detectedAfter = await lab.page.evaluate(
      ([id, t0]) => window.lab.client(id).transitions.find((x) => x.t > t0 && x.kind !== 'open').t - t0,
      [id, pausedAt],
    );
    const errors = await lab.page.evaluate((id) => window.lab.client(id).errors, id);
    assert.ok(errors.includes('heartbeat-timeout'), errors.join());
    assert.ok(detectedAfter <= INTERVAL + TIMEOUT + 300, `detected after ${detectedAfter.toFixed(0)} ms`);
    await waitUntil(
      () => lab.page.evaluate((id) => window.lab.client(id).socket.state().kind === 'open', id),
      'back online',
      20_000,
    );
    await lab.context.close();
  },
);
