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
  { project: 'size-lib', label: 'A + ngx-auth-socket', what: 'provideAuthSocket + authTokenInterceptor + inject(AuthSocketService).on(\'x\').subscribe()' },
  { project: 'size-graphql-ws', label: 'A + graphql-ws', what: 'createClient() + subscribe()' },
  { project: 'size-partysocket', label: 'A + partysocket', what: 'new WebSocket() from partysocket (reconnecting) + listener' },
  { project: 'size-socket-io', label: 'A + socket.io-client', what: "io() + on('x')" },
];

const TARGET_GZIP = 3400;
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
  const base = sizes['size-base'];
  const inc = (p) => ({ raw: sizes[p].raw - base.raw, gzip: sizes[p].gzip - base.gzip, brotli: sizes[p].brotli - base.brotli });
  const lib = inc('size-lib');
  const gql = inc('size-graphql-ws');

  const a = attribute(ctx.benchDir, 'size-base');
  const b = attribute(ctx.benchDir, 'size-lib');
  const packages = [...new Set([...a.byPackage.keys(), ...b.byPackage.keys()])]
    .map((p) => ({ pkg: p, base: a.byPackage.get(p) ?? 0, lib: b.byPackage.get(p) ?? 0 }))
    .map((x) => ({ ...x, delta: x.lib - x.base }))
    .filter((x) => x.delta !== 0)
    .sort((x, y) => y.delta - x.delta);
  const libTotal = [...b.byLibFile.values()].reduce((s, v) => s + v, 0);
  const libFiles = [...b.byLibFile.entries()].sort((x, y) => y[1] - x[1]);
  // Sources outside the library that only app B pulls in (rxjs operators, Angular's interceptor chain…).
  const addedDeps = [...b.bySource.entries()]
    .filter(([s]) => !libraryFile(s) && !s.includes('/apps/'))
    .map(([s, bytes]) => ({ source: s, delta: bytes - (a.bySource.get(s) ?? 0) }))
    .filter((x) => x.delta > 40)
    .sort((x, y) => y.delta - x.delta)
    .slice(0, 12);

  const rows = [
    {
      id: '3',
      figure: 'Bundle: ngx-auth-socket incremental, gzip',
      result: fmt.signedKb(lib.gzip),
      baseline: `graphql-ws ${fmt.signedKb(gql.gzip)}`,
      ratio: fmt.ratio(lib.gzip / gql.gzip),
      target: '≤ 3.40 kB',
      status: lib.gzip <= TARGET_GZIP ? 'pass' : 'miss',
    },
    {
      id: '3',
      figure: 'Bundle: ngx-auth-socket incremental, raw / brotli',
      result: `${fmt.signedKb(lib.raw)} / ${fmt.signedKb(lib.brotli)}`,
      baseline: `graphql-ws ${fmt.signedKb(gql.raw)} / ${fmt.signedKb(gql.brotli)}`,
      ratio: '—',
      target: '—',
      status: 'info',
    },
  ];

  const table = [
    '| app | what the probe adds | JS raw | gzip -9 | brotli q11 | incremental raw | incremental gzip | incremental brotli |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...PROBES.map((p) => {
      const s = sizes[p.project];
      const d = inc(p.project);
      const isBase = p.project === 'size-base';
      return `| ${p.label} | ${p.what ?? '—'} | ${fmt.bytes(s.raw)} | ${fmt.bytes(s.gzip)} | ${fmt.bytes(s.brotli)} | ${isBase ? '—' : fmt.signedKb(d.raw)} | ${isBase ? '—' : `**${fmt.signedKb(d.gzip)}**`} | ${isBase ? '—' : fmt.signedKb(d.brotli)} |`;
    }),
  ].join('\n');

  const svg = barChart({
    title: 'Incremental JavaScript over app A, gzip -9 (bytes)',
    unit: 'bytes (gzip -9) added to a production Angular app with HttpClient',
    bars: PROBES.filter((p) => p.project !== 'size-base').map((p) => ({
      label: p.label.replace('A + ', ''),
      value: Math.max(0, inc(p.project).gzip),
      text: fmt.kb(inc(p.project).gzip),
      color: p.project === 'size-lib' ? COLORS.lib : COLORS.other,
    })),
    target: { value: TARGET_GZIP, label: 'target 3.4 kB' },
  });

  const markdown = `
### 3. Bundle size

Production builds with the Angular application builder (\`bench/angular.json\`, optimisation on,
hidden source maps so the emitted JavaScript is exactly what ships), all emitted \`.js\` files,
compressed with node:zlib (gzip level 9, brotli quality 11). 1 kB = 1 000 bytes. App A is
\`bench/apps/size/shared/app.ts\`; each probe is A plus the lines in its \`bench/apps/size/*.main.ts\`.
The library probe includes what it needs from Angular and rxjs that A does not (\`withInterceptors\`,
more rxjs operators): that is part of its cost to an app.

${table}

![bundle](bundle.svg)

Where app B's extra bytes come from (minified bytes of \`main.js\`, attributed through the source map):

| package | in A | in B | added |
|---|---:|---:|---:|
${packages.map((x) => `| ${x.pkg} | ${fmt.bytes(x.base)} | ${fmt.bytes(x.lib)} | ${fmt.bytes(x.delta)} |`).join('\n')}

The library's ${fmt.bytes(libTotal)} (minified, before compression) by source file. Of these,
${fmt.bytes(b.literalBytes)} are string and template literals, ${fmt.bytes(b.longLiteralBytes)} of them in
${b.longLiteralCount} literals of prose (error and validation messages; template literals count
per piece), which minification cannot shorten. Compressed on its own, the library's code is
${fmt.bytes(b.libGzipStandalone)} gzip; without the prose it would be ${fmt.bytes(b.libGzipWithoutLongLiterals)}
(${fmt.bytes(b.libGzipStandalone - b.libGzipWithoutLongLiterals)} less).

| library file | minified bytes | share |
|---|---:|---:|
${libFiles.map(([f, bytes]) => `| \`projects/ngx-auth-socket/src/${f}\` | ${fmt.bytes(bytes)} | ${((bytes / libTotal) * 100).toFixed(1)}% |`).join('\n')}

Largest additions outside the library (sources A does not ship, or ships less of):

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
      libraryBytesByFile: Object.fromEntries(libFiles),
      packageDelta: packages,
      addedDeps,
      libraryLiteralBytes: b.literalBytes,
      libraryLongLiteralBytes: b.longLiteralBytes,
      libraryGzipStandalone: b.libGzipStandalone,
      libraryGzipWithoutLongLiterals: b.libGzipWithoutLongLiterals,
    },
  };
}
