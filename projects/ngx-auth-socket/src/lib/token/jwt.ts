/**
 * Reading (never verifying) a JWT's claims on the client: only to schedule a refresh before it
 * lapses and to tell whether a new token names another user. The server remains the judge.
 */

/** The `exp` claim in epoch ms, or undefined for opaque tokens and tokens without `exp`. */
export function readJwtExpiry(token: string): number | undefined {
  const exp = readClaim(token, 'exp');
  return typeof exp === 'number' && Number.isFinite(exp) && exp > 0 ? exp * 1000 : undefined;
}

/** The `sub` claim, or undefined for opaque tokens and tokens without a string `sub`. */
export function readJwtSubject(token: string): string | undefined {
  const sub = readClaim(token, 'sub');
  return typeof sub === 'string' ? sub : undefined;
}

/**
 * When to refresh a token expiring at `expiresAt`: `leadMs` before it, but never later than half its
 * remaining life (a 4 s token is refreshed after 2 s, not 26 s after it expired).
 */
export function refreshAt(expiresAt: number, nowMs: number, leadMs: number): number {
  const remaining = expiresAt - nowMs;
  return nowMs + Math.max(0, remaining - Math.min(leadMs, remaining / 2));
}

/** How long from `nowMs` until `token` should be refreshed; undefined when it has no future `exp`. */
export function refreshDelay(token: string, nowMs: number, leadMs: number): number | undefined {
  const expiresAt = readJwtExpiry(token);
  return expiresAt === undefined || expiresAt <= nowMs ? undefined : refreshAt(expiresAt, nowMs, leadMs) - nowMs;
}

function readClaim(token: string, claim: string): unknown {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims: unknown = JSON.parse(decodeBase64Url(parts[1]));
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>)[claim] : undefined;
  } catch {
    return undefined;
  }
}

function decodeBase64Url(segment: string): string {
  const base64 = segment
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(segment.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}
