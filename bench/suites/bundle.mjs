/**
 * 3. Bundle size: the incremental cost of a client in a production Angular app. App A boots one
 * component using HttpClient (bench/apps/size/shared/app.ts); each probe is A plus what an app
 * author writes to use that client. Built by the Angular application builder (esbuild, production
 * optimisation), measured raw / gzip -9 / brotli q11 over all emitted JavaScript.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { listFiles } from '../tools/build.mjs';
import { SourceMap, libraryFile, packageOf } from '../tools/source-map.mjs';
import { fmt } from '../tools/stats.mjs';
import { COLORS, barChart } from '../tools/svg.mjs';

export const name = 'bundle';
export const title = 'Bundle size';

export const PROBES = [
  { project: 'size-base', label: 'A: Angular + HttpClient (baseline)' },
  { project: 'size-core', kind: 'lib', label: 'A + ngx-auth-socket core', what: "provideAuthSocket({url}) + authTokenInterceptor + inject(AuthSocketService).on('x').subscribe()" },
  { project: 'size-heartbeat', kind: 'feature', label: 'core + withHeartbeat()', feature: 'withHeartbeat()', what: 'the core probe with withHeartbeat()' },
  { project: 'size-requests', kind: 'feature', label: 'core + withRequests()', feature: 'withRequests()', what: "the core probe with withRequests() + socket.request({type: 'echo'}).subscribe()" },
  { project: 'size-rotation', kind: 'feature', label: 'core + withTokenRotation()', feature: 'withTokenRotation()', what: 'the core probe with withTokenRotation()' },
  { project: 'size-resume', kind: 'feature', label: 'core + withResume()', feature: 'withResume()', what: 'the core probe with withResume()' },
  { project: 'size-shared-tabs', kind: 'feature', label: 'core + withSharedTabs()', feature: 'withSharedTabs()', what: 'the core probe with withSharedTabs()' },
  { project: 'size-channels', kind: 'feature', label: 'core + withChannels()', feature: 'withChannels()', what: "the core probe with withChannels() + socket.channel('room:42').messages$.subscribe()" },
  {
    project: 'size-everything',
    kind: 'lib',
    label: 'A + ngx-auth-socket, everything',
    what: "all six features, delivery: {acks: true}, on('x'), a channel's messages$ and request()",
  },
  { project: 'size-graphql-ws', kind: 'peer', label: 'A + graphql-ws', what: 'createClient() + subscribe()' },
  { project: 'size-partysocket', kind: 'peer', label: 'A + partysocket', what: 'new WebSocket() from partysocket (reconnecting) + listener' },
  { project: 'size-rws', kind: 'peer', label: 'A + reconnecting-websocket', what: 'new ReconnectingWebSocket() + listener' },
  { project: 'size-rxjs', kind: 'peer', label: 'A + rxjs webSocket', what: 'webSocket(url).subscribe() (rxjs itself is already in A)' },
  { project: 'size-socket-io', kind: 'peer', label: 'A + socket.io-client', what: "io() + on('x')" },
];

/** Issue 15: the core ≤ 6 kB gzip, everything together ≤ 10 kB (reported, never failed). */
const TARGET_CORE_GZIP = 6000;
const TARGET_ALL_GZIP = 10000;
const require = createRequire(import.meta.url);

/**
 * String and template literals of the library in the minified bundle (found with the TypeScript
 * parser, mapped to their source through the source map). Minification cannot shorten them.
 */
function libraryLiterals(code, map) {
  const ts = require('typescript');
  const file = ts.createSourceFile('main.js', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const found = [];
  const visit = (node) => {
    const k = node.kind;
    if (
      k === ts.SyntaxKind.StringLiteral ||
      k === ts.SyntaxKind.NoSubstitutionTemplateLiteral ||
      k === ts.SyntaxKind.TemplateHead ||
      k === ts.SyntaxKind.TemplateMiddle ||
      k === ts.SyntaxKind.TemplateTail
    ) {
      const start = node.getStart(file);
      const { line, character } = file.getLineAndCharacterOfPosition(start);
      const original = map.lookup(line, character);
      if (original && libraryFile(original.source)) found.push(code.slice(start, node.end));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

const gzip = (buf) => gzipSync(buf, { level: 9 }).length;
const brotli = (buf) =>
  brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: buf.length } }).length;

function measureApp(benchDir, project) {
  const dir = join(benchDir, 'dist', project, 'browser');
  const files = listFiles(dir, (p) => p.endsWith('.js'));
  let raw = 0;
  let gz = 0;
  let br = 0;
  for (const f of files) {
    const buf = readFileSync(f);
    raw += buf.length;
    gz += gzip(buf);
    br += brotli(buf);
  }
  return { files: files.map((f) => f.slice(dir.length + 1)), raw, gzip: gz, brotli: br, builtAt: files.length ? statSync(files[0]).mtime.toISOString() : null };
}

/** Bytes of main.js per package and per library file, from the hidden source map. */
function attribute(benchDir, project) {
  const dir = join(benchDir, 'dist', project, 'browser');
  const code = readFileSync(join(dir, 'main.js'), 'utf8');
  const map = SourceMap.read(join(dir, 'main.js.map'));
  const bySource = map.attributeBytes(code);
  const byPackage = new Map();
  const byLibFile = new Map();
  for (const [source, bytes] of bySource) {
    const pkg = packageOf(source);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytes);
    const lib = libraryFile(source);
    if (lib) byLibFile.set(lib, (byLibFile.get(lib) ?? 0) + bytes);
  }
  // String literals survive minification byte for byte: how much of the library is text?
  const libText = map.textOf(code, (s) => libraryFile(s) !== null);
  const literals = libraryLiterals(code, map);
  const literalBytes = literals.reduce((n, l) => n + Buffer.byteLength(l), 0);
  // Prose (error and validation messages): literals with a space in them.
  const longLiterals = literals.filter((l) => / \S/.test(l) && l.length > 8);
  let stripped = libText;
  for (const l of longLiterals) stripped = stripped.replace(l, '""');
  return {
    bySource,
    byPackage,
    byLibFile,
    literalBytes,
    longLiteralBytes: longLiterals.reduce((n, l) => n + Buffer.byteLength(l), 0),
    longLiteralCount: longLiterals.length,
    libGzipStandalone: gzip(Buffer.from(libText)),
    libGzipWithoutLongLiterals: gzip(Buffer.from(stripped)),
  };
}

export async function run(ctx) {
  ctx.log('3. bundle size');
  const sizes = Object.fromEntries(PROBES.map((p) => [p.project, measureApp(ctx.benchDir, p.project)]));
  const diff = (p, over) => ({ raw: sizes[p].raw - sizes[over].raw, gzip: sizes[p].gzip - sizes[over].gzip, brotli: sizes[p].brotli - sizes[over].brotli });
  const inc = (p) => diff(p, 'size-base');
  const core = inc('size-core');
  const all = inc('size-everything');
  const features = PROBES.filter((p) => p.kind === 'feature');
  const peers = PROBES.filter((p) => p.kind === 'peer');

  const a = attribute(ctx.benchDir, 'size-base');
  const b = attribute(ctx.benchDir, 'size-core');
  const e = attribute(ctx.benchDir, 'size-everything');
  const f = Object.fromEntries(features.map((p) => [p.project, attribute(ctx.benchDir, p.project)]));
  const packages = [...new Set([...a.byPackage.keys(), ...b.byPackage.keys()])]
    .map((p) => ({ pkg: p, base: a.byPackage.get(p) ?? 0, lib: b.byPackage.get(p) ?? 0 }))
    .map((x) => ({ ...x, delta: x.lib - x.base }))
    .filter((x) => x.delta !== 0)
    .sort((x, y) => y.delta - x.delta);
  const libTotal = [...b.byLibFile.values()].reduce((s, v) => s + v, 0);
  const allTotal = [...e.byLibFile.values()].reduce((s, v) => s + v, 0);
  const libFiles = [...new Set([...b.byLibFile.keys(), ...e.byLibFile.keys()])]
    .map((file) => ({ file, core: b.byLibFile.get(file) ?? 0, all: e.byLibFile.get(file) ?? 0 }))
    .sort((x, y) => y.core - x.core || y.all - x.all);
  // What each feature adds, file by file (minified bytes over the core probe's).
  const featureFiles = Object.fromEntries(
    features.map((p) => {
      const files = [...new Set([...b.byLibFile.keys(), ...f[p.project].byLibFile.keys()])]
        .map((file) => ({ file, delta: (f[p.project].byLibFile.get(file) ?? 0) - (b.byLibFile.get(file) ?? 0) }))
        .filter((x) => x.delta !== 0)
        .sort((x, y) => y.delta - x.delta);
      return [p.project, files];
    }),
  );
  // Sources outside the library that only the core probe pulls in (rxjs operators, Angular's interceptor chain…).
  const addedDeps = [...b.bySource.entries()]
    .filter(([s]) => !libraryFile(s) && !s.includes('/apps/'))
    .map(([s, bytes]) => ({ source: s, delta: bytes - (a.bySource.get(s) ?? 0) }))
    .filter((x) => x.delta > 40)
    .sort((x, y) => y.delta - x.delta)
    .slice(0, 12);

  const ranked = [{ project: 'size-core', label: 'ngx-auth-socket core' }, ...peers.map((p) => ({ project: p.project, label: p.label.replace('A + ', '') }))].sort((x, y) => inc(x.project).gzip - inc(y.project).gzip);
  const coreRank = ranked.findIndex((x) => x.project === 'size-core') + 1;
  const rows = [
    {
      id: '3',
      figure: 'Bundle: ngx-auth-socket core, incremental gzip (exact)',
      result: fmt.signedKb(core.gzip),
      baseline: `app A ${fmt.kb(sizes['size-base'].gzip)}`,
      ratio: '—',
      target: `≤ ${fmt.kb(TARGET_CORE_GZIP)}`,
      status: core.gzip <= TARGET_CORE_GZIP ? 'pass' : 'miss',
    },
    {
      id: '3',
      figure: 'Bundle: everything together (all features, acks, request()), incremental gzip',
      result: fmt.signedKb(all.gzip),
      baseline: `core ${fmt.signedKb(core.gzip)}`,
      ratio: '—',
      target: `≤ ${fmt.kb(TARGET_ALL_GZIP)}`,
      status: all.gzip <= TARGET_ALL_GZIP ? 'pass' : 'miss',
    },
    ...features.map((p) => ({
      id: '3',
      figure: `Bundle: ${p.feature} on top of the core, gzip`,
      result: fmt.signedKb(diff(p.project, 'size-core').gzip),
      baseline: `core ${fmt.signedKb(core.gzip)}`,
      ratio: '—',
      target: '—',
      status: 'info',
    })),
    {
      id: '3',
      figure: `Bundle: core among the peers (rank ${coreRank} of ${ranked.length}, smallest first)`,
      result: fmt.signedKb(core.gzip),
      baseline: ranked
        .filter((x) => x.project !== 'size-core')
        .map((x) => `${x.label} ${fmt.signedKb(inc(x.project).gzip)}`)
        .join(', '),
      ratio: '—',
      target: '—',
      status: 'info',
    },
  ];

  const table = [
    '| app | what the probe adds | JS raw | gzip -9 | brotli q11 | over | added raw | added gzip | added brotli |',
    '|---|---|---:|---:|---:|---|---:|---:|---:|',
    ...PROBES.map((p) => {
      const s = sizes[p.project];
      const over = p.kind === 'feature' ? 'size-core' : 'size-base';
      const d = diff(p.project, over);
      const isBase = p.project === 'size-base';
      return `| ${p.label} | ${p.what ?? '—'} | ${fmt.bytes(s.raw)} | ${fmt.bytes(s.gzip)} | ${fmt.bytes(s.brotli)} | ${isBase ? '—' : over === 'size-core' ? 'core' : 'A'} | ${isBase ? '—' : fmt.signedKb(d.raw)} | ${isBase ? '—' : `**${fmt.signedKb(d.gzip)}**`} | ${isBase ? '—' : fmt.signedKb(d.brotli)} |`;
    }),
  ].join('\n');

  const svg = barChart({
    title: 'JavaScript added to app A, gzip -9 (bytes)',
    unit: 'bytes (gzip -9) added to a production Angular app with HttpClient',
    bars: [
      ...PROBES.filter((p) => p.kind === 'lib' || p.kind === 'feature').map((p) => ({ label: p.label.replace('A + ngx-auth-socket', 'ngx-auth-socket'), value: Math.max(0, inc(p.project).gzip), text: fmt.kb(inc(p.project).gzip), color: COLORS.lib })),
      ...peers.map((p) => ({ label: p.label.replace('A + ', ''), value: Math.max(0, inc(p.project).gzip), text: fmt.kb(inc(p.project).gzip), color: COLORS.other })),
    ],
    target: { value: TARGET_CORE_GZIP, label: `core target ${fmt.kb(TARGET_CORE_GZIP)}` },
  });

  const markdown = `
### 3. Bundle size

Production builds with the Angular CLI's application builder (\`bench/angular.json\`, \`ng build\`:
the Angular linker, the CLI's own optimisation and minification, hidden source maps so the emitted
JavaScript is exactly what ships), all emitted \`.js\` files, compressed with node:zlib (gzip level 9,
brotli quality 11). 1 kB = 1 000 bytes. App A is \`bench/apps/size/shared/app.ts\`; each probe is A plus
the lines in its \`bench/apps/size/*.main.ts\`. A feature's cost is its probe over the core probe; the
core and the peers are measured over A. What the library needs from Angular and rxjs that A does
not (\`withInterceptors\`, more rxjs) is part of its cost to an app. Sizes are exact: the same inputs
give the same bytes, so these verdicts need no range.

${table}

![bundle](bundle.svg)

What each feature adds, by library file (minified bytes over the core probe; negative where the
feature replaces a path of the core):

| feature | gzip | raw | files (minified bytes added) |
|---|---:|---:|---|
${features.map((p) => `| ${p.feature} | ${fmt.signedKb(diff(p.project, 'size-core').gzip)} | ${fmt.signedKb(diff(p.project, 'size-core').raw)} | ${featureFiles[p.project].slice(0, 8).map((x) => `\`${x.file}\` ${x.delta > 0 ? '+' : '−'}${Math.abs(x.delta).toLocaleString('en-US')}`).join(', ') || '—'} |`).join('\n')}

Where the core probe's extra bytes come from (minified bytes of \`main.js\`, attributed through the source map):

| package | in A | in A + core | added |
|---|---:|---:|---:|
${packages.map((x) => `| ${x.pkg} | ${fmt.bytes(x.base)} | ${fmt.bytes(x.lib)} | ${fmt.bytes(x.delta)} |`).join('\n')}

The library's ${fmt.bytes(libTotal)} in the core probe (${fmt.bytes(allTotal)} with everything), minified, before
compression, by source file. Of the core's bytes, ${fmt.bytes(b.literalBytes)} are string and template literals,
${fmt.bytes(b.longLiteralBytes)} of them in ${b.longLiteralCount} literals of prose (error and validation messages;
template literals count per piece), which minification cannot shorten. Compressed on its own, the
core's library code is ${fmt.bytes(b.libGzipStandalone)} gzip; without the prose it would be
${fmt.bytes(b.libGzipWithoutLongLiterals)} (${fmt.bytes(b.libGzipStandalone - b.libGzipWithoutLongLiterals)} less).

| library file | core: minified bytes | share of the core | everything: minified bytes |
|---|---:|---:|---:|
${libFiles.map((x) => `| \`projects/ngx-auth-socket/src/${x.file}\` | ${x.core ? fmt.bytes(x.core) : '—'} | ${x.core ? `${((x.core / libTotal) * 100).toFixed(1)}%` : ''} | ${fmt.bytes(x.all)} |`).join('\n')}

Largest additions outside the library in the core probe (sources A does not ship, or ships less of):

| source | added bytes |
|---|---:|
${addedDeps.map((x) => `| ${x.source.replace(/^.*node_modules\//, '').replace(/^.*bin\/packages\//, '@angular/')} | ${fmt.bytes(x.delta)} |`).join('\n')}
`;

  return {
    name,
    title,
    rows,
    markdown,
    plots: [{ file: 'bundle.svg', svg }],
    data: {
      sizes,
      incremental: Object.fromEntries(PROBES.filter((p) => p.project !== 'size-base').map((p) => [p.project, inc(p.project)])),
      features: Object.fromEntries(features.map((p) => [p.feature, { ...diff(p.project, 'size-core'), files: featureFiles[p.project] }])),
      libraryBytesByFile: Object.fromEntries(libFiles.map((x) => [x.file, { core: x.core, everything: x.all }])),
      packageDelta: packages,
      addedDeps,
      libraryLiteralBytes: b.literalBytes,
      libraryLongLiteralBytes: b.longLiteralBytes,
      libraryGzipStandalone: b.libGzipStandalone,
      libraryGzipWithoutLongLiterals: b.libGzipWithoutLongLiterals,
    },
  };
}
