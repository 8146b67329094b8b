import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChannelLogs } from '../../src/channels/channel-log.mjs';
import { catchUp, resumeDecision, type ChannelSnapshot } from '../../src/channels/channel-replay.mjs';
import type { ChannelChat } from '../../src/server-messages.mjs';

const msg = (seq: number): ChannelChat => ({ type: 'chat', channel: 'room:1', seq, from: 'alice', text: `m${seq}`, ts: 0 });
const range = (from: number, to: number): ChannelChat[] => Array.from({ length: to - from + 1 }, (_, i) => msg(from + i));
const seqs = (messages: readonly ChannelChat[]): number[] => messages.map((m) => m.seq);

describe('resume on join', () => {
  // History 11..20 retained (older ones dropped), latest 20.
  const history = range(11, 20);
  const cases: [string, number, number[] | 'failed'][] = [
    ['just before the oldest retained: everything retained', 10, range(11, 20).map((m) => m.seq)],
    ['in the middle: what came after', 15, [16, 17, 18, 19, 20]],
    ['at the latest: nothing, but resumed', 20, []],
    ['older than the history: failed (messages were dropped)', 9, 'failed'],
    ['newer than the latest: failed (another life of the channel)', 21, 'failed'],
  ];
  for (const [why, after, expected] of cases) {
    test(why, () => {
      const decision = resumeDecision(history, 20, after);
      assert.deepEqual(decision.kind === 'failed' ? 'failed' : seqs(decision.messages), expected);
    });
  }

  test('a channel with no message yet: its joined.seq resumes, anything else fails', () => {
    assert.deepEqual(resumeDecision([], 4999, 4999), { kind: 'replay', messages: [] });
    assert.deepEqual(resumeDecision([], 4999, 0), { kind: 'failed' });
  });
});

describe('catching up after a possible loss', () => {
  const known = { epoch: 'e1', latestSeq: 12 };
  const snap = (epoch: string, latestSeq: number, history: ChannelChat[]): ChannelSnapshot => ({ epoch, latestSeq, history });
  const cases: [string, ChannelSnapshot, unknown][] = [
    ['nothing new', snap('e1', 12, range(1, 12)), { kind: 'contiguous', deliver: [], latestSeq: 12 }],
    ['missed messages still in the history: delivered', snap('e1', 15, range(1, 15)), { kind: 'contiguous', deliver: [13, 14, 15], latestSeq: 15 }],
    ['missed messages older than the history: a gap from where it continues', snap('e1', 30, range(20, 30)),
      { kind: 'gap', continueFrom: 19, deliver: range(20, 30).map((m) => m.seq), position: { epoch: 'e1', latestSeq: 30 } }],
    ['a new epoch: a gap, and its whole history', snap('e2', 5001, range(5000, 5001)),
      { kind: 'gap', continueFrom: 4999, deliver: [5000, 5001], position: { epoch: 'e2', latestSeq: 5001 } }],
    ['a new epoch with no message: a gap at its start', snap('e2', 4999, []),
      { kind: 'gap', continueFrom: 4999, deliver: [], position: { epoch: 'e2', latestSeq: 4999 } }],
    ['the store went back in time (same epoch, lower counter): a gap', snap('e1', 10, range(1, 10)),
      { kind: 'gap', continueFrom: 0, deliver: range(1, 10).map((m) => m.seq), position: { epoch: 'e1', latestSeq: 10 } }],
  ];
  for (const [why, shared, expected] of cases) {
    test(why, () => {
      const result = catchUp(known, shared);
      assert.deepEqual({ ...result, deliver: seqs(result.deliver) }, expected);
    });
  }
});

describe('channel logs (one process)', () => {
  test('a channel starts its life at the clock × 1000: seq is per channel and only grows', () => {
    const logs = new ChannelLogs(() => 1_700_000_000_000);
    assert.deepEqual(logs.snapshot('room:1'), { epoch: '1700000000000000', latestSeq: 1_699_999_999_999_999, history: [] });
    const first = logs.append('room:1', { from: 'alice', text: 'a', ts: 1 });
    const other = logs.append('room:2', { from: 'alice', text: 'b', ts: 2 });
    const second = logs.append('room:1', { from: 'bob', text: 'c', ts: 3, id: 'x' });
    assert.equal(first.chat.seq, 1_700_000_000_000_000);
    assert.equal(second.chat.seq, first.chat.seq + 1);
    assert.equal(other.chat.seq, 1_700_000_000_000_000);
    assert.deepEqual(second.chat, { type: 'chat', channel: 'room:1', seq: second.chat.seq, from: 'bob', text: 'c', ts: 3, id: 'x' });
  });

  test('each channel keeps its last perChannel messages', () => {
    const logs = new ChannelLogs(() => 1, { perChannel: 3 });
    for (let i = 0; i < 5; i++) logs.append('room:1', { from: 'a', text: String(i), ts: i });
    assert.deepEqual(seqs(logs.snapshot('room:1').history), [1002, 1003, 1004]);
    assert.equal(logs.retainedMessages, 3);
  });

  test('all channels together keep at most totalMessages: the oldest of the process goes first', () => {
    const logs = new ChannelLogs(() => 1, { perChannel: 10, totalMessages: 4 });
    logs.append('room:quiet', { from: 'a', text: 'old', ts: 0 });
    for (let i = 0; i < 4; i++) logs.append('room:busy', { from: 'a', text: String(i), ts: i });
    assert.deepEqual(logs.snapshot('room:quiet').history, []);
    assert.equal(logs.snapshot('room:quiet').latestSeq, 1000, 'the counter stays: a resume into the dropped message fails');
    assert.equal(resumeDecision(logs.snapshot('room:quiet').history, 1000, 999).kind, 'failed');
    assert.equal(logs.retainedMessages, 4);
  });

  test('the age order stays bounded when channels drop messages by themselves', () => {
    const logs = new ChannelLogs(() => 1, { perChannel: 1, totalMessages: 10 });
    for (let i = 0; i < 5000; i++) logs.append(`room:${i % 3}`, { from: 'a', text: 'x', ts: i });
    assert.equal(logs.retainedMessages, 3);
    assert.ok(logs.ageOrderLength <= 2 * 10 + 1024, `age order holds ${logs.ageOrderLength}`);
  });

  test('at most maxChannels are remembered: the least recently used one nobody is in goes, and comes back in a new life', () => {
    let now = 1;
    const inUse = new Set(['room:a']);
    const logs = new ChannelLogs(() => now, { maxChannels: 2 }, (c) => inUse.has(c));
    logs.append('room:a', { from: 'u', text: 'kept', ts: 0 });
    logs.append('room:b', { from: 'u', text: 'forgotten', ts: 0 });
    now = 2;
    logs.snapshot('room:c');
    assert.equal(logs.size, 2);
    assert.equal(logs.snapshot('room:a').history.length, 1, 'a channel in use is never forgotten');
    now = 3;
    const again = logs.snapshot('room:b');
    assert.deepEqual([again.epoch, again.history.length], ['3000', 0]);
  });
});
