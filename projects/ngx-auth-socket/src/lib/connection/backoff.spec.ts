import { backoffCeiling, nextDelay, retryDelay } from './backoff';

describe('backoff policy', () => {
  const policy = { initialDelayMs: 1000, factor: 2, maxDelayMs: 30_000 };

  it('grows the ceiling exponentially from the initial delay and caps it', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 100].map((n) => backoffCeiling(n, policy));
    expect(ceilings).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('never overflows for huge attempt numbers', () => {
    expect(backoffCeiling(10_000, { initialDelayMs: 1000, factor: 10, maxDelayMs: 5000 })).toBe(5000);
  });

  const cases: Array<[attempt: number, random: number, expected: number]> = [
    [1, 0, 0],
    [1, 0.5, 500],
    [3, 0.25, 1000],
    [6, 0.5, 15_000],
    [20, 0.999, 29_970],
  ];
  for (const [attempt, random, expected] of cases) {
    it(`draws full jitter: attempt ${attempt} with random ${random} waits ${expected} ms`, () => {
      expect(nextDelay(attempt, policy, () => random)).toBe(expected);
    });
  }

  it('stays within [0, ceiling) even when the random source misbehaves', () => {
    expect(nextDelay(2, policy, () => 1)).toBeLessThan(2000);
    expect(nextDelay(2, policy, () => -3)).toBe(0);
  });

  it('spreads 1000 draws over the whole window (full jitter, not bunched)', () => {
    let seed = 42;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const delays = Array.from({ length: 1000 }, () => nextDelay(4, policy, random));
    const buckets = [0, 0, 0, 0];
    for (const d of delays) buckets[Math.floor(d / 2000)]++;
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(8000);
    for (const count of buckets) expect(count).toBeGreaterThan(150);
  });
});

describe('retryDelay (server hints)', () => {
  const policy = { initialDelayMs: 1000, factor: 2, maxDelayMs: 30_000 };
  it('uses the jittered delay when there is no hint', () => {
    expect(retryDelay(1, policy, () => 0.5)).toBe(500);
  });
  it('waits at least as long as the server asked', () => {
    expect(retryDelay(1, policy, () => 0.5, 5000)).toBe(5000);
    expect(retryDelay(6, policy, () => 0.5, 5000)).toBe(15_000);
  });
  it('never beyond the cap', () => {
    expect(retryDelay(1, policy, () => 0.5, 3_600_000)).toBe(30_000);
  });
});
