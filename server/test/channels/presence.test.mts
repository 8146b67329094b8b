import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyChange, changeBetween, presenceList } from '../../src/channels/presence-diff.mjs';
import { PresenceLedger } from '../../src/channels/presence-ledger.mjs';

const GRACE = 5000;

/** One step of a ledger script: what happens at `at` ms, and what the ledger must answer. */
type Step =
  | { at: number; hold: [string, string]; expect: 'entered' | 'kept' }
  | { at: number; release: [string, string]; expect: 'still-held' | 'grace' | 'not-held' }
  | { at: number; drop: [string, string]; expect: boolean }
  | { at: number; due: [string, string][] };

function run(steps: Step[]): PresenceLedger {
  const ledger = new PresenceLedger(GRACE);
  for (const s of steps) {
    const where = JSON.stringify(s);
    if ('hold' in s) assert.equal(ledger.hold(...s.hold), s.expect, where);
    else if ('release' in s) assert.equal(ledger.release(...s.release, s.at), s.expect, where);
    else if ('drop' in s) assert.equal(ledger.drop(...s.drop), s.expect, where);
    else assert.deepEqual(ledger.due(s.at).map((k) => [k.channel, k.user]), s.due, where);
  }
  return ledger;
}

describe('presence ledger (time injected)', () => {
  const A: [string, string] = ['room:1', 'alice'];
  const B: [string, string] = ['room:1', 'bob'];
  const cases: [string, Step[]][] = [
    ['the first socket enters; the last one out starts the grace; the user leaves when it ends', [
      { at: 0, hold: A, expect: 'entered' },
      { at: 100, release: A, expect: 'grace' },
      { at: 5099, due: [] },
      { at: 5100, due: [A] },
      { at: 5200, hold: A, expect: 'entered' },
    ]],
    ['a second socket keeps the user; only the last one starts the grace', [
      { at: 0, hold: A, expect: 'entered' },
      { at: 1, hold: A, expect: 'kept' },
      { at: 10, release: A, expect: 'still-held' },
      { at: 20, release: A, expect: 'grace' },
      { at: 5020, due: [A] },
    ]],
    ['a reconnect within the grace keeps the user: no leave, no enter', [
      { at: 0, hold: A, expect: 'entered' },
      { at: 100, release: A, expect: 'grace' },
      { at: 4000, hold: A, expect: 'kept' },
      { at: 9000, due: [] },
      { at: 9000, release: A, expect: 'grace' },
      { at: 13_999, due: [] },
      { at: 14_000, due: [A] },
    ]],
    ['graces end in deadline order, each user once', [
      { at: 0, hold: A, expect: 'entered' },
      { at: 0, hold: B, expect: 'entered' },
      { at: 10, release: B, expect: 'grace' },
      { at: 20, release: A, expect: 'grace' },
      { at: 5015, due: [B] },
      { at: 6000, due: [A] },
      { at: 7000, due: [] },
    ]],
    ['a kick drops the user at once, grace or not', [
      { at: 0, hold: A, expect: 'entered' },
      { at: 0, hold: A, expect: 'kept' },
      { at: 1, drop: A, expect: true },
      { at: 2, drop: A, expect: false },
      { at: 3, release: A, expect: 'not-held' },
      { at: 9000, due: [] },
    ]],
    ['a kick in the grace cancels it', [
      { at: 0, hold: A, expect: 'entered' },
      { at: 1, release: A, expect: 'grace' },
      { at: 2, drop: A, expect: true },
      { at: 9000, due: [] },
    ]],
    ['releasing what was never held is nothing', [
      { at: 0, release: A, expect: 'not-held' },
      { at: 9000, due: [] },
    ]],
  ];
  for (const [why, steps] of cases) test(why, () => void run(steps));

  test('nextDueMs is the earliest deadline; held lists sockets and graces alike', () => {
    const ledger = run([
      { at: 0, hold: A, expect: 'entered' },
      { at: 0, hold: B, expect: 'entered' },
      { at: 0, hold: ['room:2', 'bob'], expect: 'entered' },
      { at: 30, release: B, expect: 'grace' },
    ]);
    assert.equal(ledger.nextDueMs(), 5030);
    assert.deepEqual([...ledger.held()], [{ channel: 'room:1', users: ['alice', 'bob'] }, { channel: 'room:2', users: ['bob'] }]);
    assert.equal(ledger.sockets('room:1', 'bob'), 0);
    assert.equal(ledger.holds('room:1', 'bob'), true);
    assert.equal(ledger.size, 3);
  });

  test('a grace of 0 ends at once', () => {
    const ledger = new PresenceLedger(0);
    ledger.hold('room:1', 'alice');
    assert.equal(ledger.release('room:1', 'alice', 10), 'grace');
    assert.deepEqual(ledger.due(10), [{ channel: 'room:1', user: 'alice' }]);
  });
});

describe('presence changes', () => {
  const cases: [string, string[], { joined: string[]; left: string[] }, { joined: string[]; left: string[] }, string[]][] = [
    ['a join is news', ['a'], { joined: ['b'], left: [] }, { joined: ['b'], left: [] }, ['a', 'b']],
    ['a leave is news', ['a', 'b'], { joined: [], left: ['a'] }, { joined: [], left: ['a'] }, ['b']],
    ['joining who is there is no news', ['a'], { joined: ['a'], left: [] }, { joined: [], left: [] }, ['a']],
    ['leaving who is not there is no news', ['a'], { joined: [], left: ['z'] }, { joined: [], left: [] }, ['a']],
    ['left and back in one step is no news', ['a'], { joined: ['a'], left: ['a'] }, { joined: [], left: [] }, ['a']],
    ['lists come out sorted and distinct', [], { joined: ['c', 'a', 'c'], left: [] }, { joined: ['a', 'c'], left: [] }, ['a', 'c']],
  ];
  for (const [why, before, change, told, after] of cases) {
    test(why, () => {
      const members = new Set(before);
      assert.deepEqual(applyChange(members, change), told);
      assert.deepEqual(presenceList(members), after);
    });
  }

  test('a snapshot replacing what members were told becomes the difference', () => {
    assert.deepEqual(changeBetween(new Set(['a', 'b']), ['b', 'c', 'd']), { joined: ['c', 'd'], left: ['a'] });
    assert.deepEqual(changeBetween(new Set(['a']), ['a']), { joined: [], left: [] });
  });
});
