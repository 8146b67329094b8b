import type { IncomingMessage } from 'node:http';
import type { ResolvedConfig } from './config.mjs';
import type { LoginThrottle } from './login-throttle.mjs';
import type { RuntimeControl } from './control.mjs';
import type { Reply } from './http-io.mjs';
import type { RefreshTokens } from './refresh-tokens.mjs';
import type { StatsRecorder } from './stats.mjs';
import type { TicketService } from './ticket-service.mjs';
import type { TokenService } from './tokens.mjs';

/** What the HTTP routes may touch; built once in `create-server.mts`. */
export interface ApiContext {
  readonly config: ResolvedConfig;
  readonly tokens: TokenService;
  readonly refreshTokens: RefreshTokens;
  readonly tickets: TicketService;
  readonly control: RuntimeControl;
  readonly stats: StatsRecorder;
  readonly loginThrottle: LoginThrottle;
  /** The browser origins allowed (known once the port is). */
  readonly allowedOrigins: () => ReadonlySet<string>;
  /** Open authenticated sockets, for `/__stats`. */
  readonly socketCount: () => number;
}

/**
 * A route: request in, {@link Reply} out. `abandoned` aborts when the client goes away before the
 * answer, for routes that may wait (the hung ticket mode).
 */
export type RouteHandler = (req: IncomingMessage, ctx: ApiContext, abandoned: AbortSignal) => Promise<Reply>;
