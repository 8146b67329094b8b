import { SignJWT, errors, jwtVerify } from 'jose';

/** The claims every access token carries. Times are unix seconds, as in the JWT spec. */
export interface AccessClaims {
  readonly sub: string;
  readonly iat: number;
  readonly exp: number;
}

/** Why a token was refused. Expired is separate so sockets can say `token_expired`. */
export type TokenError =
  | { readonly kind: 'token-expired' }
  | { readonly kind: 'token-invalid'; readonly detail: string };

export type TokenVerdict =
  | { readonly ok: true; readonly claims: AccessClaims }
  | { readonly ok: false; readonly error: TokenError };

export interface TokenService {
  sign(sub: string, ttlS: number): Promise<{ token: string; claims: AccessClaims }>;
  verify(token: string): Promise<TokenVerdict>;
}

// Real tokens here are ~150 characters; refusing giant strings early keeps HMAC work bounded.
const MAX_TOKEN_LENGTH = 4096;

/**
 * Who issues the tokens and for whom. Both are written on sign and required on verify: a token
 * minted with the same key by something else (another service sharing the secret, a test tool)
 * is not an access token for this server.
 */
export interface TokenPin {
  readonly issuer: string;
  readonly audience: string;
}

export const DEFAULT_TOKEN_PIN: TokenPin = Object.freeze({ issuer: 'ngx-auth-socket-reference', audience: 'ngx-auth-socket' });

/**
 * Issue and check HS256 access tokens with jose. Only HS256 is accepted on verify, so a token whose
 * header claims `none` or an asymmetric algorithm is refused rather than trusted.
 */
export function createTokenService(secret: string, now: () => number = Date.now, pin: TokenPin = DEFAULT_TOKEN_PIN): TokenService {
  const key = new TextEncoder().encode(secret);
  return {
    async sign(sub, ttlS) {
      const claims: AccessClaims = { sub, ...accessTokenTimes(now(), ttlS) };
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(pin.issuer)
        .setAudience(pin.audience)
        .setSubject(sub)
        .setIssuedAt(claims.iat)
        .setExpirationTime(claims.exp)
        .sign(key);
      return { token, claims };
    },
    async verify(token) {
      if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
        return { ok: false, error: { kind: 'token-invalid', detail: 'length' } };
      }
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          issuer: pin.issuer,
          audience: pin.audience,
          requiredClaims: ['sub', 'iat', 'exp', 'iss', 'aud'],
          currentDate: new Date(now()),
        });
        const { sub, iat, exp } = payload;
        if (typeof sub !== 'string' || sub === '' || typeof iat !== 'number' || typeof exp !== 'number') {
          return { ok: false, error: { kind: 'token-invalid', detail: 'claims' } };
        }
        return { ok: true, claims: { sub, iat, exp } };
      } catch (err) {
        return { ok: false, error: classifyVerifyError(err) };
      }
    },
  };
}

/**
 * `iat` is now rounded down and `exp` is rounded up, so a token lives at least `ttlS` seconds.
 * Rounding `exp` down instead would let a 1-second token be born already expired.
 */
export function accessTokenTimes(nowMs: number, ttlS: number): { iat: number; exp: number } {
  return { iat: Math.floor(nowMs / 1000), exp: Math.ceil(nowMs / 1000 + ttlS) };
}

/** Maps jose's exceptions onto our two outcomes; the detail is jose's code, never the token. */
export function classifyVerifyError(err: unknown): TokenError {
  if (err instanceof errors.JWTExpired) return { kind: 'token-expired' };
  if (err instanceof errors.JOSEError) return { kind: 'token-invalid', detail: err.code };
  throw err;
}
