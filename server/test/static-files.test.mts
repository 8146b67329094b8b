import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { resolveStaticPath, wantsSpaFallback } from '../src/static-files.mjs';
import { startTestServer } from '../testing/test-server.mjs';

describe('resolveStaticPath', () => {
  const root = '/srv/app';
  const cases: [string, string | null][] = [
    ['/main.js', '/srv/app/main.js'],
    ['/assets/a%20b.png', '/srv/app/assets/a b.png'],
    ['/../etc/passwd', null],
    ['/%2e%2e/etc/passwd', null],
    ['/assets/..%2f..%2fetc', null],
    ['/a%00b', null],
    ['/a\\b', null],
    ['/%E0%A4%A', null],
  ];
  for (const [path, expected] of cases) {
    test(`${path} → ${expected}`, () => assert.equal(resolveStaticPath(root, path), expected));
  }
});

describe('wantsSpaFallback', () => {
  const cases: [string, string | undefined, boolean][] = [
    ['/chat', undefined, true],
    ['/chat/room', 'application/json', true],
    ['/main.js', '*/*', false],
    ['/user.name', 'text/html,application/xhtml+xml', true],
  ];
  for (const [path, accept, expected] of cases) {
    test(`${path} (${accept}) → ${expected}`, () => assert.equal(wantsSpaFallback(path, accept), expected));
  }
});

test('STATIC_DIR serves files, falls back to index.html for app routes, and never for API paths', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ngx-auth-socket-static-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'index.html'), '<app-root></app-root>');
  await writeFile(join(dir, 'main.js'), 'console.log(1)');
  const server = await startTestServer(t, { staticDir: dir });

  const js = await fetch(`${server.url}/main.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', /javascript/);
  assert.equal(await js.text(), 'console.log(1)');

  for (const path of ['/', '/chat', '/login?next=%2Fchat']) {
    const page = await fetch(`${server.url}${path}`, { headers: { Accept: 'text/html' } });
    assert.equal(page.status, 200, path);
    assert.equal(await page.text(), '<app-root></app-root>');
  }

  const missingAsset = await fetch(`${server.url}/missing.js`);
  assert.equal(missingAsset.status, 404);
  await missingAsset.text();

  const api = await fetch(`${server.url}/auth/nope`, { headers: { Accept: 'text/html' } });
  assert.equal(api.status, 404);
  assert.deepEqual(await api.json(), { error: 'not_found' });
  assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), { ok: true });
});

test('without STATIC_DIR, non-API paths are JSON 404s', async (t) => {
  const server = await startTestServer(t);
  const res = await fetch(`${server.url}/chat`);
  assert.equal(res.status, 404);
  assert.deepEqual(await res.json(), { error: 'not_found' });
});
