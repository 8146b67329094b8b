/**
 * 5. Memory: JS heap after 10 vs after M create → connect → disconnect → destroy cycles of a
 * service instance, after forced garbage collection, in a browser started with
 * --js-flags=--expose-gc. A raw fetch + WebSocket open/close page runs the same number of cycles
 * for comparison (what the browser itself keeps per socket).
 */
import { openHarness } from '../tools/browser.mjs';
import { diffSnapshots, takeSnapshot } from '../tools/heap-snapshot.mjs';
import { fmt, median, rotate, valueRange, verdict } from '../tools/stats.mjs';

export const name = 'memory';
export const title = 'Memory';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const WARM = 10;

async function heapAfterGc(page) {
  // Let close handshakes finish so their sockets are collectable.
  await sleep(400);
  for (let i = 0; i < 4; i++) {
    await page.send('HeapProfiler.collectGarbage');
    await page.call('gc');
  }
  const usage = await page.send('Runtime.getHeapUsage');
  return usage.usedSize;
}

export async function run(ctx) {
  const { cfg } = ctx;
  const total = cfg.memoryCycles;
  ctx.log(`5. memory: ${WARM} vs ${total} cycles, ${cfg.memoryRuns} runs (own Chromium with --expose-gc)`);
  const session = await ctx.launchBrowser({ exposeGc: true });
  const runs = [];
  let snapshotDiff = null;
  try {
    for (let r = 0; r < cfg.memoryRuns; r++) {
      const out = {};
      for (const variant of rotate(['lib', 'raw'], r)) {
        const page = await openHarness(session, ctx.server.baseUrl);
        try {
          await page.send('HeapProfiler.enable');
          // The last run of the service also takes heap snapshots: what the growth consists of.
          const diagnose = variant === 'lib' && r === cfg.memoryRuns - 1;
          await page.call('cycles', variant, WARM);
          const afterWarm = await heapAfterGc(page);
          const before = diagnose ? await takeSnapshot(page) : null;
          const started = Date.now();
          await page.call('cycles', variant, total - WARM);
          const seconds = (Date.now() - started) / 1000;
          const afterAll = await heapAfterGc(page);
          out[variant] = { afterWarm, afterAll, perCycle: (afterAll - afterWarm) / (total - WARM), seconds };
          if (diagnose) snapshotDiff = diffSnapshots(before, await takeSnapshot(page), total - WARM, 12);
        } finally {
          await page.close();
        }
      }
      runs.push(out);
      ctx.log(`  run ${r + 1}/${cfg.memoryRuns}: lib ${out.lib.perCycle.toFixed(0)} B/cycle, raw ${out.raw.perCycle.toFixed(0)} B/cycle`);
    }
  } finally {
    await session.close();
  }
  const lib = median(runs.map((x) => x.lib.perCycle));
  const raw = median(runs.map((x) => x.raw.perCycle));
  const rows = [
    {
      id: '5',
      figure: `Heap growth per service cycle (${WARM} → ${total} cycles)`,
      result: valueRange(runs.map((x) => x.lib.perCycle), (v) => `${v.toFixed(0)} B/cycle`),
      baseline: `raw socket ${raw.toFixed(0)} B/cycle`,
      ratio: '—',
      target: '≤ 1 024 B/cycle',
      status: verdict(runs.map((x) => x.lib.perCycle), '<=', 1024),
    },
  ];
  const markdown = `
### 5. Memory

A fresh page per variant and run. Each cycle creates an environment injector with
\`provideAuthSocket\`, subscribes \`messages$\`, waits for \`open\` (ticket mode), unsubscribes, calls
\`disconnect()\` and destroys the injector. The raw baseline fetches a ticket, opens a WebSocket and
closes it. Heap = \`Runtime.getHeapUsage().usedSize\` after four rounds of
\`HeapProfiler.collectGarbage\` + \`gc()\`, 400 ms after the last cycle.

| run | variant | heap after ${WARM} | heap after ${total} | growth per cycle | time for ${total - WARM} cycles |
|---:|---|---:|---:|---:|---:|
${runs.flatMap((x, i) => ['lib', 'raw'].map((v) => `| ${i + 1} | ${v === 'lib' ? 'AuthSocketService' : 'raw fetch + WebSocket'} | ${fmt.bytes(x[v].afterWarm)} | ${fmt.bytes(x[v].afterAll)} | ${x[v].perCycle.toFixed(0)} B | ${x[v].seconds.toFixed(1)} s |`)).join('\n')}

Median growth: service ${lib.toFixed(0)} B per cycle, raw ${raw.toFixed(0)} B per cycle.
${snapshotDiff ? `
What grew, from heap snapshots taken in the last service run after ${WARM} and after ${total} cycles (by
V8 node type or constructor; \`(code)\` is compiled code and bytecode, which grows while the
optimising tiers warm up on the ever-hotter service code and is not retained by the service;
\`(native)\` entries are mostly Blink objects outside the V8 heap that the figure measures):

| what | count added per cycle | bytes added per cycle |
|---|---:|---:|
${snapshotDiff.map((d) => `| ${d.key.replace(/\|/g, '\\|')} | ${d.perCycleCount.toFixed(2)} | ${d.perCycleBytes.toFixed(1)} |`).join('\n')}

JavaScript objects retained by the service would show up here as \`Object\`, \`(closure)\`, \`Subscriber\`,
\`SocketConnection\`… with a count of about 1 per cycle.
` : ''}`;
  return { name, title, rows, markdown, data: { warm: WARM, total, runs, libPerCycle: lib, rawPerCycle: raw, snapshotDiff } };
}
