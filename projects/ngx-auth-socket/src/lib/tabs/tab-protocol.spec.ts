import { AuthSocketError } from '../errors';
import { fromWireError, toWireError } from './tab-protocol';

describe('errors relayed between tabs', () => {
  const roundTrip = (error: AuthSocketError) => fromWireError(JSON.parse(JSON.stringify(toWireError(error))));

  it('arrive with the same code, message and facts (development messages)', () => {
    const error = new AuthSocketError('ticket-failed', 'ticket request failed', { status: 500, retryAfterMs: 2000 });
    const relayed = roundTrip(error);
    expect(relayed.code).toBe('ticket-failed');
    expect(relayed.message).toBe(error.message);
    expect(relayed.status).toBe(500);
    expect(relayed.retryAfterMs).toBe(2000);
  });

  it('keep a production message (no sentence) as it was, with or without a close code or status', () => {
    for (const error of [
      new AuthSocketError('send-cancelled', false),
      new AuthSocketError('socket-closed', null, { closeCode: 1006 }),
      new AuthSocketError('ticket-failed', false, { status: 503 }),
    ]) {
      expect(roundTrip(error).message).toBe(error.message);
    }
    expect(roundTrip(new AuthSocketError('send-cancelled', false)).message).toBe('[ngx-auth-socket send-cancelled]');
  });
});
