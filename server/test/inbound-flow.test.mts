import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InboundFlow } from '../src/inbound-flow.mjs';

/** An InboundFlow over fake I/O: frames are strings, time and timers are the spec's. */
function harness(rule = { capacity: 1000, ratePerS: 1000 }) {
  const handled: string[] = [];
  const reading: boolean[] = [];
  const pending = new Map<string, () => void>();
  let now = 0;
  const timers: { at: number; task: () => void }[] = [];
  const flow = new InboundFlow<string>(
    {
      handle: (frame) => {
        handled.push(frame);
        if (!frame.startsWith('async')) return;
        return new Promise<void>((resolve) => pending.set(frame, resolve));
      },
      setReading: (on) => reading.push(on),
      now: () => now,
      later: (task, ms) => {
        const timer = { at: now + ms, task };
        timers.push(timer);
        return () => timers.splice(timers.indexOf(timer), 1);
      },
    },
    rule,
  );
  const settle = async (frame: string): Promise<void> => {
    pending.get(frame)!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  const advance = (ms: number): void => {
    now += ms;
    for (const timer of timers.filter((t) => t.at <= now)) {
      timers.splice(timers.indexOf(timer), 1);
      timer.task();
    }
  };
  return { flow, handled, reading, settle, advance };
}

describe('inbound flow', () => {
  test('synchronous frames are handled as they come, in order, without pausing', () => {
    const { flow, handled, reading } = harness();
    for (const f of ['a', 'b', 'c']) flow.push(f);
    assert.deepEqual(handled, ['a', 'b', 'c']);
    assert.deepEqual(reading, []);
  });

  test('while async work is pending: reading paused, later frames wait, then run in order', async () => {
    const { flow, handled, reading, settle } = harness();
    flow.push('async-auth');
    flow.push('chat-1');
    flow.push('chat-2');
    assert.deepEqual(handled, ['async-auth']);
    assert.deepEqual(reading, [false]);
    await settle('async-auth');
    assert.deepEqual(handled, ['async-auth', 'chat-1', 'chat-2']);
    assert.deepEqual(reading, [false, true]);
  });

  test('a 1000-frame burst within the bucket: every frame handled at once, never paused', () => {
    const { flow, handled, reading } = harness({ capacity: 2000, ratePerS: 1000 });
    for (let i = 0; i < 1000; i++) flow.push(`m${i}`);
    assert.equal(handled.length, 1000);
    assert.deepEqual(reading, []);
  });

  test('past the bucket: paused until it refills, nothing dropped, nothing closed', () => {
    const { flow, handled, reading, advance } = harness({ capacity: 2, ratePerS: 10 });
    for (const f of ['a', 'b', 'c', 'd']) flow.push(f);
    assert.deepEqual(handled, ['a', 'b']);
    assert.deepEqual(reading, [false]);
    advance(100);
    assert.deepEqual(handled, ['a', 'b', 'c']);
    advance(100);
    assert.deepEqual(handled, ['a', 'b', 'c', 'd']);
    assert.deepEqual(reading, [false, true]);
  });

  test('blocked by the send side: nothing handled, not read, until unblocked', () => {
    const { flow, handled, reading } = harness();
    flow.setBlocked(true);
    flow.push('a');
    assert.deepEqual(handled, []);
    flow.setBlocked(false);
    assert.deepEqual(handled, ['a']);
    assert.deepEqual(reading, [false, true]);
  });

  test('stopped: queued frames dropped, nothing handled again, reading on for the close handshake', async () => {
    const { flow, handled, reading, settle } = harness();
    flow.push('async-1');
    flow.push('b');
    flow.stop();
    await settle('async-1');
    flow.push('c');
    assert.deepEqual(handled, ['async-1']);
    assert.equal(reading.at(-1), true);
  });
});
