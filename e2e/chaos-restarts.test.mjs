// Chaos: 100 SIGKILL/restart cycles of the server while a page streams acknowledged messages.
// Every message must end acknowledged exactly once (server-side journal counts), none lost, none
// duplicated, and no ticket presented twice.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, openLab, waitUntil } from './support/browser.mjs';
import { LAB, ServerProcess } from './support/server.mjs';

const CYCLES = Number(process.env.CHAOS_CYCLES ?? 100);
const server = new ServerProcess({ STATIC_DIR: LAB });
const journal = join(server.dir, 'journal.jsonl');
let browser;

before(async () => {
  await server.start({ JOURNAL: journal });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server.stop();
});

const FAST = {
  delivery: { acks: true, messageTtlMs: 300_000 },
  ticketTimeoutMs: 2000,
  connectTimeoutMs: 2000,
  reconnect: { initialDelayMs: 50, maxDelayMs: 400, resetAfterMs: 500 },
};

test(
  `${CYCLES} kill/restart cycles during a steady stream: every message acknowledged exactly once`,
  { timeout: 600_000 },
  async () => {
    const lab = await openLab(browser, server.url);
    const { page } = lab;
    await page.evaluate(() => window.lab.login('alice', 'alice'));
    const [id] = await page.evaluate((config) => window.lab.createClients(1, config), FAST);
    await page.evaluate((id) => {
      const c = window.lab.client(id);
      c.listen();
      c.stream('m', 1_000_000, 10);
    }, id);
    const acked = () => page.evaluate((id) => window.lab.client(id).fateCounts().acked ?? 0, id);
    const isOpen = () => page.evaluate((id) => window.lab.client(id).socket.state().kind === 'open', id);

    let rejected = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      await waitUntil(isOpen, `open before cycle ${cycle}`, 30_000);
      const before = await acked();
      await waitUntil(async () => (await acked()) > before, `progress in cycle ${cycle}`, 30_000);
      rejected += (await server.stats()).ticketsRejected;
      await server.kill('SIGKILL');
      await server.start({ JOURNAL: journal });
    }
    await page.evaluate((id) => window.lab.client(id).stopStream(), id);
    await waitUntil(
      async () => {
        const counts = await page.evaluate((id) => window.lab.client(id).fateCounts(), id);
        return !counts.pending;
      },
      'every message settled',
      60_000,
    );
    const counts = await page.evaluate((id) => window.lab.client(id).fateCounts(), id);
    rejected += (await server.stats()).ticketsRejected;

    // Client side: every message acknowledged, none failed.
    assert.deepEqual(Object.keys(counts), ['acked'], JSON.stringify(counts));
    const sent = counts.acked;
    assert.ok(sent > CYCLES, `sent ${sent} messages`);

    // Server side: the journal holds each message exactly once.
    const texts = readFileSync(journal, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).text);
    const seen = new Map();
    for (const t of texts) seen.set(t, (seen.get(t) ?? 0) + 1);
    const duplicated = [...seen].filter(([, n]) => n > 1);
    assert.deepEqual(duplicated, [], 'no message processed twice');
    for (let i = 1; i <= sent; i++) assert.ok(seen.has(`m-${i}`), `m-${i} processed`);
    assert.equal(texts.length, sent);

    // Tickets: each socket presented a different one; no process ever refused a reused ticket.
    const tickets = lab.sockets.map((s) => new URL(s.url).searchParams.get('ticket'));
    assert.equal(new Set(tickets).size, tickets.length);
    assert.ok(tickets.length >= CYCLES + 1);
    assert.equal(rejected, 0);
    assert.deepEqual(lab.problems, []);
    console.log(`# chaos: ${CYCLES} restarts, ${sent} messages, ${tickets.length} sockets, all acknowledged once`);
    await lab.context.close();
  },
);
