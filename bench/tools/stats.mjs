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
