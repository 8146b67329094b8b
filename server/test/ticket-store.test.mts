import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExpiringMap } from '../src/expiring-map.mjs';
import { MemoryTicketStore } from '../src/memory-ticket-store.mjs';
import { StatsRecorder } from '../src/stats.mjs';
import { looksLikeTicket, newTicket, ticketLifetime } from '../src/ticket-policy.mjs';
import { TicketService } from '../src/ticket-service.mjs';
import { TicketStoreClosedError, TicketStoreFullError, type TicketRecord } from '../src/ticket-store.mjs';

/** A clock the spec moves by hand. */
function fakeClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

const record = (expiresAtMs: number, user = 'alice'): TicketRecord => ({ user, tokenExp: 2_000_000_000, expiresAtMs });

describe('MemoryTicketStore', () => {
  test('redeem returns the record, and a second redeem returns null', async (t) => {
    const store = new MemoryTicketStore();
    t.after(() => store.close());
    const r = record(Date.now() + 1000);
    await store.issue('T', r, 1000);
    assert.deepEqual(await store.redeem('T'), r);
    assert.equal(await store.redeem('T'), null);
  });

  test('of 50 concurrent redeems of one ticket, exactly one wins', async (t) => {
    const store = new MemoryTicketStore();
    t.after(() => store.close());
    await store.issue('T', record(Date.now() + 1000), 1000);
    const results = await Promise.all(Array.from({ length: 50 }, () => store.redeem('T')));
    assert.equal(results.filter((r) => r !== null).length, 1);
  });

  test('an expired ticket is refused even before the sweep runs', async (t) => {
    const clock = fakeClock();
    const store = new MemoryTicketStore({ now: clock.now });
    t.after(() => store.close());
    await store.issue('T', record(clock.now() + 30_000), 30_000);
    clock.advance(30_000);
    assert.equal(await store.redeem('T'), null);
  });

  test('unknown tickets are null', async (t) => {
    const store = new MemoryTicketStore();
    t.after(() => store.close());
    assert.equal(await store.redeem('nope'), null);
  });

  test("a user over maxPerUser loses their own oldest ticket, nobody else's", async (t) => {
    const store = new MemoryTicketStore({ maxPerUser: 2 });
    t.after(() => store.close());
    await store.issue('B1', record(Date.now() + 1000, 'bob'), 1000);
    for (const id of ['A1', 'A2', 'A3']) await store.issue(id, record(Date.now() + 1000), 1000);
    assert.equal(await store.redeem('A1'), null);
    assert.notEqual(await store.redeem('A3'), null);
    assert.notEqual(await store.redeem('B1'), null);
  });

  test("a store full of live tickets refuses the newcomer instead of dropping another user's", async (t) => {
    const store = new MemoryTicketStore({ maxEntries: 2 });
    t.after(() => store.close());
    await store.issue('B1', record(Date.now() + 1000, 'bob'), 1000);
    await store.issue('A1', record(Date.now() + 1000), 1000);
    await assert.rejects(store.issue('A2', record(Date.now() + 1000), 1000), TicketStoreFullError);
    assert.notEqual(await store.redeem('B1'), null);
  });

  test('after close, calls reject with TicketStoreClosedError', async () => {
    const store = new MemoryTicketStore();
    await store.close();
    await assert.rejects(store.redeem('T'), TicketStoreClosedError);
    await assert.rejects(store.issue('T', record(0), 1), TicketStoreClosedError);
  });
});

describe('ExpiringMap', () => {
  test('sweep removes only expired entries', () => {
    const clock = fakeClock();
    const map = new ExpiringMap<number>({ maxEntries: 10, now: clock.now });
    map.set('short', 1, 10);
    map.set('long', 2, 1000);
    clock.advance(10);
    assert.equal(map.sweep(), 1);
    assert.equal(map.size, 1);
    assert.equal(map.take('long'), 2);
  });

  test('owned entries: an owner over maxPerOwner drops its own oldest; a full map refuses other owners', () => {
    const map = new ExpiringMap<string>({ maxEntries: 3, maxPerOwner: 2, ownerOf: (owner) => owner });
    assert.equal(map.set('b1', 'bob', 1000), true);
    assert.equal(map.set('a1', 'alice', 1000), true);
    assert.equal(map.set('a2', 'alice', 1000), true);
    assert.equal(map.set('a3', 'alice', 1000), true, 'evicts a1');
    assert.deepEqual(['b1', 'a1', 'a2', 'a3'].map((k) => map.has(k)), [true, false, true, true]);
    assert.equal(map.set('c1', 'carol', 1000), false, 'full: refused, nobody evicted');
    assert.equal(map.size, 3);
  });

  test('when full, expired entries go before live ones', () => {
    const clock = fakeClock();
    const map = new ExpiringMap<number>({ maxEntries: 2, now: clock.now });
    map.set('live', 1, 1000);
    map.set('dead', 2, 10);
    clock.advance(10);
    map.set('new', 3, 1000);
    assert.ok(map.has('live') && map.has('new'));
  });
});

describe('ticket policy', () => {
  const lifetimes: [string, number, number, number, { expiresAtMs: number; ttlMs: number; expires: number }][] = [
    ['ticket TTL when the token outlives it', 1_000_000, 30, 2_000, { expiresAtMs: 1_030_000, ttlMs: 30_000, expires: 1030 }],
    ['capped at the token exp', 1_000_000, 30, 1_010, { expiresAtMs: 1_010_000, ttlMs: 10_000, expires: 1010 }],
    ['expires rounds down', 1_000_500, 0.2, 2_000, { expiresAtMs: 1_000_700, ttlMs: 200, expires: 1000 }],
    ['an already expired token gives a dead ticket', 1_000_000, 30, 999, { expiresAtMs: 999_000, ttlMs: 0, expires: 999 }],
  ];
  for (const [name, now, ttl, exp, expected] of lifetimes) {
    test(name, () => assert.deepEqual(ticketLifetime(now, ttl, exp), expected));
  }

  test('new tickets are ≥128-bit url-safe strings, all different', () => {
    const tickets = new Set(Array.from({ length: 100 }, newTicket));
    assert.equal(tickets.size, 100);
    for (const ticket of tickets) {
      assert.match(ticket, /^[A-Za-z0-9_-]+$/);
      assert.ok(Buffer.from(ticket, 'base64url').length >= 16);
      assert.ok(looksLikeTicket(ticket));
    }
    assert.ok(!looksLikeTicket('short'));
    assert.ok(!looksLikeTicket('has spaces and is long enough'));
  });
});

describe('TicketService', () => {
  test('tells a reuse from an unknown ticket, and counts both as rejected', async (t) => {
    const store = new MemoryTicketStore();
    t.after(() => store.close());
    const stats = new StatsRecorder();
    const service = new TicketService(store, stats);
    const { ticket } = await service.issue('alice', Math.floor(Date.now() / 1000) + 60, 30);
    assert.equal((await service.redeem(ticket)).ok, true);
    assert.deepEqual(await service.redeem(ticket), { ok: false, reason: 'reused' });
    assert.deepEqual(await service.redeem(newTicket()), { ok: false, reason: 'unknown' });
    assert.deepEqual(await service.redeem('../../etc'), { ok: false, reason: 'unknown' });
    const s = stats.snapshot(0);
    assert.deepEqual([s.ticketsIssued, s.ticketsRedeemed, s.ticketsRejected, s.ticketReuseAttempts], [1, 1, 3, 1]);
  });

  test('a record whose JWT has expired is refused even if the store still had it', async (t) => {
    const clock = fakeClock();
    const store = new MemoryTicketStore();
    t.after(() => store.close());
    const service = new TicketService(store, new StatsRecorder(), clock.now);
    await store.issue('AAAAAAAAAAAAAAAAAAAAAA', { user: 'a', tokenExp: clock.now() / 1000 - 1, expiresAtMs: clock.now() + 1000 }, 1000);
    assert.deepEqual(await service.redeem('AAAAAAAAAAAAAAAAAAAAAA'), { ok: false, reason: 'expired' });
  });
});
