import { bearerToken, isAllowedOrigin, matchesUrl, readTokenField } from './origin-policy';

describe('origin policy', () => {
  const page = 'https://app.example.com/home';
  const allowed = ['https://api.example.com'];

  const table: Array<[string, boolean]> = [
    ['/api/users', true],
    ['https://app.example.com/x', true],
    ['https://api.example.com/v1/me', true],
    ['https://api.example.com:8443/v1', false],
    ['http://api.example.com/v1', false],
    ['https://evil.example.com/steal', false],
    ['https://api.example.com.evil.net/', false],
    ['//evil.net/x', false],
    ['javascript:alert(1)', false],
    ['data:text/plain,hi', false],
  ];
  for (const [url, expected] of table) {
    it(`${expected ? 'allows' : 'refuses'} ${url}`, () => expect(isAllowedOrigin(url, page, allowed)).toBe(expected));
  }

  it('matches capture rules by path, regexp or predicate', () => {
    expect(matchesUrl('/auth', 'https://app.example.com/auth', page)).toBeTrue();
    expect(matchesUrl('/auth', 'https://app.example.com/auth/refresh', page)).toBeFalse();
    expect(matchesUrl('https://api.example.com/login', 'https://api.example.com/login', page)).toBeTrue();
    expect(matchesUrl(/\/auth(\/refresh)?$/, 'https://app.example.com/auth/refresh', page)).toBeTrue();
    expect(matchesUrl((u) => u.endsWith('/token'), '/oauth/token', page)).toBeTrue();
  });

  it('reads the usual token fields', () => {
    expect(readTokenField({ token: 'a' })).toBe('a');
    expect(readTokenField({ access: 'b', refresh: 'r' })).toBe('b');
    expect(readTokenField({ access_token: 'c' })).toBe('c');
    expect(readTokenField({ accessToken: 'd' })).toBe('d');
    expect(readTokenField({ token: '', jwt: 'e' })).toBe('e');
    expect(readTokenField({ other: 'x' })).toBeNull();
    expect(readTokenField('token')).toBeNull();
  });

  it('parses Bearer headers', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer xyz')).toBe('xyz');
    expect(bearerToken('Basic dXNlcg==')).toBeNull();
    expect(bearerToken(null)).toBeNull();
  });
});
