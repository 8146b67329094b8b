// The channel service with the memory backend and fake sockets, on fake time: presence, its
// grace, kicks, deny-list changes and resume decided exactly, without a socket or a real delay.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { EMPTY_DENY_LIST, parseDenyList } from '../../src/channels/channel-access.mjs';
import { ChannelService, type ChannelMember } from '../../src/channels/channel-service.mjs';
import { MemoryChannelBackend } from '../../src/channels/memory-channel-backend.mjs';
import { StatsRecorder } from '../../src/stats.mjs';

const GRACE = 5000;

class FakeSocket implements ChannelMember {
  readonly received: Record<string, unknown>[] = [];
  isOpen = true;
  constructor(readonly user: string) {}
  sendText(text: string): void {
    this.received.push(JSON.parse(text) as Record<string, unknown>);
  }
  replay(messages: readonly object[]): void {
    for (const m of messages) this.received.push(m as Record<string, unknown>);
  }
  /** What arrived since the last look. */
  take(): Record<string, unknown>[] {
    return this.received.splice(0);
  }
}

function setup(
  t: TestContext,
  options: { graceMs?: number; maxChannelsPerSocket?: number; backend?: MemoryChannelBackend } = {},
) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let now = 1_700_000_000_000;
  const stats = new StatsRecorder();
  const service = new ChannelService({
    backend: options.backend ?? new MemoryChannelBackend(() => now),
    stats,
    now: () => now,
    graceMs: options.graceMs ?? GRACE,
    maxChannelsPerSocket: options.maxChannelsPerSocket ?? 1000,
    deny: EMPTY_DENY_LIST,
  });
  t.after(() => service.close());
  const socket = (user: string): FakeSocket => new FakeSocket(user);
  const join = (s: FakeSocket, channel: string, resume?: number): Record<string, unknown>[] => {
    const pending = service.join(s, s.user, resume === undefined ? { channel } : { channel, resume });
    assert.equal(pending, undefined, 'a server without Redis answers a join at once');
    return s.take();
  };
  const advance = (ms: number): void => {
    now += ms;
    t.mock.timers.tick(ms);
  };
  const chat = (s: FakeSocket, channel: string, text: string): void => {
    assert.equal(service.publish(channel, { from: s.user, text, ts: now }), undefined);
  };
  return { service, stats, socket, join, advance, chat };
}

describe('channel service: presence and its grace (fake time)', () => {
  test('the last socket out starts the grace; the user leaves exactly when it ends', (t) => {
    const { service, socket, join, advance } = setup(t);
    const alice = socket('alice');
    const bob = socket('bob');
    join(alice, 'room:1');
    assert.deepEqual(join(bob, 'room:1').at(-1)?.['presence'], ['alice', 'bob']);
    assert.deepEqual(alice.take(), [{ type: 'presence', channel: 'room:1', joined: ['bob'] }]);
    service.leaveAll(bob);
    advance(GRACE - 1);
    assert.deepEqual(alice.take(), []);
    advance(1);
    assert.deepEqual(alice.take(), [{ type: 'presence', channel: 'room:1', left: ['bob'] }]);
  });

  test('a socket that comes back within the grace: no left, no joined; the grace restarts from its own leave', (t) => {
    const { service, socket, join, advance } = setup(t);
    const alice = socket('alice');
    join(alice, 'room:1');
    const bob = socket('bob');
    join(bob, 'room:1');
    alice.take();
    service.leaveAll(bob);
    advance(GRACE - 1);
    const again = socket('bob');
    assert.deepEqual(join(again, 'room:1').at(-1)?.['presence'], ['alice', 'bob']);
    advance(10 * GRACE);
    assert.deepEqual(alice.take(), [], 'no flicker');
    service.leave(again, 'room:1');
    advance(GRACE);
    assert.deepEqual(alice.take(), [{ type: 'presence', channel: 'room:1', left: ['bob'] }]);
  });

  test('make-before-break: the new socket joins before the old one closes, nothing is told at all', (t) => {
    const { service, socket, join, advance } = setup(t);
    const alice = socket('alice');
    join(alice, 'room:1');
    const old = socket('bob');
    join(old, 'room:1');
    alice.take();
    join(socket('bob'), 'room:1');
    service.leaveAll(old);
    advance(10 * GRACE);
    assert.deepEqual(alice.take(), []);
  });

  test('a grace of 0 leaves at once', (t) => {
    const { service, socket, join } = setup(t, { graceMs: 0 });
    const alice = socket('alice');
    join(alice, 'room:1');
    const bob = socket('bob');
    join(bob, 'room:1');
    alice.take();
    service.leave(bob, 'room:1');
    assert.deepEqual(alice.take(), [{ type: 'presence', channel: 'room:1', left: ['bob'] }]);
  });

  test('a join that completes after its socket closed is not registered; the user runs out like any leave', (t) => {
    const { service, socket, join, advance, stats } = setup(t);
    const alice = socket('alice');
    join(alice, 'room:1');
    const gone = socket('bob');
    gone.isOpen = false;
    assert.deepEqual(join(gone, 'room:1'), []);
    assert.equal(service.isJoined(gone, 'room:1'), false);
    assert.deepEqual(alice.take(), [{ type: 'presence', channel: 'room:1', joined: ['bob'] }]);
    advance(GRACE);
    assert.deepEqual(alice.take(), [{ type: 'presence', channel: 'room:1', left: ['bob'] }]);
    assert.equal(stats.snapshot(0).channelJoins, 1);
  });
});

describe('channel service: kicks and deny lists (fake time)', () => {
  test('a kick: kicked on every socket of the user, then left at once for the others; grace-only holds go too', (t) => {
    const { service, socket, join, advance } = setup(t);
    const alice = socket('alice');
    const bob1 = socket('bob');
    const bob2 = socket('bob');
    join(alice, 'room:1');
    join(bob1, 'room:1');
    join(bob2, 'room:1');
    alice.take();
    assert.equal(service.kick('room:1', 'bob', 'spam'), true);
    assert.deepEqual(bob1.take(), [{ type: 'kicked', channel: 'room:1', reason: 'spam' }]);
    assert.deepEqual(bob2.take(), [{ type: 'kicked', channel: 'room:1', reason: 'spam' }]);
    assert.deepEqual(alice.take(), [{ type: 'presence', channel: 'room:1', left: ['bob'] }]);
    assert.equal(service.isJoined(bob1, 'room:1'), false);
    advance(10 * GRACE);
    assert.deepEqual(alice.take(), [], 'no second left after the grace');
    // Someone held only by the grace is removed at once too.
    const carol = socket('carol');
    join(carol, 'room:1');
    alice.take();
    service.leaveAll(carol);
    assert.equal(service.kick('room:1', 'carol', 'kicked'), true);
    assert.deepEqual(alice.take(), [{ type: 'presence', channel: 'room:1', left: ['carol'] }]);
    assert.equal(service.kick('room:1', 'nobody', 'kicked'), false);
  });

  test('a deny list change kicks the members of newly denied channels (forbidden) and no one else', (t) => {
    const { service, socket, join } = setup(t);
    const alice = socket('alice');
    join(alice, 'room:open');
    join(alice, 'room:closing');
    join(alice, 'private:alice');
    assert.equal(service.setDenyList(parseDenyList(['room:closing', 'private:*'])), 2);
    assert.deepEqual(alice.take(), [
      { type: 'kicked', channel: 'room:closing', reason: 'forbidden' },
      { type: 'kicked', channel: 'private:alice', reason: 'forbidden' },
    ]);
    assert.deepEqual(join(alice, 'room:closing'), [{ type: 'join_refused', channel: 'room:closing', reason: 'forbidden' }]);
    assert.equal(service.isJoined(alice, 'room:open'), true);
  });
});

describe('channel service: seq, resume and caps', () => {
  test('resume replays from the shared history; joined follows the replay; a point from another life fails', (t) => {
    const { socket, join, chat } = setup(t);
    const alice = socket('alice');
    const start = join(alice, 'room:1').at(-1)!['seq'] as number;
    for (const text of ['a', 'b', 'c']) chat(alice, 'room:1', text);
    assert.deepEqual(alice.take().map((m) => m['seq']), [start + 1, start + 2, start + 3]);
    assert.deepEqual(join(socket('bob'), 'room:1', start + 1).map((m) => m['text'] ?? m['type']), ['b', 'c', 'joined']);
    assert.deepEqual(join(socket('bob'), 'room:1', start).map((m) => m['text'] ?? m['type']), ['a', 'b', 'c', 'joined']);
    assert.deepEqual(join(socket('bob'), 'room:1', start - 1).map((m) => m['type']), ['resume_failed', 'joined']);
  });

  test('a store that lost its presence and its counter, then reused a version this node holds: a join still takes its snapshot', (t) => {
    const backend = new MemoryChannelBackend(() => 1_700_000_000_000);
    const { socket, join } = setup(t, { backend });
    join(socket('alice'), 'room:1');
    join(socket('bob'), 'room:1');
    // Redis restarted empty: members and version counter gone; one change counted since (version 1).
    const store = backend as unknown as { presence: Map<string, Set<string>>; version: number };
    store.presence.clear();
    store.version = 1;
    // Carol's enter is version 2 again, the version this node holds for [alice, bob].
    assert.deepEqual(join(socket('carol'), 'room:1').at(-1)?.['presence'], ['carol']);
  });

  test('the cap counts joined channels; a refused join changes nothing', (t) => {
    const { service, socket, join } = setup(t, { maxChannelsPerSocket: 2 });
    const alice = socket('alice');
    join(alice, 'room:a');
    join(alice, 'room:b');
    assert.deepEqual(join(alice, 'room:c'), [{ type: 'join_refused', channel: 'room:c', reason: 'too_many_channels' }]);
    assert.deepEqual(service.gauges(), { channels: 2, channelMemberships: 2 });
    service.leaveAll(alice);
    assert.deepEqual(service.gauges(), { channels: 0, channelMemberships: 0 });
  });
});
