import type { IncomingMessage } from 'node:http';
import type { RouteHandler } from './api-context.mjs';
import { ChannelStoreUnavailable } from './channels/channel-backend.mjs';
import { parseControlCommand } from './control-command.mjs';
import { isOriginAllowed } from './cors.mjs';
import { errorReply, readJsonBody, type Reply } from './http-io.mjs';

/**
 * Why a control request is refused before it is looked at, or `null`. The control endpoints
 * change what the server does, and a developer's browser can reach a local test server from any
 * web page: a foreign `Origin` is refused outright, and a body must be `application/json`, which
 * no cross-site form or simple request can send without a CORS preflight (issue 11: a cross-site
 * `text/plain` POST went through).
 */
export function controlRequestRefusal(req: IncomingMessage, allowed: ReadonlySet<string>): Reply | null {
  if (!isOriginAllowed(req.headers.origin, allowed)) return errorReply(403, 'forbidden_origin');
  if (req.method === 'POST' && !/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
    return errorReply(415, 'unsupported_media_type');
  }
  return null;
}

/**
 * `POST /__control {ticketMode?, tokenTtlS?, kickAll?, retryAfterS?, kickFromChannel?, channelDeny?}`
 * → the resulting settings and kick counts; 503 when a channel kick cannot reach Redis.
 */
export const applyControl: RouteHandler = async (req, ctx) => {
  const refusal = controlRequestRefusal(req, ctx.allowedOrigins());
  if (refusal) return refusal;
  const body = await readJsonBody(req, 4096);
  if (!body.ok) return body.reply;
  const command = parseControlCommand(body.value);
  if (command === null) return errorReply(400, 'bad_request');
  try {
    return { status: 200, body: await ctx.control.apply(command) };
  } catch (err) {
    if (err instanceof ChannelStoreUnavailable) return errorReply(503, 'unavailable', { 'Retry-After': '2' });
    throw err;
  }
};

/** `GET /__stats` */
export const readStats: RouteHandler = async (req, ctx) =>
  controlRequestRefusal(req, ctx.allowedOrigins()) ?? { status: 200, body: ctx.stats.snapshot(ctx.socketCount()) };
