import type { TestContext } from 'node:test';
import type { ServerConfig } from '../src/config.mjs';
import { startServer, type RunningServer } from '../src/create-server.mjs';

/**
 * Starts a server on a free loopback port for one test and closes it when the test ends. The
 * access log is off unless the spec asks for it, so test output stays readable.
 */
export async function startTestServer(t: TestContext, config: Partial<ServerConfig> = {}): Promise<RunningServer> {
  const server = await startServer({ port: 0, accessLog: 'off', ...config });
  t.after(() => server.close());
  return server;
}
