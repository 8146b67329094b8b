/** Small statistics for interleaved runs: medians of per-run ratios, spreads, formatting. */

export function median(values) {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const mid = xs.length >> 1;
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

export function quantile(values, q) {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const pos = (xs.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
}

/** `[min, max]` of the values, for "median (min–max)" cells. */
export function range(values) {
  const xs = values.filter((v) => Number.isFinite(v));
  return [Math.min(...xs), Math.max(...xs)];
}

/** Rotates `items` by `by` so every variant takes every position across runs. */
export function rotate(items, by) {
  const k = ((by % items.length) + items.length) % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

export const fmt = {
  rate: (v) => (Number.isFinite(v) ? `${Math.round(v).toLocaleString('en-US')}/s` : 'n/a'),
  ratio: (v) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a'),
  ms: (v, digits = 1) => (Number.isFinite(v) ? `${v.toFixed(digits)} ms` : 'n/a'),
  bytes: (v) => (Number.isFinite(v) ? `${Math.round(v).toLocaleString('en-US')} B` : 'n/a'),
  kb: (v) => (Number.isFinite(v) ? `${(v / 1000).toFixed(2)} kB` : 'n/a'),
  signedKb: (v) => (Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${(Math.abs(v) / 1000).toFixed(2)} kB` : 'n/a'),
  spread: (values, f) => {
    const [lo, hi] = range(values);
    return `${f(lo)}–${f(hi)}`;
  },
};

/** `{median, min, max, n}` of the finite values. */
export function summary(values) {
  const xs = values.filter((v) => Number.isFinite(v));
  if (xs.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/**
 * The verdict on a target from every round's value, not from a median: met only when the whole
 * range (min–max over rounds) is on the right side of the target, missed only when the whole range
 * is on the wrong side, and `near` (≈) when the range straddles it: noise could flip that one.
 * `op` is how a good value compares with the target: '<=', '<', '>=' or '>'.
 */
export function verdict(values, op, target) {
  const { min, max } = summary(values);
  if (!Number.isFinite(min)) return 'info';
  const ok = (v) => (op === '<=' ? v <= target : op === '<' ? v < target : op === '>=' ? v >= target : v > target);
  if (ok(min) && ok(max)) return 'pass';
  if (!ok(min) && !ok(max)) return 'miss';
  return 'near';
}

/** Combines verdicts that must all hold: a miss wins, then ≈, then pass. */
export function allOf(verdicts) {
  if (verdicts.includes('miss')) return 'miss';
  if (verdicts.includes('near')) return 'near';
  return verdicts.length ? 'pass' : 'info';
}

/** "1.03× (0.98–1.09)": the median ratio and its range over rounds. */
export function ratioRange(values, digits = 2) {
  const s = summary(values);
  if (!Number.isFinite(s.median)) return 'n/a';
  return s.n > 1 ? `${s.median.toFixed(digits)}× (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})` : `${s.median.toFixed(digits)}×`;
}

/** "412 ns (398–430)" and the like: a median and its range in `unit`. */
export function valueRange(values, f) {
  const s = summary(values);
  if (!Number.isFinite(s.median)) return 'n/a';
  return s.n > 1 ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : f(s.median);
}

/**
 * `items` in an order drawn from `seed` (a seeded Fisher–Yates shuffle, so a run can be repeated).
 * Interleaved bursts use it rather than a rotation: a rotation keeps every item behind the same
 * neighbour, and the item that always follows the other page starts on cold caches.
 */
export function shuffled(items, seed) {
  let a = (seed * 0x9e3779b9) >>> 0;
  const random = () => {
    // mulberry32
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
