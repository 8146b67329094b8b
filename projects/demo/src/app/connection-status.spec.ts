import { AuthSocketError, ConnectionState } from 'ngx-auth-socket';
import { describeState } from './connection-status';

describe('describeState (demo status line)', () => {
  const now = 1_000_000;
  const cases: Array<[ConnectionState, string]> = [
    [{ kind: 'idle' }, 'Idle'],
    [{ kind: 'fetching-ticket', attempt: 2 }, 'Fetching a ticket (attempt 2)'],
    [{ kind: 'connecting', attempt: 1, mode: 'first-message' }, 'Connecting with first-message auth (attempt 1)'],
    [{ kind: 'open', mode: 'ticket', since: now }, 'Connected'],
    [
      { kind: 'reconnecting', attempt: 3, delayMs: 1500, retryAt: now + 1500, error: new AuthSocketError('ticket-failed', 'x') },
      'Reconnecting: attempt 3 in 2 s (ticket-failed)',
    ],
    [{ kind: 'waiting-for-network', attempt: 4 }, 'Offline: attempt 4 when the network returns'],
    [{ kind: 'closed', reason: 'forbidden' }, 'Closed (forbidden)'],
  ];
  for (const [state, text] of cases) {
    it(`${state.kind} → "${text}"`, () => expect(describeState(state, now)).toBe(text));
  }
});
