#!/usr/bin/env node
/**
 * The ngx-auth-socket benchmark suite: `npm run bench` (full) or `npm run bench:quick`.
 *
 *   node bench/run.mjs [--quick] [--only=receive,fanout,bundle,latency,memory] [--runs=N] [--out=DIR]
 *
 * Builds what is stale (the library, the bench apps), starts the bench server on a free loopback
 * port, drives headless Chromium, and writes report.md, report.json and SVG plots. A full run of
 * every figure writes to bench/results/; a quick or partial run to bench/results/tmp/ (ignored by
 * git) unless --out is given. Never fails a build: misses are reported, the exit code is 0.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, openHarness } from './tools/browser.mjs';
import { ensureApps, ensureLibrary } from './tools/build.mjs';
import { BenchServerProcess } from './tools/server-process.mjs';
import { SourceMap } from './tools/source-map.mjs';
import * as bundle from './suites/bundle.mjs';
import * as fanout from './suites/fanout.mjs';
import * as latency from './suites/latency.mjs';
import * as memory from './suites/memory.mjs';
import * as receive from './suites/receive.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const rootDir = resolve(benchDir, '..');
const SUITES = [bundle, receive, fanout, latency, memory];

const FULL = {
  runs: 5,
  receiveN: 200_000,
  hotRoundN: 100_000,
  hotRounds: 10,
  hotProfileN: 1_000_000,
  fanoutN: 50_000,
  hotFanoutRoundN: 50_000,
  ks: [1, 10, 100, 1000],
  profileN: 50_000,
  connectSamples: 20,
  reconnectCyclesPerRun: 2,
  reconnectInitialDelayMs: 100,
  reconnectDownMs: 150,
  memoryCycles: 1000,
  memoryRuns: 3,
};
const QUICK = {
  ...FULL,
  runs: 3,
  receiveN: 20_000,
  hotRoundN: 40_000,
  hotRounds: 5,
  hotProfileN: 300_000,
  fanoutN: 10_000,
  hotFanoutRoundN: 10_000,
  profileN: 20_000,
  connectSamples: 10,
  reconnectCyclesPerRun: 1,
  memoryCycles: 200,
  memoryRuns: 2,
};

function parseArgs(argv) {
  const opts = { quick: false, only: null, runs: null, out: null };
  for (const arg of argv) {
    if (arg === '--quick') opts.quick = true;
    else if (arg.startsWith('--only=')) opts.only = arg.slice(7).split(',').filter(Boolean);
    else if (arg.startsWith('--runs=')) opts.runs = Number(arg.slice(7));
    else if (arg.startsWith('--out=')) opts.out = resolve(arg.slice(6));
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node bench/run.mjs [--quick] [--only=' + SUITES.map((s) => s.name).join(',') + '] [--runs=N] [--out=DIR]');
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
  if (opts.runs) cfg.runs = opts.runs;
  const selected = SUITES.filter((s) => !opts.only || opts.only.includes(s.name));
  const partial = opts.quick || opts.only !== null || opts.runs !== null;
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
    const apps = ['harness', ...(selected.includes(bundle) ? bundle.PROBES.map((p) => p.project) : [])];
    await ensureApps(rootDir, benchDir, apps, log);
    timings.build = (Date.now() - t) / 1000;

    const needsBrowser = selected.some((s) => s !== bundle);
    let page = null;
    if (needsBrowser) {
      server = new BenchServerProcess(join(benchDir, 'dist/harness/browser'));
      await server.start();
      log(`bench server on ${server.baseUrl}`);
      session = await launchBrowser();
      environment.chromium = session.browser.version();
      page = await openHarness(session, server.baseUrl);
    }
    const ctx = {
      cfg,
      quick: opts.quick,
      rootDir,
      benchDir,
      server,
      page,
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

  writeReport(outDir, environment, results, failures);
  printSummary(results, failures, outDir);
}

/** Figures run in the order cheapest-to-set-up first; the report reads in figure order. */
const FIGURE_ORDER = ['receive', 'fanout', 'bundle', 'latency', 'memory'];

function writeReport(outDir, env, unordered, failures) {
  const results = [...unordered].sort((a, b) => FIGURE_ORDER.indexOf(a.name) - FIGURE_ORDER.indexOf(b.name));
  for (const r of results) for (const plot of r.plots ?? []) writeFileSync(join(outDir, plot.file), plot.svg);
  const rows = results.flatMap((r) => r.rows);
  const misses = rows.filter((r) => r.status === 'miss');
  const mark = { pass: '✅ pass', miss: '❌ miss', info: 'info' };
  const status = (r) => mark[r.status] + (r.near && r.status !== 'info' ? ' ≈' : '');
  const md = `# ngx-auth-socket benchmarks

${env.mode === 'full' ? 'Full run' : 'Quick run'} of ${env.date} on commit \`${env.commit}\`${env.libraryTreeDirty ? ' (library sources modified in the working tree)' : ''};
Chromium ${env.chromium ?? 'n/a'}, Node ${env.node}, ${env.cpu}, load average at start ${env.loadAverageAtStart}.
Took ${env.timings.total.toFixed(0)} s (${Object.entries(env.timings)
    .filter(([k]) => k !== 'total')
    .map(([k, v]) => `${k} ${v.toFixed(0)} s`)
    .join(', ')}).

Every figure is a median over interleaved runs, and every ratio is taken against a baseline
measured in the same run (the machine is shared and noisy: read the ratios, not the absolute
numbers). How to run and how to read this: [bench/README.md](../README.md)${env.mode === 'full' ? '; analysis of the misses: [ANALYSIS.md](ANALYSIS.md)' : ''}.

## Summary

| # | figure | result | baseline (same run) | ratio | target | |
|---|---|---:|---|---:|---|---|
${rows.map((r) => `| ${r.id} | ${r.figure} | ${r.result} | ${r.baseline} | ${r.ratio} | ${r.target} | ${status(r)} |`).join('\n')}

${misses.length ? `**${misses.length} target(s) missed**: ${misses.map((m) => m.figure).join('; ')}.` : 'All targets met.'}
*Result* and *baseline* are medians of the runs; *ratio* is the median of the per-run ratios (each
run's result over that run's baseline), so it need not equal result ÷ baseline.
Rows marked *info* have no target of their own (targets in parentheses are the issue's, applied
to a diagnostic figure). **≈** marks a ratio within 2 % of its target: inside this machine's
run-to-run noise, so that pass or miss can flip on the next run.
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
  console.log(`${w('#', 4)}${w('figure', 62)}${w('result', 26)}${w('ratio', 9)}${w('target', 24)}status`);
  for (const r of rows) console.log(`${w(r.id, 4)}${w(r.figure, 62)}${w(r.result, 26)}${w(r.ratio, 9)}${w(r.target, 24)}${r.status}${r.near && r.status !== 'info' ? ' (within 2% of target)' : ''}`);
  const misses = rows.filter((r) => r.status === 'miss').length;
  console.log('');
  console.log(`${rows.filter((r) => r.status === 'pass').length} passed, ${misses} missed${failures.length ? `, ${failures.length} figure(s) failed to run` : ''}. Report: ${relative(process.cwd(), join(outDir, 'report.md'))}`);
}

main()
  .catch((error) => {
    console.error(error);
  })
  .finally(() => {
    // The bench informs; it never fails a build.
    process.exitCode = 0;
  });
