import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LoginThrottle } from '../src/login-throttle.mjs';

const RULES = { perUser: { capacity: 2, ratePerS: 1 }, perAddress: { capacity: 3, ratePerS: 1 } };

describe('login throttle', () => {
  test('only failures count; past a user budget that user waits, others do not', () => {
    let now = 0;
    const throttle = new LoginThrottle(RULES, () => now);
    assert.equal(throttle.retryAfterMs('alice', 'ip1'), 0);
    throttle.failed('alice', 'ip1');
    throttle.failed('alice', 'ip1');
    assert.equal(throttle.retryAfterMs('alice', 'ip1'), 1000);
    assert.equal(throttle.retryAfterMs('alice', 'ip2'), 1000, 'per user, whatever the address');
    assert.equal(throttle.retryAfterMs('bob', 'ip2'), 0);
    now = 1000;
    assert.equal(throttle.retryAfterMs('alice', 'ip1'), 0, 'refilled');
  });

  test('past an address budget every user from it waits', () => {
    const throttle = new LoginThrottle(RULES, () => 0);
    for (const user of ['u1', 'u2', 'u3']) throttle.failed(user, 'ip1');
    assert.equal(throttle.retryAfterMs('u4', 'ip1'), 1000);
    assert.equal(throttle.retryAfterMs('u4', 'ip2'), 0);
  });
});
