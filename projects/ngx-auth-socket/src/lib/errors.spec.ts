import { AuthSocketError, isAuthSocketError } from './errors';

describe('AuthSocketError', () => {
  it('carries a code, details and a redacted message', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';
    const error = new AuthSocketError('auth-rejected', `bad token ${jwt}`, {
      closeCode: 4001,
      reason: `expired ${jwt}`,
    });
    expect(error.code).toBe('auth-rejected');
    expect(error.closeCode).toBe(4001);
    expect(error.message).not.toContain(jwt);
    expect(error.reason).not.toContain(jwt);
    expect(error).toBeInstanceOf(Error);
  });

  it('is recognised by isAuthSocketError, optionally by code', () => {
    const error = new AuthSocketError('outbox-full', 'full');
    expect(isAuthSocketError(error)).toBeTrue();
    expect(isAuthSocketError(error, 'outbox-full')).toBeTrue();
    expect(isAuthSocketError(error, 'bad-frame')).toBeFalse();
    expect(isAuthSocketError(new Error('x'))).toBeFalse();
  });

  it('keeps the code and the closing code or status when production drops the sentence', () => {
    expect(new AuthSocketError('socket-closed', false, { closeCode: 1006 }).message).toBe(
      '[ngx-auth-socket socket-closed] 1006',
    );
    expect(new AuthSocketError('ticket-failed', null, { status: 503 }).message).toBe(
      '[ngx-auth-socket ticket-failed] 503',
    );
    expect(new AuthSocketError('outbox-full', false).message).toBe('[ngx-auth-socket outbox-full]');
  });
});
