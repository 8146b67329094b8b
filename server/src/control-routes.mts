import type { RouteHandler } from './api-context.mjs';
import { parseControlCommand } from './control-command.mjs';
import { errorReply, readJsonBody } from './http-io.mjs';

/** `POST /__control {ticketMode?, tokenTtlS?, kickAll?, retryAfterS?}` → the resulting settings and kick count. */
export const applyControl: RouteHandler = async (req, ctx) => {
  const body = await readJsonBody(req, 4096);
  if (!body.ok) return body.reply;
  const command = parseControlCommand(body.value);
  if (command === null) return errorReply(400, 'bad_request');
  return { status: 200, body: ctx.control.apply(command) };
};

/** `GET /__stats` */
export const readStats: RouteHandler = async (_req, ctx) => ({
  status: 200,
  body: ctx.stats.snapshot(ctx.socketCount()),
});
