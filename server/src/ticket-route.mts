import type { RouteHandler } from './api-context.mjs';
import { errorReply, type Reply } from './http-io.mjs';
import { resumeFromQuery } from './resume-point.mjs';

/** The 200 body of `GET /ws_ticket`. */
export interface TicketBody {
  readonly ticket: string;
  /** Unix seconds after which the ticket is refused. */
  readonly expires: number;
}

/**
 * `GET /ws_ticket[?resume=<seq>]` with `Authorization: Bearer <jwt>`. The control mode is consulted
 * first: with tickets off the endpoint does not exist, whoever asks. A resume point is bound to the
 * ticket and served to the socket that redeems it.
 */
export const issueTicket: RouteHandler = async (req, ctx, abandoned) => {
  ctx.stats.count('ticketRequests');
  const gate = await ctx.control.ticketGate(abandoned);
  switch (gate) {
    case 'off':
      return errorReply(404, 'not_found');
    case 'fail': {
      const retryAfterS = ctx.control.ticketRetryAfterS;
      if (retryAfterS === undefined) return errorReply(500, 'internal');
      return errorReply(503, 'unavailable', { 'Retry-After': String(retryAfterS) });
    }
    case 'shutdown':
    case 'abandoned': // nobody is listening any more; sendReply drops it
      return errorReply(503, 'shutting_down');
    case 'hang':
    case 'ok':
      break;
  }
  const bearer = readBearer(req.headers.authorization);
  if (bearer === null) return unauthorized('Bearer');
  const verdict = await ctx.tokens.verify(bearer);
  if (!verdict.ok) return unauthorized('Bearer error="invalid_token"');
  const resume = resumeFromQuery(new URL(`http://placeholder${req.url ?? '/'}`).searchParams.getAll('resume'));
  if (resume === 'bad') return errorReply(400, 'bad_request');
  const { sub, exp } = verdict.claims;
  let body: TicketBody;
  try {
    body = await ctx.tickets.issue(sub, exp, ctx.config.ticketTtlS, resume);
  } catch {
    // The shared ticket store (Redis) is unreachable: a retry hint, not a 500.
    return errorReply(503, 'unavailable', { 'Retry-After': '2' });
  }
  return { status: 200, body };
};

/** The token of an `Authorization: Bearer <token>` header, or `null` (RFC 6750 §2.1). */
export function readBearer(header: string | undefined): string | null {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

function unauthorized(challenge: string): Reply {
  // RFC 6750 §3: a bare challenge when no token came, error="invalid_token" when one was refused.
  return errorReply(401, 'unauthorized', { 'WWW-Authenticate': challenge });
}
