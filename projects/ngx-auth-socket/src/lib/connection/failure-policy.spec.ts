import { Failure, FailureDecision, classifyFailure, retryHintFromHeader, retryHintFromReason } from './failure-policy';

describe('failure policy (classifyFailure)', () => {
  const table: Array<[Failure, 'auto' | 'ticket' | 'first-message', FailureDecision]> = [
    [{ source: 'ticket-http', status: 401 }, 'auto', 'unauthorized'],
    [{ source: 'ticket-http', status: 403 }, 'auto', 'forbidden'],
    [{ source: 'ticket-http', status: 404 }, 'auto', 'fallback'],
    [{ source: 'ticket-http', status: 405 }, 'auto', 'fallback'],
    [{ source: 'ticket-http', status: 501 }, 'auto', 'fallback'],
    [{ source: 'ticket-http', status: 404 }, 'ticket', 'retry'],
    [{ source: 'ticket-http', status: 501 }, 'ticket', 'retry'],
    [{ source: 'ticket-http', status: 500 }, 'auto', 'retry'],
    [{ source: 'ticket-http', status: 502 }, 'auto', 'retry'],
    [{ source: 'ticket-http', status: 503 }, 'ticket', 'retry'],
    [{ source: 'ticket-http', status: 0 }, 'auto', 'retry'],
    [{ source: 'ticket-http', status: 429 }, 'auto', 'retry'],
    [{ source: 'ticket-body' }, 'auto', 'retry'],
    [{ source: 'ticket-expired' }, 'ticket', 'retry'],
    [{ source: 'timeout', phase: 'ticket' }, 'auto', 'retry'],
    [{ source: 'timeout', phase: 'connect' }, 'auto', 'retry'],
    [{ source: 'timeout', phase: 'auth' }, 'first-message', 'retry'],
    [{ source: 'auth-rejected' }, 'first-message', 'unauthorized'],
    [{ source: 'close', code: 4001, clientInitiated: false }, 'auto', 'unauthorized'],
    [{ source: 'close', code: 4003, clientInitiated: false }, 'auto', 'forbidden'],
    [{ source: 'close', code: 1000, clientInitiated: false }, 'auto', 'retry'],
    [{ source: 'close', code: 1001, clientInitiated: false }, 'auto', 'retry'],
    [{ source: 'close', code: 1006, clientInitiated: false }, 'auto', 'retry'],
    [{ source: 'close', code: 1011, clientInitiated: false }, 'auto', 'retry'],
    [{ source: 'close', code: 1012, clientInitiated: false }, 'auto', 'retry'],
    [{ source: 'close', code: 1013, clientInitiated: false }, 'auto', 'retry'],
    [{ source: 'close', code: 4999, clientInitiated: false }, 'auto', 'retry'],
    [{ source: 'close', code: 1000, clientInitiated: true }, 'auto', 'none'],
    [{ source: 'close', code: 4001, clientInitiated: true }, 'auto', 'none'],
  ];
  for (const [failure, mode, decision] of table) {
    it(`${JSON.stringify(failure)} in ${mode} mode → ${decision}`, () => {
      expect(classifyFailure(failure, mode)).toBe(decision);
    });
  }
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
