// Apps that already have their own auth interceptor (a class-based one through
// withInterceptorsFromDi(), like @auth0/angular-jwt, reading the token from localStorage). The
// recipe the README gives — `tokenGetter` reading the same storage, `connect()` after login — must
// open the socket right after login and right after a reload, whatever order the interceptors are
// listed in. Without it, adoption of the Bearer header works only with their interceptor listed
// first, and only once an API call carries the header: that is why the README says so.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, waitUntil } from './support/browser.mjs';
import { FOREIGN_API, startForeignServer } from './support/foreign-server.mjs';
import { openInterop } from './support/interop.mjs';

let browser;
let server;

before(async () => {
  browser = await launchBrowser();
  server = await startForeignServer({ profile: 'foreign', tokenTtlS: 300 });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

function options(diInterceptor, tokenSource) {
  return {
    frames: 'foreign',
    api: FOREIGN_API,
    socket: { url: '/ws/chat/', ticketUrl: '/api/ws-ticket/' },
    diInterceptor,
    tokenSource,
  };
}

const state = (page) => page.evaluate(() => window.interop.state());
const waitOpen = (page, what) => waitUntil(async () => (await state(page)) === 'open', what, 10_000);

describe('an app with its own class-based interceptor', { concurrency: true }, () => {
  for (const order of ['before', 'after']) {
    test(`tokenGetter recipe, their interceptor listed ${order} ours: open right after login and right after a reload`, async () => {
      const app = await openInterop(browser, server.url, options(order, 'getter'));
      const { page } = app;
      await page.evaluate(() => window.interop.listen());
      assert.equal(await state(page), 'idle');
      await page.evaluate((u) => window.interop.login(u), `getter-${order}`);
      await waitOpen(page, 'open after login, without any API call');
      // Their interceptor still authenticates the app's own API calls.
      assert.equal(await page.evaluate(() => window.interop.apiCall('/api/me/')), 200);
      await page.reload();
      await page.waitForSelector('body[data-lab-ready=true]');
      await page.evaluate(() => window.interop.listen());
      await waitOpen(page, 'open after a reload');
      const record = await page.evaluate(() => window.interop.record);
      assert.deepEqual(record.errors, []);
      assert.equal(app.sockets.length, 2, 'one socket per page load');
      assert.deepEqual(app.problems, []);
      await app.context.close();
    });
  }

  test('without tokenGetter, their interceptor listed first: the Bearer header of the first API call is adopted', async () => {
    const app = await openInterop(browser, server.url, options('before', 'adopt'));
    const { page } = app;
    await page.evaluate(() => window.interop.listen());
    await page.evaluate((u) => window.interop.login(u), 'adopt-before');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await state(page), 'idle', 'nothing has handed the token over yet');
    assert.equal(await page.evaluate(() => window.interop.apiCall('/api/me/')), 200);
    await waitOpen(page, 'open once an API call carried the header');
    assert.deepEqual((await page.evaluate(() => window.interop.record)).errors, []);
    await app.context.close();
  });

  test('without tokenGetter, their interceptor listed after ours: nothing to adopt (why the README gives the order)', async () => {
    const app = await openInterop(browser, server.url, options('after', 'adopt'));
    const { page } = app;
    await page.evaluate(() => window.interop.listen());
    await page.evaluate((u) => window.interop.login(u), 'adopt-after');
    assert.equal(await page.evaluate(() => window.interop.apiCall('/api/me/')), 200);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await state(page), 'idle');
    assert.equal(app.sockets.length, 0);
    await app.context.close();
  });
});
