/**
 * Reading (never verifying) a JWT's expiry on the client: only to schedule a refresh before it
 * lapses. The server remains the judge of validity.
 */

/** The `exp` claim in epoch ms, or undefined for opaque tokens and tokens without `exp`. */
export function readJwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const json = decodeBase64Url(parts[1]);
    const claims: unknown = JSON.parse(json);
    const exp = (claims as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) && exp > 0 ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When to refresh a token expiring at `expiresAt`: `leadMs` before it, but never later than half its
 * remaining life (a 4 s token is refreshed after 2 s, not 26 s after it expired).
 */
export function refreshAt(expiresAt: number, nowMs: number, leadMs: number): number {
  const remaining = expiresAt - nowMs;
  return nowMs + Math.max(0, remaining - Math.min(leadMs, remaining / 2));
}

function decodeBase64Url(segment: string): string {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(segment.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}
