// Token expiry (4001 → refresh → back online) and refused credentials (unauthorized, no loop).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { login, openDemo, waitForState, waitUntil } from './support/browser.mjs';
import { serverAndBrowser } from './support/suite.mjs';
import { JWT_PATTERN } from './support/server.mjs';

const suite = serverAndBrowser({ TOKEN_TTL_S: '3' });
const { server } = suite;

test('token expiry closes with 4001; the client refreshes and is back online', async () => {
  const alice = await openDemo(suite.browser, server.url, '?timeouts=short');
  await login(alice.page, 'alice');
  await waitForState(alice.page, 'open');
  const refreshesBefore = (await server.stats()).requestsByPath['/auth/refresh'] ?? 0;
  // The 3 s token expires while the socket is open: the server closes it with 4001.
  await waitUntil(() => alice.sockets.length >= 2, 'a second socket after the 4001', 20_000);
  await waitForState(alice.page, 'open');
  const stats = await server.stats();
  assert.ok((stats.requestsByPath['/auth/refresh'] ?? 0) > refreshesBefore, 'the refresh endpoint was used');
  await alice.context.close();
});

test('wrong password: no token, no ticket request, no socket', async () => {
  const before = (await server.stats()).requestsByPath['/ws_ticket'] ?? 0;
  const mallory = await openDemo(suite.browser, server.url);
  await login(mallory.page, 'alice', 'wrong');
  await mallory.page.waitForSelector('[data-testid=login-error]');
  assert.equal(mallory.sockets.length, 0);
  assert.equal((await server.stats()).requestsByPath['/ws_ticket'] ?? 0, before);
  await mallory.context.close();
});

test('a token the server no longer accepts: unauthorized after one refresh try, no retry loop', async () => {
  const alice = await openDemo(suite.browser, server.url, '?timeouts=short');
  await login(alice.page, 'alice');
  await waitForState(alice.page, 'open');
  // Restart with another signing key: the JWT and the refresh token both become invalid.
  await server.kill('SIGKILL');
  await server.start({ JWT_SECRET: 'another-secret-entirely', TOKEN_TTL_S: '900' });
  await waitForState(alice.page, 'unauthorized');
  const settled = await server.stats();
  // Wait well past several backoff windows: nothing more may be asked.
  await new Promise((r) => setTimeout(r, 3000));
  const later = await server.stats();
  assert.equal(later.requestsByPath['/ws_ticket'], settled.requestsByPath['/ws_ticket']);
  assert.ok((later.requestsByPath['/ws_ticket'] ?? 0) <= 2, `ticket asks: ${later.requestsByPath['/ws_ticket']}`);
  assert.ok((later.requestsByPath['/auth/refresh'] ?? 0) <= 1);
  await alice.context.close();
});

test('no JWT appears in any URL of the access log', () => {
  assert.doesNotMatch(server.accessLogText(), JWT_PATTERN);
});
