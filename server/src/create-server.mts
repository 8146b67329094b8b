import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { WebSocketServer } from 'ws';
import { openAccessLog } from './access-log.mjs';
import type { ApiContext } from './api-context.mjs';
import { Channel, type ChannelDeps } from './channel.mjs';
import { ChannelHub } from './channel-hub.mjs';
import { parseDenyList } from './channels/channel-access.mjs';
import type { ChannelBackend } from './channels/channel-backend.mjs';
import { ChannelService } from './channels/channel-service.mjs';
import { MemoryChannelBackend } from './channels/memory-channel-backend.mjs';
import { RedisChannelBackend } from './channels/redis-channel-backend.mjs';
import { ChatJournal } from './chat-journal.mjs';
import { ChatRoom } from './chat-room.mjs';
import { CloseCode, CloseReason } from './close-codes.mjs';
import { defaultOrigins, resolveConfig, type ResolvedConfig, type ServerConfig } from './config.mjs';
import { RuntimeControl, type ServerControl } from './control.mjs';
import { createHttpHandler } from './http-handler.mjs';
import { MemoryTicketStore } from './memory-ticket-store.mjs';
import { RedisChatRoom } from './redis-chat-room.mjs';
import { connectRedis } from './redis-connection.mjs';
import { RedisTicketStore } from './redis-ticket-store.mjs';
import type { Room } from './chat-room.mjs';
import { LoginThrottle } from './login-throttle.mjs';
import { RedisRefreshTokens } from './redis-refresh-tokens.mjs';
import { RefreshTokenStore } from './refresh-tokens.mjs';
import { StatsRecorder, type ServerStats } from './stats.mjs';
import { TicketService } from './ticket-service.mjs';
import { createTokenService } from './tokens.mjs';
import { createUpgradeHandler } from './upgrade.mjs';

/** Time for a whole HTTP request (bodies are 16 KiB at most). */
const REQUEST_TIMEOUT_MS = 30_000;

/** A listening server, as returned by {@link startServer}. */
export interface RunningServer {
  /** `http://127.0.0.1:PORT`; the socket endpoint is `${url.replace('http', 'ws')}/channel/`. */
  readonly url: string;
  readonly port: number;
  /** The browser origins allowed (CORS and upgrade), defaults filled in. */
  readonly origins: readonly string[];
  /** The configuration in force, secret included (tests sign their own tokens with it). */
  readonly config: ResolvedConfig;
  /** Counters; the same object `GET /__stats` serves. */
  stats(): ServerStats;
  /** Fault-injection knobs, usable whether or not the HTTP control endpoints are enabled. */
  readonly control: ServerControl;
  /**
   * Stops accepting, answers hung requests, closes sockets with 1001 "going away" (cutting any that
   * do not answer within `shutdownGraceMs`), then releases stores and the log. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Starts the reference server.
 *
 * @example
 * const server = await startServer({ accessLog: 'off', tokenTtlS: 60 });
 * const ws = new WebSocket(`${server.url.replace('http', 'ws')}/channel/`);
 * await server.close();
 */
export async function startServer(options: Partial<ServerConfig> = {}): Promise<RunningServer> {
  const config = resolveConfig(options);
  // First, so a journal that cannot be read stops startup before anything is bound or opened.
  const journaled = config.journal === undefined ? undefined : ChatJournal.open(config.journal);
  const stats = new StatsRecorder();
  let origins: ReadonlySet<string> = new Set([...(config.origins ?? []), ...config.extraOrigins]);
  const hub = new ChannelHub(config.maxSocketsPerUser);
  // With Redis every node shares tickets, the room's seq/ids/history and the chat fan-out.
  const redis = config.redisUrl === undefined ? undefined : await connectRedis(config.redisUrl);
  const room: Room = redis
    ? await RedisChatRoom.open({ hub, stats, redis: redis.commands, subscriber: redis.subscriber, prefix: config.redisPrefix })
    : new ChatRoom({
        hub,
        stats,
        now: Date.now,
        ...(journaled === undefined ? {} : { journal: { file: journaled.journal, recent: journaled.recent, ids: journaled.ids } }),
      });
  // Channels share the room's Redis connections: one subscriber carries both, filtered by channel name.
  const channelBackend: ChannelBackend = redis
    ? new RedisChannelBackend({ redis: redis.commands, subscriber: redis.subscriber, prefix: config.redisPrefix, presenceTtlMs: config.presenceTtlMs })
    : new MemoryChannelBackend(Date.now);
  const channels = new ChannelService({
    backend: channelBackend,
    stats,
    now: Date.now,
    graceMs: config.presenceGraceMs,
    maxChannelsPerSocket: config.maxChannelsPerSocket,
    deny: parseDenyList(config.channelDeny),
  });
  stats.watchChannels(() => channels.gauges());
  const store = config.ticketStore ?? (redis ? new RedisTicketStore(redis.commands, config.redisPrefix) : new MemoryTicketStore());
  const control = new RuntimeControl(
    { ticketMode: config.tickets ? 'ok' : 'off', tokenTtlS: config.tokenTtlS },
    (code, reason) => hub.closeAll(code, reason),
    channels,
  );
  const api: ApiContext = {
    config,
    tokens: createTokenService(config.jwtSecret, Date.now, { issuer: config.jwtIssuer, audience: config.jwtAudience }),
    refreshTokens: redis
      ? new RedisRefreshTokens(redis.commands, config.redisPrefix, config.refreshTtlS)
      : new RefreshTokenStore(config.refreshTtlS),
    tickets: new TicketService(store, stats),
    control,
    stats,
    loginThrottle: new LoginThrottle(),
    allowedOrigins: () => origins,
    socketCount: () => hub.memberCount,
  };
  const accessLog = openAccessLog(config.accessLog);
  let closing: Promise<void> | undefined;

  const channelDeps: ChannelDeps = {
    tokens: api.tokens,
    hub,
    room,
    channels,
    stats,
    authDeadlineMs: config.authDeadlineMs,
    closeGraceMs: config.closeGraceMs,
    maxBufferedBytes: config.maxBufferedBytes,
    frames: { capacity: config.frameBurst, ratePerS: config.frameRatePerS },
    now: Date.now,
  };
  // noServer: the upgrade is ours to inspect (origin, ticket) before ws completes the handshake.
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxPayload, clientTracking: false });
  const server = createServer(
    {
      // Short, so a request trickled a byte at a time (an upgrade is only headers) cannot hold a
      // connection for minutes; checked every second (Node's default interval is 30 s).
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: Math.max(REQUEST_TIMEOUT_MS, config.headersTimeoutMs),
      connectionsCheckingInterval: Math.min(1000, Math.ceil(config.headersTimeoutMs / 2)),
    },
    createHttpHandler({ api, accessLog, allowedOrigins: () => origins }),
  );
  server.on(
    'upgrade',
    createUpgradeHandler({
      wss,
      accessLog,
      stats,
      allowedOrigins: () => origins,
      redeemTicket: (ticket) => api.tickets.redeem(ticket),
      unauthenticated: () => ({ count: hub.unauthenticatedCount, max: config.maxUnauthenticatedSockets }),
      onSocket: (ws, transport, initial, resume) => {
        // A handshake that finished during shutdown would escape the drain; cut it instead.
        if (closing !== undefined) return ws.terminate();
        new Channel(ws, transport, initial, channelDeps, resume);
      },
    }),
  );

  const releaseResources = async (): Promise<void> => {
    channels.close();
    api.refreshTokens.clear();
    if (config.ticketStore === undefined) await store.close();
    await accessLog.close();
    journaled?.journal.close();
    await redis?.quit();
  };
  try {
    await listen(server, config.port, config.host);
  } catch (err) {
    await releaseResources();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  if (config.origins === undefined) origins = new Set([...defaultOrigins(config.host, port), ...config.extraOrigins]);

  const shutdown = async (): Promise<void> => {
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    control.shutdown();
    await hub.drain(CloseCode.goingAway, CloseReason.goingAway, config.shutdownGraceMs);
    server.closeIdleConnections();
    // In-flight requests get the same grace as sockets, then their connections are cut.
    const graceOver = new AbortController();
    const grace = delay(config.shutdownGraceMs, undefined, { signal: graceOver.signal }).catch(() => {});
    await Promise.race([serverClosed, grace]);
    graceOver.abort();
    server.closeAllConnections();
    await serverClosed;
    wss.close();
    await releaseResources();
  };

  return {
    url: `http://${urlHost(config.host)}:${port}`,
    port,
    origins: [...origins],
    config,
    control,
    stats: () => stats.snapshot(hub.memberCount),
    close: () => (closing ??= shutdown()),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** How the bound host appears in a URL: a wildcard bind is reached through loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
