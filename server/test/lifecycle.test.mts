import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Duplex } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findJwts } from '../src/access-log.mjs';
import { startServer } from '../src/create-server.mjs';
import { channelUrl, fetchTicket, login } from '../testing/http-client.mjs';
import { TestSocket } from '../testing/socket-client.mjs';
import { startTestServer } from '../testing/test-server.mjs';

/** Completes a WebSocket handshake by hand and returns the raw TCP socket. */
function rawUpgradedSocket(url: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        'Sec-WebSocket-Version': '13',
      },
    });
    req.once('upgrade', (_res, socket) => resolve(socket));
    req.once('response', (res) => reject(new Error(`not upgraded: ${res.statusCode}`)));
    req.once('error', reject);
    req.end();
  });
}

const MAIN = fileURLToPath(new URL('../src/main.mjs', import.meta.url));

test('close() sends 1001 "going away" to open sockets and is idempotent', async (t) => {
  const server = await startTestServer(t);
  const { token } = await login(server.url);
  const authenticated = await TestSocket.open(channelUrl(server.url, (await fetchTicket(server.url, token)).ticket));
  const waiting = await TestSocket.open(channelUrl(server.url));
  await Promise.all([server.close(), server.close()]);
  assert.deepEqual(await authenticated.closed, { code: 1001, reason: 'going away' });
  assert.equal((await waiting.closed).code, 1001);
  await assert.rejects(fetch(`${server.url}/healthz`));
});

test('close() cuts a client that never answers the close frame once shutdownGraceMs is over', async (t) => {
  const server = await startTestServer(t, { shutdownGraceMs: 100 });
  const socket = await rawUpgradedSocket(`${server.url}/channel/`);
  // Never read, never answer: the close handshake cannot complete.
  socket.pause();
  const started = Date.now();
  await server.close();
  assert.ok(Date.now() - started < 1000, `close took ${Date.now() - started} ms`);
  socket.destroy();
});

test('a port already in use rejects startServer and leaves nothing running', async (t) => {
  const first = await startTestServer(t);
  await assert.rejects(startServer({ port: first.port, accessLog: 'off' }), { code: 'EADDRINUSE' });
});

test('the CLI prints the listening line, logs to ACCESS_LOG, and exits 0 on SIGTERM', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ngx-auth-socket-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const logFile = join(dir, 'access.log');
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: '0', ACCESS_LOG: logFile, TEST_CONTROL: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill('SIGKILL'));
  const output: string[] = [];
  const listening = new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      output.push(line);
      const match = /^ngx-auth-socket reference server listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', () => reject(new Error(`exited before listening:\n${output.join('\n')}`)));
  });
  const url = await listening;
  assert.ok(url, output.join('\n'));
  const { token } = await login(url);
  await fetchTicket(url, token);
  const stats = await (await fetch(`${url}/__stats`)).json();
  assert.equal((stats as { authRequests: number }).authRequests, 1);

  // 'close', not 'exit': it waits for stdout to drain, so every printed line has been read.
  const exited = once(child, 'close');
  child.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0);
  const printed = output.join('\n');
  assert.match(printed, /alice\/alice, bob\/bob/);
  assert.match(printed, /JWT secret: \(random\)/);
  const log = await readFile(logFile, 'utf8');
  assert.equal(log.trim().split('\n').length, 3, log);
  assert.deepEqual(findJwts(log), []);
});

test('the CLI exits 2 on a configuration error', async () => {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, PORT: 'eighty' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  assert.match(stderr, /PORT/);
});
