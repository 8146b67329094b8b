import { isInsecureRemoteUrl, isLoopbackHost, resolveSocketUrl, withQueryParam } from './socket-url';

describe('socket URL building', () => {
  const page = 'https://app.example.com/chat/room?x=1';

  it('resolves a path against the page and maps https to wss', () => {
    expect(resolveSocketUrl('/channel/', page)).toBe('wss://app.example.com/channel/');
    expect(resolveSocketUrl('/channel/', 'http://localhost:4200/')).toBe('ws://localhost:4200/channel/');
  });

  it('keeps absolute ws(s) URLs and drops fragments', () => {
    expect(resolveSocketUrl('wss://rt.example.com/ws?v=2#frag', page)).toBe('wss://rt.example.com/ws?v=2');
  });

  it('rejects other schemes', () => {
    expect(() => resolveSocketUrl('ftp://example.com/', page)).toThrowError(TypeError);
  });

  it('appends the ticket parameter and keeps the existing query', () => {
    expect(withQueryParam('wss://h/ch/?room=7', 'ticket', 'abc')).toBe('wss://h/ch/?room=7&ticket=abc');
    expect(withQueryParam('wss://h/ch/', 't', 'a+b/c=')).toBe('wss://h/ch/?t=a%2Bb%2Fc%3D');
  });

  const loopback: Array<[string, boolean]> = [
    ['localhost', true],
    ['LOCALHOST', true],
    ['app.localhost', true],
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['[::1]', true],
    ['::1', true],
    ['10.0.0.1', false],
    ['127.example.com', false],
    ['example.com', false],
  ];
  for (const [host, expected] of loopback) {
    it(`treats ${host} as ${expected ? '' : 'not '}loopback`, () => expect(isLoopbackHost(host)).toBe(expected));
  }

  it('flags ws:// to remote hosts only', () => {
    expect(isInsecureRemoteUrl('ws://example.com/ch')).toBeTrue();
    expect(isInsecureRemoteUrl('ws://127.0.0.1:4300/ch')).toBeFalse();
    expect(isInsecureRemoteUrl('ws://[::1]:4300/ch')).toBeFalse();
    expect(isInsecureRemoteUrl('wss://example.com/ch')).toBeFalse();
  });
});
