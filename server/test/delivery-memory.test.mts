import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChatHistory } from '../src/chat-history.mjs';
import { ProcessedIds } from '../src/processed-ids.mjs';
import type { ChatBroadcast } from '../src/server-messages.mjs';

const chat = (seq: number): ChatBroadcast => ({ type: 'chat', seq, from: 'alice', text: `#${seq}`, ts: seq });

describe('ProcessedIds', () => {
  test('remembers ids per user', () => {
    const ids = new ProcessedIds({ now: () => 0 });
    ids.remember('alice', 'm1', 0);
    assert.equal(ids.has('alice', 'm1'), true);
    assert.equal(ids.has('bob', 'm1'), false);
    assert.equal(ids.has('alice', 'm2'), false);
  });

  test('user and id cannot run together into another pair', () => {
    const ids = new ProcessedIds({ now: () => 0 });
    ids.remember('ab', 'c', 0);
    assert.equal(ids.has('a', 'bc'), false);
  });

  test('forgets ids older than maxAgeMs', () => {
    let now = 0;
    const ids = new ProcessedIds({ maxAgeMs: 1000, now: () => now });
    ids.remember('alice', 'old', 0);
    now = 999;
    assert.equal(ids.has('alice', 'old'), true);
    now = 1000;
    assert.equal(ids.has('alice', 'old'), false);
    ids.remember('alice', 'new', now);
    assert.equal(ids.size, 1, 'expired ids are swept when new ones come');
  });

  test("keeps each user's newest maxPerUser, without touching other users", () => {
    const ids = new ProcessedIds({ maxPerUser: 2, now: () => 0 });
    ids.remember('bob', 'b1', 0);
    for (const id of ['a1', 'a2', 'a3']) ids.remember('alice', id, 0);
    assert.deepEqual(['a1', 'a2', 'a3'].map((id) => ids.has('alice', id)), [false, true, true]);
    assert.equal(ids.has('bob', 'b1'), true);
  });

  test('holds at most maxTotal across users, dropping the oldest', () => {
    const ids = new ProcessedIds({ maxTotal: 3, now: () => 0 });
    for (const user of ['u1', 'u2', 'u3', 'u4']) ids.remember(user, 'x', 0);
    assert.equal(ids.size, 3);
    assert.deepEqual(['u1', 'u2', 'u4'].map((u) => ids.has(u, 'x')), [false, true, true]);
  });
});

describe('ChatHistory', () => {
  const history = (from: number, to: number, capacity = 1000): ChatHistory => {
    const h = new ChatHistory(from - 1, capacity);
    for (let seq = from; seq <= to; seq++) h.push(chat(seq));
    return h;
  };
  const seqs = (replay: readonly ChatBroadcast[] | null) => replay?.map((c) => c.seq) ?? null;

  const cases: [string, ChatHistory, number, number[] | null][] = [
    ['after the oldest - 1: everything retained', history(11, 15, 5), 10, [11, 12, 13, 14, 15]],
    ['in the middle', history(11, 15, 5), 13, [14, 15]],
    ['at the latest: nothing to replay', history(11, 15, 5), 15, []],
    ['older than the history: cannot', history(11, 15, 5), 9, null],
    ['beyond the latest (another process): cannot', history(11, 15, 5), 16, null],
    ['empty history, at its start: nothing to replay', history(100, 99), 99, []],
    ['empty history, anything else: cannot', history(100, 99), 98, null],
    ['only the newest `capacity` are kept', history(1, 8, 5), 3, [4, 5, 6, 7, 8]],
    ['a point just before the kept window is refused', history(1, 8, 5), 2, null],
  ];
  for (const [name, h, after, expected] of cases) {
    test(name, () => assert.deepEqual(seqs(h.replayAfter(after)), expected));
  }

  test('refuses a seq that does not move forward', () => {
    assert.throws(() => history(1, 3).push(chat(3)), RangeError);
  });
});
