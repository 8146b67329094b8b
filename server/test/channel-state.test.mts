import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { step, type ChannelEvent, type ChannelState } from '../src/channel-state.mjs';
import { parseClientFrame, type ClientFrame } from '../src/client-frames.mjs';
import type { TokenVerdict } from '../src/tokens.mjs';

const NOW = 1_700_000_000_000;
const awaiting: ChannelState = { kind: 'awaiting-auth' };
const alice: ChannelState = { kind: 'authenticated', user: 'alice', exp: 2_000_000_000 };
const valid = (sub: string, exp = 2_000_000_100): TokenVerdict => ({ ok: true, claims: { sub, iat: 1, exp } });
const invalid: TokenVerdict = { ok: false, error: { kind: 'token-invalid', detail: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' } };
const expired: TokenVerdict = { ok: false, error: { kind: 'token-expired' } };
const auth = (verdict: TokenVerdict): ChannelEvent => ({ kind: 'auth', verdict });
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
    ['authenticated + chat → broadcast with sender and time', alice, frame({ type: 'chat', text: 'hi' }), alice, [
      { kind: 'broadcast', message: { type: 'chat', from: 'alice', text: 'hi', ts: NOW } }]],
    ['authenticated + echo → reply to sender only', alice, frame({ type: 'echo', id: '7', payload: { a: 1 } }), alice, [
      { kind: 'send', message: { type: 'echo_reply', id: '7', payload: { a: 1 } } }]],
    ['authenticated + kick → 1012 kicked', alice, frame({ type: 'kick' }), { kind: 'closed' }, [
      { kind: 'close', code: 1012, reason: 'kicked' }]],
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

describe('parseClientFrame', () => {
  const cases: [string, string | Buffer, boolean, ClientFrame][] = [
    ['auth', '{"type":"auth","payload":"jwt"}', false, { type: 'auth', token: 'jwt' }],
    ['auth without a string payload', '{"type":"auth","payload":1}', false, { type: 'invalid', why: 'bad-field' }],
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
  ];
  for (const [name, data, binary, expected] of cases) {
    test(name, () => assert.deepEqual(parseClientFrame(data, binary), expected));
  }
});
