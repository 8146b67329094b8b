/**
 * Interleaved rounds, measured in CPU time of the page's renderer main thread (tools/cpu-meter.mjs).
 *
 * Every client (a "spec") is set up once and stays subscribed for the whole figure. A round is a
 * few sub-rounds; a sub-round gives every spec one burst of messages, in a shuffled order (seeded,
 * so a run repeats; shuffled rather than rotated, so no spec always follows the same one), and
 * reads the main thread's CPU time around each burst. A spec's value for the round is the lower
 * quartile of its bursts: on this shared machine other work can only add to a burst's CPU time
 * (its caches evicted, its core shared), never take from it, and bursts that met a busy moment
 * cost up to 2–3× the undisturbed ones; the lower quartile keeps the undisturbed bursts without
 * resting on one lucky burst. A ratio is taken within one round (each round's value over the same
 * round's baseline) and reported as the median with its range over rounds.
 *
 * A spec is `{ key, page, variant, k }`: `page` is a CdpPage with a `cpu` meter (the Angular page
 * or the near-empty one), `variant` and `k` what its `window.bench.prepare…()` takes.
 */
import { median, quantile, shuffled, summary } from './stats.mjs';

/** A round's value per spec: this quantile of its bursts' CPU per message (see above). */
export const ROUND_QUANTILE = 0.25;

/**
 * The CPU time of an empty call (CDP round trip, the page's promise), per page, for the main
 * thread and the whole renderer: subtracted from every burst. The least of five: a collection that
 * happens to fall into one of them is not the call's cost.
 */
async function callOverhead(pages, emptyCall) {
  const out = new Map();
  for (const page of pages) {
    const thread = [];
    const process = [];
    for (let i = 0; i < 5; i++) {
      const c0 = page.cpu.read();
      const p0 = page.cpu.readProcess();
      await emptyCall(page);
      thread.push(page.cpu.read() - c0);
      process.push(page.cpu.readProcess() - p0);
    }
    out.set(page, { thread: Math.min(...thread), process: Math.min(...process) });
  }
  return out;
}

/**
 * Runs the rounds. `kind` is 'network' (`prepare` / `go` / `release`: the server pushes the
 * frames) or 'hot' (`prepareHot` / `hotFeed` / `hotRelease`: a fake socket in the page).
 * `n` messages per burst; `nPerSpec(spec)` may give a spec fewer (a client that is O(K) per message).
 */
async function runRounds(ctx, kind, specs, { rounds, subRounds, n, nPerSpec = () => n, warmupN = 0, label }) {
  const [prepare, burst, release] = kind === 'network' ? ['prepare', 'go', 'release'] : ['prepareHot', 'hotFeed', 'hotRelease'];
  const ids = new Map();
  const pages = [...new Set(specs.map((s) => s.page))];
  try {
    for (const spec of specs) ids.set(spec.key, await spec.page.call(prepare, spec.variant, spec.k ?? 1));
    const anyId = (page) => ids.get(specs.find((s) => s.page === page).key);
    // Warm-up, two bursts each: JIT tiers, inline caches, the young generation's size, the server's cached frames.
    for (let i = 0; i < 2; i++) for (const spec of specs) await spec.page.call(burst, ids.get(spec.key), Math.min(warmupN || nPerSpec(spec), nPerSpec(spec)));
    const perRound = [];
    for (let r = 0; r < rounds; r++) {
      const overhead = await callOverhead(pages, (page) => page.call(burst, anyId(page), 0));
      const samples = Object.fromEntries(specs.map((s) => [s.key, []]));
      for (let sub = 0; sub < subRounds; sub++) {
        for (const spec of shuffled(specs, 1 + r * subRounds + sub)) {
          const m = nPerSpec(spec);
          const { page } = spec;
          const c0 = page.cpu.read();
          const p0 = page.cpu.readProcess();
          const result = await page.call(burst, ids.get(spec.key), m);
          const c1 = page.cpu.read();
          const p1 = page.cpu.readProcess();
          const own = overhead.get(page);
          samples[spec.key].push({ n: m, nsPerMsg: (c1 - c0 - own.thread) / m, processNsPerMsg: (p1 - p0 - own.process) / m, rate: result.rate });
        }
      }
      const round = {};
      for (const spec of specs) {
        const xs = samples[spec.key];
        round[spec.key] = {
          n: xs.reduce((a, x) => a + x.n, 0),
          nsPerMsg: quantile(xs.map((x) => x.nsPerMsg), ROUND_QUANTILE),
          medianNsPerMsg: median(xs.map((x) => x.nsPerMsg)),
          processNsPerMsg: quantile(xs.map((x) => x.processNsPerMsg), ROUND_QUANTILE),
          rate: median(xs.map((x) => x.rate)),
          bursts: xs.map((x) => Math.round(x.nsPerMsg * 10) / 10),
        };
      }
      perRound.push(round);
      ctx.log(`  ${label} round ${r + 1}/${rounds}: ${specs.map((s) => `${s.key} ${Math.round(round[s.key].nsPerMsg)}`).join(', ')} ns/msg`);
    }
    return collect(specs, perRound);
  } finally {
    for (const spec of specs) if (ids.has(spec.key)) await spec.page.call(release, ids.get(spec.key)).catch(() => undefined);
  }
}

/** Over the network: the server pushes each burst; `go(id, n)` returns at the last message delivered. */
export function networkRounds(ctx, specs, options) {
  return runRounds(ctx, 'network', specs, { label: 'network', ...options });
}

/** On the hot path: each burst is fed from pre-built frames in the page, 1 000 per task. */
export function hotRounds(ctx, specs, options) {
  return runRounds(ctx, 'hot', specs, { label: 'hot path', ...options });
}

/** Per spec: every round's values; `ratio(a, b)` gives a/b per round. */
function collect(specs, perRound) {
  const values = (key, field = 'nsPerMsg') => perRound.map((round) => round[key]?.[field]);
  return {
    rounds: perRound.length,
    perRound,
    keys: specs.map((s) => s.key),
    values,
    /** CPU per message of `a` over `b`, per round. */
    ratio: (a, b, field = 'nsPerMsg') => perRound.map((round) => round[a][field] / round[b][field]),
    /**
     * One value per round for several specs that run the same code (a control measured on two
     * sockets): the same quantile over all their bursts together, so the control rests on twice
     * the bursts of a client.
     */
    pooled: (keys) => perRound.map((round) => quantile(keys.flatMap((k) => round[k].bursts), ROUND_QUANTILE)),
    /** CPU per message of `a` over per-round `values` (from `pooled`). */
    ratioTo: (a, values) => perRound.map((round, i) => round[a].nsPerMsg / values[i]),
    summary: (key, field = 'nsPerMsg') => summary(values(key, field)),
  };
}

/** Serialisable form for report.json. */
export function roundsData(result) {
  return { rounds: result.rounds, perRound: result.perRound };
}
