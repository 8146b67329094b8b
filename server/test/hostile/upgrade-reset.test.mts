// Issue 11, case 1: an upgrade that will be refused, followed at once by a TCP reset, must not
// take the process down (it used to: `Unhandled 'error' event … ECONNRESET at rejectUpgrade`).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { startCliServer } from '../../testing/cli-process.mjs';
import { requestJson } from '../../testing/http-client.mjs';
import { upgradeRequest, type RawUpgradeOptions } from '../../testing/raw-socket.mjs';

const REFUSALS: Readonly<Record<string, RawUpgradeOptions>> = {
  'bad ticket (401)': { path: '/channel/?ticket=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
  'foreign Origin (403)': { origin: 'https://evil.example' },
  'wrong path (404)': { path: '/elsewhere' },
  'bad key (400)': { key: 'not-a-key' },
};
const PER_KIND = 120;
const IN_FLIGHT = 24;

/** Writes the request and resets, either at once or as soon as the answer starts arriving. */
function requestThenReset(baseUrl: string, options: RawUpgradeOptions, resetOnAnswer: boolean): Promise<void> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(upgradeRequest(`${hostname}:${port}`, options));
      if (!resetOnAnswer) socket.resetAndDestroy();
    });
    socket.on('error', () => undefined);
    socket.once('data', () => socket.resetAndDestroy());
    socket.once('close', () => resolve());
    // A server that died answers nothing; the close above still comes (ECONNREFUSED / RST).
  });
}

test('refused upgrades reset by the client at once never crash the server', { timeout: 30_000 }, async (t) => {
  const server = await startCliServer(t);
  const started = performance.now();
  const jobs: Array<() => Promise<void>> = [];
  for (const options of Object.values(REFUSALS)) {
    for (let i = 0; i < PER_KIND; i++) jobs.push(() => requestThenReset(server.url, options, i % 2 === 1));
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < jobs.length && server.child.exitCode === null) await jobs[next++]!();
    }),
  );
  const ms = performance.now() - started;
  t.diagnostic(`${next} refused upgrades reset by the client in ${ms.toFixed(0)} ms; server ${server.child.exitCode === null ? 'alive' : `exited ${server.child.exitCode}`}`);
  assert.equal(server.child.exitCode, null, `the server died:\n${server.errors.join('\n')}`);
  assert.deepEqual((await requestJson(`${server.url}/healthz`)).body, { ok: true });
  assert.deepEqual(server.errors.filter((line) => /Unhandled|ECONNRESET|EPIPE/.test(line)), []);
});
