import { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage } from 'node:http';
import { Claims, REFUSED_USERS, TokensService } from './tokens.service';

/** The upgrade request, with the identity its ticket proved (none for first-message auth). */
export interface TicketedRequest extends IncomingMessage {
  identity?: Claims;
}

type Verdict = (accept: boolean, status?: number) => void;

/**
 * The pages that may open sockets: `ALLOWED_ORIGINS` (comma-separated, exact strings such as
 * `https://app.example.com`), else the page this server serves itself (`http://<Host>`). Compared
 * as strings, never parsed: `null` and look-alikes are simply not on the list.
 */
function allowedOrigins(req: IncomingMessage): string[] {
  const configured = process.env['ALLOWED_ORIGINS'];
  if (configured) return configured.split(',').map((o) => o.trim());
  return req.headers.host ? [`http://${req.headers.host}`] : [];
}

/**
 * Nest's `WsAdapter`, with the checks that belong *before* the handshake (gateways only see sockets
 * that are already open): the Origin against an allow-list, and the single-use `?ticket=`.
 * A bad ticket gets a plain HTTP 401 (403 for a refused user) and no socket at all.
 */
export class TicketWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly tokens: TokensService,
  ) {
    super(app);
  }

  override create(port: number, options: Record<string, unknown> = {}) {
    return super.create(port, {
      ...options,
      // Frames are small chat lines and auth frames; a socket that has not authenticated yet must
      // not make the server buffer megabytes.
      maxPayload: 64 * 1024,
      verifyClient: ({ origin, req }: { origin?: string; req: TicketedRequest }, done: Verdict) => {
        // Browsers always send Origin; a client without one (a script, a server) is no page acting
        // in a user's name, and still needs a ticket or a token.
        if (origin !== undefined && !allowedOrigins(req).includes(origin)) return done(false, 403);
        const ticket = new URL(req.url ?? '/', 'http://localhost').searchParams.get('ticket');
        // No ticket: the client authenticates with its first frame (ChatGateway's `authenticate`).
        if (ticket === null) return done(true);
        const claims = this.tokens.redeemTicket(ticket);
        if (claims === null) return done(false, 401);
        if (REFUSED_USERS.has(claims.sub)) return done(false, 403);
        req.identity = claims;
        done(true);
      },
    });
  }
}
