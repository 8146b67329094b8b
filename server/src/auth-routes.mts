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

/** `POST /auth {user, password}` */
export const login: RouteHandler = async (req, ctx) => {
  ctx.stats.count('authRequests');
  const body = await readJsonBody(req, AUTH_BODY_LIMIT);
  if (!body.ok) return body.reply;
  const user = stringField(body.value, 'user');
  const password = stringField(body.value, 'password');
  if (user === null || password === null) return errorReply(400, 'bad_request');
  if (!checkCredentials(ctx.config.users, user, password)) return errorReply(401, 'invalid_credentials');
  return startSession(user, ctx, await ctx.refreshTokens.issue(user));
};

/** `POST /auth/refresh {refreshToken}`: the presented token is burnt whatever happens next. */
export const refresh: RouteHandler = async (req, ctx) => {
  ctx.stats.count('refreshRequests');
  const body = await readJsonBody(req, AUTH_BODY_LIMIT);
  if (!body.ok) return body.reply;
  const presented = stringField(body.value, 'refreshToken');
  if (presented === null) return errorReply(400, 'bad_request');
  const rotated = await ctx.refreshTokens.rotate(presented);
  if (rotated === null) return errorReply(401, 'invalid_refresh_token');
  return startSession(rotated.user, ctx, rotated.refreshToken);
};

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
