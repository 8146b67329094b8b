import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fullBucket, isFull, takeToken, waitForToken, type Bucket, type BucketRule } from '../src/token-bucket.mjs';

const RULE: BucketRule = { capacity: 3, ratePerS: 2 }; // a token every 500 ms

describe('token bucket', () => {
  const cases: [string, Bucket, number, { tokens: number; waitMs: number }][] = [
    ['a full bucket gives a token at once', fullBucket(RULE, 0), 0, { tokens: 2, waitMs: 0 }],
    ['the last token', { tokens: 1, atMs: 0 }, 0, { tokens: 0, waitMs: 0 }],
    ['empty: wait for a whole token', { tokens: 0, atMs: 0 }, 0, { tokens: 0, waitMs: 500 }],
    ['empty, 200 ms later: 300 ms to go', { tokens: 0, atMs: 0 }, 200, { tokens: 0.4, waitMs: 300 }],
    ['refilled by the time passed', { tokens: 0, atMs: 0 }, 500, { tokens: 0, waitMs: 0 }],
    ['never above capacity', { tokens: 0, atMs: 0 }, 60_000, { tokens: 2, waitMs: 0 }],
    ['a clock going backwards refills nothing', { tokens: 0, atMs: 1000 }, 0, { tokens: 0, waitMs: 500 }],
  ];
  for (const [name, bucket, now, expected] of cases) {
    test(name, () => {
      const { bucket: next, waitMs } = takeToken(bucket, RULE, now);
      assert.deepEqual({ tokens: Math.round(next.tokens * 1000) / 1000, waitMs }, expected);
    });
  }

  test('waitForToken looks without taking; isFull says when a bucket can be forgotten', () => {
    const empty: Bucket = { tokens: 0, atMs: 0 };
    assert.equal(waitForToken(empty, RULE, 0), 500);
    assert.equal(waitForToken(empty, RULE, 0), 500, 'nothing taken');
    assert.equal(isFull(empty, RULE, 1000), false);
    assert.equal(isFull(empty, RULE, 1500), true);
  });
});
