import { readFileSync } from 'node:fs';

/** Resident set size of process `pid` in bytes (Linux `/proc`), the figure `top` shows. */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match?.[1]) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * Samples a process's RSS every `everyMs` until stopped, keeping the peak: growth is judged on
 * the worst moment, not on whatever the collector left at the end.
 */
export function watchRss(pid: number, everyMs = 50): { readonly baseline: number; peak(): number; stop(): number } {
  const baseline = rssBytes(pid);
  let peak = baseline;
  const sample = (): void => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // The process has exited; the peak so far stands.
    }
  };
  const timer = setInterval(sample, everyMs);
  return {
    baseline,
    peak: () => peak,
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

export const MB = 1024 * 1024;
