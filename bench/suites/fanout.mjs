/**
 * 2. Typed fan-out: the stream spread round-robin over K types t0…t{K-1}, one subscriber per
 * type, K = 1, 10, 100, 1000. AuthSocketService.on(type) vs rxjs webSocket + filter per
 * subscriber vs a raw WebSocket dispatching through a Map. Over the network and on the hot path.
 */
import { profile, summarise } from '../tools/cpu-profile.mjs';
import { fmt, median, rotate } from '../tools/stats.mjs';
import { COLORS, lineChart } from '../tools/svg.mjs';

export const name = 'fanout';
export const title = 'Typed fan-out';

const VARIANTS = ['raw-map', 'lib-on', 'rxjs-filter'];
const LABEL = { 'raw-map': 'raw WebSocket + Map dispatch', 'lib-on': 'AuthSocketService.on(type)', 'rxjs-filter': 'rxjs webSocket + filter per subscriber' };
const COLOR = { 'raw-map': COLORS.raw, 'lib-on': COLORS.lib, 'rxjs-filter': COLORS.rxjs };

async function measure(ctx, method, n) {
  const ks = ctx.cfg.ks;
  for (const v of VARIANTS) await ctx.page.call(method, v, Math.min(n, 10_000), 10);
  const runs = [];
  for (let r = 0; r < ctx.cfg.runs; r++) {
    const rates = Object.fromEntries(VARIANTS.map((v) => [v, {}]));
    for (const k of rotate(ks, r)) {
      for (const v of rotate(VARIANTS, r)) {
        await ctx.collectGarbage(ctx.page);
        rates[v][k] = (await ctx.page.call(method, v, n, k)).rate;
      }
    }
    runs.push(rates);
    ctx.log(`  ${method} run ${r + 1}/${ctx.cfg.runs}: ` + ks.map((k) => `K=${k} ${VARIANTS.map((v) => Math.round(rates[v][k] / 1000) + 'k').join('/')}`).join(', '));
  }
  const med = (f) => median(runs.map(f));
  const out = { n, ks, runs, rate: {}, vsK1: {}, vsRaw: {} };
  for (const v of VARIANTS) {
    out.rate[v] = Object.fromEntries(ks.map((k) => [k, med((x) => x[v][k])]));
    out.vsK1[v] = Object.fromEntries(ks.map((k) => [k, med((x) => x[v][k] / x[v][ks[0]])]));
    out.vsRaw[v] = Object.fromEntries(ks.map((k) => [k, med((x) => x[v][k] / x['raw-map'][k])]));
  }
  return out;
}

/**
 * 2b: every (variant, K) set up at once on fake sockets, rounds through all of them back to back,
 * so "K=1000 vs K=1" is a ratio of neighbouring measurements. rxjs with a filter per subscriber
 * costs O(K) per message: it gets fewer frames per round at large K (rates are per message).
 */
async function measureHot(ctx) {
  const { cfg, page } = ctx;
  const ks = cfg.ks;
  const n = cfg.hotFanoutRoundN;
  const specs = ks.flatMap((k) => VARIANTS.map((v) => [v, k, v === 'rxjs-filter' && k >= 100 ? Math.max(1000, Math.round((n * 10) / k)) : n]));
  await page.call('hotPathRounds', VARIANTS.map((v) => [v, 10, 5_000]), 1);
  const runs = [];
  for (let r = 0; r < cfg.runs; r++) {
    await ctx.collectGarbage(page);
    const rounds = await page.call('hotPathRounds', rotate(specs, r * 5), cfg.hotRounds);
    const rates = Object.fromEntries(VARIANTS.map((v) => [v, Object.fromEntries(ks.map((k) => [k, median(rounds[`${v}@${k}`])]))]));
    const paired = (v, k, w, k2) => median(rounds[`${v}@${k}`].map((x, i) => x / rounds[`${w}@${k2}`][i]));
    const vsK1 = Object.fromEntries(VARIANTS.map((v) => [v, Object.fromEntries(ks.map((k) => [k, paired(v, k, v, ks[0])]))]));
    const vsRaw = Object.fromEntries(VARIANTS.map((v) => [v, Object.fromEntries(ks.map((k) => [k, paired(v, k, 'raw-map', k)]))]));
    runs.push({ rates, vsK1, vsRaw });
    ctx.log(`  hot path run ${r + 1}/${cfg.runs}: ` + ks.map((k) => `K=${k} ${VARIANTS.map((v) => Math.round(rates[v][k] / 1000) + 'k').join('/')}`).join(', '));
  }
  const med = (f) => median(runs.map(f));
  const out = { perRound: n, ks, runs, rate: {}, vsK1: {}, vsRaw: {} };
  for (const v of VARIANTS) {
    out.rate[v] = Object.fromEntries(ks.map((k) => [k, med((x) => x.rates[v][k])]));
    out.vsK1[v] = Object.fromEntries(ks.map((k) => [k, med((x) => x.vsK1[v][k])]));
    out.vsRaw[v] = Object.fromEntries(ks.map((k) => [k, med((x) => x.vsRaw[v][k])]));
  }
  return out;
}

export async function run(ctx) {
  const { cfg } = ctx;
  ctx.log(`2. fan-out: N=${cfg.fanoutN}, K=${cfg.ks.join('/')}, ${cfg.runs} runs`);
  const network = await measure(ctx, 'receive', cfg.fanoutN);
  ctx.log(`2b. fan-out on the hot path: ${cfg.hotRounds} rounds × ${cfg.hotFanoutRoundN} per (variant, K) per run`);
  const hot = await measureHot(ctx);
  const kMax = cfg.ks[cfg.ks.length - 1];

  await ctx.collectGarbage(ctx.page);
  const { raw } = await profile(ctx.page, () => ctx.page.call('hotPath', 'lib-on', cfg.hotProfileN, kMax));
  const hotProfile = summarise(raw, ctx.harnessMap);
  await ctx.collectGarbage(ctx.page);
  const { raw: raw1 } = await profile(ctx.page, () => ctx.page.call('hotPath', 'lib-on', cfg.hotProfileN, 1));
  const hotProfileK1 = summarise(raw1, ctx.harnessMap);

  const libK = network.vsK1['lib-on'][kMax];
  const rows = [
    {
      id: '2',
      figure: `Fan-out: on(type) with K=${kMax} vs K=1`,
      result: fmt.rate(network.rate['lib-on'][kMax]),
      baseline: `K=1 ${fmt.rate(network.rate['lib-on'][1])}`,
      ratio: fmt.ratio(libK),
      target: '≥ 0.80×',
      status: libK >= 0.8 ? 'pass' : 'miss',
      near: Math.abs(libK - 0.8) < 0.02,
    },
    {
      id: '2',
      figure: `Fan-out K=${kMax}: on(type) vs raw Map dispatch`,
      result: fmt.rate(network.rate['lib-on'][kMax]),
      baseline: `raw ${fmt.rate(network.rate['raw-map'][kMax])}`,
      ratio: fmt.ratio(network.vsRaw['lib-on'][kMax]),
      target: '—',
      status: 'info',
    },
    {
      id: '2',
      figure: `Fan-out K=${kMax}: rxjs filter per subscriber vs K=1`,
      result: fmt.rate(network.rate['rxjs-filter'][kMax]),
      baseline: `K=1 ${fmt.rate(network.rate['rxjs-filter'][1])}`,
      ratio: fmt.ratio(network.vsK1['rxjs-filter'][kMax]),
      target: '—',
      status: 'info',
    },
    {
      id: '2b',
      figure: `Hot path fan-out: on(type) K=${kMax} vs K=1`,
      result: fmt.rate(hot.rate['lib-on'][kMax]),
      baseline: `K=1 ${fmt.rate(hot.rate['lib-on'][1])}`,
      ratio: fmt.ratio(hot.vsK1['lib-on'][kMax]),
      target: '(≥ 0.80×)',
      status: 'info',
    },
  ];

  const table = (m) =>
    [
      `| variant | ${m.ks.map((k) => `K=${k}`).join(' | ')} | K=${kMax} vs K=1 | vs raw at K=${kMax} |`,
      `|---|${m.ks.map(() => '---:').join('|')}|---:|---:|`,
      ...VARIANTS.map((v) => `| ${LABEL[v]} | ${m.ks.map((k) => fmt.rate(m.rate[v][k])).join(' | ')} | ${fmt.ratio(m.vsK1[v][kMax])} | ${fmt.ratio(m.vsRaw[v][kMax])} |`),
    ].join('\n');

  const svg = lineChart({
    title: 'Typed fan-out: messages/s with one subscriber per type (median)',
    xLabels: cfg.ks.map((k) => `K=${k}`),
    xTitle: 'number of types K (one subscriber each)',
    yTitle: 'messages per second',
    panels: [
      { title: `over the network (N=${network.n.toLocaleString('en-US')})`, series: VARIANTS.map((v) => ({ name: LABEL[v].replace(' per subscriber', ''), color: COLOR[v], values: cfg.ks.map((k) => network.rate[v][k]) })) },
      { title: 'hot path, fake socket (median of rounds)', series: VARIANTS.map((v) => ({ name: LABEL[v].replace(' per subscriber', ''), color: COLOR[v], values: cfg.ks.map((k) => hot.rate[v][k]) })) },
    ],
  });

  const top = (p, n) =>
    [
      '| self time | per message | function |',
      '|---:|---:|---|',
      ...p.functions
        .filter((f) => f.category !== 'idle')
        .slice(0, 12)
        .map((f) => `| ${f.ms.toFixed(1)} ms | ${Math.round((f.ms * 1e6) / n)} ns | ${f.category === 'ngx-auth-socket' ? `\`${f.key}\`` : f.key} |`),
    ].join('\n');

  const markdown = `
### 2. Typed fan-out

Frames spread round-robin over K types; one subscriber per type (so each message reaches exactly
one subscriber). Median messages/s of ${cfg.runs} interleaved runs; ratios are medians of per-run ratios.

![fan-out](fanout.svg)

Over the network (N=${network.n.toLocaleString('en-US')}):

${table(network)}

Hot path, fake socket: every (variant, K) pair set up at once, ${cfg.hotRounds} rounds per run of
${hot.perRound.toLocaleString('en-US')} frames to each pair back to back (fewer for rxjs at K ≥ 100, whose cost grows with K);
rates are medians of rounds, ratios medians of per-round ratios:

${table(hot)}

Hot-path profile of on(type), K=${kMax} vs K=1 (${cfg.hotProfileN.toLocaleString('en-US')} messages each; the gap between the two is
what a thousand routes cost):

K=${kMax}:

${top(hotProfile, cfg.hotProfileN)}

K=1:

${top(hotProfileK1, cfg.hotProfileN)}
`;
  return {
    name,
    title,
    rows,
    markdown,
    plots: [{ file: 'fanout.svg', svg }],
    data: { network, hot, hotProfileKMax: { categories: hotProfile.categories, top: hotProfile.functions.slice(0, 25) }, hotProfileK1: { categories: hotProfileK1.categories, top: hotProfileK1.functions.slice(0, 25) } },
  };
}
