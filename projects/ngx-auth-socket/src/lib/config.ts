import { InjectionToken } from '@angular/core';
import { Observable } from 'rxjs';
import { AuthSocketError } from './errors';
import { isInsecureRemoteUrl, resolveSocketUrl } from './connection/socket-url';

/** How the socket authenticates. See {@link AuthSocketConfig.auth}. */
export type AuthMode = 'auto' | 'ticket' | 'first-message';

/** What to do when the token changes while the socket is open. */
export type TokenChangePolicy = 'reauth' | 'reconnect';

/** A decoded server message: an object with a string `type`. */
export interface SocketMessage {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** Reconnect backoff: full-jitter exponential, `random() * min(maxDelayMs, initialDelayMs * factor^(attempt-1))`. */
export interface ReconnectConfig {
  /** Base delay of the first retry. @default 1000 */
  readonly initialDelayMs?: number;
  /** Growth per attempt. @default 2 */
  readonly factor?: number;
  /** Cap of the delay ceiling. @default 30000 */
  readonly maxDelayMs?: number;
  /** Attempts before giving up (state `closed`, error `retries-exhausted`). @default Infinity */
  readonly maxAttempts?: number;
  /** After the socket has been open this long, the attempt counter starts again at 1. @default 5000 */
  readonly resetAfterMs?: number;
}

/** What the auth frame builder knows besides the token. */
export interface AuthMessageContext {
  /** The last `seq` seen, when `resume` is on and something was seen. */
  readonly resume?: number;
}

/**
 * The auth frame and the server's answers to it: first-message authentication (when the server has
 * no ticket endpoint) and in-band re-authentication (`onTokenChange: 'reauth'`) in every mode.
 * Match your server's frame names here, e.g. `isAck: (m) => m.type === 'authenticated'`.
 */
export interface FirstMessageConfig {
  /**
   * Builds the first frame (and in-band re-auth frames) from the JWT. One that throws, like a
   * frame the serializer cannot encode, ends the attempt as `encode-failed` (`closed`,
   * `bad-auth-message`, until a new token or `connect()`).
   * @default `(jwt, { resume }) => ({ type: 'auth', payload: jwt, resume })` (`resume` only when set)
   */
  readonly buildAuthMessage?: (token: string, context: AuthMessageContext) => unknown;
  /**
   * Recognises the server's acknowledgement. It sees every frame; one it throws on does not match.
   * @default `(m) => m.type === 'auth_ok'`
   */
  readonly isAck?: (message: SocketMessage) => boolean;
  /** Recognises the server's refusal (one it throws on does not match). @default `(m) => m.type === 'auth_error'` */
  readonly isRejection?: (message: SocketMessage) => boolean;
  /** Wait for an acknowledgement before the socket counts as open. @default true */
  readonly waitForAck?: boolean;
  /** How long to wait for the acknowledgement. @default 10000 */
  readonly ackTimeoutMs?: number;
}

/** Delivery guarantees for `send()`. */
export interface DeliveryConfig {
  /**
   * Give every sent message an `id` (unless it has a string one), keep it until the server answers
   * `{"type":"ack","id"}`, and write unacknowledged messages again, in order, after a reconnect.
   * The server drops duplicates by id: exactly-once effects over at-least-once delivery.
   * Messages must then be objects. @default false
   */
  readonly acks?: boolean;
  /** How long a message may wait to be written (with acks: acknowledged) before it fails with `send-expired`. @default 60000 */
  readonly messageTtlMs?: number;
}

/** Options of `withHeartbeat()`. */
export interface HeartbeatConfig {
  /** Send `{"type":"ping"}` this often while open. @default 25000 */
  readonly intervalMs?: number;
  /** Declare the connection dead when nothing arrives this long after a ping. @default 10000 */
  readonly timeoutMs?: number;
  /**
   * Builds the ping, for a server with a name of its own (`() => ({ type: 'heartbeat' })`).
   * @default `() => ({ type: 'ping' })`
   */
  readonly ping?: () => unknown;
  /**
   * Recognises the server's answer to that ping; it is consumed, never delivered. It sees every
   * frame, before the auth acknowledgement is looked for: keep it narrow. (Frames need a string
   * `type`, or a `serializer` that gives them one.) Any frame at all counts as a sign of life, so a
   * server that does not answer pings but talks keeps the socket too.
   * @default a `pong` without `id` or `channel` (one with them answers one of the app's pings)
   */
  readonly isPong?: (message: SocketMessage) => boolean;
}

/** Turns messages into frames and frames into messages. @default JSON */
export interface SocketSerializer {
  serialize(message: unknown): string | ArrayBufferLike | Blob | ArrayBufferView;
  /** Receives the raw frame (`string` for text, `ArrayBuffer` for binary); throw to reject it. */
  deserialize(data: string | ArrayBuffer): unknown;
}

/** Where the interceptor captures the app's token from a login (or refresh) response. */
export interface TokenCaptureRule {
  /** URL to watch: exact URL or path, a RegExp, or a predicate. */
  readonly url: string | RegExp | ((url: string) => boolean);
  /**
   * Reads the JWT from the response body.
   * @default the first string among `token`, `access_token`, `accessToken`, `access`, `jwt`
   */
  readonly read?: (body: unknown) => string | null | undefined;
}

/** A value or a promise/observable of it; used for async hooks. */
export type MaybeAsync<T> = T | Promise<T> | Observable<T>;

/** A ticket endpoint's answer in the shape the client reads: `expires` is unix seconds, epoch ms or an ISO date. */
export interface TicketBody {
  readonly ticket: string;
  readonly expires?: number | string | null;
}

/**
 * Close codes with an auth meaning, for servers whose codes are not ours. Every other code the
 * server closes with is in the retry class (backoff, fresh ticket). Each list replaces its default.
 */
export interface CloseCodesConfig {
  /**
   * The server ended the socket for its token (expired, revoked, never valid): handled like a 401 —
   * a newer stored token is used at once, else `refreshToken` once (`withTokenRotation()`), else
   * state `unauthorized`. @default [4001, 4401]
   */
  readonly unauthorized?: readonly number[];
  /**
   * The server refused this user: state `closed` (`forbidden`) until `connect()` or another user's
   * token. @default [4003, 4403]
   */
  readonly forbidden?: readonly number[];
}

/** Everything `provideAuthSocket()` accepts. Only `url` is required. */
export interface AuthSocketConfig {
  /** Socket URL: `wss://host/channel/`, or a path (`/channel/`) resolved against the page. */
  readonly url: string;
  /** Ticket endpoint. @default `/ws_ticket` on the socket URL's host (http(s) scheme) */
  readonly ticketUrl?: string;
  /** Query parameter that carries the ticket. @default 'ticket' */
  readonly ticketParam?: string;
  /** How the ticket is asked for: a POST carries no body (a `resume` stays in the query). @default 'GET' */
  readonly ticketMethod?: 'GET' | 'POST';
  /**
   * For a ticket endpoint whose JSON body is not `{ticket, expires}`: maps the body to that shape,
   * e.g. `(b: { token: string; expires_in: number }) => ({ ticket: b.token, expires: Date.now() + b.expires_in * 1000 })`.
   * The body must be JSON. What it returns is checked like a body of ours (`ticket-invalid`
   * otherwise, also when it throws).
   * @default the body itself
   */
  // A method, so an app may type `body` as its endpoint's shape (method parameters are bivariant).
  readTicket?(body: unknown): TicketBody;
  /**
   * `'auto'` uses tickets and falls back to first-message auth for good when the ticket endpoint
   * answers 404, 405 or 501; `'ticket'` and `'first-message'` force one.
   * @default 'auto'
   */
  readonly auth?: AuthMode;
  /** First-message auth options. */
  readonly firstMessage?: FirstMessageConfig;
  /**
   * With `withTokenRotation()` (without it this option is refused): what a new token (a refresh,
   * the store changing) does to an open socket. Either way the socket stays `open` and nothing is lost:
   * - `'reauth'`: send the auth frame built by `firstMessage.buildAuthMessage` on the open socket and
   *   wait for `firstMessage.isAck` (the server must support in-band re-auth; if it does not answer
   *   within `ackTimeoutMs`, the client switches to `'reconnect'` for the rest of the service's life);
   * - `'reconnect'`: make-before-break: a second socket authenticates with the new token (fresh
   *   ticket, or first-message auth) and replaces the open one once ready; works with any server.
   * @default 'reauth' in first-message mode, 'reconnect' in ticket mode
   */
  readonly onTokenChange?: TokenChangePolicy;
  /** Backoff and attempt budget. */
  readonly reconnect?: ReconnectConfig;
  /** Ticket request deadline. @default 10000 */
  readonly ticketTimeoutMs?: number;
  /** Socket open deadline. @default 10000 */
  readonly connectTimeoutMs?: number;
  /** Which close codes mean "unauthorized" and "forbidden" (1008 or 3000–4999). */
  readonly closeCodes?: CloseCodesConfig;
  /** Grace period before closing after the last subscriber leaves. @default 1000 */
  readonly idleCloseDelayMs?: number;
  /** Stay connected (while a token exists) even with no subscriber. @default false */
  readonly keepAlive?: boolean;
  /** Messages `send()` may queue while not open. @default 1000 */
  readonly outboxLimit?: number;
  /** Acknowledged sends and message time-to-live. */
  readonly delivery?: DeliveryConfig;
  /**
   * With `withTokenRotation()`, a `refreshToken` hook and a JWT carrying `exp`: refresh this long
   * before expiry (at most halfway through the remaining life) and rotate by `onTokenChange`, so the
   * socket never drops for an expired token. `false` turns it off. A number without
   * `withTokenRotation()` is refused. @default 30000
   */
  readonly refreshBeforeExpiryMs?: number | false;
  /** Frame codec. @default JSON text frames */
  readonly serializer?: SocketSerializer;
  /** WebSocket sub-protocols. */
  readonly protocols?: string | readonly string[];
  /** Permit `ws://` sockets and `http://` ticket endpoints and allowed origins on non-loopback hosts. @default false */
  readonly allowInsecure?: boolean;
  /** Extra origins the interceptor may send the token to (the app's and the ticket endpoint's are implied). */
  readonly allowedOrigins?: readonly string[];
  /** Responses the interceptor captures the token from. @default [] */
  readonly captureToken?: readonly TokenCaptureRule[];
  /**
   * For apps that keep the token elsewhere (another auth library, storage): read before every
   * connection attempt, on `connect()` and by the interceptor. Runs in an injection context. Call
   * `connect()` after a login so the socket reads it at once.
   */
  readonly tokenGetter?: () => MaybeAsync<string | null | undefined>;
  /**
   * Needs `withTokenRotation()` (without it this option is refused). Called once after the server
   * rejects the token (401, an unauthorized close such as 4001, `auth_error`), and ahead of the JWT's `exp`
   * (`refreshBeforeExpiryMs`); return a new JWT, or null to give up (state `unauthorized` until the
   * token store changes). Runs in an injection context, so it may `inject(HttpClient)`.
   */
  readonly refreshToken?: () => MaybeAsync<string | null | undefined>;
}

/** The config with every default applied; what the internals read. */
export interface ResolvedAuthSocketConfig {
  readonly url: string;
  readonly ticketUrl: string;
  /** The ticket endpoint's origin, to which the interceptor may send the token. */
  readonly ticketOrigin: string;
  readonly ticketParam: string;
  readonly ticketMethod: 'GET' | 'POST';
  readonly readTicket?: (body: unknown) => TicketBody;
  readonly auth: AuthMode;
  readonly firstMessage: Required<FirstMessageConfig>;
  readonly onTokenChange?: TokenChangePolicy;
  readonly reconnect: Required<ReconnectConfig>;
  readonly ticketTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly closeCodes: Required<CloseCodesConfig>;
  readonly idleCloseDelayMs: number;
  readonly keepAlive: boolean;
  readonly outboxLimit: number;
  readonly serializer: SocketSerializer;
  readonly delivery: Required<DeliveryConfig>;
  /** Undefined: not given (`withTokenRotation()` then uses 30000). */
  readonly refreshBeforeExpiryMs?: number | false;
  readonly protocols?: string | readonly string[];
  readonly allowInsecure: boolean;
  readonly allowedOrigins: readonly string[];
  readonly captureToken: readonly TokenCaptureRule[];
  readonly tokenGetter?: () => MaybeAsync<string | null | undefined>;
  readonly refreshToken?: () => MaybeAsync<string | null | undefined>;
}

/** JSON text frames. */
export const jsonSerializer: SocketSerializer = {
  serialize: (message) => JSON.stringify(message),
  deserialize: (data) => {
    if (typeof data !== 'string') throw new TypeError('binary frame');
    return JSON.parse(data);
  },
};

/**
 * Every default of {@link AuthSocketConfig}, in one place (the README's options table quotes them).
 */
export const DEFAULTS = {
  ticketParam: 'ticket',
  ticketMethod: 'GET' as 'GET' | 'POST',
  auth: 'auto' as AuthMode,
  reconnect: {
    initialDelayMs: 1000,
    factor: 2,
    maxDelayMs: 30_000,
    maxAttempts: Infinity,
    resetAfterMs: 5000,
  } as Required<ReconnectConfig>,
  firstMessage: {
    buildAuthMessage: (token, { resume }) =>
      resume === undefined ? { type: 'auth', payload: token } : { type: 'auth', payload: token, resume },
    isAck: (m) => m.type === 'auth_ok',
    isRejection: (m) => m.type === 'auth_error',
    waitForAck: true,
    ackTimeoutMs: 10_000,
  } as Required<FirstMessageConfig>,
  ticketTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  // Ours, and the ones graphql-ws and servers modelled on HTTP statuses use.
  closeCodes: { unauthorized: [4001, 4401], forbidden: [4003, 4403] } as Required<CloseCodesConfig>,
  idleCloseDelayMs: 1000,
  keepAlive: false,
  outboxLimit: 1000,
  delivery: { acks: false, messageTtlMs: 60_000 } as Required<DeliveryConfig>,
  allowInsecure: false,
} as const;

/**
 * Merges defaults into `config` and rejects contradictions. Configuration errors explain
 * themselves in development; production builds (`ngDevMode` false) keep only the name of the option
 * at fault, and the sentences are not bundled. Pure apart from reading `baseUrl`
 * (the page URL, used to resolve relative socket and ticket URLs).
 *
 * @throws AuthSocketError `invalid-config` or `insecure-url`
 */
export function resolveConfig(config: AuthSocketConfig, baseUrl: string): ResolvedAuthSocketConfig {
  if (!config || typeof config.url !== 'string' || config.url.trim() === '') {
    throw new AuthSocketError(
      'invalid-config',
      typeof ngDevMode === 'undefined' || ngDevMode ? 'provideAuthSocket() needs a `url`.' : 'url',
    );
  }
  const url = resolveSocketUrl(config.url, baseUrl);
  const allowInsecure = config.allowInsecure ?? DEFAULTS.allowInsecure;
  if (!allowInsecure && isInsecureRemoteUrl(url)) {
    throw new AuthSocketError(
      'insecure-url',
      typeof ngDevMode === 'undefined' || ngDevMode
        ? `Refusing ws:// to non-loopback host in ${config.url}; use wss:// or set allowInsecure: true.`
        : config.url,
    );
  }
  const auth = config.auth ?? DEFAULTS.auth;
  if (!['auto', 'ticket', 'first-message'].includes(auth)) {
    throw new AuthSocketError(
      'invalid-config',
      typeof ngDevMode === 'undefined' || ngDevMode ? `Unknown auth mode "${auth}".` : 'auth',
    );
  }
  const reconnect = { ...DEFAULTS.reconnect, ...defined(config.reconnect) };
  // In ticket mode these still describe in-band re-auth, so they are accepted in every mode.
  const firstMessage = { ...DEFAULTS.firstMessage, ...defined(config.firstMessage) };
  const ticketParam = config.ticketParam ?? DEFAULTS.ticketParam;
  if (!/^[A-Za-z0-9_.~-]+$/.test(ticketParam)) {
    throw new AuthSocketError(
      'invalid-config',
      typeof ngDevMode === 'undefined' || ngDevMode
        ? `ticketParam "${ticketParam}" is not a plain query name.`
        : 'ticketParam',
    );
  }
  const ticketUrl = new URL(config.ticketUrl ?? defaultTicketPath(url), baseUrl);
  const allowedOrigins = (config.allowedOrigins ?? []).map((o) => normalizeOrigin(o));
  // The JWT goes to these in an Authorization header: cleartext is refused like ws:// is.
  for (const target of [ticketUrl.origin, ...allowedOrigins]) {
    if (!allowInsecure && isInsecureRemoteUrl(target)) {
      throw new AuthSocketError(
        'insecure-url',
        typeof ngDevMode === 'undefined' || ngDevMode
          ? `Refusing to send the token over http:// to ${target}; use https:// or set allowInsecure: true.`
          : target,
      );
    }
  }
  // Read one by one (not spread): options may come from a class instance, getters or a prototype.
  const resolved: ResolvedAuthSocketConfig = {
    url,
    ticketUrl: ticketUrl.toString(),
    ticketOrigin: ticketUrl.origin,
    ticketParam,
    ticketMethod: config.ticketMethod ?? DEFAULTS.ticketMethod,
    // Called through the config: a class-based config's method keeps its `this`.
    readTicket: config.readTicket ? (body) => config.readTicket!(body) : undefined,
    auth,
    firstMessage,
    onTokenChange: config.onTokenChange ?? undefined,
    reconnect,
    ticketTimeoutMs: config.ticketTimeoutMs ?? DEFAULTS.ticketTimeoutMs,
    connectTimeoutMs: config.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    closeCodes: {
      unauthorized: config.closeCodes?.unauthorized ?? DEFAULTS.closeCodes.unauthorized,
      forbidden: config.closeCodes?.forbidden ?? DEFAULTS.closeCodes.forbidden,
    },
    idleCloseDelayMs: config.idleCloseDelayMs ?? DEFAULTS.idleCloseDelayMs,
    keepAlive: config.keepAlive ?? DEFAULTS.keepAlive,
    outboxLimit: config.outboxLimit ?? DEFAULTS.outboxLimit,
    serializer: config.serializer ?? jsonSerializer,
    delivery: { ...DEFAULTS.delivery, ...defined(config.delivery) },
    refreshBeforeExpiryMs: config.refreshBeforeExpiryMs ?? undefined,
    protocols: config.protocols ?? undefined,
    allowInsecure,
    allowedOrigins,
    captureToken: config.captureToken ?? [],
    tokenGetter: config.tokenGetter ?? undefined,
    refreshToken: config.refreshToken ?? undefined,
  };
  checkCloseCodes(resolved.closeCodes);
  // Checked in every build: a wrong one would fail every ticket request, looking like a server fault.
  if (resolved.ticketMethod !== 'GET' && resolved.ticketMethod !== 'POST') {
    throw new AuthSocketError(
      'invalid-config',
      typeof ngDevMode === 'undefined' || ngDevMode
        ? `ticketMethod must be 'GET' or 'POST' (got ${JSON.stringify(resolved.ticketMethod)}).`
        : 'ticketMethod',
    );
  }
  if (config.readTicket != null && typeof config.readTicket !== 'function') {
    throw new AuthSocketError(
      'invalid-config',
      typeof ngDevMode === 'undefined' || ngDevMode ? 'readTicket must be a function.' : 'readTicket',
    );
  }
  const given = resolved.refreshBeforeExpiryMs;
  // Not given or false: no lead to check. Anything else must be a number ≥ 0 (NaN fails both checks).
  const lead = given === undefined || given === false ? 0 : typeof given === 'number' ? given : NaN;
  if (typeof ngDevMode === 'undefined' || ngDevMode) {
    checkNumber('reconnect.initialDelayMs', reconnect.initialDelayMs, 0);
    checkNumber('reconnect.factor', reconnect.factor, 1);
    checkNumber('reconnect.maxDelayMs', reconnect.maxDelayMs, reconnect.initialDelayMs);
    checkNumber('reconnect.maxAttempts', reconnect.maxAttempts, 1);
    checkNumber('reconnect.resetAfterMs', reconnect.resetAfterMs, 0);
    checkNumber('firstMessage.ackTimeoutMs', firstMessage.ackTimeoutMs, 1);
    checkNumber('ticketTimeoutMs', resolved.ticketTimeoutMs, 1);
    checkNumber('connectTimeoutMs', resolved.connectTimeoutMs, 1);
    checkNumber('idleCloseDelayMs', resolved.idleCloseDelayMs, 0);
    checkNumber('outboxLimit', resolved.outboxLimit, 0);
    checkNumber('delivery.messageTtlMs', resolved.delivery.messageTtlMs, 1);
    checkNumber('refreshBeforeExpiryMs', lead, 0);
    for (const hook of ['tokenGetter', 'refreshToken'] as const) {
      if (resolved[hook] !== undefined && typeof resolved[hook] !== 'function') {
        throw new AuthSocketError('invalid-config', `${hook} must be a function.`);
      }
    }
    if (resolved.onTokenChange !== undefined && !['reauth', 'reconnect'].includes(resolved.onTokenChange)) {
      throw new AuthSocketError('invalid-config', `Unknown onTokenChange "${config.onTokenChange}".`);
    }
  } else {
    // Production keeps one cheap guard so a NaN, null, negative or a factor below 1 from a
    // runtime-loaded config cannot turn into a zero-delay reconnect loop; development (above)
    // names the option and checks every minimum.
    const values = [
      ...Object.values(reconnect),
      firstMessage.ackTimeoutMs,
      lead,
      resolved.ticketTimeoutMs,
      resolved.connectTimeoutMs,
      resolved.idleCloseDelayMs,
      resolved.outboxLimit,
      resolved.delivery.messageTtlMs,
    ];
    if (!(values.every((n) => typeof n === 'number' && n >= 0) && reconnect.factor >= 1))
      throw new AuthSocketError('invalid-config', false);
  }
  return resolved;
}

function defaultTicketPath(socketUrl: string): string {
  const u = new URL(socketUrl);
  return `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}/ws_ticket`;
}

function normalizeOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    throw new AuthSocketError(
      'invalid-config',
      typeof ngDevMode === 'undefined' || ngDevMode
        ? `allowedOrigins entry "${origin}" is not an absolute URL.`
        : 'allowedOrigins',
    );
  }
}

/**
 * Both lists must hold codes a server may close with for a reason of its own (1008 "policy
 * violation", or the registered and private ranges 3000–4999), and no code in both: a mistyped
 * 1006 would turn every dropped network into a refusal.
 *
 * @throws AuthSocketError `invalid-config`
 */
function checkCloseCodes({ unauthorized, forbidden }: Required<CloseCodesConfig>): void {
  const valid = (list: readonly number[]) =>
    Array.isArray(list) && list.every((c) => Number.isInteger(c) && (c === 1008 || (c >= 3000 && c <= 4999)));
  if (!valid(unauthorized) || !valid(forbidden) || unauthorized.some((c) => forbidden.includes(c))) {
    throw new AuthSocketError(
      'invalid-config',
      typeof ngDevMode === 'undefined' || ngDevMode
        ? `closeCodes must be lists of 1008 or 3000–4999, no code in both (got ${JSON.stringify({ unauthorized, forbidden })}).`
        : 'closeCodes',
    );
  }
}

/** @throws AuthSocketError `invalid-config` unless `value` is a number ≥ `min`. */
export function checkNumber(name: string, value: number, min: number): void {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min) {
    throw new AuthSocketError(
      'invalid-config',
      typeof ngDevMode === 'undefined' || ngDevMode
        ? `${name} must be a number ≥ ${min} (got ${String(value)}).`
        : name,
    );
  }
}

/** The resolved configuration, provided by `provideAuthSocket()`. */
export const AUTH_SOCKET_CONFIG = new InjectionToken<ResolvedAuthSocketConfig>('AUTH_SOCKET_CONFIG');

/** The options given a value: one given as `undefined` (`{ isAck: cfg.isAck }`) keeps its default. */
function defined<T extends object>(options: T | undefined): Partial<T> {
  return options ? (Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>) : {};
}
