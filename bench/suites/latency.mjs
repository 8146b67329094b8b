/**
 * 4. Connect and reconnect latency.
 * - Connect: subscribe → authenticated `open`, ticket mode (ticket fetch + handshake) and
 *   first-message mode (handshake + auth frame + `auth_ok`), against a raw `fetch` + `new
 *   WebSocket` page doing the same work, sample by sample interleaved.
 * - Reconnect: the bench server (a child process) is SIGKILLed under an open service, left down,
 *   started again on the same port; time from "listening" to `open` again, set against the backoff
 *   delay that was pending and the raw fetch + WebSocket time (two round trips) of the same run.
 */
import { profile, summarise } from '../tools/cpu-profile.mjs';
import { fmt, median, quantile, range, ratioRange, rotate, valueRange, verdict } from '../tools/stats.mjs';
import { COLORS, barChart } from '../tools/svg.mjs';

export const name = 'latency';
export const title = 'Connect and reconnect latency';

const VARIANTS = ['raw-ticket', 'lib-ticket', 'lib-ticket-xhr', 'raw-first', 'lib-first'];
const LABEL = {
  'raw-ticket': 'raw: fetch ticket + new WebSocket',
  'lib-ticket': 'AuthSocketService, ticket (HttpClient withFetch)',
  'lib-ticket-xhr': 'AuthSocketService, ticket (HttpClient XHR)',
  'raw-first': 'raw: new WebSocket + auth frame + auth_ok',
  'lib-first': 'AuthSocketService, first-message',
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function connect(ctx) {
  const { cfg, page } = ctx;
  await page.call('connectRound', VARIANTS, 3); // warm-up
  const runs = [];
  for (let r = 0; r < cfg.runs; r++) {
    await ctx.collectGarbage(page);
    const { ms: samples, split } = await page.call('connectRound', rotate(VARIANTS, r), cfg.connectSamples);
    const med = Object.fromEntries(VARIANTS.map((v) => [v, median(samples[v])]));
    const medSplit = Object.fromEntries(VARIANTS.map((v) => [v, median(split[v])]));
    runs.push({ samples, median: med, split: medSplit, ticketRatio: med['lib-ticket'] / med['raw-ticket'], xhrRatio: med['lib-ticket-xhr'] / med['raw-ticket'], firstRatio: med['lib-first'] / med['raw-first'] });
    ctx.log(`  connect run ${r + 1}/${cfg.runs}: ${VARIANTS.map((v) => `${v} ${med[v].toFixed(2)}`).join(', ')} ms`);
  }
  const rtt = median(await page.call('echoRtt', 30));
  return {
    runs,
    median: Object.fromEntries(VARIANTS.map((v) => [v, median(runs.map((x) => x.median[v]))])),
    split: Object.fromEntries(VARIANTS.map((v) => [v, median(runs.map((x) => x.split[v]))])),
    p90: Object.fromEntries(VARIANTS.map((v) => [v, quantile(runs.flatMap((x) => x.samples[v]), 0.9)])),
    spread: Object.fromEntries(VARIANTS.map((v) => [v, range(runs.map((x) => x.median[v]))])),
    ticketRatio: median(runs.map((x) => x.ticketRatio)),
    xhrRatio: median(runs.map((x) => x.xhrRatio)),
    firstRatio: median(runs.map((x) => x.firstRatio)),
    echoRttMs: rtt,
  };
}

/** One kill/restart cycle; returns what the transitions say about the recovery. */
async function reconnectCycle(ctx) {
  const { cfg, page, server } = ctx;
  const backoff = { initialDelayMs: cfg.reconnectInitialDelayMs, factor: 2, maxDelayMs: cfg.reconnectInitialDelayMs * 4, resetAfterMs: 1000 };
  const id = await page.call('reconnectArm', { reconnect: backoff });
  await sleep(50);
  const killedAt = performance.timeOrigin + performance.now();
  await server.kill();
  await sleep(cfg.reconnectDownMs);
  const upAt = await server.start();
  let transitions;
  try {
    transitions = await page.call('reconnectWait', id, 20_000);
  } finally {
    await page.call('reconnectDispose', id);
  }
  // Two round trips: a raw ticket fetch + WebSocket handshake, measured the same way, as the first
  // connection to a freshly restarted server (a new Node process answers its first requests
  // slower than warm ones, and the service's reconnect is such a first connection).
  await server.kill();
  await server.start();
  const rawConnect = (await page.call('connectRound', ['raw-ticket'], 1)).ms['raw-ticket'][0];
  const rawWarm = median((await page.call('connectRound', ['raw-ticket'], 5)).ms['raw-ticket']);
  const leftAt = transitions.findIndex((t, i) => i > 0 && transitions[i - 1].kind === 'open' && t.kind !== 'open');
  const reopenIdx = transitions.findIndex((t, i) => i > leftAt && t.kind === 'open');
  const reopened = transitions[reopenIdx];
  const before = transitions.slice(0, reopenIdx);
  const lastRetryIdx = before.map((t) => t.kind).lastIndexOf('reconnecting');
  const lastRetry = lastRetryIdx >= 0 ? before[lastRetryIdx] : undefined;
  // The successful attempt starts with the state right after its backoff ended.
  const lastAttemptStart = lastRetryIdx >= 0 ? before[lastRetryIdx + 1] : undefined;
  const attempts = before.slice(leftAt).filter((t) => t.kind === 'fetching-ticket').length;
  const recoveryMs = reopened.t - upAt;
  const pendingDelayMs = lastRetry?.delayMs ?? 0;
  const bound = pendingDelayMs + rawConnect;
  return {
    downMs: upAt - killedAt,
    recoveryMs,
    pendingDelayMs,
    waitAfterUpMs: Math.max(0, (lastAttemptStart?.t ?? upAt) - upAt),
    attemptToOpenMs: reopened.t - (lastAttemptStart?.t ?? reopened.t),
    rawConnectMs: rawConnect,
    rawWarmMs: rawWarm,
    boundMs: bound,
    ratio: recoveryMs / bound,
    attempts,
    within: recoveryMs <= bound,
    kinds: transitions.map((t) => t.kind),
  };
}

async function reconnect(ctx) {
  const cycles = [];
  for (let r = 0; r < ctx.cfg.runs; r++) {
    for (let c = 0; c < ctx.cfg.reconnectCyclesPerRun; c++) {
      const cycle = await reconnectCycle(ctx);
      cycles.push(cycle);
      ctx.log(
        `  reconnect ${cycles.length}: back ${cycle.recoveryMs.toFixed(1)} ms after the server (pending backoff ${cycle.pendingDelayMs} ms + raw first connect ${cycle.rawConnectMs.toFixed(1)} ms), ${cycle.attempts} attempts`,
      );
    }
  }
  return {
    cycles,
    recoveryMs: median(cycles.map((c) => c.recoveryMs)),
    pendingDelayMs: median(cycles.map((c) => c.pendingDelayMs)),
    waitAfterUpMs: median(cycles.map((c) => c.waitAfterUpMs)),
    attemptToOpenMs: median(cycles.map((c) => c.attemptToOpenMs)),
    rawConnectMs: median(cycles.map((c) => c.rawConnectMs)),
    rawWarmMs: median(cycles.map((c) => c.rawWarmMs)),
    ratio: median(cycles.map((c) => c.ratio)),
    withinShare: cycles.filter((c) => c.within).length / cycles.length,
  };
}

export async function run(ctx) {
  const { cfg } = ctx;
  ctx.log(`4. connect latency: ${cfg.connectSamples} samples × ${cfg.runs} runs`);
  const c = await connect(ctx);
  // Main-thread work per connect, to explain the ticket-mode gap (profiling slows both sides).
  const PROFILED = 30;
  const connectProfiles = {};
  for (const v of ['raw-ticket', 'lib-ticket']) {
    await ctx.collectGarbage(ctx.page);
    const { raw } = await profile(ctx.page, () => ctx.page.call('connectRound', [v], PROFILED), 50);
    connectProfiles[v] = summarise(raw, ctx.harnessMap);
  }
  ctx.log(`4b. reconnect: ${cfg.reconnectCyclesPerRun} kill/restart per run, initialDelayMs ${cfg.reconnectInitialDelayMs}`);
  const rc = await reconnect(ctx);

  const perRun = (f) => c.runs.map(f);
  const ticketRatios = perRun((x) => x.ticketRatio);
  const firstRatios = perRun((x) => x.firstRatio);
  const cycleRatios = rc.cycles.map((x) => x.ratio);
  const rows = [
    {
      id: '4',
      figure: 'Authenticated open, ticket: service vs raw fetch + WebSocket',
      result: valueRange(perRun((x) => x.median['lib-ticket']), (v) => fmt.ms(v, 2)),
      baseline: `raw ${fmt.ms(c.median['raw-ticket'], 2)}`,
      ratio: ratioRange(ticketRatios),
      target: '≤ 1.10×',
      status: verdict(ticketRatios, '<=', 1.1),
    },
    {
      id: '4',
      figure: 'Authenticated open, first-message: service vs raw',
      result: valueRange(perRun((x) => x.median['lib-first']), (v) => fmt.ms(v, 2)),
      baseline: `raw ${fmt.ms(c.median['raw-first'], 2)}`,
      ratio: ratioRange(firstRatios),
      target: '≤ 1.10×',
      status: verdict(firstRatios, '<=', 1.1),
    },
    {
      id: '4',
      figure: 'Authenticated open, ticket via XHR HttpClient vs raw fetch',
      result: fmt.ms(c.median['lib-ticket-xhr'], 2),
      baseline: `raw ${fmt.ms(c.median['raw-ticket'], 2)}`,
      ratio: ratioRange(perRun((x) => x.xhrRatio)),
      target: '—',
      status: 'info',
    },
    {
      id: '4b',
      figure: `Reconnect after server restart (initialDelayMs ${cfg.reconnectInitialDelayMs}), each cycle vs its bound`,
      result: valueRange(rc.cycles.map((x) => x.recoveryMs), (v) => fmt.ms(v)),
      baseline: `backoff ${fmt.ms(rc.pendingDelayMs, 0)} + 2 RTT ${fmt.ms(rc.rawConnectMs)}`,
      ratio: ratioRange(cycleRatios),
      target: '≤ 1.00× (delay + 2 RTT)',
      status: verdict(cycleRatios, '<=', 1),
    },
  ];

  const svg = barChart({
    title: 'Subscribe → authenticated open (median of run medians, ms)',
    unit: 'milliseconds on loopback (whiskers: lowest and highest run median)',
    bars: VARIANTS.map((v) => ({
      label: v,
      value: c.median[v],
      lo: c.spread[v][0],
      hi: c.spread[v][1],
      text: `${c.median[v].toFixed(2)} ms`,
      color: v.startsWith('lib') ? COLORS.lib : COLORS.raw,
    })),
  });

  const markdown = `
### 4. Connect latency

From \`messages$.subscribe()\` to the state \`open\` (taken synchronously in a \`state$\` callback),
against a page doing the same work by hand. ${cfg.connectSamples} samples per variant per run, the
variants interleaved sample by sample; ${cfg.runs} runs. Each service sample is a fresh
\`AuthSocketService\` in its own environment injector (created before the clock starts). The
ticket endpoint answers from memory; the echo round trip on an open socket is ${fmt.ms(c.echoRttMs, 2)}.

| variant | median | first phase | second phase | p90 (all samples) | run medians | ratio to its raw baseline, median (min–max) of runs |
|---|---:|---:|---:|---:|---|---:|
${VARIANTS.map((v) => `| ${LABEL[v]} | ${fmt.ms(c.median[v], 2)} | ${fmt.ms(c.split[v], 2)} | ${fmt.ms(c.median[v] - c.split[v], 2)} | ${fmt.ms(c.p90[v], 2)} | ${c.runs.map((x) => x.median[v].toFixed(2)).join(' · ')} | ${v === 'lib-ticket' ? ratioRange(ticketRatios) : v === 'lib-ticket-xhr' ? ratioRange(perRun((x) => x.xhrRatio)) : v === 'lib-first' ? ratioRange(firstRatios) : '1.00×'} |`).join('\n')}

The first phase ends when the ticket is in hand (ticket modes: the ticket request through
\`HttpClient\` or \`fetch\`) or when the socket is open (first-message modes); the second phase is
the WebSocket handshake (ticket) or the auth frame and its \`auth_ok\` (first-message). Phase
times are medians of their own, so the two columns need not add up to the total exactly.

![connect latency](latency.svg)

Main-thread work per connect (CPU profile of ${PROFILED} sequential connects each, 50 µs sampling; the
service rows include creating and destroying its injector, which the timings above leave out):

| | busy per connect | library | rxjs | Angular | JS built-ins (fetch, WebSocket, URL, timers…) | GC | browser internals |
|---|---:|---:|---:|---:|---:|---:|---:|
${Object.entries(connectProfiles)
  .map(([v, p]) => {
    const c = (name) => ((p.categories.find((x) => x.category === name)?.ms ?? 0) / PROFILED).toFixed(3);
    return `| ${v} | ${(p.busyMs / PROFILED).toFixed(3)} ms | ${c('ngx-auth-socket')} | ${c('rxjs')} | ${c('@angular')} | ${c('other JS built-ins')} | ${c('garbage collector')} | ${c('(program): browser internals')} |`;
  })
  .join('\n')}

Top self time per connect, service in ticket mode:

| ms per connect | function |
|---:|---|
${connectProfiles['lib-ticket'].functions
  .filter((f) => f.category !== 'idle')
  .slice(0, 14)
  .map((f) => `| ${(f.ms / PROFILED).toFixed(3)} | ${f.category === 'ngx-auth-socket' ? `\`${f.key}\`` : f.key} |`)
  .join('\n')}

### 4b. Reconnect after the server comes back

An open service (\`reconnect: {initialDelayMs: ${cfg.reconnectInitialDelayMs}, factor: 2, maxDelayMs: ${cfg.reconnectInitialDelayMs * 4}}\`,
full jitter) loses its server to SIGKILL; the server stays down ${cfg.reconnectDownMs} ms plus its start-up
and comes back on the same port. *Recovery* is from the server printing "listening" to \`open\`.
The bound is the backoff delay that was pending (the \`delayMs\` of the last \`reconnecting\`
state) plus two round trips, measured as a raw fetch + WebSocket connect that is, like the
service's reconnect, the first connection to a freshly restarted server (the server is restarted
once more for it; warm connects to the same server are shown for comparison).

| cycle | server down | attempts | pending backoff | retry fired after server up | that attempt → open | raw 2 RTT, first connect | raw, warm | recovery | within bound |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|
${rc.cycles.map((x, i) => `| ${i + 1} | ${fmt.ms(x.downMs, 0)} | ${x.attempts} | ${fmt.ms(x.pendingDelayMs, 0)} | ${fmt.ms(x.waitAfterUpMs)} | ${fmt.ms(x.attemptToOpenMs)} | ${fmt.ms(x.rawConnectMs)} | ${fmt.ms(x.rawWarmMs)} | ${fmt.ms(x.recoveryMs)} | ${x.within ? 'yes' : 'no'} |`).join('\n')}

Median recovery ${fmt.ms(rc.recoveryMs)}; ratio to the bound ${ratioRange(cycleRatios)} (median, min–max of cycles); ${Math.round(rc.withinShare * 100)}% of cycles within it.
The successful attempt (ticket fetch + handshake) took ${fmt.ms(rc.attemptToOpenMs)} (median) against ${fmt.ms(rc.rawConnectMs)} for the
raw page's first connect to a restarted server (${fmt.ms(rc.rawWarmMs)} warm).
`;
  return {
    name,
    title,
    rows,
    markdown,
    plots: [{ file: 'latency.svg', svg }],
    data: {
      connect: c,
      reconnect: rc,
      connectProfiles: Object.fromEntries(Object.entries(connectProfiles).map(([v, p]) => [v, { perConnectBusyMs: p.busyMs / PROFILED, categories: p.categories, top: p.functions.slice(0, 20) }])),
    },
  };
}
