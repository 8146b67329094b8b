import { redact, redactParam } from './redact';

describe('redaction', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.sig-nat_ure';

  it('removes JWTs wherever they appear', () => {
    expect(redact(`token ${jwt} expired`)).toBe('token [jwt] expired');
  });

  it('removes Bearer credentials', () => {
    expect(redact('Authorization: Bearer opaque-value-123')).toBe('Authorization: Bearer [redacted]');
  });

  it('removes ticket and token query values', () => {
    expect(redact('wss://h/ch/?room=1&ticket=abc123&x=2')).toBe('wss://h/ch/?room=1&ticket=[redacted]&x=2');
    expect(redact('https://h/?access_token=zzz')).toBe('https://h/?access_token=[redacted]');
  });

  it('removes a custom ticket parameter', () => {
    expect(redactParam('wss://h/ch/?t=abc&room=1', 't')).toBe('wss://h/ch/?t=[redacted]&room=1');
  });

  it('leaves harmless text alone', () => {
    expect(redact('the socket closed (1006)')).toBe('the socket closed (1006)');
  });
});
