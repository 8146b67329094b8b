import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { step, type ChannelEvent, type ChannelState } from '../../src/channel-state.mjs';
import { MAX_JOIN_PARAMS_BYTES, parseClientFrame, type ClientFrame } from '../../src/client-frames.mjs';

const parse = (frame: unknown): ClientFrame => parseClientFrame(JSON.stringify(frame), false);

describe('channel frames, parsed', () => {
  const cases: [string, unknown, ClientFrame][] = [
    ['join', { type: 'join', channel: 'room:1' }, { type: 'join', channel: 'room:1' }],
    ['join with params, resume and id', { type: 'join', channel: 'room:1', params: { a: [1] }, resume: 7, id: 'j' },
      { type: 'join', channel: 'room:1', params: { a: [1] }, resume: 7, id: 'j' }],
    ['a join names any string: the service judges it (bad_channel)', { type: 'join', channel: 'not a name' }, { type: 'join', channel: 'not a name' }],
    ['join without a channel', { type: 'join' }, { type: 'invalid', why: 'bad-field' }],
    ['join with a channel that is not a string', { type: 'join', channel: 42 }, { type: 'invalid', why: 'bad-field' }],
    ['join with a bad resume is a bad field, not an auth failure', { type: 'join', channel: 'room:1', resume: -1 }, { type: 'invalid', why: 'bad-field' }],
    ['join with resume as a string', { type: 'join', channel: 'room:1', resume: '7' }, { type: 'invalid', why: 'bad-field' }],
    ['join with params over 4 KiB', { type: 'join', channel: 'room:1', params: 'x'.repeat(MAX_JOIN_PARAMS_BYTES) }, { type: 'invalid', why: 'bad-field' }],
    ['join with a bad id', { type: 'join', channel: 'room:1', id: '' }, { type: 'invalid', why: 'bad-id' }],
    ['leave', { type: 'leave', channel: 'room:1', id: 'l' }, { type: 'leave', channel: 'room:1', id: 'l' }],
    ['leave without a channel', { type: 'leave' }, { type: 'invalid', why: 'bad-field' }],
    ['chat scoped to a channel', { type: 'chat', channel: 'room:1', text: 'hi', id: 'c' }, { type: 'chat', text: 'hi', id: 'c', channel: 'room:1' }],
    ['echo scoped to a channel', { type: 'echo', channel: 'room:1', id: 'e', payload: 1 }, { type: 'echo', id: 'e', payload: 1, channel: 'room:1' }],
    ['ping scoped to a channel', { type: 'ping', channel: 'room:1' }, { type: 'ping', channel: 'room:1' }],
    ['a channel that is not a string', { type: 'chat', channel: 1, text: 'hi' }, { type: 'invalid', why: 'bad-field' }],
    ['a chat without channel is as before', { type: 'chat', text: 'hi' }, { type: 'chat', text: 'hi' }],
  ];
  for (const [why, frame, expected] of cases) test(why, () => assert.deepEqual(parse(frame), expected));
});

describe('channel frames in the socket state machine', () => {
  const NOW = 1_700_000_000_000;
  const alice: ChannelState = { kind: 'authenticated', user: 'alice', exp: 2_000_000_000 };
  const joinedTo = (...channels: string[]) => (c: string): boolean => channels.includes(c);
  const frame = (f: Exclude<ClientFrame, { type: 'auth' }>, inChannel = joinedTo()): ChannelEvent => ({ kind: 'frame', frame: f, inChannel });
  const cases: [string, ChannelEvent, unknown[]][] = [
    ['join → the service answers, then the ack', frame({ type: 'join', channel: 'room:1', resume: 5, id: 'j' }), [
      { kind: 'join', request: { channel: 'room:1', resume: 5 } },
      { kind: 'send', message: { type: 'ack', id: 'j' } }]],
    ['leave → leave, then the ack', frame({ type: 'leave', channel: 'room:1', id: 'l' }), [
      { kind: 'leave', channel: 'room:1' },
      { kind: 'send', message: { type: 'ack', id: 'l' } }]],
    ['a leave of a channel not joined is still a leave (idempotent)', frame({ type: 'leave', channel: 'room:9' }), [
      { kind: 'leave', channel: 'room:9' }]],
    ['chat in a joined channel → published there, then the ack', frame({ type: 'chat', text: 'hi', id: 'c', channel: 'room:1' }, joinedTo('room:1')), [
      { kind: 'publish-to-channel', channel: 'room:1', chat: { from: 'alice', text: 'hi', ts: NOW, id: 'c' } },
      { kind: 'send', message: { type: 'ack', id: 'c' } }]],
    ['chat in a channel not joined → not_joined with the id, no ack', frame({ type: 'chat', text: 'hi', id: 'c', channel: 'room:2' }, joinedTo('room:1')), [
      { kind: 'send', message: { type: 'error', reason: 'not_joined', channel: 'room:2', id: 'c' } }]],
    ['echo in a joined channel → ack, reply naming the channel', frame({ type: 'echo', id: 'e', payload: 1, channel: 'room:1' }, joinedTo('room:1')), [
      { kind: 'send', message: { type: 'ack', id: 'e' } },
      { kind: 'send', message: { type: 'echo_reply', id: 'e', payload: 1, channel: 'room:1' } }]],
    ['ping in a channel not joined → not_joined, no pong', frame({ type: 'ping', channel: 'room:2' }), [
      { kind: 'send', message: { type: 'error', reason: 'not_joined', channel: 'room:2' } }]],
    ['kick scoped to a channel not joined → not_joined, the socket stays', frame({ type: 'kick', channel: 'room:2' }), [
      { kind: 'send', message: { type: 'error', reason: 'not_joined', channel: 'room:2' } }]],
  ];
  for (const [why, event, actions] of cases) {
    test(why, () => assert.deepEqual(step(alice, event, NOW), { state: alice, actions }));
  }

  test('a join before auth is refused like any other first frame', () => {
    const result = step({ kind: 'awaiting-auth' }, frame({ type: 'join', channel: 'room:1' }), NOW);
    assert.deepEqual(result.state, { kind: 'closed' });
    assert.deepEqual(result.actions[0], { kind: 'send', message: { type: 'auth_error', reason: 'auth_required' } });
  });
});
