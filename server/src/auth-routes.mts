import type { ApiContext, RouteHandler } from './api-context.mjs';
import { checkCredentials } from './demo-users.mjs';
import { errorReply, readJsonBody, type Reply } from './http-io.mjs';

/** Login and refresh bodies are a few dozen bytes; 16 KiB leaves room and stops abuse early. */
export const AUTH_BODY_LIMIT = 16 * 1024;
const MAX_FIELD_LENGTH = 1024;

/** The 200 body of both `POST /auth` and `POST /auth/refresh`. */
export interface SessionBody {
  readonly token: string;
  readonly refreshToken: string;
  /** Seconds the access token lives at least. */
  readonly expiresIn: number;
}

/**
 * `POST /auth {user, password}`. Failed attempts are throttled per user name and per client
 * address (login-throttle.mts): 429 + `Retry-After` while either is over its budget, judged before
 * the password, so a throttled guess reveals nothing.
 */
export const login: RouteHandler = async (req, ctx) => {
  ctx.stats.count('authRequests');
  const body = await readJsonBody(req, AUTH_BODY_LIMIT);
  if (!body.ok) return body.reply;
  const user = stringField(body.value, 'user');
  const password = stringField(body.value, 'password');
  if (user === null || password === null) return errorReply(400, 'bad_request');
  // The socket's own address: behind a proxy that is the proxy's, and the per-address budget is
  // shared by everyone behind it (see SECURITY.md).
  const address = req.socket.remoteAddress ?? 'unknown';
  const waitMs = ctx.loginThrottle.retryAfterMs(user, address);
  if (waitMs > 0) {
    ctx.stats.count('loginsThrottled');
    return errorReply(429, 'too_many_requests', { 'Retry-After': String(Math.ceil(waitMs / 1000)) });
  }
  if (!checkCredentials(ctx.config.users, user, password)) {
    ctx.loginThrottle.failed(user, address);
    return errorReply(401, 'invalid_credentials');
  }
  return withStore(async () => startSession(user, ctx, await ctx.refreshTokens.issue(user)));
};

/**
 * `POST /auth/refresh {refreshToken}`: the presented token is burnt whatever happens next; one
 * presented a second time revokes every token of its login (both answer 401).
 */
export const refresh: RouteHandler = async (req, ctx) => {
  ctx.stats.count('refreshRequests');
  const body = await readJsonBody(req, AUTH_BODY_LIMIT);
  if (!body.ok) return body.reply;
  const presented = stringField(body.value, 'refreshToken');
  if (presented === null) return errorReply(400, 'bad_request');
  return withStore(async () => {
    const rotated = await ctx.refreshTokens.rotate(presented);
    if (rotated.kind === 'reused') ctx.stats.count('refreshReuses');
    if (rotated.kind !== 'rotated') return errorReply(401, 'invalid_refresh_token');
    return startSession(rotated.user, ctx, rotated.refreshToken);
  });
};

/**
 * `POST /auth/logout {refreshToken}` → 204, whether the token was live, burnt or unknown (the
 * answer tells nothing about a token, and logging out twice is fine). The token and every token
 * of its login are revoked. Access tokens already issued stay valid until their `exp` (they are
 * stateless JWTs): the client closes its socket itself.
 */
export const logout: RouteHandler = async (req, ctx) => {
  const body = await readJsonBody(req, AUTH_BODY_LIMIT);
  if (!body.ok) return body.reply;
  const presented = stringField(body.value, 'refreshToken');
  if (presented === null) return errorReply(400, 'bad_request');
  return withStore(async () => {
    await ctx.refreshTokens.revoke(presented);
    ctx.stats.count('logouts');
    return { status: 204, body: undefined };
  });
};

/**
 * A refresh-token store that cannot answer (Redis unreachable, or full of other users' sessions)
 * is a reason to come back later, not a 500.
 */
async function withStore(run: () => Promise<Reply>): Promise<Reply> {
  try {
    return await run();
  } catch {
    return errorReply(503, 'unavailable', { 'Retry-After': String(STORE_RETRY_AFTER_S) });
  }
}

const STORE_RETRY_AFTER_S = 2;

async function startSession(user: string, ctx: ApiContext, refreshToken: string): Promise<Reply> {
  // Read at call time: fault tests shorten the TTL through the control API mid-run.
  const ttlS = ctx.control.tokenTtlS;
  const { token } = await ctx.tokens.sign(user, ttlS);
  const body: SessionBody = { token, refreshToken, expiresIn: ttlS };
  return { status: 200, body };
}

/** A non-empty string field of a JSON object, or `null`. */
function stringField(value: unknown, name: string): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const field = (value as Record<string, unknown>)[name];
  return typeof field === 'string' && field.length > 0 && field.length <= MAX_FIELD_LENGTH ? field : null;
}
