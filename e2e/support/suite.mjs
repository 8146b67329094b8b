// The set-up every end-to-end file shares: one reference server and one Chromium for the file,
// started before its tests and stopped after them.
import { after, before } from 'node:test';
import { launchBrowser } from './browser.mjs';
import { ServerProcess } from './server.mjs';

/** Starts a server with `env` (see ServerProcess) and a browser around the file's tests. */
export function serverAndBrowser(env = {}) {
  const suite = { server: new ServerProcess(env), browser: null };
  before(async () => {
    await suite.server.start();
    suite.browser = await launchBrowser();
  });
  after(async () => {
    await suite.browser?.close();
    await suite.server.stop();
  });
  return suite;
}
