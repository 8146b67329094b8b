/** Socket URL building: pure functions of their inputs. */

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);

/** Resolves `url` (absolute ws(s)/http(s) URL or a path) against the page URL into a ws(s) URL. */
export function resolveSocketUrl(url: string, baseUrl: string): string {
  const resolved = new URL(url, baseUrl);
  if (resolved.protocol === 'http:') resolved.protocol = 'ws:';
  else if (resolved.protocol === 'https:') resolved.protocol = 'wss:';
  if (resolved.protocol !== 'ws:' && resolved.protocol !== 'wss:') {
    throw new TypeError(`Socket URL must be ws:, wss:, http: or https: (got ${resolved.protocol})`);
  }
  resolved.hash = '';
  return resolved.toString();
}

/** True for `ws://` or `http://` to a host other than localhost, 127.0.0.0/8 or ::1: cleartext on a network. */
export function isInsecureRemoteUrl(url: string): boolean {
  const u = new URL(url);
  return (u.protocol === 'ws:' || u.protocol === 'http:') && !isLoopbackHost(u.hostname);
}

/** True for localhost, *.localhost, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return LOOPBACK_HOSTS.has(host) || host.endsWith('.localhost') || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** Appends `param=value` to `url`, keeping its existing query. */
export function withQueryParam(url: string, param: string, value: string): string {
  const u = new URL(url);
  u.searchParams.append(param, value);
  return u.toString();
}
