#!/usr/bin/env node
/**
 * The ngx-auth-socket benchmark suite: `npm run bench` (full) or `npm run bench:quick`.
 *
 *   node bench/run.mjs [--quick] [--only=receive,fanout,bundle,channels,latency,memory] [--rounds=N] [--out=DIR]
 *
 * Builds what is stale (the library, the bench apps), starts the bench server on a free loopback
 * port, drives headless Chromium (the Angular bench page and a near-empty page), reads the CPU
 * time of each page's renderer main thread from /proc, and writes report.md, report.json and SVG
 * plots. A full run of every figure writes to bench/results/; a quick or partial run to
 * bench/results/tmp/ (ignored by git) unless --out is given. Never fails a build: misses are
 * reported, the exit code is 0.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, openHarness } from './tools/browser.mjs';
import { ensureApps, ensureLibrary } from './tools/build.mjs';
import { attachCpuMeter } from './tools/cpu-meter.mjs';
import { BenchServerProcess } from './tools/server-process.mjs';
import { SourceMap } from './tools/source-map.mjs';
import * as bundle from './suites/bundle.mjs';
import * as channels from './suites/channels.mjs';
import * as fanout from './suites/fanout.mjs';
import * as latency from './suites/latency.mjs';
import * as memory from './suites/memory.mjs';
import * as receive from './suites/receive.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const rootDir = resolve(benchDir, '..');
const SUITES = [bundle, receive, fanout, channels, latency, memory];

const FULL = {
  // 1: CPU per message over the network (8 clients) and on the hot path. A round is `subRounds`
  // bursts of `burstN` messages per client, interleaved; its value per client is their median.
  receiveRounds: 5,
  receiveSubRounds: 14,
  receiveBurstN: 1_500,
  receiveWarmupN: 3_000,
  hotRounds: 5,
  hotSubRounds: 8,
  hotBurstN: 10_000,
  profileN: 30_000,
  hotProfileN: 1_000_000,
  // 2: fan-out (over the network at K=1 and the largest K; every K on the hot path).
  fanoutRounds: 5,
  fanoutSubRounds: 6,
  fanoutBurstN: 1_500,
  hotFanoutBurstN: 10_000,
  ks: [1, 10, 100, 1000],
  // 6: channels.
  rejoinChannels: 1000,
  rejoinCycles: 7,
  channelRounds: 5,
  channelSubRounds: 6,
  channelBurstN: 1_500,
  // 4, 5: latency and memory.
  runs: 5,
  connectSamples: 20,
  reconnectCyclesPerRun: 2,
  reconnectInitialDelayMs: 100,
  reconnectDownMs: 150,
  memoryCycles: 1000,
  memoryRuns: 3,
};
const QUICK = {
  ...FULL,
  receiveRounds: 3,
  receiveSubRounds: 4,
  receiveBurstN: 1_000,
  receiveWarmupN: 1_000,
  hotRounds: 3,
  hotSubRounds: 4,
  hotBurstN: 5_000,
  profileN: 10_000,
  hotProfileN: 300_000,
  fanoutRounds: 3,
  fanoutSubRounds: 3,
  fanoutBurstN: 1_000,
  hotFanoutBurstN: 5_000,
  rejoinCycles: 2,
  channelRounds: 3,
  channelSubRounds: 3,
  channelBurstN: 1_000,
  runs: 3,
  connectSamples: 10,
  reconnectCyclesPerRun: 1,
  memoryCycles: 200,
  memoryRuns: 2,
};

function parseArgs(argv) {
  const opts = { quick: false, only: null, rounds: null, out: null };
  for (const arg of argv) {
    if (arg === '--quick') opts.quick = true;
    else if (arg.startsWith('--only=')) opts.only = arg.slice(7).split(',').filter(Boolean);
    else if (arg.startsWith('--rounds=')) opts.rounds = Number(arg.slice(9));
    else if (arg.startsWith('--out=')) opts.out = resolve(arg.slice(6));
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node bench/run.mjs [--quick] [--only=' + SUITES.map((s) => s.name).join(',') + '] [--rounds=N] [--out=DIR]');
      process.exit(0);
    } else {
      console.error(`unknown argument ${arg} (try --help)`);
      process.exit(2);
    }
  }
  const unknown = (opts.only ?? []).filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length) {
    console.error(`unknown suite(s) ${unknown.join(', ')}; choose from ${SUITES.map((s) => s.name).join(', ')}`);
    process.exit(2);
  }
  return opts;
}

function git(args) {
  try {
    return execFileSync('git', args, { cwd: rootDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;
const log = (msg) => console.log(`[bench ${elapsed()}] ${msg}`);

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const cfg = { ...(opts.quick ? QUICK : FULL) };
  if (opts.rounds) {
    // Every interleaved figure: rounds of the CPU figures, runs of the latency and memory figures.
    for (const k of ['receiveRounds', 'hotRounds', 'fanoutRounds', 'channelRounds', 'rejoinCycles', 'runs']) cfg[k] = opts.rounds;
  }
  const selected = SUITES.filter((s) => !opts.only || opts.only.includes(s.name));
  const partial = opts.quick || opts.only !== null || opts.rounds !== null;
  const outDir = opts.out ?? join(benchDir, 'results', partial ? 'tmp' : '');
  mkdirSync(outDir, { recursive: true });
  log(`mode ${opts.quick ? 'quick' : 'full'}; figures: ${selected.map((s) => s.name).join(', ')}; results → ${relative(rootDir, outDir) || '.'}`);

  const environment = {
    date: new Date().toISOString(),
    mode: opts.quick ? 'quick' : 'full',
    commit: git(['rev-parse', '--short', 'HEAD']),
    libraryTreeDirty: git(['status', '--porcelain', '--', 'projects/ngx-auth-socket']) !== '',
    node: process.version,
    cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
    loadAverageAtStart: os.loadavg().map((x) => x.toFixed(2)).join(' '),
    config: cfg,
  };

  const results = [];
  const failures = [];
  const timings = {};
  let server = null;
  let session = null;
  try {
    // ---- builds ----
    let t = Date.now();
    await ensureLibrary(rootDir, log);
    const needsBrowser = selected.some((s) => s !== bundle);
    const apps = [...(needsBrowser ? ['harness', 'plain'] : []), ...(selected.includes(bundle) ? bundle.PROBES.map((p) => p.project) : [])];
    await ensureApps(rootDir, benchDir, apps, log);
    timings.build = (Date.now() - t) / 1000;

    let pages = {};
    if (needsBrowser) {
      server = new BenchServerProcess(join(benchDir, 'dist/harness/browser'), join(benchDir, 'dist/plain/browser'));
      await server.start();
      log(`bench server on ${server.baseUrl}`);
      session = await launchBrowser();
      environment.chromium = session.browser.version();
      // The Angular bench page and the near-empty page, each with a meter on its renderer main thread.
      pages.harness = await openHarness(session, server.baseUrl);
      pages.plain = await openHarness(session, `${server.baseUrl}/plain`);
      for (const [key, page] of Object.entries(pages)) {
        page.cpu = await attachCpuMeter(session, page);
        log(`${key} page: renderer main thread is pid ${page.cpu.pid} (${page.cpu.comm})${page.cpu.pinned !== null ? `, pinned to CPU ${page.cpu.pinned}` : ', not pinned'}`);
      }
      environment.cpuClock = `/proc/<pid>/task/<pid>/schedstat of each page's renderer main thread (pids ${Object.values(pages).map((p) => p.cpu.pid).join(', ')})`;
      environment.pinnedCpu = pages.harness.cpu.pinned;
    }
    const ctx = {
      cfg,
      quick: opts.quick,
      rootDir,
      benchDir,
      server,
      pages,
      page: pages.harness ?? null,
      harnessMap: needsBrowser ? SourceMap.read(join(benchDir, 'dist/harness/browser/main.js.map')) : null,
      log,
      launchBrowser,
      collectGarbage: async (p) => {
        await p.send('HeapProfiler.collectGarbage');
      },
    };
    for (const suite of selected) {
      t = Date.now();
      try {
        results.push(await suite.run(ctx));
      } catch (error) {
        log(`${suite.name} failed: ${error.stack ?? error}`);
        failures.push({ suite: suite.name, error: String(error.stack ?? error) });
        if (suite === latency && server && !server.child) await server.start().catch(() => undefined);
      }
      timings[suite.name] = (Date.now() - t) / 1000;
    }
  } catch (error) {
    log(`bench aborted: ${error.stack ?? error}`);
    failures.push({ suite: 'setup', error: String(error.stack ?? error) });
  } finally {
    await session?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
  }
  timings.total = (Date.now() - started) / 1000;
  environment.timings = timings;
  environment.loadAverageAtEnd = os.loadavg().map((x) => x.toFixed(2)).join(' ');

  writeReport(outDir, environment, results, failures);
  printSummary(results, failures, outDir);
}

/** Figures run in the order cheapest-to-set-up first; the report reads in figure order. */
const FIGURE_ORDER = ['receive', 'fanout', 'bundle', 'latency', 'memory', 'channels'];

const MARK = { pass: '✅ pass', miss: '❌ miss', near: '≈', info: 'info' };

function writeReport(outDir, env, unordered, failures) {
  const results = [...unordered].sort((a, b) => FIGURE_ORDER.indexOf(a.name) - FIGURE_ORDER.indexOf(b.name));
  for (const r of results) for (const plot of r.plots ?? []) writeFileSync(join(outDir, plot.file), plot.svg);
  const rows = results.flatMap((r) => r.rows);
  const misses = rows.filter((r) => r.status === 'miss');
  const near = rows.filter((r) => r.status === 'near');
  const passes = rows.filter((r) => r.status === 'pass');
  const md = `# ngx-auth-socket benchmarks

${env.mode === 'full' ? 'Full run' : 'Quick run'} of ${env.date} on commit \`${env.commit}\`${env.libraryTreeDirty ? ' (library sources modified in the working tree)' : ''};
Chromium ${env.chromium ?? 'n/a'}, Node ${env.node}, ${env.cpu}, load average at start ${env.loadAverageAtStart}, at the end ${env.loadAverageAtEnd}.
Took ${env.timings.total.toFixed(0)} s (${Object.entries(env.timings)
    .filter(([k]) => k !== 'total')
    .map(([k, v]) => `${k} ${v.toFixed(0)} s`)
    .join(', ')}).

The machine is shared and noisy, so the figures are built to survive it: costs are **CPU time of
the page's renderer main thread** (from /proc, the thread pinned to one CPU${env.pinnedCpu !== undefined && env.pinnedCpu !== null ? ` (${env.pinnedCpu})` : ''}), not wall-clock
rates; clients are measured in interleaved rounds of short bursts in a shuffled order; every ratio
is taken within a round and shown as its median with the **lowest and highest round** in
parentheses; an A/A control (the same raw handler measured twice) shows the noise floor of the run. How to run and how to read this: [bench/README.md](../README.md)${env.mode === 'full' ? '; what the figures show: [ANALYSIS.md](ANALYSIS.md)' : ''}.

## Summary

| # | figure | result | baseline (same run) | ratio: median (min–max) | target | verdict |
|---|---|---:|---|---:|---|---|
${rows.map((r) => `| ${r.id} | ${r.figure} | ${r.result} | ${r.baseline} | ${r.ratio} | ${r.target} | ${MARK[r.status]} |`).join('\n')}

**Verdicts**: ${passes.length} met, ${misses.length} missed, ${near.length} ≈ (undecided)${misses.length ? `. Missed: ${misses.map((m) => m.figure).join('; ')}` : ''}${near.length ? `. Undecided: ${near.map((m) => m.figure).join('; ')}` : ''}.
A target counts as **met** only when the whole range of rounds (or runs, or cycles) is on the right
side of it, **missed** only when the whole range is on the wrong side, and **≈** when the range
straddles it: noise could flip that one, and only more rounds or a larger margin can decide it.
Bundle sizes are exact (the same inputs give the same bytes) and need no range. *Result* and
*baseline* are medians; a ratio is the median of per-round ratios, so it need not equal result ÷
baseline. Rows marked *info* have no target of their own.
${failures.length ? `\n**Figures that failed to run:**\n\n${failures.map((f) => `- ${f.suite}: \`${f.error.split('\n')[0]}\``).join('\n')}\n` : ''}
## Details
${results.map((r) => r.markdown).join('\n')}`;
  writeFileSync(join(outDir, 'report.md'), md);
  writeFileSync(join(outDir, 'report.json'), JSON.stringify({ environment: env, summary: rows, failures, figures: Object.fromEntries(results.map((r) => [r.name, r.data])) }, null, 2) + '\n');
}

function printSummary(unordered, failures, outDir) {
  const results = [...unordered].sort((a, b) => FIGURE_ORDER.indexOf(a.name) - FIGURE_ORDER.indexOf(b.name));
  const rows = results.flatMap((r) => r.rows);
  const w = (s, n) => String(s).padEnd(n).slice(0, n);
  console.log('');
  console.log(`${w('#', 4)}${w('figure', 70)}${w('result', 24)}${w('ratio (min–max)', 24)}${w('target', 22)}verdict`);
  for (const r of rows) console.log(`${w(r.id, 4)}${w(r.figure, 70)}${w(r.result, 24)}${w(r.ratio, 24)}${w(r.target, 22)}${r.status === 'near' ? '≈ (range straddles the target)' : r.status}`);
  const count = (st) => rows.filter((r) => r.status === st).length;
  console.log('');
  console.log(`${count('pass')} met, ${count('miss')} missed, ${count('near')} undecided (≈)${failures.length ? `, ${failures.length} figure(s) failed to run` : ''}. Report: ${relative(process.cwd(), join(outDir, 'report.md'))}`);
}

main()
  .catch((error) => {
    console.error(error);
  })
  .finally(() => {
    // The bench informs; it never fails a build.
    process.exitCode = 0;
  });
