// Issue 11, case 5: one user must not be able to push other users' tickets or refresh tokens out
// of a store, and password guessing is throttled per user and per client address.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { channelUrl, fetchTicket, login, requestJson, type Session } from '../../testing/http-client.mjs';
import { TestSocket } from '../../testing/socket-client.mjs';
import { startTestServer } from '../../testing/test-server.mjs';
import { MemoryTicketStore } from '../../src/memory-ticket-store.mjs';

const TICKETS_PER_USER = 100;
const SESSIONS_PER_USER = 100;

async function opens(baseUrl: string, ticket: string): Promise<boolean> {
  try {
    const socket = await TestSocket.open(channelUrl(baseUrl, ticket));
    await socket.close();
    return true;
  } catch {
    return false;
  }
}

test(`a user holding over ${TICKETS_PER_USER} unused tickets loses only their own oldest`, async (t) => {
  const server = await startTestServer(t);
  const bob = await fetchTicket(server.url, (await login(server.url, 'bob')).token);
  const { token } = await login(server.url, 'alice');
  const mine: string[] = [];
  for (let i = 0; i <= TICKETS_PER_USER; i++) mine.push((await fetchTicket(server.url, token)).ticket);
  const [oldest, newest] = [await opens(server.url, mine[0]!), await opens(server.url, mine.at(-1)!)];
  const others = await opens(server.url, bob.ticket);
  t.diagnostic(`after ${mine.length} tickets for alice: her oldest opens: ${oldest}, her newest: ${newest}, bob's: ${others}`);
  assert.deepEqual({ oldest, newest, others }, { oldest: false, newest: true, others: true });
});

test("a full ticket store refuses the newcomer (503) instead of dropping another user's ticket", async (t) => {
  const server = await startTestServer(t, { ticketStore: new MemoryTicketStore({ maxEntries: 10 }) });
  t.after(() => (server.config.ticketStore as MemoryTicketStore).close());
  const bob = await fetchTicket(server.url, (await login(server.url, 'bob')).token);
  const { token } = await login(server.url, 'alice');
  const statuses: number[] = [];
  for (let i = 0; i < 20; i++) {
    statuses.push((await requestJson(`${server.url}/ws_ticket`, { headers: { Authorization: `Bearer ${token}` } })).status);
  }
  t.diagnostic(`store of 10, alice asks 20 times: ${statuses.filter((s) => s === 200).length} × 200, ${statuses.filter((s) => s === 503).length} × 503`);
  assert.ok(statuses.includes(503));
  assert.equal(await opens(server.url, bob.ticket), true, "bob's ticket survived alice's flood");
});

test(`a user with over ${SESSIONS_PER_USER} sessions loses only their own oldest refresh token`, async (t) => {
  const server = await startTestServer(t);
  const bob = await login(server.url, 'bob');
  const sessions: Session[] = [];
  for (let i = 0; i <= SESSIONS_PER_USER; i++) sessions.push(await login(server.url, 'alice'));
  const refresh = async (s: Session) => (await requestJson(`${server.url}/auth/refresh`, { body: { refreshToken: s.refreshToken } })).status;
  const outcome = { oldest: await refresh(sessions[0]!), newest: await refresh(sessions.at(-1)!), others: await refresh(bob) };
  t.diagnostic(`after ${sessions.length} logins of alice, refresh answers: ${JSON.stringify(outcome)}`);
  assert.deepEqual(outcome, { oldest: 401, newest: 200, others: 200 });
});

test('wrong passwords for one user are throttled with 429 + Retry-After, the right one too while it lasts', async (t) => {
  const server = await startTestServer(t);
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 30 && !statuses.includes(429); i++) {
    const res = await requestJson(`${server.url}/auth`, { body: { user: 'alice', password: `guess-${i}` } });
    statuses.push(res.status);
    retryAfter = res.headers.get('retry-after');
  }
  t.diagnostic(`per user: ${statuses.filter((s) => s === 401).length} wrong passwords answered 401, then 429 (Retry-After: ${retryAfter})`);
  assert.equal(statuses.at(-1), 429);
  assert.match(retryAfter ?? '', /^[1-9]\d*$/);
  const right = await requestJson(`${server.url}/auth`, { body: { user: 'alice', password: 'alice' } });
  assert.equal(right.status, 429, 'no oracle while throttled');
  assert.equal((await requestJson(`${server.url}/auth`, { body: { user: 'bob', password: 'bob' } })).status, 200, 'other users can log in');
  assert.ok(server.stats().loginsThrottled >= 2);
});

test('wrong passwords from one address across many user names are throttled with 429', async (t) => {
  const server = await startTestServer(t);
  const statuses: number[] = [];
  for (let i = 0; i < 100 && !statuses.includes(429); i++) {
    statuses.push((await requestJson(`${server.url}/auth`, { body: { user: `user-${i}`, password: 'x' } })).status);
  }
  t.diagnostic(`per address: ${statuses.filter((s) => s === 401).length} failed logins over distinct names, then 429`);
  assert.equal(statuses.at(-1), 429);
});
