/**
 * 6. Channels (issue 14):
 * - 6a. Re-join after a reconnect: a service with K (1000) channels joined on one socket; the bench
 *   server drops the socket; from the new socket's `open` to the K-th `joined`. Baseline: a raw
 *   WebSocket that sends the same K join frames right at its `open`, in the same rounds.
 * - 6b. Dispatch: main-thread CPU per message of `channel(name).messages$` vs `on(type)`, with
 *   K = 1 and K = 1000 channels (or types) and one subscriber each, over the network and on the
 *   hot path, in the same rounds.
 */
import { profile, summarise } from '../tools/cpu-profile.mjs';
import { hotRounds, networkRounds, roundsData } from '../tools/rounds.mjs';
import { rotate, ratioRange, summary, valueRange } from '../tools/stats.mjs';

export const name = 'channels';
export const title = 'Channels';

const ns = (v) => `${Math.round(v).toLocaleString('en-US')} ns`;
const µs = (v) => `${(v / 1000).toFixed(2)} µs`;
const ms = (v) => `${v.toFixed(1)} ms`;
const key = (v, k) => `${v}@${k}`;
const VARIANTS = ['lib-on', 'lib-channel'];
const LABEL = { 'lib-on': '`on(type)`, one subscriber per type', 'lib-channel': '`channel(name).messages$`, one subscriber per channel' };

async function rejoin(ctx) {
  const { cfg } = ctx;
  const page = ctx.pages.harness;
  const k = cfg.rejoinChannels;
  // Reconnect right away: the figure starts at the new socket's open, the backoff is not part of it.
  const id = await page.call('rejoinArm', k, { reconnect: { initialDelayMs: 20, factor: 1, maxDelayMs: 20 } });
  const cycles = [];
  let rejoinProfile = null;
  try {
    await page.call('rejoinRaw', k); // warm-up of the raw path
    for (let c = 0; c < cfg.rejoinCycles; c++) {
      const cycle = {};
      for (const v of rotate(['lib', 'raw'], c)) {
        await page.send('HeapProfiler.collectGarbage');
        const c0 = page.cpu.read();
        cycle[v] = v === 'lib' ? await page.call('rejoinCycle', id) : await page.call('rejoinRaw', k);
        cycle[v].cpuMs = (page.cpu.read() - c0) / 1e6;
      }
      cycle.ratio = cycle.lib.openToAllJoinedMs / cycle.raw.openToAllJoinedMs;
      cycle.cpuRatio = cycle.lib.cpuMs / cycle.raw.cpuMs;
      cycles.push(cycle);
      ctx.log(
        `  re-join ${c + 1}/${cfg.rejoinCycles}: ${k} channels joined ${ms(cycle.lib.openToAllJoinedMs)} after the new socket's open (raw ${ms(cycle.raw.openToAllJoinedMs)}); main-thread CPU ${ms(cycle.lib.cpuMs)} (raw ${ms(cycle.raw.cpuMs)}); reconnect took ${ms(cycle.lib.dropToOpenMs)}`,
      );
    }
    // Where the library's main-thread time goes in one more cycle (not counted above).
    await page.send('HeapProfiler.collectGarbage');
    const { raw } = await profile(page, () => page.call('rejoinCycle', id), 50);
    rejoinProfile = summarise(raw, ctx.harnessMap);
  } finally {
    await page.call('rejoinDispose', id);
  }
  return { channels: k, cycles, profile: rejoinProfile };
}

export async function run(ctx) {
  const { cfg } = ctx;
  const page = ctx.pages.harness;
  ctx.log(`6a. channels re-joined after a reconnect: ${cfg.rejoinChannels} channels, ${cfg.rejoinCycles} cycles`);
  const rj = await rejoin(ctx);
  const ks = [1, cfg.rejoinChannels];
  const specs = ks.flatMap((k) => VARIANTS.map((v) => ({ key: key(v, k), page, variant: v, k })));
  ctx.log(`6b. channel dispatch over the network: K=${ks.join('/')}, ${cfg.channelRounds} rounds × ${cfg.channelSubRounds} bursts of ${cfg.channelBurstN}`);
  const network = await networkRounds(ctx, specs, { rounds: cfg.channelRounds, subRounds: cfg.channelSubRounds, n: cfg.channelBurstN, label: 'channels' });
  ctx.log(`6b. channel dispatch on the hot path: ${cfg.hotRounds} rounds × ${cfg.hotSubRounds} bursts of ${cfg.hotFanoutBurstN}`);
  const hot = await hotRounds(ctx, specs, { rounds: cfg.hotRounds, subRounds: cfg.hotSubRounds, n: cfg.hotFanoutBurstN, label: 'channels hot path' });

  const libMs = rj.cycles.map((c) => c.lib.openToAllJoinedMs);
  const rawMs = rj.cycles.map((c) => c.raw.openToAllJoinedMs);
  const ratios = rj.cycles.map((c) => c.ratio);
  const libCpu = rj.cycles.map((c) => c.lib.cpuMs);
  const rawCpu = rj.cycles.map((c) => c.raw.cpuMs);
  const kMax = ks[1];
  const rows = [
    {
      id: '6a',
      figure: `Channels: ${rj.channels} re-joined after a reconnect, new socket's open → last joined`,
      result: valueRange(libMs, ms),
      baseline: `raw ${ms(summary(rawMs).median)}`,
      ratio: ratioRange(ratios),
      target: '—',
      status: 'info',
    },
    {
      id: '6a',
      figure: `Channels: main-thread CPU of the whole re-join (drop → reconnect → ${rj.channels} joined)`,
      result: valueRange(libCpu, ms),
      baseline: `raw connect + joins ${ms(summary(rawCpu).median)}`,
      ratio: ratioRange(rj.cycles.map((c) => c.cpuRatio)),
      target: '—',
      status: 'info',
    },
    ...ks.map((k) => ({
      id: '6b',
      figure: `Channel dispatch over the network, K=${k}: channel(name).messages$ vs on(type)`,
      result: µs(network.summary(key('lib-channel', k)).median),
      baseline: `on(type) ${µs(network.summary(key('lib-on', k)).median)}`,
      ratio: ratioRange(network.ratio(key('lib-channel', k), key('lib-on', k))),
      target: '—',
      status: 'info',
    })),
    ...ks.map((k) => ({
      id: '6b',
      figure: `Channel dispatch on the hot path, K=${k}: channel(name).messages$ vs on(type)`,
      result: ns(hot.summary(key('lib-channel', k)).median),
      baseline: `on(type) ${ns(hot.summary(key('lib-on', k)).median)}`,
      ratio: ratioRange(hot.ratio(key('lib-channel', k), key('lib-on', k))),
      target: '—',
      status: 'info',
    })),
  ];

  const table = (m, unit) =>
    [
      `| subscribers | ${ks.map((k) => `K=${k}`).join(' | ')} | K=${kMax} ÷ K=1 |`,
      `|---|${ks.map(() => '---:').join('|')}|---:|`,
      ...VARIANTS.map((v) => `| ${LABEL[v]} | ${ks.map((k) => valueRange(m.values(key(v, k)), unit)).join(' | ')} | ${ratioRange(m.ratio(key(v, kMax), key(v, 1)))} |`),
      `| channel ÷ on(type), per round | ${ks.map((k) => ratioRange(m.ratio(key('lib-channel', k), key('lib-on', k)))).join(' | ')} | |`,
    ].join('\n');

  const markdown = `
### 6. Channels

**6a. Re-joined after a reconnect.** One service with ${rj.channels} channels joined on one socket
(\`withChannels()\`, one \`messages$\` subscriber each, ticket mode). The bench server then drops the
TCP connection without a close frame; the service reconnects (backoff set to 20 ms) with a fresh
ticket and joins every channel again. Measured in the page: from the new socket's \`open\` (the
state \`open\`) to the ${rj.channels}th channel state \`joined\`. The baseline is the same work by hand: a raw
WebSocket with a fresh ticket sends the ${rj.channels} join frames at its \`open\` and waits for the
${rj.channels} \`joined\` answers. The bench server answers each join with one frame, so both sides wait on
it alike. ${rj.cycles.length} cycles, library and raw interleaved.

| cycle | reconnect (drop → open) | library: open → first joined | library: open → all joined | raw: open → first joined | raw: open → all joined | library ÷ raw | library main-thread CPU, drop → all joined | raw main-thread CPU, ticket → all joined |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rj.cycles.map((c, i) => `| ${i + 1} | ${ms(c.lib.dropToOpenMs)} | ${ms(c.lib.openToFirstJoinedMs)} | ${ms(c.lib.openToAllJoinedMs)} | ${ms(c.raw.openToFirstJoinedMs)} | ${ms(c.raw.openToAllJoinedMs)} | ${c.ratio.toFixed(2)}× | ${ms(c.lib.cpuMs)} | ${ms(c.raw.cpuMs)} |`).join('\n')}

Median (min–max): library ${valueRange(libMs, ms)}, raw ${valueRange(rawMs, ms)}, ratio ${ratioRange(ratios)}. These are
wall-clock times across three processes (page, browser network service, bench server) on a shared
machine, so they scatter; the main-thread CPU columns are the page's own work for the whole cycle
(for the library: noticing the drop, the backoff timer, a ticket, the new socket, ${rj.channels} join frames,
${rj.channels} answers and the channel states; for the raw page: a ticket, a socket, the same frames), ratio
${ratioRange(rj.cycles.map((c) => c.cpuRatio))}.

Where the library's main-thread time goes during one more re-join (CPU profile, 50 µs sampling,
drop → all joined; self time):

| self time | function |
|---:|---|
${rj.profile.functions
  .filter((f) => f.category !== 'idle')
  .slice(0, 12)
  .map((f) => `| ${f.ms.toFixed(1)} ms | ${f.category === 'ngx-auth-socket' ? `\`${f.key}\`` : f.key} |`)
  .join('\n')}

**6b. Dispatch cost per message.** The server pushes channel messages
\`{"type":"m","channel":"c<i % K>","seq":…,"data":…}\` (100 bytes) round-robin over K joined channels, one
\`channel(name).messages$\` subscriber each; against \`on(type)\` with K types and one subscriber each
(frames \`{"type":"t<i % K>",…}\`), in the same rounds. Main-thread CPU per message, measured as in
figure 1, median (min–max) over rounds.

Over the network (${cfg.channelRounds} rounds of ${cfg.channelSubRounds} bursts of ${cfg.channelBurstN.toLocaleString('en-US')} messages):

${table(network, µs)}

Hot path, fake socket (${cfg.hotRounds} rounds of ${cfg.hotSubRounds} bursts of ${cfg.hotFanoutBurstN.toLocaleString('en-US')} frames):

${table(hot, ns)}
`;
  return {
    name,
    title,
    rows,
    markdown,
    data: { rejoin: { channels: rj.channels, cycles: rj.cycles, profileTop: rj.profile.functions.slice(0, 25), profileCategories: rj.profile.categories }, network: { burstN: cfg.channelBurstN, ks, ...roundsData(network) }, hot: { burstN: cfg.hotFanoutBurstN, ks, ...roundsData(hot) } },
  };
}
