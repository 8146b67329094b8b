import { TicketParseError, isTicketUsable, parseTicketResponse } from './ticket';

describe('ticket parsing', () => {
  it('reads unix seconds', () => {
    expect(parseTicketResponse({ ticket: 'abc', expires: 1475406042 })).toEqual({
      value: 'abc',
      expiresAt: 1475406042000,
    });
  });

  it('reads epoch milliseconds', () => {
    expect(parseTicketResponse({ ticket: 'abc', expires: 1475406042123 }).expiresAt).toBe(1475406042123);
  });

  it('reads ISO-8601 strings', () => {
    expect(parseTicketResponse({ ticket: 'abc', expires: '2016-10-02T11:00:42Z' }).expiresAt).toBe(
      Date.UTC(2016, 9, 2, 11, 0, 42),
    );
  });

  it('accepts a ticket without expiry', () => {
    expect(parseTicketResponse({ ticket: 'abc' })).toEqual({ value: 'abc', expiresAt: undefined });
  });

  const bad: Array<[string, unknown]> = [
    ['null', null],
    ['a string (HTML page)', '<html>login</html>'],
    ['an array', [{ ticket: 'x' }]],
    ['no ticket', { expires: 1 }],
    ['empty ticket', { ticket: '', expires: 1 }],
    ['numeric ticket', { ticket: 42, expires: 1 }],
    ['negative expires', { ticket: 'x', expires: -5 }],
    ['NaN expires', { ticket: 'x', expires: Number.NaN }],
    ['garbage date', { ticket: 'x', expires: 'soon' }],
    ['object expires', { ticket: 'x', expires: {} }],
  ];
  for (const [name, body] of bad) {
    it(`rejects ${name} with a TicketParseError`, () => {
      expect(() => parseTicketResponse(body)).toThrowError(TicketParseError);
    });
  }

  it('never repeats the ticket value in its error message', () => {
    try {
      parseTicketResponse({ ticket: 'secret-ticket', expires: 'never' });
      fail('expected an error');
    } catch (e) {
      expect(String(e)).not.toContain('secret-ticket');
    }
  });

  it('treats a ticket as unusable within the safety margin of its expiry', () => {
    const ticket = { value: 'x', expiresAt: 10_000 };
    expect(isTicketUsable(ticket, 8_000)).toBeTrue();
    expect(isTicketUsable(ticket, 9_000)).toBeFalse();
    expect(isTicketUsable(ticket, 12_000)).toBeFalse();
    expect(isTicketUsable({ value: 'x', expiresAt: undefined }, 1e15)).toBeTrue();
  });
});
