// Issue 11, case 9: issuer/audience pinned on JWTs; the control endpoint refuses cross-site
// simple requests; deeply nested JSON is a bad_message; a client abort is one quiet log line.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { startCliServer } from '../../testing/cli-process.mjs';
import { connectWithTicket } from '../../testing/connect.mjs';
import { eventually } from '../../testing/eventually.mjs';
import { channelUrl, requestJson } from '../../testing/http-client.mjs';
import { TestSocket } from '../../testing/socket-client.mjs';
import { startTestServer } from '../../testing/test-server.mjs';

const SECRET = 'hostile-small-holes-secret-0123456789abcdef';

function forge(claims: { iss?: string; aud?: string }): Promise<string> {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuedAt().setExpirationTime('5m');
  if (claims.iss) jwt.setIssuer(claims.iss);
  if (claims.aud) jwt.setAudience(claims.aud);
  return jwt.sign(new TextEncoder().encode(SECRET));
}

test('a JWT signed with the right key but without the pinned issuer and audience is refused', async (t) => {
  const server = await startTestServer(t, { jwtSecret: SECRET, tickets: true });
  for (const claims of [{}, { iss: server.config.jwtIssuer, aud: 'someone-else' }, { iss: 'someone-else', aud: server.config.jwtAudience }]) {
    const token = await forge(claims);
    const res = await requestJson(`${server.url}/ws_ticket`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 401, JSON.stringify(claims));
    const socket = await TestSocket.open(channelUrl(server.url));
    socket.send({ type: 'auth', payload: token });
    assert.deepEqual(await socket.next(), { type: 'auth_error', reason: 'invalid_token' });
    assert.equal((await socket.closedWithin()).code, 4001);
  }
  const pinned = await forge({ iss: server.config.jwtIssuer, aud: server.config.jwtAudience });
  assert.equal((await requestJson(`${server.url}/ws_ticket`, { headers: { Authorization: `Bearer ${pinned}` } })).status, 200);
});

test('the control endpoints take application/json only, and no foreign Origin', async (t) => {
  const server = await startTestServer(t, { testControl: true });
  const body = JSON.stringify({ tokenTtlS: 5 });
  const plain = await requestJson(`${server.url}/__control`, { rawBody: body, headers: { 'Content-Type': 'text/plain' } });
  const foreign = await requestJson(`${server.url}/__control`, { rawBody: body, headers: { Origin: 'https://evil.example' } });
  const stats = await requestJson(`${server.url}/__stats`, { headers: { Origin: 'https://evil.example' } });
  t.diagnostic(`cross-site control: text/plain → ${plain.status}, foreign Origin → ${foreign.status}, stats from a foreign Origin → ${stats.status}`);
  assert.deepEqual([plain.status, foreign.status, stats.status], [415, 403, 403]);
  assert.equal(server.control.tokenTtlS, 900, 'nothing applied');
  assert.equal((await requestJson(`${server.url}/__control`, { rawBody: body })).status, 200);
});

test('deeply nested JSON is bad_message: no ack, no 1011, the socket stays open', async (t) => {
  const server = await startTestServer(t);
  const socket = await connectWithTicket(server.url);
  t.after(() => socket.close());
  const depth = 20_000;
  socket.sendRaw(`{"type":"echo","id":"deep","payload":${'['.repeat(depth)}${']'.repeat(depth)}}`);
  assert.deepEqual(await socket.next(), { type: 'error', reason: 'bad_message' });
  socket.send({ type: 'echo', id: 'shallow', payload: { a: [{ b: [1, 2, { c: null }] }] } });
  assert.deepEqual(await socket.next(), { type: 'ack', id: 'shallow' });
  assert.deepEqual(await socket.next(), { type: 'echo_reply', id: 'shallow', payload: { a: [{ b: [1, 2, { c: null }] }] } });
});

test('a client that aborts mid-body leaves one quiet access-log line and no stack trace', { timeout: 15_000 }, async (t) => {
  const server = await startCliServer(t, { ACCESS_LOG: 'stdout' });
  const { hostname, port } = new URL(server.url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('POST /auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user":');
  await new Promise((resolve) => setTimeout(resolve, 100));
  socket.resetAndDestroy();
  const isAbortLine = (line: string): boolean => line.includes('"path":"/auth"');
  await eventually(() => server.output.some(isAbortLine), 5000, 'the access-log line');
  await requestJson(`${server.url}/healthz`); // anything the abort printed has been flushed by now
  t.diagnostic(`abort logged as: ${server.output.filter(isAbortLine).join(' | ')}; stderr lines: ${server.errors.length}`);
  assert.equal(server.output.filter(isAbortLine).length, 1);
  assert.match(server.output.find(isAbortLine)!, /"status":499/);
  assert.deepEqual(server.errors, []);
});
