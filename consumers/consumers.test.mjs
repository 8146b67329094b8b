// The consumer matrix: the packed package (dist/ngx-auth-socket, as `npm publish` would ship it)
// installed into apps made by each Angular major's `ng new` (consumers/angular-NN, committed with
// their lockfiles), with the README's quick start copied in verbatim. For each app: `ng add` on the
// CLI's own files, a production build with strict templates and the app's own test runner on a spec
// that uses ngx-auth-socket/testing; for Angular 21 also a server-side render that stays off the
// network and a browser that hydrates it and connects (Chromium against the reference server), and
// `ng serve` with the README's proxy.conf.json, and a type-check of every other TypeScript block of
// README.md, docs/TESTING.md and the examples' READMEs (consumers/doc-snippets.mjs). consumers/README.md tells the whole story.
//
// Run by `npm run test:consumers` (which builds the library and the server first). Installs go to
// dist/consumers/<app>/ with `npm ci` from the committed lockfile; a later run reuses node_modules
// while the lockfile is unchanged.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { REPOSITORY, packageReadme } from '../scripts/package-readme.mjs';
import { DOCS, docBlocks, exportedNames, snippetFiles } from './doc-snippets.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WORK = join(ROOT, 'dist/consumers');
const PACKAGE_DIR = join(ROOT, 'dist/ngx-auth-socket');
const CHROME = process.env.CHROME_BIN || '/usr/bin/chromium';
const require = createRequire(import.meta.url);
const CHROMIUM_FLAGS = require('../scripts/chromium-flags.cjs');
const STEP_TIMEOUT_MS = 10 * 60_000;
const FIXTURES = ['angular-21', 'angular-20'];
const semver = require('semver');

/**
 * The fenced blocks of README.md marked `<!-- quick-start:path -->`, `<!-- quick-start-ssr:path -->`
 * or `<!-- reference-server:path -->`: each becomes that file of the app, verbatim.
 */
function readmeBlocks(markdown) {
  const blocks = [];
  const marker = /<!-- (quick-start(?:-ssr)?|reference-server):(\S+) -->\n```[a-z]*\n([\s\S]*?)\n```/g;
  for (const m of markdown.matchAll(marker)) blocks.push({ kind: m[1], path: m[2], code: `${m[3]}\n` });
  return blocks;
}

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const quickStart = readmeBlocks(readme).filter((b) => b.kind === 'quick-start');
const quickStartSsr = readmeBlocks(readme).filter((b) => b.kind === 'quick-start-ssr');
const proxyConf = readmeBlocks(readme).find((b) => b.kind === 'reference-server' && b.path === 'proxy.conf.json');

let tarball;

before(() => {
  assert.ok(
    existsSync(join(PACKAGE_DIR, 'package.json')),
    'dist/ngx-auth-socket is missing: run `npm run build:lib` first',
  );
  mkdirSync(WORK, { recursive: true });
});

describe('the package', () => {
  test('packs with README, LICENSE, both entry points and the ng-add schematic', async () => {
    const { stdout } = await run('npm', ['pack', PACKAGE_DIR, '--pack-destination', WORK, '--json'], { cwd: ROOT });
    const [info] = JSON.parse(stdout);
    tarball = join(WORK, info.filename);
    const files = info.files.map((f) => f.path);
    for (const wanted of [
      'README.md',
      'LICENSE',
      'package.json',
      'fesm2022/ngx-auth-socket.mjs',
      'fesm2022/ngx-auth-socket-testing.mjs',
      'schematics/collection.json',
      'schematics/ng-add/index.cjs',
      'schematics/ng-add/schema.json',
    ]) {
      assert.ok(files.includes(wanted), `${wanted} is not in the package: ${files.join(', ')}`);
    }
    assert.ok(
      !files.some((f) => /\.spec\.c?js$/.test(f) || (/\.c?ts$/.test(f) && !f.endsWith('.d.ts'))),
      `sources or specs packed: ${files.join(', ')}`,
    );
  });

  test('npm publish --dry-run prints no warning (about fields, files or anything but the login)', async () => {
    const { stdout, stderr } = await run('npm', ['publish', '--dry-run', '--ignore-scripts', PACKAGE_DIR], {
      cwd: ROOT,
    });
    // Nobody is logged in to the registry here; that is the one warning a dry run may print.
    const warnings = `${stdout}\n${stderr}`
      .split('\n')
      .filter((line) => /\bwarn/i.test(line) && !/requires you to be logged in/.test(line));
    assert.deepEqual(warnings, []);
  });

  test('its README is the repository README for users, with absolute links that resolve', () => {
    const packed = readFileSync(join(PACKAGE_DIR, 'README.md'), 'utf8');
    assert.equal(packed, packageReadme(readme), 'projects/ngx-auth-socket/README.md is stale: npm run readme:package');
    const links = [...packed.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    assert.deepEqual(
      links.filter((l) => !/^(https:\/\/|#)/.test(l)),
      [],
      'relative links',
    );
    const slugs = new Set([...packed.matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1])));
    assert.deepEqual(
      links.filter((l) => l.startsWith('#') && !slugs.has(l.slice(1))),
      [],
      'anchors without a heading',
    );
    for (const link of links.filter((l) => l.startsWith(`${REPOSITORY}/blob/main/`))) {
      const path = link.slice(`${REPOSITORY}/blob/main/`.length).replace(/#.*/, '');
      assert.ok(existsSync(join(ROOT, path)), `${link}: no such file in the repository`);
    }
  });

  test('LICENSE (MIT) and the metadata npm shows', () => {
    assert.equal(readFileSync(join(PACKAGE_DIR, 'LICENSE'), 'utf8'), readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
    const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8'));
    assert.equal(pkg.license, 'MIT');
    assert.equal(pkg.repository.url, `git+${REPOSITORY}.git`);
    assert.equal(pkg.homepage, `${REPOSITORY}#readme`);
    assert.equal(pkg.bugs.url, `${REPOSITORY}/issues`);
    assert.equal(pkg.sideEffects, false);
    assert.ok(pkg.engines.node && pkg.keywords.includes('angular'));
    assert.equal(pkg.schematics, './schematics/collection.json');
    // The testing kit brings its own in-memory socket: no optional peer for specs.
    assert.equal(pkg.peerDependenciesMeta, undefined);
  });

  test('the Angular peer range is what this matrix installs, no more', () => {
    const peers = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')).peerDependencies;
    const tested = FIXTURES.map(
      (name) =>
        JSON.parse(readFileSync(join(ROOT, 'consumers', name, 'package.json'), 'utf8')).dependencies['@angular/core'],
    );
    for (const peer of ['@angular/core', '@angular/common']) {
      for (const version of tested)
        assert.ok(semver.satisfies(version, peers[peer]), `${version} outside ${peer} ${peers[peer]}`);
      const majors = peers[peer].split('||').map((range) => semver.minVersion(range.trim()).major);
      assert.deepEqual(
        majors.sort(),
        tested.map((v) => semver.major(v)).sort(),
        `every major in the ${peer} range has a consumer app`,
      );
    }
  });

  test('the README quick start has the four files of an app and the SSR config', () => {
    assert.deepEqual(quickStart.map((b) => b.path).sort(), [
      'src/app/app.config.ts',
      'src/app/app.ts',
      'src/app/auth-api.ts',
      'src/app/chat.ts',
    ]);
    assert.deepEqual(
      quickStartSsr.map((b) => b.path),
      ['src/app/app.config.ts'],
    );
  });
});

describe('Angular 21 app (ng new --ssr --zoneless; Vitest + jsdom)', () => {
  const app = consumerApp('angular-21', [...quickStart, ...quickStartSsr]);

  test('installs the packed package into a fresh install of the committed lockfile', async (t) => {
    await app.install(t);
  });

  test("ng add: the schematic from the installed package edits the CLI's own app.config.ts, which compiles", async (t) => {
    await app.ngAdd(t);
  });

  test("every other TypeScript block of README.md, docs/TESTING.md and the examples' READMEs type-checks in the app as shown", async (t) => {
    await app.typeCheckDocs(t);
  });

  test('ng build (production, strict templates, SSR)', async (t) => {
    await app.build(t);
    assert.ok(existsSync(join(app.dir, 'dist/consumer/server/server.mjs')));
  });

  test('ng test: the app spec with ngx-auth-socket/testing under Vitest', async (t) => {
    const { output } = await app.ng(t, ['test', '--watch=false']);
    assert.match(output, /Tests\s+2 passed \(2\)/);
  });

  test('server render fetches no ticket and opens no socket; the browser hydrates it and connects', async (t) => {
    await checkSsrAndHydration(t, app.dir);
  });

  test('ng serve with the README\'s proxy.conf.json renders on the server and passes the socket on ("ws": true)', async (t) => {
    await checkDevServerProxy(t, app.dir);
  });
});

describe('Angular 20 app (ng new, zone.js; Karma + Jasmine)', () => {
  const app = consumerApp('angular-20', quickStart);

  test('installs the packed package into a fresh install of the committed lockfile', async (t) => {
    await app.install(t);
  });

  test("ng add: the schematic from the installed package edits the CLI's own app.config.ts, which compiles", async (t) => {
    await app.ngAdd(t);
  });

  test('ng build (production, strict templates)', async (t) => {
    await app.build(t);
  });

  test('ng test: the app spec with ngx-auth-socket/testing under Karma + Jasmine in Chromium', async (t) => {
    const { output } = await app.ng(t, ['test', '--watch=false', '--browsers=ChromeHeadlessCI'], {
      CHROME_BIN: CHROME,
    });
    assert.match(output, /Executed 2 of 2 SUCCESS/);
  });
});

/** One committed fixture, copied to dist/consumers/<name> with the README's blocks written over it. */
function consumerApp(name, blocks) {
  const fixture = join(ROOT, 'consumers', name);
  const dir = join(WORK, name);
  return {
    dir,
    async install(t) {
      assert.ok(tarball, 'the package test packs the tarball first');
      const lock = readFileSync(join(fixture, 'package-lock.json'));
      const stamp = createHash('sha256')
        .update(lock)
        .update(readFileSync(join(fixture, 'package.json')))
        .digest('hex');
      const stampFile = join(dir, 'node_modules/.consumers-lock-hash');
      const reuse = existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp;
      // Sources are copied fresh every run; node_modules and the CLI cache survive while the lockfile does.
      mkdirSync(dir, { recursive: true });
      for (const entry of readdirSync(dir)) {
        if (entry === 'node_modules' && reuse) continue;
        if (entry === '.angular' && reuse) continue;
        rmSync(join(dir, entry), { recursive: true, force: true });
      }
      cpSync(fixture, dir, { recursive: true, filter: (src) => !/[/\\](node_modules|dist|\.angular)$/.test(src) });
      for (const block of blocks) writeFileSync(join(dir, block.path), block.code);
      const tsconfig = readFileSync(join(dir, 'tsconfig.json'), 'utf8');
      assert.match(tsconfig, /"strictTemplates": true/, 'the CLI app has strict templates');

      if (reuse) {
        t.diagnostic('npm ci skipped: node_modules matches the committed lockfile');
      } else {
        await timed(t, 'npm ci', () => run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir }));
        writeFileSync(stampFile, stamp);
      }
      // --no-save: the committed package.json and lockfile stay as the CLI left them.
      await timed(t, 'npm install <tarball>', () =>
        run('npm', ['install', '--no-save', '--no-audit', '--no-fund', tarball], { cwd: dir }),
      );
      const installed = JSON.parse(readFileSync(join(dir, 'node_modules/ngx-auth-socket/package.json'), 'utf8'));
      assert.equal(installed.version, JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')).version);
    },
    /**
     * `ng add` minus the install (the package is installed already): `ng generate ngx-auth-socket:ng-add`
     * in a copy of the app as the CLI made it, sharing node_modules, then a type-check of the app.
     */
    async ngAdd(t) {
      const copy = `${dir}-ng-add`;
      rmSync(copy, { recursive: true, force: true });
      cpSync(fixture, copy, { recursive: true, filter: (src) => !/[/\\](node_modules|dist|\.angular)$/.test(src) });
      symlinkSync(join(dir, 'node_modules'), join(copy, 'node_modules'), 'dir');
      const before = readFileSync(join(copy, 'src/app/app.config.ts'), 'utf8');
      await timed(t, 'ng generate ngx-auth-socket:ng-add', () =>
        // node_modules is the app's own: should the schematic ever schedule an install, it must not touch it.
        run(
          join(copy, 'node_modules/.bin/ng'),
          ['generate', 'ngx-auth-socket:ng-add', '--url=/channel/', '--interactive=false'],
          {
            cwd: copy,
            env: { npm_config_dry_run: 'true' },
          },
        ),
      );
      const config = readFileSync(join(copy, 'src/app/app.config.ts'), 'utf8');
      assert.notEqual(config, before);
      assert.match(config, /provideHttpClient\(withInterceptors\(\[authTokenInterceptor\]\)\)/);
      assert.match(config, /provideAuthSocket\(\{ url: '\/channel\/' \}\)/);
      assert.equal(
        JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')).devDependencies['mock-socket'],
        undefined,
        'no dev dependency added',
      );
      await timed(t, 'tsc -p tsconfig.app.json --noEmit', () =>
        run(process.execPath, [join(copy, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.app.json', '--noEmit'], {
          cwd: copy,
        }),
      );
    },
    /**
     * Writes the docs' blocks (consumers/doc-snippets.mjs) to doc-snippets/, outside src/ so the
     * app's build and test runner never see them, and type-checks them with the app's compiler
     * options (the spec fragments with the Vitest globals its specs have).
     */
    async typeCheckDocs(t) {
      const blocks = docBlocks(ROOT);
      const fenced = DOCS.map((doc) => readFileSync(join(ROOT, doc), 'utf8')).reduce(
        (n, text) => n + (text.match(/^```ts$/gm) ?? []).length,
        0,
      );
      assert.equal(blocks.length, fenced - quickStart.length - quickStartSsr.length, 'every block is checked');
      const types = join(dir, 'node_modules/ngx-auth-socket/types');
      const exported = {
        main: exportedNames(readFileSync(join(types, 'ngx-auth-socket.d.ts'), 'utf8')),
        testing: exportedNames(readFileSync(join(types, 'ngx-auth-socket-testing.d.ts'), 'utf8')),
      };
      assert.ok(exported.main.includes('provideAuthSocket') && exported.testing.includes('provideAuthSocketTesting'));
      rmSync(join(dir, 'doc-snippets'), { recursive: true, force: true });
      for (const file of snippetFiles(blocks, 'doc-snippets', exported)) {
        mkdirSync(dirname(join(dir, file.path)), { recursive: true });
        writeFileSync(join(dir, file.path), file.code);
      }
      writeFileSync(
        join(dir, 'tsconfig.doc-snippets.json'),
        JSON.stringify({
          extends: './tsconfig.json',
          compilerOptions: { noEmit: true, types: ['vitest/globals'] },
          include: ['doc-snippets/**/*.ts'],
        }),
      );
      t.diagnostic(`${blocks.length} blocks`);
      await timed(t, 'tsc -p tsconfig.doc-snippets.json', () =>
        run(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.doc-snippets.json'], {
          cwd: dir,
        }),
      );
    },
    async build(t) {
      await this.ng(t, ['build']);
    },
    async ng(t, args, env = {}) {
      return timed(t, `ng ${args.join(' ')}`, () => run(join(dir, 'node_modules/.bin/ng'), args, { cwd: dir, env }));
    },
  };
}

async function checkSsrAndHydration(t, appDir) {
  const { chromium } = await import('playwright-core');
  const cleanups = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  // One origin for the page and the API, as a reverse proxy (or `ng serve` with proxy.conf.json) gives.
  const proxy = await startProxy();
  cleanups.push(() => proxy.close());
  const origin = `http://127.0.0.1:${proxy.port}`;

  const api = startProcess(process.execPath, [join(ROOT, 'dist/server/src/main.mjs')], {
    PORT: '0',
    ACCESS_LOG: 'off',
    ORIGINS: origin, // added to the server's defaults
  });
  cleanups.push(() => api.stop());
  const apiUrl = await api.waitFor(/listening on (http:\/\/\S+)/);
  const ssrPort = await freePort();
  const ssr = startProcess(process.execPath, [join(appDir, 'dist/consumer/server/server.mjs')], {
    PORT: String(ssrPort),
  });
  cleanups.push(() => ssr.stop());
  await ssr.waitFor(/listening on (http:\/\/\S+)/);
  proxy.route((path) => (/^\/(auth|ws_ticket|channel)([/?]|$)/.test(path) ? new URL(apiUrl).port : ssrPort));

  const socketTraffic = () => proxy.log.filter((r) => /^\/(ws_ticket|channel)/.test(r.path));

  // 1. The server render, as a crawler or the first request sees it.
  const html = await (await fetch(`${origin}/`, { headers: { accept: 'text/html' } })).text();
  assert.match(html, /ng-server-context="ssr"/, 'the page was rendered on the server');
  assert.match(html, /<app-chat[^>]*>[\s\S]*Connection: idle/, 'the chat component was rendered on the server');
  assert.match(html, /ngh=/, 'the render carries hydration annotations');
  assert.deepEqual(socketTraffic(), [], 'the server render asked for no ticket and opened no socket');

  // 2. The browser: hydrates the server's DOM (keeps its nodes), then signs in and connects.
  const browser = await chromium.launch({ executablePath: CHROME, args: CHROMIUM_FLAGS });
  cleanups.push(() => browser.close());
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  await page.addInitScript(() => {
    // Client-side rendering without hydration would remove the server's <app-chat> and add its own.
    window.__removedElements = [];
    new MutationObserver((records) => {
      for (const r of records)
        for (const n of r.removedNodes) if (n.nodeType === 1) window.__removedElements.push(n.nodeName);
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(`${origin}/`, { waitUntil: 'load' });
  await page.getByText('Connection: idle').waitFor();
  await page.waitForFunction(() => document.querySelector('app-root')?.hasAttribute('ng-version'));
  assert.deepEqual(socketTraffic(), [], 'nothing connects before sign-in');

  await page.getByPlaceholder('user').fill('alice');
  await page.getByPlaceholder('password').fill('alice');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Connection: open').waitFor({ timeout: 15_000 });
  const removed = await page.evaluate(() => window.__removedElements);
  assert.ok(
    !removed.includes('APP-CHAT'),
    `the server-rendered <app-chat> was replaced, not hydrated (removed: ${removed.join(', ')})`,
  );

  await page.getByRole('button', { name: 'Say hello' }).click();
  await page.getByText('alice: hello').waitFor({ timeout: 10_000 });
  assert.deepEqual(
    socketTraffic().map((r) => `${r.method} ${r.path.replace(/\?.*/, '')}${r.upgrade ? ' (upgrade)' : ''}`),
    ['GET /ws_ticket', 'GET /channel/ (upgrade)'],
  );
  assert.deepEqual(problems, []);
}

/**
 * "Use the reference server with your own app": `ng serve --proxy-config proxy.conf.json` (the
 * README's file, its target moved to the reference server's free port) in front of the reference
 * server, whose ORIGINS adds the dev server's origin; Chromium signs in and chats.
 */
async function checkDevServerProxy(t, appDir) {
  const { chromium } = await import('playwright-core');
  const cleanups = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  assert.ok(proxyConf, 'README has a <!-- reference-server:proxy.conf.json --> block');
  assert.match(proxyConf.code, /"\/channel": \{[^}]*"ws": true/);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const api = startProcess(process.execPath, [join(ROOT, 'dist/server/src/main.mjs')], {
    PORT: '0',
    ACCESS_LOG: 'off',
    ORIGINS: origin,
  });
  cleanups.push(() => api.stop());
  const apiUrl = await api.waitFor(/listening on (http:\/\/\S+)/);
  writeFileSync(join(appDir, 'proxy.conf.json'), proxyConf.code.replaceAll('http://127.0.0.1:4300', apiUrl));

  const serve = startProcess(
    join(appDir, 'node_modules/.bin/ng'),
    [
      'serve',
      '--proxy-config',
      'proxy.conf.json',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--live-reload=false',
      '--hmr=false',
    ],
    { NG_CLI_ANALYTICS: 'false', CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
    appDir,
  );
  cleanups.push(() => serve.stop());
  const started = Date.now();
  await serve.waitFor(/Local:\s+(http:\/\/\S+)/, 240_000);
  t.diagnostic(`ng serve ready: ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const html = await (await fetch(`${origin}/`, { headers: { accept: 'text/html' } })).text();
  assert.match(html, /<app-chat[^>]*>[\s\S]*Connection: idle/, 'the dev server rendered the page on the server');

  const browser = await chromium.launch({ executablePath: CHROME, args: CHROMIUM_FLAGS });
  cleanups.push(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  await page.getByPlaceholder('user').fill('bob');
  await page.getByPlaceholder('password').fill('bob');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Connection: open').waitFor({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Say hello' }).click();
  await page.getByText('bob: hello').waitFor({ timeout: 10_000 });
}

/** A loopback reverse proxy (HTTP and WebSocket upgrades) that records every request. */
function startProxy() {
  let route = () => {
    throw new Error('no route yet');
  };
  const log = [];
  const server = http.createServer((req, res) => {
    log.push({ method: req.method, path: req.url, upgrade: false });
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: route(req.url),
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: false,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('upgrade', (req, socket, head) => {
    log.push({ method: req.method, path: req.url, upgrade: true });
    const upstream = net.connect(Number(route(req.url)), '127.0.0.1', () => {
      const headers = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  return new Promise((resolveProxy) => {
    server.listen(0, '127.0.0.1', () =>
      resolveProxy({
        port: server.address().port,
        log,
        route: (fn) => (route = fn),
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    );
  });
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/** A child process (in its own process group) whose output is kept, with a way to wait for a line. */
function startProcess(cmd, args, env, cwd = ROOT) {
  const child = spawn(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const waiters = [];
  const onData = (chunk) => {
    output += chunk.toString();
    for (const w of [...waiters]) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((done) => child.on('exit', done));
  return {
    child,
    /** Ends the process and whatever it started (its group), then waits for it to exit. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
      await Promise.race([exited, new Promise((done) => setTimeout(done, 5000))]);
    },
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolveLine, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} in:\n${output}`)), timeoutMs);
        const check = () => {
          const m = pattern.exec(output);
          if (!m) return;
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          resolveLine(m[1]);
        };
        waiters.push(check);
        child.on('exit', (code) => reject(new Error(`${cmd} exited (${code}) before ${pattern}:\n${output}`)));
        check();
      });
    },
  };
}

/** GitHub's anchor for a heading. */
function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');
}

async function timed(t, what, fn) {
  const started = Date.now();
  const result = await fn();
  t.diagnostic(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

/** Runs a command to completion; rejects with its output when it fails. */
function run(cmd, args, { cwd, env = {} }) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', NG_CLI_ANALYTICS: 'false', CI: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGTERM'), STEP_TIMEOUT_MS);
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => {
      clearTimeout(timer);
      const output = `${stdout}\n${stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
      if (code === 0) resolveRun({ stdout, stderr, output });
      else reject(new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${code}:\n${output.slice(-6000)}`));
    });
  });
}
