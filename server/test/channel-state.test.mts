import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { start, step, type ChannelEvent, type ChannelState } from '../src/channel-state.mjs';
import { parseClientFrame, type ClientFrame } from '../src/client-frames.mjs';
import type { TokenVerdict } from '../src/tokens.mjs';

const NOW = 1_700_000_000_000;
const awaiting: ChannelState = { kind: 'awaiting-auth' };
const alice: ChannelState = { kind: 'authenticated', user: 'alice', exp: 2_000_000_000 };
const valid = (sub: string, exp = 2_000_000_100): TokenVerdict => ({ ok: true, claims: { sub, iat: 1, exp } });
const invalid: TokenVerdict = { ok: false, error: { kind: 'token-invalid', detail: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' } };
const expired: TokenVerdict = { ok: false, error: { kind: 'token-expired' } };
const auth = (verdict: TokenVerdict, admitted = true): ChannelEvent => ({ kind: 'auth', verdict, admitted });
const frame = (f: Exclude<ClientFrame, { type: 'auth' }>): ChannelEvent => ({ kind: 'frame', frame: f });

describe('channel state machine', () => {
  const cases: [string, ChannelState, ChannelEvent, ChannelState, unknown[]][] = [
    ['awaiting + valid auth → authenticated, auth_ok', awaiting, auth(valid('alice')),
      { kind: 'authenticated', user: 'alice', exp: 2_000_000_100 },
      [{ kind: 'send', message: { type: 'auth_ok', user: 'alice' } }]],
    ['awaiting + invalid auth → 4001 invalid_token', awaiting, auth(invalid), { kind: 'closed' }, [
      { kind: 'send', message: { type: 'auth_error', reason: 'invalid_token' } },
      { kind: 'close', code: 4001, reason: 'invalid_token' }]],
    ['awaiting + expired auth → 4001 token_expired', awaiting, auth(expired), { kind: 'closed' }, [
      { kind: 'send', message: { type: 'auth_error', reason: 'token_expired' } },
      { kind: 'close', code: 4001, reason: 'token_expired' }]],
    ['awaiting + chat first → 4001 auth_required', awaiting, frame({ type: 'chat', text: 'hi' }), { kind: 'closed' }, [
      { kind: 'send', message: { type: 'auth_error', reason: 'auth_required' } },
      { kind: 'close', code: 4001, reason: 'auth_required' }]],
    ['awaiting + junk first → 4001 auth_required', awaiting, frame({ type: 'invalid', why: 'not-json' }), { kind: 'closed' }, [
      { kind: 'send', message: { type: 'auth_error', reason: 'auth_required' } },
      { kind: 'close', code: 4001, reason: 'auth_required' }]],
    ['awaiting + deadline → 4001 auth_timeout', awaiting, { kind: 'auth-deadline' }, { kind: 'closed' }, [
      { kind: 'send', message: { type: 'auth_error', reason: 'auth_timeout' } },
      { kind: 'close', code: 4001, reason: 'auth_timeout' }]],
    ['awaiting + valid auth with resume → auth_ok, then the replay', awaiting, { kind: 'auth', verdict: valid('alice'), resume: 41, admitted: true },
      { kind: 'authenticated', user: 'alice', exp: 2_000_000_100 },
      [{ kind: 'send', message: { type: 'auth_ok', user: 'alice' } }, { kind: 'resume', after: 41 }]],
    ['awaiting + auth with a bad resume → 4001 bad_resume', awaiting, frame({ type: 'invalid', why: 'bad-resume' }), { kind: 'closed' }, [
      { kind: 'send', message: { type: 'auth_error', reason: 'bad_resume' } },
      { kind: 'close', code: 4001, reason: 'bad_resume' }]],
    ['awaiting + ping first → 4001 auth_required', awaiting, frame({ type: 'ping' }), { kind: 'closed' }, [
      { kind: 'send', message: { type: 'auth_error', reason: 'auth_required' } },
      { kind: 'close', code: 4001, reason: 'auth_required' }]],
    ['authenticated + chat → publish with sender and time, no ack', alice, frame({ type: 'chat', text: 'hi' }), alice, [
      { kind: 'publish', chat: { from: 'alice', text: 'hi', ts: NOW } }]],
    ['authenticated + chat with id → publish, then ack', alice, frame({ type: 'chat', text: 'hi', id: 'm1' }), alice, [
      { kind: 'publish', chat: { from: 'alice', text: 'hi', ts: NOW, id: 'm1' } },
      { kind: 'send', message: { type: 'ack', id: 'm1' } }]],
    ['authenticated + echo → ack, then reply to sender only', alice, frame({ type: 'echo', id: '7', payload: { a: 1 } }), alice, [
      { kind: 'send', message: { type: 'ack', id: '7' } },
      { kind: 'send', message: { type: 'echo_reply', id: '7', payload: { a: 1 } } }]],
    ['authenticated + ping → pong', alice, frame({ type: 'ping' }), alice, [
      { kind: 'send', message: { type: 'pong' } }]],
    ['authenticated + ping with id → ack, pong with id', alice, frame({ type: 'ping', id: 'p' }), alice, [
      { kind: 'send', message: { type: 'ack', id: 'p' } },
      { kind: 'send', message: { type: 'pong', id: 'p' } }]],
    ['authenticated + kick → 1012 kicked', alice, frame({ type: 'kick' }), { kind: 'closed' }, [
      { kind: 'close', code: 1012, reason: 'kicked' }]],
    ['authenticated + kick with id → ack, then 1012 kicked', alice, frame({ type: 'kick', id: 'k' }), { kind: 'closed' }, [
      { kind: 'send', message: { type: 'ack', id: 'k' } },
      { kind: 'close', code: 1012, reason: 'kicked' }]],
    ['authenticated + re-auth with resume → auth_ok only (already live)', alice, { kind: 'auth', verdict: valid('alice'), resume: 3, admitted: true },
      { kind: 'authenticated', user: 'alice', exp: 2_000_000_100 },
      [{ kind: 'send', message: { type: 'auth_ok', user: 'alice' } }]],
    ['authenticated + re-auth with a bad resume → 4001 bad_resume', alice, frame({ type: 'invalid', why: 'bad-resume' }), { kind: 'closed' }, [
      { kind: 'send', message: { type: 'auth_error', reason: 'bad_resume' } },
      { kind: 'close', code: 4001, reason: 'bad_resume' }]],
    ['authenticated + junk → bad_message, stays open', alice, frame({ type: 'invalid', why: 'unknown-type' }), alice, [
      { kind: 'send', message: { type: 'error', reason: 'bad_message' } }]],
    ['authenticated + same-user re-auth → new exp, auth_ok', alice, auth(valid('alice', 2_000_000_900)),
      { kind: 'authenticated', user: 'alice', exp: 2_000_000_900 },
      [{ kind: 'send', message: { type: 'auth_ok', user: 'alice' } }]],
    ['authenticated + other-user re-auth → 4003 forbidden', alice, auth(valid('bob')), { kind: 'closed' }, [
      { kind: 'send', message: { type: 'auth_error', reason: 'forbidden' } },
      { kind: 'close', code: 4003, reason: 'forbidden' }]],
    ['authenticated + bad re-auth → 4001', alice, auth(invalid), { kind: 'closed' }, [
      { kind: 'send', message: { type: 'auth_error', reason: 'invalid_token' } },
      { kind: 'close', code: 4001, reason: 'invalid_token' }]],
    ['authenticated + token expiry → 4001 token_expired, no frame', alice, { kind: 'token-expired' }, { kind: 'closed' }, [
      { kind: 'close', code: 4001, reason: 'token_expired' }]],
    ['authenticated + stale deadline → nothing', alice, { kind: 'auth-deadline' }, alice, []],
    ['awaiting + valid auth, user at the socket limit → 1013 too_many_sockets, no auth_ok, no auth_error', awaiting,
      auth(valid('alice'), false), { kind: 'closed' }, [{ kind: 'close', code: 1013, reason: 'too_many_sockets retry_after=10' }]],
    ['awaiting + invalid auth, whatever the limit → 4001 invalid_token', awaiting, auth(invalid, false), { kind: 'closed' }, [
      { kind: 'send', message: { type: 'auth_error', reason: 'invalid_token' } },
      { kind: 'close', code: 4001, reason: 'invalid_token' }]],
    ['authenticated + over the byte cap → 4008 slow_consumer, close only', alice, { kind: 'slow-consumer' }, { kind: 'closed' }, [
      { kind: 'close', code: 4008, reason: 'slow_consumer retry_after=1' }]],
    ['awaiting + over the byte cap → 4008 slow_consumer', awaiting, { kind: 'slow-consumer' }, { kind: 'closed' }, [
      { kind: 'close', code: 4008, reason: 'slow_consumer retry_after=1' }]],
    ['closed ignores everything', { kind: 'closed' }, frame({ type: 'kick' }), { kind: 'closed' }, []],
  ];
  for (const [name, from, event, to, actions] of cases) {
    test(name, () => {
      const next = step(from, event, NOW);
      assert.deepEqual(next.state, to);
      assert.deepEqual(next.actions, actions);
    });
  }
});

describe('start', () => {
  test('a ticketed socket with a resume point replays at once', () => {
    assert.deepEqual(start(alice, 0), { state: alice, actions: [{ kind: 'resume', after: 0 }] });
  });
  test('without a resume point, or before auth, nothing happens', () => {
    assert.deepEqual(start(alice, undefined), { state: alice, actions: [] });
    assert.deepEqual(start(awaiting, 5), { state: awaiting, actions: [] });
  });
  test('a ticketed socket whose user is at the socket limit is closed 1013 at once, no replay', () => {
    assert.deepEqual(start(alice, 0, false), {
      state: { kind: 'closed' },
      actions: [{ kind: 'close', code: 1013, reason: 'too_many_sockets retry_after=10' }],
    });
  });
});

describe('parseClientFrame', () => {
  const cases: [string, string | Buffer, boolean, ClientFrame][] = [
    ['auth', '{"type":"auth","payload":"jwt"}', false, { type: 'auth', token: 'jwt' }],
    ['auth without a string payload', '{"type":"auth","payload":1}', false, { type: 'invalid', why: 'bad-field' }],
    ['auth with resume', '{"type":"auth","payload":"jwt","resume":12}', false, { type: 'auth', token: 'jwt', resume: 12 }],
    ['auth with resume 0', '{"type":"auth","payload":"jwt","resume":0}', false, { type: 'auth', token: 'jwt', resume: 0 }],
    ['auth with a negative resume', '{"type":"auth","payload":"jwt","resume":-1}', false, { type: 'invalid', why: 'bad-resume' }],
    ['auth with a fractional resume', '{"type":"auth","payload":"jwt","resume":1.5}', false, { type: 'invalid', why: 'bad-resume' }],
    ['auth with a string resume', '{"type":"auth","payload":"jwt","resume":"5"}', false, { type: 'invalid', why: 'bad-resume' }],
    ['auth with a null resume', '{"type":"auth","payload":"jwt","resume":null}', false, { type: 'invalid', why: 'bad-resume' }],
    ['auth ignores an id', '{"type":"auth","payload":"jwt","id":""}', false, { type: 'auth', token: 'jwt' }],
    ['chat with id', '{"type":"chat","text":"hi","id":"m-1"}', false, { type: 'chat', text: 'hi', id: 'm-1' }],
    ['chat with a 64-char id', JSON.stringify({ type: 'chat', text: 'hi', id: 'i'.repeat(64) }), false,
      { type: 'chat', text: 'hi', id: 'i'.repeat(64) }],
    ['chat with a 65-char id', JSON.stringify({ type: 'chat', text: 'hi', id: 'i'.repeat(65) }), false, { type: 'invalid', why: 'bad-id' }],
    ['unknown type with a bad id', '{"type":"dance","id":3}', false, { type: 'invalid', why: 'bad-id' }],
    ['ping', '{"type":"ping"}', false, { type: 'ping' }],
    ['ping with id', '{"type":"ping","id":"p"}', false, { type: 'ping', id: 'p' }],
    ['kick with id', '{"type":"kick","id":"k"}', false, { type: 'kick', id: 'k' }],
    ['chat', '{"type":"chat","text":"hi"}', false, { type: 'chat', text: 'hi' }],
    ['chat at the 2000-char limit', JSON.stringify({ type: 'chat', text: 'x'.repeat(2000) }), false,
      { type: 'chat', text: 'x'.repeat(2000) }],
    ['chat over the limit', JSON.stringify({ type: 'chat', text: 'x'.repeat(2001) }), false, { type: 'invalid', why: 'bad-field' }],
    ['empty chat', '{"type":"chat","text":""}', false, { type: 'invalid', why: 'bad-field' }],
    ['echo', '{"type":"echo","id":"1","payload":[1,2]}', false, { type: 'echo', id: '1', payload: [1, 2] }],
    ['echo without payload echoes null', '{"type":"echo","id":"1"}', false, { type: 'echo', id: '1', payload: null }],
    ['echo without id', '{"type":"echo","payload":1}', false, { type: 'invalid', why: 'bad-field' }],
    ['kick', '{"type":"kick"}', false, { type: 'kick' }],
    ['unknown type', '{"type":"dance"}', false, { type: 'invalid', why: 'unknown-type' }],
    ['array', '[1]', false, { type: 'invalid', why: 'not-object' }],
    ['not JSON', 'hello', false, { type: 'invalid', why: 'not-json' }],
    ['buffer text', Buffer.from('{"type":"kick"}'), false, { type: 'kick' }],
    ['binary', Buffer.from([1, 2]), true, { type: 'invalid', why: 'binary' }],
    ['nesting at the 64 limit', `{"type":"echo","id":"d","payload":${'['.repeat(63)}${']'.repeat(63)}}`, false,
      { type: 'echo', id: 'd', payload: JSON.parse(`${'['.repeat(63)}${']'.repeat(63)}`) }],
    ['nesting past the limit', `{"type":"echo","id":"d","payload":${'['.repeat(64)}${']'.repeat(64)}}`, false, { type: 'invalid', why: 'too-deep' }],
    ['brackets inside strings do not count', JSON.stringify({ type: 'chat', text: '['.repeat(100) }), false, { type: 'chat', text: '['.repeat(100) }],
    ['escaped quotes inside strings', JSON.stringify({ type: 'chat', text: '"[{\\"' }), false, { type: 'chat', text: '"[{\\"' }],
    ['chat ending in a lone high surrogate', '{"type":"chat","text":"a\\ud800"}', false, { type: 'invalid', why: 'ill-formed-string' }],
    ['chat with a lone low surrogate', '{"type":"chat","text":"\\udc00b"}', false, { type: 'invalid', why: 'ill-formed-string' }],
    ['id with a lone surrogate', '{"type":"ping","id":"\\ud83d"}', false, { type: 'invalid', why: 'ill-formed-string' }],
    ['a lone surrogate deep in an echo payload', '{"type":"echo","id":"1","payload":{"a":["\\ud800"]}}', false,
      { type: 'invalid', why: 'ill-formed-string' }],
    ['a surrogate pair (emoji) is fine', '{"type":"chat","text":"\\ud83d\\ude00"}', false, { type: 'chat', text: '😀' }],
  ];
  for (const [name, data, binary, expected] of cases) {
    test(name, () => assert.deepEqual(parseClientFrame(data, binary), expected));
  }
});
