import { Redis } from 'ioredis';

/**
 * The two connections a node keeps to Redis: one for commands, one in subscriber mode (Redis
 * allows nothing else on a subscribed connection). Both retry forever with a capped delay, so a
 * Redis restart heals by itself; commands made while it is down fail fast instead of queueing, so
 * the ticket endpoint can answer 503 at once.
 */
export interface RedisConnections {
  readonly commands: Redis;
  readonly subscriber: Redis;
  quit(): Promise<void>;
}

/** Redis could not be reached when the node started (later outages are survived, not thrown). */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
  constructor(url: string, cause: unknown) {
    const where = new URL(url);
    where.password = where.password ? '***' : '';
    super(`Redis at ${where.toString()} is unreachable (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
  }
}

export async function connectRedis(url: string): Promise<RedisConnections> {
  const options = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times: number) => Math.min(50 * times, 1000),
  };
  const commands = new Redis(url, options);
  // The subscriber re-subscribes by itself after a reconnect; it needs the offline queue for that.
  const subscriber = new Redis(url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null });
  // ioredis reports every failed reconnect as an 'error' event; without a listener Node would crash.
  commands.on('error', () => undefined);
  subscriber.on('error', () => undefined);
  try {
    await Promise.all([commands.connect(), subscriber.connect()]);
  } catch (cause) {
    commands.disconnect();
    subscriber.disconnect();
    throw new RedisUnavailableError(url, cause);
  }
  return {
    commands,
    subscriber,
    quit: async () => {
      await Promise.allSettled([commands.quit(), subscriber.quit()]);
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}

/** What `whenRedisBack()` needs of the two connections (so a test can drive it with fakes). */
export interface ReconnectingPair {
  readonly commands: Pick<Redis, 'status' | 'on' | 'off'>;
  readonly subscriber: Pick<Redis, 'status' | 'on' | 'off' | 'ping'>;
}

/**
 * Calls `back` each time the later of the two connections is ready again, once the subscriber's
 * subscriptions are back too: ioredis re-subscribes by itself after a reconnect ('ready' fires
 * before that is sent), and a PING answered afterwards proves they went out. A reload from then on
 * misses nothing published, and can write (presence entries) as well as read: when only the
 * subscriber's return was awaited, a command connection still reconnecting failed the repair.
 * Returns a function that stops listening.
 */
export function whenRedisBack({ commands, subscriber }: ReconnectingPair, back: () => void): () => void {
  const onReady = (): void => {
    if (commands.status !== 'ready' || subscriber.status !== 'ready') return;
    setImmediate(() => {
      void subscriber
        .ping()
        .catch(() => undefined)
        .then(back);
    });
  };
  commands.on('ready', onReady);
  subscriber.on('ready', onReady);
  return () => {
    commands.off('ready', onReady);
    subscriber.off('ready', onReady);
  };
}
