import { Failure, FailureDecision, classifyFailure } from './failure-policy';

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
