/**
 * Chromium CPU profiles (CDP `Profiler`) of one bench call, summarised by where the time went:
 * the library's functions (mapped back to `projects/ngx-auth-socket/src/lib/…` through the
 * harness's hidden source map), rxjs, Angular, V8 built-ins such as `JSON.parse`, the garbage
 * collector, and `(program)`: native work in Blink and V8 outside JavaScript (the WebSocket and
 * event-dispatch machinery of the browser).
 */
import { libraryFile } from './source-map.mjs';

/** Runs `work` under the sampling profiler of `page` and returns the raw CDP profile. */
export async function profile(page, work, intervalUs = 100) {
  await page.send('Profiler.enable');
  await page.send('Profiler.setSamplingInterval', { interval: intervalUs });
  await page.send('Profiler.start');
  let result;
  try {
    result = await work();
  } finally {
    const { profile: raw } = await page.send('Profiler.stop');
    await page.send('Profiler.disable');
    return { raw, result };
  }
}

const CATEGORY_ORDER = ['ngx-auth-socket', 'rxjs', '@angular', 'bench page', 'JSON.parse', 'other JS built-ins', 'garbage collector', '(program): browser internals', 'idle'];

/** Names a function from its original source line (minified names are useless). */
function nameFromSource(text) {
  const line = text.trim();
  let m = line.match(/^(?:export\s+)?(?:async\s+)?function\s*\*?\s*([\w$]+)/);
  if (m) return m[1];
  m = line.match(/^(?:(?:private|public|protected|static|readonly|override|async|get|set)\s+)*([\w$]+)\s*(?:<[^(]*>)?\s*\(.*\)\s*(?::\s*[^{]+)?\{\s*$/);
  if (m && !['if', 'for', 'while', 'switch', 'catch', 'return'].includes(m[1])) return m[1];
  m = line.match(/([\w$.]+)\s*[:=]\s*(?:async\s*)?(?:\([^)]*\)|[\w$]+)\s*(?::\s*[^=]+)?=>/);
  if (m) return `${m[1]} (arrow)`;
  m = line.match(/([\w$.]+)\(\s*(?:\([^)]*\)|[\w$]+)\s*=>/);
  if (m) return `arrow in ${m[1]}()`;
  return line.length > 50 ? `${line.slice(0, 50)}…` : line;
}

/**
 * Summarises `raw` (a CDP profile). `map` is the harness's SourceMap, `scriptSuffix` the URL
 * suffix of its bundle. Returns totals per category and the top functions by self time.
 */
export function summarise(raw, map, scriptSuffix = '/main.js') {
  const selfUs = new Map(); // node id → µs
  const samples = raw.samples ?? [];
  const deltas = raw.timeDeltas ?? [];
  const mean = samples.length > 0 ? (raw.endTime - raw.startTime) / samples.length : 0;
  for (let i = 0; i < samples.length; i++) {
    const dt = i + 1 < deltas.length ? deltas[i + 1] : mean;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, dt));
  }
  const byCategory = new Map();
  const byFunction = new Map();
  for (const node of raw.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    let category;
    let key;
    if (functionName === '(idle)') {
      category = 'idle';
      key = '(idle)';
    } else if (functionName === '(garbage collector)') {
      category = 'garbage collector';
      key = functionName;
    } else if (functionName === '(program)' || functionName === '(root)') {
      category = '(program): browser internals';
      key = '(program)';
    } else if (url && url.endsWith(scriptSuffix) && map) {
      const original = map.lookup(lineNumber, columnNumber);
      const source = original?.source ?? '(unmapped)';
      const lib = libraryFile(source);
      if (lib) {
        category = 'ngx-auth-socket';
        key = `${lib}:${original.line + 1} ${nameFromSource(map.sourceLine(original.sourceIndex, original.line))}`;
      } else if (source.includes('node_modules/rxjs/')) {
        category = 'rxjs';
        key = `rxjs/${source.split('node_modules/rxjs/src/')[1] ?? source}:${original.line + 1} ${nameFromSource(map.sourceLine(original.sourceIndex, original.line))}`;
      } else if (source.includes('/packages/')) {
        category = '@angular';
        key = `@angular/${source.split('/packages/')[1]}:${original.line + 1}`;
      } else {
        category = 'bench page';
        key = `${source.replace(/^.*apps\//, 'apps/')}:${(original?.line ?? 0) + 1} ${original ? nameFromSource(map.sourceLine(original.sourceIndex, original.line)) : functionName}`;
      }
    } else if (functionName === 'parse' && !url) {
      category = 'JSON.parse';
      key = 'JSON.parse (V8)';
    } else {
      category = 'other JS built-ins';
      key = `${functionName || '(anonymous)'}${url ? ` ${url.split('/').pop()}` : ' (native)'}`;
    }
    byCategory.set(category, (byCategory.get(category) ?? 0) + us);
    const entry = byFunction.get(key) ?? { key, category, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
  }
  const totalUs = [...byCategory.values()].reduce((a, b) => a + b, 0);
  const busyUs = totalUs - (byCategory.get('idle') ?? 0);
  const categories = CATEGORY_ORDER.filter((c) => byCategory.has(c)).map((c) => ({ category: c, ms: byCategory.get(c) / 1000, shareOfBusy: c === 'idle' ? NaN : byCategory.get(c) / busyUs }));
  const functions = [...byFunction.values()].sort((a, b) => b.us - a.us).map((f) => ({ ...f, ms: f.us / 1000, shareOfBusy: f.us / busyUs }));
  return { totalMs: totalUs / 1000, busyMs: busyUs / 1000, categories, functions };
}
