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
 * Nest's `WsAdapter`, with the checks that belong *before* the handshake (gateways only see sockets
 * that are already open): the Origin against the page's own host, and the single-use `?ticket=`.
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
      verifyClient: ({ origin, req }: { origin?: string; req: TicketedRequest }, done: Verdict) => {
        if (origin && new URL(origin).host !== req.headers.host) return done(false, 403);
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
