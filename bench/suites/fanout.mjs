/**
 * 2. Typed fan-out: the stream spread round-robin over K types t0…t{K-1}, one subscriber per type.
 * AuthSocketService.on(type) vs rxjs webSocket + filter per subscriber vs a raw WebSocket
 * dispatching through a Map, in main-thread CPU per message: over the network (K = 1 and the
 * largest K) and on the hot path (every K).
 */
import { hotRounds, networkRounds, roundsData } from '../tools/rounds.mjs';
import { ratioRange, valueRange, verdict } from '../tools/stats.mjs';
import { COLORS, lineChart } from '../tools/svg.mjs';

export const name = 'fanout';
export const title = 'Typed fan-out';

const VARIANTS = ['raw-map', 'lib-on', 'rxjs-filter'];
const LABEL = { 'raw-map': 'raw handler + Map dispatch', 'lib-on': '**ngx-auth-socket** `on(type)`', 'rxjs-filter': 'rxjs `webSocket` + `filter` per subscriber' };
const COLOR = { 'raw-map': COLORS.raw, 'lib-on': COLORS.lib, 'rxjs-filter': COLORS.rxjs };
/** The fan-out target of issue 5, "K=1000 ≥ 0.8× the msgs/s of K=1", in CPU per message. */
const TARGET = 1 / 0.8;

const ns = (v) => `${Math.round(v).toLocaleString('en-US')} ns`;
const µs = (v) => `${(v / 1000).toFixed(2)} µs`;
const key = (v, k) => `${v}@${k}`;

/** rxjs with a filter per subscriber is O(K) per message: it gets fewer frames at large K. */
const fewerForRxjs = (n) => (spec) => (spec.variant === 'rxjs-filter' && spec.k >= 100 ? Math.max(1000, Math.round((n * 10) / spec.k)) : n);

export async function run(ctx) {
  const { cfg } = ctx;
  const page = ctx.pages.harness;
  const kMax = cfg.ks[cfg.ks.length - 1];
  const netKs = [1, kMax];
  ctx.log(`2. fan-out over the network: K=${netKs.join('/')}, ${cfg.fanoutRounds} rounds × ${cfg.fanoutSubRounds} bursts of ${cfg.fanoutBurstN}`);
  const network = await networkRounds(
    ctx,
    netKs.flatMap((k) => VARIANTS.map((v) => ({ key: key(v, k), page, variant: v, k }))),
    {
      rounds: cfg.fanoutRounds,
      subRounds: cfg.fanoutSubRounds,
      n: cfg.fanoutBurstN,
      nPerSpec: (s) => (s.variant === 'rxjs-filter' && s.k >= 100 ? Math.round(cfg.fanoutBurstN / 2) : cfg.fanoutBurstN),
      label: 'fan-out',
    },
  );
  ctx.log(`2b. fan-out on the hot path: K=${cfg.ks.join('/')}, ${cfg.hotRounds} rounds × ${cfg.hotSubRounds} bursts of ${cfg.hotFanoutBurstN}`);
  const hot = await hotRounds(
    ctx,
    cfg.ks.flatMap((k) => VARIANTS.map((v) => ({ key: key(v, k), page, variant: v, k }))),
    { rounds: cfg.hotRounds, subRounds: cfg.hotSubRounds, n: cfg.hotFanoutBurstN, nPerSpec: fewerForRxjs(cfg.hotFanoutBurstN), label: 'fan-out hot path' },
  );

  const libK = network.ratio(key('lib-on', kMax), key('lib-on', 1));
  const rows = [
    {
      id: '2',
      figure: `Fan-out over the network: on(type) CPU per message with K=${kMax} types vs K=1`,
      result: µs(network.summary(key('lib-on', kMax)).median),
      baseline: `K=1 ${µs(network.summary(key('lib-on', 1)).median)}`,
      ratio: ratioRange(libK),
      target: `≤ ${TARGET.toFixed(2)}× (issue 5: ≥ 0.8× the rate)`,
      status: verdict(libK, '<=', TARGET),
    },
    {
      id: '2',
      figure: `Fan-out K=${kMax}: on(type) vs raw Map dispatch`,
      result: µs(network.summary(key('lib-on', kMax)).median),
      baseline: `raw ${µs(network.summary(key('raw-map', kMax)).median)}`,
      ratio: ratioRange(network.ratio(key('lib-on', kMax), key('raw-map', kMax))),
      target: '—',
      status: 'info',
    },
    {
      id: '2',
      figure: `Fan-out K=${kMax}: rxjs filter per subscriber vs K=1`,
      result: µs(network.summary(key('rxjs-filter', kMax)).median),
      baseline: `K=1 ${µs(network.summary(key('rxjs-filter', 1)).median)}`,
      ratio: ratioRange(network.ratio(key('rxjs-filter', kMax), key('rxjs-filter', 1))),
      target: '—',
      status: 'info',
    },
    {
      id: '2b',
      figure: `Hot path fan-out: on(type) K=${kMax} vs K=1`,
      result: ns(hot.summary(key('lib-on', kMax)).median),
      baseline: `K=1 ${ns(hot.summary(key('lib-on', 1)).median)}`,
      ratio: ratioRange(hot.ratio(key('lib-on', kMax), key('lib-on', 1))),
      target: '—',
      status: 'info',
    },
  ];

  const table = (m, ks, unit) =>
    [
      `| variant | ${ks.map((k) => `K=${k}`).join(' | ')} | K=${kMax} ÷ K=1 | ÷ raw at K=${kMax} |`,
      `|---|${ks.map(() => '---:').join('|')}|---:|---:|`,
      ...VARIANTS.map(
        (v) =>
          `| ${LABEL[v]} | ${ks.map((k) => valueRange(m.values(key(v, k)), unit)).join(' | ')} | ${ratioRange(m.ratio(key(v, kMax), key(v, 1)))} | ${v === 'raw-map' ? '1.00×' : ratioRange(m.ratio(key(v, kMax), key('raw-map', kMax)))} |`,
      ),
    ].join('\n');

  const svg = lineChart({
    title: 'Typed fan-out: main-thread CPU per message, one subscriber per type (median of rounds)',
    xLabels: cfg.ks.map((k) => `K=${k}`),
    xTitle: 'number of types K (one subscriber each)',
    yTitle: 'ns of main-thread CPU per message',
    panels: [{ title: 'hot path, fake socket', series: VARIANTS.map((v) => ({ name: LABEL[v].replace(/\*\*|`/g, '').replace(' per subscriber', ''), color: COLOR[v], values: cfg.ks.map((k) => hot.summary(key(v, k)).median) })) }],
  });

  const markdown = `
### 2. Typed fan-out

Frames spread round-robin over K types; one subscriber per type (so each message reaches exactly
one subscriber). Main-thread CPU per message, measured as in figure 1 (bursts interleaved client by
client, a round's value the lower quartile of its bursts): median (min–max) of ${cfg.fanoutRounds} rounds over the
network and ${cfg.hotRounds} on the hot path; ratios are per round. rxjs with a \`filter\` per subscriber runs
every filter for every message, so at K ≥ 100 it gets fewer frames per round.

Over the network (${cfg.fanoutSubRounds} bursts of ${cfg.fanoutBurstN.toLocaleString('en-US')} messages per round):

${table(network, netKs, µs)}

Hot path, fake socket (${cfg.hotSubRounds} bursts of ${cfg.hotFanoutBurstN.toLocaleString('en-US')} frames per round):

${table(hot, cfg.ks, ns)}

![fan-out](fanout.svg)
`;
  return {
    name,
    title,
    rows,
    markdown,
    plots: [{ file: 'fanout.svg', svg }],
    data: { network: { burstN: cfg.fanoutBurstN, ks: netKs, ...roundsData(network) }, hot: { burstN: cfg.hotFanoutBurstN, ks: cfg.ks, ...roundsData(hot) } },
  };
}
