import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OutboundQueue } from '../src/outbound-queue.mjs';

/** An OutboundQueue over a fake socket whose buffer the spec drains by hand. */
function harness(limits = { highWaterBytes: 10, maxBufferedBytes: 30 }) {
  const written: string[] = [];
  const congestion: boolean[] = [];
  let buffered = 0;
  let overflows = 0;
  const queue = new OutboundQueue(
    {
      write: (text) => {
        written.push(text);
        buffered += text.length;
      },
      bufferedBytes: () => buffered,
      congestion: (c) => congestion.push(c),
      overflow: () => overflows++,
    },
    limits,
  );
  const drain = (): void => {
    buffered = 0;
    queue.drained();
  };
  return { queue, written, congestion, drain, overflows: () => overflows };
}

describe('outbound queue', () => {
  test('below the high water everything goes straight to the socket', () => {
    const { queue, written, congestion } = harness();
    queue.send('aaaa');
    queue.send('bbbb');
    assert.deepEqual(written, ['aaaa', 'bbbb']);
    assert.deepEqual(congestion, []);
  });

  test('at the high water: congested, later messages wait, and go in order once drained', () => {
    const { queue, written, congestion, drain } = harness();
    queue.send('0123456789');
    queue.send('next');
    assert.deepEqual(written, ['0123456789']);
    assert.deepEqual(congestion, [true]);
    drain();
    assert.deepEqual(written, ['0123456789', 'next']);
    assert.deepEqual(congestion, [true, false]);
  });

  test('a replay is streamed: serialised only as the socket takes it, live messages after it', () => {
    const { queue, written, drain } = harness();
    queue.stream([{ seq: 1, pad: 'xx' }, { seq: 2, pad: 'xx' }, { type: 'resumed', seq: 2 }]);
    queue.send('live');
    assert.deepEqual(written, ['{"seq":1,"pad":"xx"}']);
    drain();
    drain();
    drain();
    assert.deepEqual(written.slice(1), ['{"seq":2,"pad":"xx"}', '{"type":"resumed","seq":2}', 'live']);
  });

  test('replayed messages do not count against the byte cap; live ones do', () => {
    const { queue, overflows } = harness({ highWaterBytes: 10, maxBufferedBytes: 100 });
    queue.stream(Array.from({ length: 100 }, (_, seq) => ({ seq, text: 'long enough to matter' }))); // ~4 KB
    assert.equal(overflows(), 0, 'a long replay to a slow reader is fine');
    queue.send('x'.repeat(70));
    assert.equal(overflows(), 1, 'but live traffic piling up behind it is not');
  });

  test('over the cap: overflow once, then nothing is written any more', () => {
    const { queue, written, overflows } = harness();
    queue.send('0123456789');
    for (let i = 0; i < 5; i++) queue.send('0123456789');
    assert.equal(overflows(), 1);
    assert.deepEqual(written, ['0123456789']);
  });

  test('ended (the socket closes): what waited is dropped', () => {
    const { queue, written, drain } = harness();
    queue.send('0123456789');
    queue.send('dropped');
    queue.end();
    drain();
    assert.deepEqual(written, ['0123456789']);
  });
});
