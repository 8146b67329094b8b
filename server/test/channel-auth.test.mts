import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from '../testing/eventually.mjs';
import { channelUrl, fetchTicket, login } from '../testing/http-client.mjs';
import { TestSocket } from '../testing/socket-client.mjs';
import { startTestServer } from '../testing/test-server.mjs';

test('first-message auth: a valid JWT gets auth_ok with the user', async (t) => {
  const server = await startTestServer(t);
  const { token } = await login(server.url, 'bob');
  const socket = await TestSocket.open(channelUrl(server.url));
  socket.send({ type: 'auth', payload: token });
  assert.deepEqual(await socket.next(), { type: 'auth_ok', user: 'bob' });
  assert.equal(server.stats().firstMessageAuths, 1);
  assert.equal(server.stats().sockets, 1);
  await socket.close();
});

test('first-message auth: a bad JWT gets auth_error invalid_token and close 4001', async (t) => {
  const server = await startTestServer(t);
  const socket = await TestSocket.open(channelUrl(server.url));
  socket.send({ type: 'auth', payload: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.forged' });
  assert.deepEqual(await socket.next(), { type: 'auth_error', reason: 'invalid_token' });
  assert.deepEqual(await socket.closedWithin(), { code: 4001, reason: 'invalid_token' });
});

const wrongFirstFrames: [string, (s: TestSocket) => void][] = [
  ['a chat frame', (s) => s.send({ type: 'chat', text: 'let me in' })],
  ['non-JSON text', (s) => s.sendRaw('hello')],
  ['a binary frame', (s) => s.sendRaw(Buffer.from([1, 2, 3]), true)],
  ['an auth frame without a string payload', (s) => s.send({ type: 'auth', payload: { token: 'x' } })],
];
for (const [name, sendIt] of wrongFirstFrames) {
  test(`first-message auth: ${name} first gets auth_error auth_required and close 4001`, async (t) => {
    const server = await startTestServer(t);
    const socket = await TestSocket.open(channelUrl(server.url));
    sendIt(socket);
    assert.deepEqual(await socket.next(), { type: 'auth_error', reason: 'auth_required' });
    assert.deepEqual(await socket.closedWithin(), { code: 4001, reason: 'auth_required' });
  });
}

test('first-message auth: silence past the deadline gets auth_timeout and close 4001', async (t) => {
  const server = await startTestServer(t, { authDeadlineMs: 200 });
  const socket = await TestSocket.open(channelUrl(server.url));
  assert.deepEqual(await socket.next(), { type: 'auth_error', reason: 'auth_timeout' });
  assert.deepEqual(await socket.closedWithin(), { code: 4001, reason: 'auth_timeout' });
});

test('a ticketed socket has no auth deadline', async (t) => {
  const server = await startTestServer(t, { authDeadlineMs: 50 });
  const { token } = await login(server.url);
  const socket = await TestSocket.open(channelUrl(server.url, (await fetchTicket(server.url, token)).ticket));
  // Let the 50 ms deadline pass for real; the pong then proves the socket was left alone.
  await new Promise((resolve) => setTimeout(resolve, 120));
  socket.send({ type: 'ping' });
  assert.deepEqual(await socket.next(), { type: 'pong' });
  await socket.close();
});

test('in-band re-auth with a fresh JWT for the same user gets auth_ok and moves the expiry', async (t) => {
  const server = await startTestServer(t, { tokenTtlS: 1 });
  const shortLived = await login(server.url);
  const socket = await TestSocket.open(channelUrl(server.url));
  socket.send({ type: 'auth', payload: shortLived.token });
  assert.deepEqual(await socket.next(), { type: 'auth_ok', user: 'alice' });

  server.control.setTokenTtlS(60);
  const longLived = await login(server.url);
  socket.send({ type: 'auth', payload: longLived.token });
  assert.deepEqual(await socket.next(), { type: 'auth_ok', user: 'alice' });

  // Outlive the first token's exp (≤ 2 s away), then prove the socket is still open.
  const firstExpMs = JSON.parse(Buffer.from(shortLived.token.split('.')[1] ?? '', 'base64url').toString()).exp * 1000;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstExpMs - Date.now()) + 100));
  socket.send({ type: 'ping' });
  assert.deepEqual(await socket.next(), { type: 'pong' });
  await socket.close();
});

test('in-band re-auth on a ticketed socket moves its expiry too', async (t) => {
  const server = await startTestServer(t, { tokenTtlS: 1 });
  const shortLived = await login(server.url);
  const socket = await TestSocket.open(channelUrl(server.url, (await fetchTicket(server.url, shortLived.token)).ticket));

  server.control.setTokenTtlS(60);
  socket.send({ type: 'auth', payload: (await login(server.url)).token });
  assert.deepEqual(await socket.next(), { type: 'auth_ok', user: 'alice' });

  // The ticket was bound to the first token's exp (≤ 2 s away); outlive it, then prove the socket is open.
  const firstExpMs = JSON.parse(Buffer.from(shortLived.token.split('.')[1] ?? '', 'base64url').toString()).exp * 1000;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstExpMs - Date.now()) + 100));
  socket.send({ type: 'ping' });
  assert.deepEqual(await socket.next(), { type: 'pong' });
  await socket.close();
});

test('in-band re-auth as another user gets auth_error forbidden and close 4003', async (t) => {
  const server = await startTestServer(t);
  const alice = await login(server.url, 'alice');
  const bob = await login(server.url, 'bob');
  const socket = await TestSocket.open(channelUrl(server.url, (await fetchTicket(server.url, alice.token)).ticket));
  socket.send({ type: 'auth', payload: bob.token });
  assert.deepEqual(await socket.next(), { type: 'auth_error', reason: 'forbidden' });
  assert.deepEqual(await socket.closedWithin(), { code: 4003, reason: 'forbidden' });
});

test('in-band re-auth with a bad JWT gets auth_error and close 4001', async (t) => {
  const server = await startTestServer(t);
  const { token } = await login(server.url);
  const socket = await TestSocket.open(channelUrl(server.url, (await fetchTicket(server.url, token)).ticket));
  socket.send({ type: 'auth', payload: `${token}x` });
  assert.deepEqual(await socket.next(), { type: 'auth_error', reason: 'invalid_token' });
  assert.equal((await socket.closedWithin()).code, 4001);
});

test('a socket closes with 4001 token_expired when its JWT expires', async (t) => {
  const server = await startTestServer(t, { tokenTtlS: 1 });
  const { token } = await login(server.url);
  const ticketed = await TestSocket.open(channelUrl(server.url, (await fetchTicket(server.url, token)).ticket));
  const inBand = await TestSocket.open(channelUrl(server.url));
  inBand.send({ type: 'auth', payload: token });
  assert.deepEqual(await inBand.next(), { type: 'auth_ok', user: 'alice' });
  assert.deepEqual(await ticketed.closedWithin(3000), { code: 4001, reason: 'token_expired' });
  assert.deepEqual(await inBand.closedWithin(3000), { code: 4001, reason: 'token_expired' });
  await eventually(() => server.stats().sockets === 0, 2000, 'sockets back to 0');
});
