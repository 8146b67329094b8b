/** Hand-written SVG charts: a log-x line chart (fan-out) and a horizontal bar chart. */

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
export const COLORS = { lib: '#c2185b', raw: '#455a64', rxjs: '#1e88e5', other: '#7cb342', target: '#e53935' };

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An axis of round steps (1, 2, 2.5 or 5 × 10^k), at most five of them, covering `v`. */
function niceScale(v) {
  if (!(v > 0)) return { max: 1, ticks: [0, 1] };
  const raw = v / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw);
  const max = Math.ceil(v / step - 1e-9) * step;
  const ticks = [];
  for (let t = 0; t <= max + step / 2; t += step) ticks.push(t);
  return { max, ticks };
}

function compact(v) {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(1)}`;
}

/**
 * Panels of lines over categorical x values spaced evenly (K = 1, 10, 100, 1000 is a log axis).
 * `panels: [{title, series: [{name, color, values, dashed?}]}]`, all sharing `xLabels`.
 */
export function lineChart({ title, xLabels, xTitle, yTitle, panels }) {
  const pw = 380;
  const ph = 240;
  const m = { l: 64, r: 16, t: 56, b: 50 + 18 * Math.max(...panels.map((p) => p.series.length)) };
  const width = m.l + panels.length * (pw + m.r + 40);
  const height = m.t + ph + m.b;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`];
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(`<text x="${m.l}" y="22" font-size="15" font-weight="600">${esc(title)}</text>`);
  panels.forEach((panel, pi) => {
    const x0 = m.l + pi * (pw + m.r + 40);
    const y0 = m.t;
    const { max, ticks } = niceScale(Math.max(...panel.series.flatMap((s) => s.values.filter(Number.isFinite))));
    const xs = (i) => x0 + (xLabels.length === 1 ? pw / 2 : (i / (xLabels.length - 1)) * pw);
    const ys = (v) => y0 + ph - (v / max) * ph;
    out.push(`<text x="${x0}" y="${y0 - 10}" font-size="13" font-weight="600">${esc(panel.title)}</text>`);
    for (const v of ticks) {
      out.push(`<line x1="${x0}" x2="${x0 + pw}" y1="${ys(v)}" y2="${ys(v)}" stroke="#e0e0e0"/>`);
      out.push(`<text x="${x0 - 6}" y="${ys(v) + 4}" text-anchor="end" fill="#555">${compact(v)}</text>`);
    }
    xLabels.forEach((label, i) => out.push(`<text x="${xs(i)}" y="${y0 + ph + 16}" text-anchor="middle" fill="#555">${esc(label)}</text>`));
    out.push(`<text x="${x0 + pw / 2}" y="${y0 + ph + 34}" text-anchor="middle" fill="#333">${esc(xTitle)}</text>`);
    if (pi === 0) out.push(`<text transform="translate(14 ${y0 + ph / 2}) rotate(-90)" text-anchor="middle" fill="#333">${esc(yTitle)}</text>`);
    for (const s of panel.series) {
      const pts = s.values.map((v, i) => (Number.isFinite(v) ? `${xs(i).toFixed(1)},${ys(v).toFixed(1)}` : null)).filter(Boolean);
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2.5" ${s.dashed ? 'stroke-dasharray="6 4"' : ''} points="${pts.join(' ')}"/>`);
      s.values.forEach((v, i) => Number.isFinite(v) && out.push(`<circle cx="${xs(i)}" cy="${ys(v)}" r="3.5" fill="${s.color}"/>`));
    }
    panel.series.forEach((s, i) => {
      const lx = x0;
      const ly = y0 + ph + 56 + i * 18;
      out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2.5" ${s.dashed ? 'stroke-dasharray="6 4"' : ''}/>`);
      out.push(`<text x="${lx + 28}" y="${ly}" fill="#333">${esc(s.name)}</text>`);
    });
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Horizontal bars with optional [lo, hi] whiskers and a vertical target line. */
export function barChart({ title, unit, bars, target }) {
  const labelW = 210;
  const w = 420;
  const barH = 22;
  const gap = 10;
  const m = { t: 44, b: 40, r: 90 };
  const height = m.t + bars.length * (barH + gap) + m.b;
  const width = labelW + w + m.r;
  const { max, ticks } = niceScale(Math.max(...bars.map((b) => Math.max(b.value, b.hi ?? 0)), target?.value ?? 0));
  const xs = (v) => labelW + (v / max) * w;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`];
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(`<text x="10" y="22" font-size="15" font-weight="600">${esc(title)}</text>`);
  for (const v of ticks) {
    out.push(`<line x1="${xs(v)}" x2="${xs(v)}" y1="${m.t - 6}" y2="${height - m.b + 4}" stroke="#eee"/>`);
    out.push(`<text x="${xs(v)}" y="${height - m.b + 18}" text-anchor="middle" fill="#555">${compact(v)}</text>`);
  }
  out.push(`<text x="${labelW + w / 2}" y="${height - 6}" text-anchor="middle" fill="#333">${esc(unit)}</text>`);
  bars.forEach((b, i) => {
    const y = m.t + i * (barH + gap);
    out.push(`<text x="${labelW - 8}" y="${y + barH / 2 + 4}" text-anchor="end" fill="#333">${esc(b.label)}</text>`);
    out.push(`<rect x="${labelW}" y="${y}" width="${Math.max(0, xs(b.value) - labelW)}" height="${barH}" fill="${b.color ?? COLORS.other}"/>`);
    if (Number.isFinite(b.lo) && Number.isFinite(b.hi)) {
      const cy = y + barH / 2;
      out.push(`<line x1="${xs(b.lo)}" x2="${xs(b.hi)}" y1="${cy}" y2="${cy}" stroke="#222"/>`);
      out.push(`<line x1="${xs(b.lo)}" x2="${xs(b.lo)}" y1="${cy - 5}" y2="${cy + 5}" stroke="#222"/>`);
      out.push(`<line x1="${xs(b.hi)}" x2="${xs(b.hi)}" y1="${cy - 5}" y2="${cy + 5}" stroke="#222"/>`);
    }
    out.push(`<text x="${Math.max(xs(b.value), Number.isFinite(b.hi) ? xs(b.hi) : 0) + 6}" y="${y + barH / 2 + 4}" fill="#333">${esc(b.text ?? compact(b.value))}</text>`);
  });
  if (target) {
    out.push(`<line x1="${xs(target.value)}" x2="${xs(target.value)}" y1="${m.t - 10}" y2="${height - m.b + 4}" stroke="${COLORS.target}" stroke-width="2" stroke-dasharray="5 3"/>`);
    out.push(`<text x="${xs(target.value) + 4}" y="${m.t - 12}" fill="${COLORS.target}">${esc(target.label)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}
