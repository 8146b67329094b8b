/** Which request URLs may carry the app's token: a pure function of the URL and the allow-list. */

/**
 * True when `requestUrl` (absolute or relative to `baseUrl`) goes to the app's own origin or to
 * one of `allowedOrigins` (already normalised to `scheme://host[:port]`).
 */
export function isAllowedOrigin(requestUrl: string, baseUrl: string, allowedOrigins: readonly string[]): boolean {
  let target: URL;
  try {
    target = new URL(requestUrl, baseUrl);
  } catch {
    return false;
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return false;
  return target.origin === safeOrigin(baseUrl) || allowedOrigins.includes(target.origin);
}

/** Whether `requestUrl` matches a capture rule's `url`. Strings match the full URL or its path. */
export function matchesUrl(
  rule: string | RegExp | ((url: string) => boolean),
  requestUrl: string,
  baseUrl: string,
): boolean {
  if (typeof rule === 'function') return rule(requestUrl);
  if (rule instanceof RegExp) return rule.test(requestUrl);
  try {
    const target = new URL(requestUrl, baseUrl);
    const wanted = new URL(rule, baseUrl);
    return target.origin === wanted.origin && target.pathname === wanted.pathname;
  } catch {
    return false;
  }
}

function safeOrigin(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** Fields a login response commonly carries its JWT in, in order of preference. */
const TOKEN_FIELDS = ['token', 'access_token', 'accessToken', 'access', 'jwt'] as const;

/** Default `TokenCaptureRule.read`: the first non-empty string among the usual field names. */
export function readTokenField(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const record = body as Record<string, unknown>;
  for (const field of TOKEN_FIELDS) {
    const value = record[field];
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return null;
}

/** Extracts the credential from an `Authorization: Bearer …` header value. */
export function bearerToken(header: string | null): string | null {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match ? match[1] : null;
}
