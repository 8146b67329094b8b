/**
 * CPU time of a page's renderer main thread, read from Linux's /proc while the page works.
 *
 * Why CPU time and not messages per second: on this shared two-core machine a page is descheduled
 * for whole milliseconds whenever other work runs, and a wall-clock rate swings ±15–30 % from one
 * run to the next with nothing in the page changing. The CPU time the page's main thread spends
 * on a burst of messages does not count the time it waits for a core, so the same code costs
 * about the same from run to run. The JavaScript of every client under test, Blink's WebSocket
 * event dispatch and the garbage collector's main-thread work all run on that thread.
 *
 * How the thread is found: the browser lists its processes (CDP `SystemInfo.getProcessInfo`, on
 * the browser target), the page spins its main thread for a moment, and the renderer whose main
 * thread (tid = pid: a renderer's first thread is its main thread) gained the CPU time the page
 * itself reports for that spin is the page's. Chromium runs here with `--no-sandbox`, so the pids
 * it reports are the host's.
 *
 * The clock: `/proc/<pid>/task/<tid>/schedstat`, whose first field is the thread's run time in
 * nanoseconds (the scheduler's own accounting, exact for a thread that is not running at the
 * moment it is read: the bench reads it only while the page waits for the next CDP command).
 * Where schedstat is missing, utime + stime from `stat` (10 ms ticks).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { browserCommand } from './browser.mjs';

const TICK_NS = 1e7; // USER_HZ = 100 on Linux

/** Run time of thread `tid` of process `pid`, in nanoseconds. */
export function threadCpuNs(pid, tid = pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_NS; // utime, stime (fields 14 and 15 of stat)
  }
}

/** Run time of every thread of `pid` together, in nanoseconds (the whole renderer process). */
export function processCpuNs(pid) {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += threadCpuNs(pid, Number(tid));
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  return total;
}

/** The pids of the browser's renderer processes (CDP on the browser target). */
export async function rendererPids(debugPort) {
  const result = await browserCommand(debugPort, 'SystemInfo.getProcessInfo');
  return result.processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
}

/** The page's own figure for its renderer main thread's CPU time (CDP `Performance.getMetrics`), in ns. */
async function pageThreadTimeNs(page) {
  const { metrics } = await page.send('Performance.getMetrics');
  const m = metrics.find((x) => x.name === 'ThreadTime');
  if (!m) throw new Error('Performance.getMetrics has no ThreadTime');
  return m.value * 1e9;
}

/**
 * Finds the renderer main thread of `page` (a CdpPage whose `window.bench.spin(ms)` busy-loops),
 * pins it to the bench CPU (see `benchCpu`), and returns a meter: `read()` gives that thread's CPU
 * nanoseconds so far, `readProcess()` the whole renderer process's.
 *
 * Largest gain alone is not enough: while a page spins, another renderer (the browser's own WebUI
 * pages, another bench page still loading) may be busy too. The page reports its main thread's
 * CPU time itself (`ThreadTime` of CDP `Performance.getMetrics`); the renderer whose main thread
 * gained the same amount in /proc over the same spin is the page's.
 */
export async function attachCpuMeter(session, page, spinMs = 200) {
  await page.send('Performance.enable');
  try {
    const tried = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      const pids = await rendererPids(session.debugPort);
      const before = new Map(pids.map((pid) => [pid, safe(() => threadCpuNs(pid))]));
      const own0 = await pageThreadTimeNs(page);
      await page.call('spin', spinMs);
      const own = (await pageThreadTimeNs(page)) - own0;
      const gains = pids.map((pid) => ({ pid, gain: safe(() => threadCpuNs(pid)) - before.get(pid) })).filter((g) => Number.isFinite(g.gain));
      const matching = gains.filter((g) => own > spinMs * 1e6 * 0.2 && Math.abs(g.gain - own) < 0.05 * own + 2e6);
      tried.push({ own: Math.round(own / 1e6), gains: gains.map((g) => [g.pid, Math.round(g.gain / 1e6)]) });
      if (matching.length === 1) {
        const pid = matching[0].pid;
        const comm = safe(() => readFileSync(`/proc/${pid}/task/${pid}/comm`, 'utf8').trim(), '?');
        const cpu = benchCpu();
        const pinned = pinThread(pid, cpu) ? cpu : null;
        return { pid, comm, pinned, read: () => threadCpuNs(pid), readProcess: () => processCpuNs(pid) };
      }
    }
    throw new Error(`could not tell the page's renderer main thread (page's own ThreadTime vs /proc gains, ms): ${JSON.stringify(tried)}`);
  } finally {
    await page.send('Performance.disable');
  }
}

/**
 * The CPU the measured threads are pinned to (`BENCH_CPU`, default the last one), or null on a
 * single-CPU machine. On this machine the two virtual CPUs do not run alike: the same burst of the
 * same code costs up to 1.7× more main-thread time on one than on the other, and a thread that
 * sleeps between bursts may wake up on either. Pinning every page's main thread to the same CPU
 * keeps that difference out of the ratios (and the bench server on another CPU keeps it off).
 */
export function benchCpu() {
  const count = os.cpus().length;
  if (process.env.BENCH_CPU !== undefined) return Number(process.env.BENCH_CPU);
  return count > 1 ? count - 1 : null;
}

/** Pins thread `tid` (with `all`, every thread of process `tid`) to `cpu` ("1" or "0,2") with taskset; false when that is not possible. */
export function pinThread(tid, cpu, all = false) {
  if (cpu === null) return false;
  try {
    execFileSync('taskset', [...(all ? ['-a'] : []), '-p', '-c', String(cpu), String(tid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Every CPU but `cpu` (for the processes that feed the measured threads). */
export function otherCpus(cpu) {
  const all = os.cpus().map((_, i) => i);
  const rest = all.filter((i) => i !== cpu);
  return rest.length ? rest : all;
}

function safe(f, fallback = NaN) {
  try {
    return f();
  } catch {
    return fallback;
  }
}
