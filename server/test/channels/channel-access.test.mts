import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { authorizeJoin, denyListEntries, EMPTY_DENY_LIST, isDenied, parseDenyList, type JoinVerdict } from '../../src/channels/channel-access.mjs';
import { isChannelName, splitChannelName } from '../../src/channels/channel-name.mjs';
import { ConfigError, resolveConfig } from '../../src/config.mjs';
import { configFromEnv } from '../../src/config-from-env.mjs';

describe('channel names', () => {
  const cases: [unknown, boolean][] = [
    ['room:42', true],
    ['private:alice', true],
    ['a', true],
    ['x'.repeat(128), true],
    ['x'.repeat(129), false],
    ['', false],
    ['Room_1.2@host-3:sub:part', true],
    ['room 42', false],
    ['room:*', false],
    ['room/42', false],
    ['röom', false],
    ['room:42\n', false],
    [42, false],
    [null, false],
  ];
  for (const [name, ok] of cases) test(`${JSON.stringify(name)} is ${ok ? '' : 'not '}a channel name`, () => assert.equal(isChannelName(name), ok));

  test('the namespace is the part before the first colon', () => {
    assert.deepEqual(splitChannelName('room:42:x'), { namespace: 'room', rest: '42:x' });
    assert.deepEqual(splitChannelName('lobby'), { namespace: 'lobby', rest: undefined });
    assert.deepEqual(splitChannelName('room:'), { namespace: 'room', rest: '' });
  });
});

describe('join authorization', () => {
  const deny = parseDenyList(['room:secret', 'private:*', 'x']);
  const cases: [string, string, string, JoinVerdict][] = [
    ['any signed-in user joins a room', 'alice', 'room:42', 'allow'],
    ['…any room', 'bob', 'room:lobby.general', 'allow'],
    ['a user joins their own private channel', 'alice', 'private:alice', 'allow'],
    ["…but not someone else's", 'alice', 'private:bob', 'forbidden'],
    ['private: is the whole name after the colon', 'alice', 'private:alice:x', 'forbidden'],
    ['namespaces are case-sensitive', 'alice', 'Room:42', 'forbidden'],
    ['other namespaces are closed', 'alice', 'admin:panel', 'forbidden'],
    ['a name without a namespace is closed', 'alice', 'lobby', 'forbidden'],
    ['a malformed name is bad_channel', 'alice', 'room 42', 'bad_channel'],
    ['an empty name is bad_channel', 'alice', '', 'bad_channel'],
    ['an over-long name is bad_channel', 'alice', `room:${'x'.repeat(124)}`, 'bad_channel'],
  ];
  for (const [why, user, channel, verdict] of cases) {
    test(why, () => assert.equal(authorizeJoin(user, channel, EMPTY_DENY_LIST), verdict));
  }

  const denied: [string, string, string, JoinVerdict][] = [
    ['a denied name is forbidden', 'alice', 'room:secret', 'forbidden'],
    ['a denied name does not deny its neighbours', 'alice', 'room:secret2', 'allow'],
    ['a denied namespace closes even your own private channel', 'alice', 'private:alice', 'forbidden'],
    ['a denied bare name', 'alice', 'x', 'forbidden'],
    ['bad names stay bad_channel', 'alice', 'room secret', 'bad_channel'],
  ];
  for (const [why, user, channel, verdict] of denied) test(why, () => assert.equal(authorizeJoin(user, channel, deny), verdict));
});

describe('deny lists', () => {
  test('entries are channel names or namespace:* patterns, listed back sorted', () => {
    const deny = parseDenyList(['room:b', 'admin:*', 'room:a']);
    assert.deepEqual(denyListEntries(deny), ['admin:*', 'room:a', 'room:b']);
    assert.equal(isDenied('admin:anything', deny), true);
    assert.equal(isDenied('room:c', deny), false);
  });
  for (const bad of ['room:*x', '*', 'ro om', ':*', '', 'room:**']) {
    test(`${JSON.stringify(bad)} is refused (a typo must not allow what it meant to deny)`, () => {
      assert.throws(() => parseDenyList([bad]), RangeError);
    });
  }
});

describe('channel settings', () => {
  test('CHANNEL_DENY, PRESENCE_GRACE_MS, PRESENCE_TTL_MS and MAX_CHANNELS_PER_SOCKET are read from the environment', () => {
    const config = configFromEnv({ CHANNEL_DENY: 'room:a, admin:*,', PRESENCE_GRACE_MS: '250', PRESENCE_TTL_MS: '900', MAX_CHANNELS_PER_SOCKET: '5' });
    assert.deepEqual(
      [config.channelDeny, config.presenceGraceMs, config.presenceTtlMs, config.maxChannelsPerSocket],
      [['room:a', 'admin:*'], 250, 900, 5],
    );
    const defaults = resolveConfig();
    assert.deepEqual([defaults.channelDeny, defaults.presenceGraceMs, defaults.presenceTtlMs, defaults.maxChannelsPerSocket], [[], 5000, 15_000, 1000]);
  });
  const bad: [string, Parameters<typeof resolveConfig>[0]][] = [
    ['channelDeny', { channelDeny: ['room:*x'] }],
    ['presenceGraceMs', { presenceGraceMs: -1 }],
    ['presenceTtlMs', { presenceTtlMs: 10 }],
    ['maxChannelsPerSocket', { maxChannelsPerSocket: 0 }],
  ];
  for (const [option, config] of bad) {
    test(`a bad ${option} stops start-up with a ConfigError naming it`, () => {
      assert.throws(() => resolveConfig(config), (err: unknown) => err instanceof ConfigError && err.option === option);
    });
  }
});
