import { readJwtExpiry, refreshAt } from './jwt';

function jwt(claims: object): string {
  const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${b64({ alg: 'HS256' })}.${b64(claims)}.c2ln`;
}

describe('JWT expiry', () => {
  it('reads exp in seconds as epoch ms', () => {
    expect(readJwtExpiry(jwt({ sub: 'a', exp: 1_800_000_000 }))).toBe(1_800_000_000_000);
  });

  it('handles url-safe base64 and unicode claims', () => {
    expect(readJwtExpiry(jwt({ sub: 'ünïcødé?>>', exp: 2_000_000_000 }))).toBe(2_000_000_000_000);
  });

  const opaque: Array<[string, string]> = [
    ['an opaque token', 'abcdef'],
    ['a token without exp', jwt({ sub: 'a' })],
    ['a non-numeric exp', jwt({ exp: 'soon' })],
    ['garbage payload', 'a.%%%.c'],
    ['non-JSON payload', `a.${btoa('nope')}.c`],
  ];
  for (const [name, token] of opaque) {
    it(`returns undefined for ${name}`, () => expect(readJwtExpiry(token)).toBeUndefined());
  }

  it('schedules the refresh leadMs before expiry, or halfway for short tokens', () => {
    expect(refreshAt(100_000, 0, 30_000)).toBe(70_000);
    expect(refreshAt(4_000, 0, 30_000)).toBe(2_000);
    expect(refreshAt(1_000, 2_000, 30_000)).toBe(2_000);
  });
});
