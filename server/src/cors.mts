/**
 * CORS for the API routes. Only listed origins get CORS headers; everyone else gets none, and the
 * browser blocks the read. No credentials mode: the API authenticates with bearer tokens, never
 * cookies, so `Access-Control-Allow-Credentials` is deliberately absent.
 */
export type HeaderMap = Record<string, string>;

const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const ALLOWED_HEADERS = 'Authorization, Content-Type';
const PREFLIGHT_MAX_AGE_S = '600';

/** Headers for an actual (non-preflight) API response. */
export function corsHeaders(origin: string | undefined, allowed: ReadonlySet<string>): HeaderMap {
  // Vary on every response, allowed or not, so a shared cache never serves one origin's answer to another.
  const vary: HeaderMap = { Vary: 'Origin' };
  if (origin === undefined || !allowed.has(origin)) return vary;
  // Cross-origin scripts can read only the headers listed here: the 401 challenge and the 503 retry hint.
  return { ...vary, 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'WWW-Authenticate, Retry-After' };
}

/** Headers for an `OPTIONS` preflight; empty of CORS grants when the origin is not listed. */
export function preflightHeaders(origin: string | undefined, allowed: ReadonlySet<string>): HeaderMap {
  const base = corsHeaders(origin, allowed);
  if (!('Access-Control-Allow-Origin' in base)) return base;
  return {
    ...base,
    'Access-Control-Allow-Methods': ALLOWED_METHODS,
    'Access-Control-Allow-Headers': ALLOWED_HEADERS,
    'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_S,
  };
}

/** The WebSocket upgrade has no CORS; the Origin check is ours to do. Non-browser clients send none. */
export function isOriginAllowed(origin: string | undefined, allowed: ReadonlySet<string>): boolean {
  return origin === undefined || allowed.has(origin);
}
