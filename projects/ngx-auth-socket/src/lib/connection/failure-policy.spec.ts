import { AuthMode, DEFAULTS } from '../config';
import { AuthSocketError, AuthSocketErrorCode } from '../errors';
import {
  FailureDecision,
  classifyFailure,
  closeError,
  rejectionError,
  retryHintFromHeader,
  retryHintFromReason,
} from './failure-policy';

describe('failure policy: the decision comes from the typed error alone', () => {
  const error = (code: AuthSocketErrorCode, status?: number) => new AuthSocketError(code, 'x', { status });
  const table: Array<[AuthSocketError, AuthMode, FailureDecision]> = [
    [error('ticket-unauthorized', 401), 'auto', 'unauthorized'],
    [error('ticket-forbidden', 403), 'ticket', 'forbidden'],
    [error('ticket-failed', 404), 'auto', 'fallback'],
    [error('ticket-failed', 405), 'auto', 'fallback'],
    [error('ticket-failed', 501), 'auto', 'fallback'],
    [error('ticket-failed', 404), 'ticket', 'retry'],
    [error('ticket-failed', 501), 'ticket', 'retry'],
    [error('ticket-failed', 500), 'auto', 'retry'],
    [error('ticket-failed', 503), 'ticket', 'retry'],
    [error('ticket-failed', 0), 'auto', 'retry'],
    [error('ticket-failed', 429), 'auto', 'retry'],
    [error('ticket-failed'), 'auto', 'retry'],
    [error('ticket-invalid', 200), 'auto', 'retry'],
    [error('ticket-expired'), 'ticket', 'retry'],
    [error('token-failed'), 'auto', 'retry'],
    [error('connect-timeout'), 'auto', 'retry'],
    [error('auth-timeout'), 'first-message', 'retry'],
    [error('heartbeat-timeout'), 'auto', 'retry'],
    [error('auth-rejected'), 'first-message', 'unauthorized'],
    [error('forbidden'), 'first-message', 'forbidden'],
    [error('encode-failed'), 'first-message', 'stop'],
    [error('socket-closed'), 'auto', 'retry'],
  ];
  for (const [failure, mode, decision] of table) {
    it(`${failure.code}${failure.status === undefined ? '' : ` ${failure.status}`} in ${mode} mode → ${decision}`, () => {
      expect(classifyFailure(failure, mode)).toBe(decision);
    });
  }

  const closes: Array<[number, AuthSocketErrorCode, FailureDecision]> = [
    [4001, 'auth-rejected', 'unauthorized'],
    [4401, 'auth-rejected', 'unauthorized'],
    [4003, 'forbidden', 'forbidden'],
    [4403, 'forbidden', 'forbidden'],
    [1000, 'socket-closed', 'retry'],
    [1001, 'socket-closed', 'retry'],
    [1006, 'socket-closed', 'retry'],
    [1008, 'socket-closed', 'retry'],
    [1011, 'socket-closed', 'retry'],
    [1012, 'socket-closed', 'retry'],
    [1013, 'socket-closed', 'retry'],
    [4008, 'socket-closed', 'retry'],
    [4999, 'socket-closed', 'retry'],
  ];
  for (const [code, errorCode, decision] of closes) {
    it(`a server close ${code} is ${errorCode} → ${decision}`, () => {
      const e = closeError(code, 'why', DEFAULTS.closeCodes);
      expect(e.code).toBe(errorCode);
      expect(e.closeCode).toBe(code);
      expect(classifyFailure(e, 'auto')).toBe(decision);
    });
  }

  it("follows the app's closeCodes: each list replaces its default", () => {
    const codes = { unauthorized: [1008, 4100], forbidden: [4101] };
    const decide = (code: number) => {
      const e = closeError(code, 'why', codes);
      return [e.code, e.closeCode, classifyFailure(e, 'auto')];
    };
    expect(decide(1008)).toEqual(['auth-rejected', 1008, 'unauthorized']);
    expect(decide(4100)).toEqual(['auth-rejected', 4100, 'unauthorized']);
    expect(decide(4101)).toEqual(['forbidden', 4101, 'forbidden']);
    // The defaults are replaced, not added to.
    expect(decide(4001)).toEqual(['socket-closed', 4001, 'retry']);
    expect(decide(4003)).toEqual(['socket-closed', 4003, 'retry']);
  });

  it("carries the retry hint of a close reason (the reference server's 4008 slow_consumer and 1013 too_many_sockets)", () => {
    const codes = DEFAULTS.closeCodes;
    expect(closeError(1013, 'overloaded retry_after=5', codes).retryAfterMs).toBe(5000);
    expect(closeError(4008, 'slow_consumer retry_after=1', codes).retryAfterMs).toBe(1000);
    expect(closeError(1013, 'too_many_sockets retry_after=10', codes).retryAfterMs).toBe(10_000);
  });

  it('reads the refusal frame: forbidden is a verdict on the user, anything else on the token', () => {
    expect(rejectionError('forbidden').code).toBe('forbidden');
    // A frame, not a close: which code follows is the server's (4003, 4403, its own).
    expect(rejectionError('forbidden').closeCode).toBeUndefined();
    expect(rejectionError('invalid_token').code).toBe('auth-rejected');
    expect(rejectionError(undefined).code).toBe('auth-rejected');
    expect(rejectionError({ nested: true }).reason).toBeUndefined();
  });
});

describe('retry hints', () => {
  const reasons: Array<[string, number | undefined]> = [
    ['retry_after=5', 5000],
    ['overloaded; retry_after=12', 12_000],
    ['retry_after=', undefined],
    ['retry_after=abc', undefined],
    ['xretry_after=5', undefined],
    ['', undefined],
  ];
  for (const [reason, expected] of reasons) {
    it(`reads "${reason}" as ${expected}`, () => expect(retryHintFromReason(reason)).toBe(expected));
  }
  it('reads Retry-After headers in seconds or as a date', () => {
    expect(retryHintFromHeader('7', 0)).toBe(7000);
    expect(retryHintFromHeader(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryHintFromHeader(null, 0)).toBeUndefined();
    expect(retryHintFromHeader('later', 0)).toBeUndefined();
  });
});
