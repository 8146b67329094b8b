import { randomBytes } from 'node:crypto';
import { parseDenyList } from './channels/channel-access.mjs';
import { DEMO_USERS } from './demo-users.mjs';
import type { TicketStore } from './ticket-store.mjs';
import { DEFAULT_TOKEN_PIN } from './tokens.mjs';

/**
 * Where access-log lines go: `'stdout'`, `'off'`, `{ file }` (appended), or a function that receives
 * each JSON line (handy in tests).
 */
export type AccessLogTarget = 'stdout' | 'off' | { readonly file: string } | ((line: string) => void);

/** Everything the server can be told. Every field has a default; see {@link DEFAULT_CONFIG}. */
export interface ServerConfig {
  /**
   * TCP port; 0 lets the OS pick a free one (read it back from `RunningServer.port`).
   * @default 0 for `startServer()` (parallel-safe tests), 4300 for the CLI
   */
  port: number;
  /** Interface to bind. Loopback by default: this server is a development fixture. @default '127.0.0.1' */
  host: string;
  /** HS256 key for access tokens. @default a random 256-bit secret per process */
  jwtSecret: string | undefined;
  /** Access-token lifetime in seconds (at least this long; `exp` is rounded up). @default 900 */
  tokenTtlS: number;
  /** Refresh-token lifetime in seconds. @default 86400 */
  refreshTtlS: number;
  /** Ticket lifetime in seconds, never longer than the JWT it was bought with. @default 30 */
  ticketTtlS: number;
  /** Whether `GET /ws_ticket` exists; off answers 404 and clients must authenticate in band. @default true */
  tickets: boolean;
  /** How long an un-ticketed socket may take to send its `auth` frame. @default 5000 */
  authDeadlineMs: number;
  /**
   * Browser origins allowed for CORS and for the WebSocket upgrade, replacing the defaults
   * ({@link defaultOrigins}); `[]` allows only {@link extraOrigins}.
   * @default the server's own origin (127.0.0.1 and localhost spellings), http://localhost:4200,
   * http://127.0.0.1:4200
   */
  origins: readonly string[] | undefined;
  /**
   * Origins allowed in addition to {@link origins} (or its defaults): what `ORIGINS` sets, so that
   * allowing an app on another port (an SSR server on :4000) keeps the dev server on :4200 working.
   * @default []
   */
  extraOrigins: readonly string[];
  /** Serve a built SPA from this folder, with index.html for unknown non-API GETs. @default none */
  staticDir: string | undefined;
  /** @default 'stdout' */
  accessLog: AccessLogTarget;
  /** Largest accepted WebSocket message in bytes; bigger ones close the socket with 1009. @default 65536 */
  maxPayload: number;
  /** Enables `POST /__control` and `GET /__stats` for fault-injection tests. @default false */
  testControl: boolean;
  /** user → password. @default {@link DEMO_USERS} */
  users: Readonly<Record<string, string>>;
  /**
   * Ticket storage; the server closes it only if it created it.
   * @default a new `MemoryTicketStore`
   */
  ticketStore: TicketStore | undefined;
  /** On `close()`, how long sockets get to answer the 1001 close frame before being cut. @default 1000 */
  shutdownGraceMs: number;
  /**
   * Append-only JSON-lines file of accepted chats. With it, sequence numbers, processed message ids
   * and the replay history survive restarts and crashes. @default none (memory only)
   */
  journal: string | undefined;
  /**
   * `redis://[user:pass@]host:port[/db]`: share tickets, chat fan-out, seq numbers, the replay
   * history and processed ids with every other node on the same Redis. @default none (one node)
   */
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel, so several deployments can share one Redis. @default 'nas:' */
  redisPrefix: string;
  /**
   * `iss` written into access tokens and required when one is verified, so a token minted with the
   * same key for another purpose (another service sharing a secret) is not accepted here.
   * @default 'ngx-auth-socket-reference'
   */
  jwtIssuer: string;
  /** `aud` written into access tokens and required when one is verified. @default 'ngx-auth-socket' */
  jwtAudience: string;
  /**
   * Bytes one socket may have waiting to be sent (what `ws` reports as `bufferedAmount`, plus live
   * messages queued behind a replay). Beyond it the client is not keeping up: it is closed with
   * 4008 `slow_consumer retry_after=1` and comes back with a resume point. Request/response
   * traffic never gets there: a socket whose replies back up is simply not read from until they
   * drain (issue 11). @default 1_048_576 (1 MiB)
   */
  maxBufferedBytes: number;
  /**
   * Authenticated sockets one user may hold at once (tabs, devices, lab clients); one more is
   * closed at once with 1013 `too_many_sockets retry_after=10`. @default 256
   */
  maxSocketsPerUser: number;
  /**
   * Sockets opened without a ticket that have not authenticated yet. Beyond it, ticketless upgrades
   * are refused before the handshake with 503 + `Retry-After: 1`. @default 1000
   */
  maxUnauthenticatedSockets: number;
  /**
   * Per-socket token bucket, in frames: how many a client may send at once. Far above any
   * legitimate burst (the client library flushes at most its outbox, 1000 messages, on connect).
   * A client over it is not closed: the server stops reading its socket until the bucket refills,
   * so TCP slows the sender down and nothing is lost. @default 2000
   */
  frameBurst: number;
  /** Frames per second the bucket refills: the sustained rate one socket is served at. @default 1000 */
  frameRatePerS: number;
  /**
   * Time a client has to send a request's headers (an upgrade is only headers); slower ones are
   * cut, so trickling requests cannot hold connections for minutes. Whole requests get
   * `max(30 s, this)`. @default 10_000
   */
  headersTimeoutMs: number;
  /**
   * After the server closes a socket (auth failure or deadline, kick, slow consumer …), how long
   * the client has to answer the close frame before the TCP connection is cut. `ws` alone would
   * wait 30 s for a silent peer. @default 1000
   */
  closeGraceMs: number;
  /**
   * Channels nobody may join, whatever the other rules say: exact names (`room:secret`) or whole
   * namespaces (`admin:*`). Refused `forbidden`; changing it at run time (control endpoint) kicks
   * the sockets already in a channel it now denies. @default none
   */
  channelDeny: readonly string[];
  /**
   * How long a user stays a channel member after their last socket in it left or closed. A
   * reconnect, a make-before-break token rotation or a tab reload within it causes no
   * `left`/`joined` flicker. @default 5000
   */
  presenceGraceMs: number;
  /**
   * Redis mode: lifetime of a node's presence entries, refreshed every third of it. A node that
   * dies stops refreshing, and its users leave this long after (the grace of a dead node).
   * @default 15_000
   */
  presenceTtlMs: number;
  /** Channels one socket may have joined at once; one more is refused `too_many_channels`. @default 1000 */
  maxChannelsPerSocket: number;
}

export const DEFAULT_CONFIG: Readonly<ServerConfig> = Object.freeze({
  port: 0,
  host: '127.0.0.1',
  jwtSecret: undefined,
  tokenTtlS: 900,
  refreshTtlS: 86_400,
  ticketTtlS: 30,
  tickets: true,
  authDeadlineMs: 5000,
  origins: undefined,
  extraOrigins: [],
  staticDir: undefined,
  accessLog: 'stdout',
  maxPayload: 65_536,
  testControl: false,
  users: DEMO_USERS,
  ticketStore: undefined,
  shutdownGraceMs: 1000,
  journal: undefined,
  redisUrl: undefined,
  redisPrefix: 'nas:',
  jwtIssuer: DEFAULT_TOKEN_PIN.issuer,
  jwtAudience: DEFAULT_TOKEN_PIN.audience,
  maxBufferedBytes: 1_048_576,
  maxSocketsPerUser: 256,
  maxUnauthenticatedSockets: 1000,
  frameBurst: 2000,
  frameRatePerS: 1000,
  headersTimeoutMs: 10_000,
  closeGraceMs: 1000,
  channelDeny: [],
  presenceGraceMs: 5000,
  presenceTtlMs: 15_000,
  maxChannelsPerSocket: 1000,
});

/** The port the CLI uses when PORT is unset (the Angular dev server proxies to it). */
export const CLI_DEFAULT_PORT = 4300;

/** Config after defaults and validation: the secret is always known. */
export interface ResolvedConfig extends Readonly<ServerConfig> {
  readonly jwtSecret: string;
  readonly jwtSecretSource: 'config' | 'random';
}

/** Thrown for a contradictory or out-of-range option; `option` names the field or env var. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
  }
}

/** Merges `partial` over the defaults once and rejects values that cannot work. */
export function resolveConfig(partial: Partial<ServerConfig> = {}): ResolvedConfig {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const merged: ServerConfig = { ...DEFAULT_CONFIG, ...defined };
  requireNumber('port', merged.port, { min: 0, max: 65_535, integer: true });
  requireNumber('tokenTtlS', merged.tokenTtlS, { min: 1 });
  requireNumber('refreshTtlS', merged.refreshTtlS, { min: 1 });
  // Fractions are allowed so tests can use sub-second tickets.
  requireNumber('ticketTtlS', merged.ticketTtlS, { min: 0.001 });
  requireNumber('authDeadlineMs', merged.authDeadlineMs, { min: 1 });
  requireNumber('maxPayload', merged.maxPayload, { min: 64, integer: true });
  requireNumber('shutdownGraceMs', merged.shutdownGraceMs, { min: 0 });
  requireNumber('maxBufferedBytes', merged.maxBufferedBytes, { min: 65_536, integer: true });
  requireNumber('maxSocketsPerUser', merged.maxSocketsPerUser, { min: 1, integer: true });
  requireNumber('maxUnauthenticatedSockets', merged.maxUnauthenticatedSockets, { min: 1, integer: true });
  requireNumber('frameBurst', merged.frameBurst, { min: 1, integer: true });
  requireNumber('frameRatePerS', merged.frameRatePerS, { min: 0.001 });
  requireNumber('headersTimeoutMs', merged.headersTimeoutMs, { min: 100, integer: true });
  requireNumber('closeGraceMs', merged.closeGraceMs, { min: 0 });
  requireNumber('presenceGraceMs', merged.presenceGraceMs, { min: 0 });
  // Refreshed every third of it: below 30 ms the refresh would be a busy loop.
  requireNumber('presenceTtlMs', merged.presenceTtlMs, { min: 30 });
  requireNumber('maxChannelsPerSocket', merged.maxChannelsPerSocket, { min: 1, integer: true });
  try {
    parseDenyList(merged.channelDeny);
  } catch (err) {
    throw new ConfigError('channelDeny', (err as Error).message);
  }
  if (merged.jwtIssuer.trim() === '') throw new ConfigError('jwtIssuer', 'must not be empty');
  if (merged.jwtAudience.trim() === '') throw new ConfigError('jwtAudience', 'must not be empty');
  if (merged.host.trim() === '') throw new ConfigError('host', 'must not be empty');
  if (merged.jwtSecret === '') throw new ConfigError('jwtSecret', 'must not be empty');
  if (merged.journal !== undefined && merged.journal.trim() === '') throw new ConfigError('journal', 'must not be empty');
  if (merged.redisUrl !== undefined) requireRedisUrl(merged.redisUrl);
  if (merged.redisUrl !== undefined && merged.journal !== undefined) {
    throw new ConfigError('journal', 'cannot be combined with REDIS_URL: the shared room keeps seq, ids and history in Redis');
  }
  if (Object.keys(merged.users).length === 0) throw new ConfigError('users', 'needs at least one user');
  for (const origin of [...(merged.origins ?? []), ...merged.extraOrigins]) requireOrigin(origin);
  return {
    ...merged,
    jwtSecret: merged.jwtSecret ?? randomBytes(32).toString('base64url'),
    jwtSecretSource: merged.jwtSecret === undefined ? 'random' : 'config',
  };
}

/**
 * The origins allowed when none are configured: this server itself (a SPA it serves from STATIC_DIR)
 * and the Angular dev server on 4200, each under both loopback spellings browsers use.
 */
export function defaultOrigins(host: string, port: number): string[] {
  const own = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  const unspecified = host === '0.0.0.0' || host === '::';
  const named = unspecified ? [] : [`http://${host.includes(':') ? `[${host}]` : host}:${port}`];
  const devServer = ['http://localhost:4200', 'http://127.0.0.1:4200'];
  return [...new Set([...own, ...named, ...devServer])];
}

function requireOrigin(origin: string): void {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    throw new ConfigError('origins', `"${origin}" is not a URL`);
  }
  // Browsers send the serialized origin (no path, no trailing slash); anything else never matches.
  if (parsed.origin !== origin) {
    throw new ConfigError('origins', `"${origin}" is not an origin; did you mean "${parsed.origin}"?`);
  }
}

function requireNumber(
  option: string,
  value: number,
  rule: { min: number; max?: number; integer?: boolean },
): void {
  const ok =
    Number.isFinite(value) &&
    value >= rule.min &&
    (rule.max === undefined || value <= rule.max) &&
    (!rule.integer || Number.isInteger(value));
  if (!ok) {
    const range = rule.max === undefined ? `>= ${rule.min}` : `${rule.min}..${rule.max}`;
    throw new ConfigError(option, `expected ${rule.integer ? 'an integer' : 'a number'} ${range}, got ${value}`);
  }
}

function requireRedisUrl(raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('redisUrl', `expected redis://host:port, got "${raw}"`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new ConfigError('redisUrl', `expected a redis:// or rediss:// URL, got "${url.protocol}"`);
  if (url.hostname === '') throw new ConfigError('redisUrl', 'needs a host');
}
