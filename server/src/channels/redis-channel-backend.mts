import { randomBytes } from 'node:crypto';
import { ReplyError, type Redis } from 'ioredis';
import type { ChatSubmission } from '../chat-room.mjs';
import { whenRedisBack } from '../redis-connection.mjs';
import type { ChannelChat } from '../server-messages.mjs';
import { ChannelStoreUnavailable, type ChannelArrival, type ChannelBackend, type PresenceSnapshot } from './channel-backend.mjs';
import { CHANNEL_LOG_LIMITS } from './channel-log.mjs';
import type { ChannelSnapshot } from './channel-replay.mjs';
import {
  DEPART_SCRIPT,
  ENTER_SCRIPT,
  KICK_SCRIPT,
  LOAD_SCRIPT,
  NODE_ID_HEX_LENGTH,
  PUBLISH_SCRIPT,
  READ_PRESENCE_SCRIPT,
  REFRESH_SCRIPT,
} from './redis-channel-scripts.mjs';

/** A channel's messages and counter live this long after their last use; then its next use starts a new epoch. */
const CHANNEL_KEY_LIFETIME_MS = 24 * 3_600_000;
/** How long a processed message id is remembered (as for the global room: 10 minutes). */
const ID_TTL_S = 600;
/** The presence version outlives the presence itself, so versions keep growing across quiet spells. */
const PRESENCE_VERSION_LIFETIME_MS = 24 * 3_600_000;

export interface RedisChannelBackendDeps {
  readonly redis: Redis;
  readonly subscriber: Redis;
  readonly prefix: string;
  /** Lifetime of this node's presence entries; refreshed every third of it. */
  readonly presenceTtlMs: number;
  readonly now?: () => number;
}

/**
 * Channels shared by every node on one Redis (docs/SCALE-OUT.md): per-channel pub/sub (a node
 * subscribes while it has members of the channel), seq and capped history per channel, presence
 * as per-node entries with an expiry, so a dead node's users leave by themselves. The scripts are
 * in `redis-channel-scripts.mts`; this class turns calls into them and pub/sub into arrivals.
 *
 * A node keeps no copy of any channel's history (there may be thousands): a resume reads it from
 * Redis at the join, and what it replays is held only until the socket has taken it.
 */
export class RedisChannelBackend implements ChannelBackend {
  readonly refreshEveryMs: number;
  private arrive: (channel: string, arrival: ChannelArrival) => void = () => undefined;
  private readonly nodeId = randomBytes(NODE_ID_HEX_LENGTH / 2).toString('hex');
  private readonly subscribed = new Set<string>();
  private readonly feedPrefix: string;
  private readonly onMessage = (from: string, payload: string): void => {
    if (!from.startsWith(this.feedPrefix)) return;
    const channel = from.slice(this.feedPrefix.length);
    if (!this.subscribed.has(channel)) return;
    const arrival = parseArrival(channel, payload);
    if (arrival !== null) this.arrive(channel, arrival);
  };
  private readonly stopWatching: () => void;

  constructor(private readonly deps: RedisChannelBackendDeps) {
    this.refreshEveryMs = Math.max(10, Math.floor(deps.presenceTtlMs / 3));
    this.feedPrefix = `${deps.prefix}c:`;
    deps.subscriber.on('message', this.onMessage);
    this.stopWatching = whenRedisBack({ commands: deps.redis, subscriber: deps.subscriber }, () => {
      for (const channel of this.subscribed) this.arrive(channel, { kind: 'reconnected' });
    });
  }

  listen(arrive: (channel: string, arrival: ChannelArrival) => void): void {
    this.arrive = arrive;
  }

  async subscribe(channel: string): Promise<void> {
    // The subscriber queues commands while disconnected (it must, to re-subscribe); a join should
    // be refused at once instead of hanging until Redis is back.
    if (this.deps.subscriber.status !== 'ready') throw new ChannelStoreUnavailable('Redis subscriber not connected');
    this.subscribed.add(channel);
    try {
      await this.deps.subscriber.subscribe(this.feed(channel));
    } catch (err) {
      this.subscribed.delete(channel);
      throw unavailable(err);
    }
  }

  unsubscribe(channel: string): void {
    this.subscribed.delete(channel);
    void this.deps.subscriber.unsubscribe(this.feed(channel)).catch(() => undefined);
  }

  async load(channel: string, options: { readonly history: boolean; readonly knownLatestSeq: number }): Promise<ChannelSnapshot> {
    const epoch = this.proposedEpoch(options.knownLatestSeq);
    const [epochText, seqText, lines] = (await this.eval(
      LOAD_SCRIPT,
      [this.key(channel, 'epoch'), this.key(channel, 'seq'), this.key(channel, 'history')],
      [String(epoch), String(epoch - 1), CHANNEL_LOG_LIMITS.perChannel, options.history ? '1' : '0', CHANNEL_KEY_LIFETIME_MS, String(options.knownLatestSeq)],
    )) as [string, string, string[]];
    const history = lines.map((line) => parseMessage(channel, line)).filter((m): m is ChannelChat => m !== null);
    return { epoch: epochText, latestSeq: Number(seqText), history };
  }

  async publish(channel: string, chat: ChatSubmission, knownLatestSeq: number): Promise<boolean> {
    const { from, text, ts, id } = chat;
    const idKey = id === undefined ? '' : `${this.deps.prefix}cid:${from.length}:${from}:${id}`;
    const body = JSON.stringify({ from, text, ts, ...(id === undefined ? {} : { id }) });
    const head = `${JSON.stringify({ type: 'chat', channel }).slice(0, -1)},"seq":`;
    const epoch = this.proposedEpoch(knownLatestSeq);
    const accepted = await this.eval(
      PUBLISH_SCRIPT,
      [this.key(channel, 'epoch'), this.key(channel, 'seq'), this.key(channel, 'history'), idKey],
      [
        body,
        this.feed(channel),
        CHANNEL_LOG_LIMITS.perChannel,
        String(epoch),
        String(epoch - 1),
        String(knownLatestSeq),
        head,
        CHANNEL_KEY_LIFETIME_MS,
        ID_TTL_S,
      ],
    );
    return accepted === 1;
  }

  async enter(channel: string, user: string): Promise<PresenceSnapshot> {
    return presenceOf(await this.presence(ENTER_SCRIPT, channel, [this.entry(user), user, this.deps.presenceTtlMs]));
  }

  async readPresence(channel: string): Promise<PresenceSnapshot> {
    return presenceOf(await this.presence(READ_PRESENCE_SCRIPT, channel, []));
  }

  async depart(channel: string, user: string): Promise<void> {
    await this.presence(DEPART_SCRIPT, channel, [this.entry(user), user]);
  }

  async kick(channel: string, user: string, reason: string): Promise<boolean> {
    return (await this.presence(KICK_SCRIPT, channel, [user, JSON.stringify({ user, reason })])) === 1;
  }

  async refresh(channel: string, users: readonly string[]): Promise<readonly string[]> {
    if (users.length === 0) return [];
    const messageKeys = [this.key(channel, 'epoch'), this.key(channel, 'seq'), this.key(channel, 'history')];
    const entries = users.map((u) => this.entry(u));
    const missing = (await this.presence(REFRESH_SCRIPT, channel, [this.deps.presenceTtlMs, CHANNEL_KEY_LIFETIME_MS, ...entries], messageKeys)) as string[];
    return missing.map((entry) => entry.slice(NODE_ID_HEX_LENGTH + 1));
  }

  close(): void {
    this.arrive = () => undefined;
    this.deps.subscriber.off('message', this.onMessage);
    this.stopWatching();
    for (const channel of this.subscribed) void this.deps.subscriber.unsubscribe(this.feed(channel)).catch(() => undefined);
    this.subscribed.clear();
  }

  private presence(script: string, channel: string, args: readonly (string | number)[], moreKeys: readonly string[] = []): Promise<unknown> {
    return this.eval(
      script,
      [this.key(channel, 'presence'), this.key(channel, 'members'), this.key(channel, 'pv'), ...moreKeys],
      [this.feed(channel), Math.max(60_000, 4 * this.deps.presenceTtlMs), PRESENCE_VERSION_LIFETIME_MS, ...args],
    );
  }

  /** Runs a script; a Redis that cannot be reached is `ChannelStoreUnavailable`, a script error stays a bug. */
  private async eval(script: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await this.deps.redis.eval(script, keys.length, ...keys, ...args);
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** Above every seq this node has seen in the channel, and at least the clock × 1000 (as the global room). */
  private proposedEpoch(knownLatestSeq: number): number {
    return Math.max(Math.floor((this.deps.now ?? Date.now)()) * 1000, knownLatestSeq + 1);
  }

  private key(channel: string, part: string): string {
    return `${this.deps.prefix}c:${channel}:${part}`;
  }

  private feed(channel: string): string {
    return `${this.feedPrefix}${channel}`;
  }

  private entry(user: string): string {
    return `${this.nodeId}|${user}`;
  }
}

function unavailable(err: unknown): unknown {
  if (err instanceof ReplyError && !/^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN)/.test((err as Error).message)) return err;
  return new ChannelStoreUnavailable(err instanceof Error ? err.message : String(err), { cause: err });
}

function presenceOf(reply: unknown): PresenceSnapshot {
  const [version, users] = reply as [string, string[]];
  return { version: Number(version), users };
}

function parseArrival(channel: string, payload: string): ChannelArrival | null {
  const kind = payload.slice(0, 2);
  const rest = payload.slice(2);
  try {
    if (kind === 'm\n') {
      const newline = rest.indexOf('\n');
      const chat = newline === -1 ? null : parseMessage(channel, rest.slice(newline + 1));
      return chat === null ? null : { kind: 'message', epoch: rest.slice(0, newline), chat };
    }
    if (kind === 'p\n') {
      const newline = rest.indexOf('\n');
      const change = JSON.parse(rest.slice(newline + 1)) as { joined?: unknown; left?: unknown };
      return { kind: 'presence', version: Number(rest.slice(0, newline)), joined: names(change.joined), left: names(change.left) };
    }
    if (kind === 'k\n') {
      const { user, reason } = JSON.parse(rest) as { user: string; reason: string };
      return typeof user === 'string' && typeof reason === 'string' ? { kind: 'kick', user, reason } : null;
    }
  } catch {
    // Not ours (another version of the server on the same prefix): ignored.
  }
  return null;
}

/** cjson encodes an empty list as `{}`; anything but an array of strings is no names. */
function names(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function parseMessage(channel: string, line: string): ChannelChat | null {
  try {
    const chat = JSON.parse(line) as ChannelChat;
    return chat && chat.type === 'chat' && chat.channel === channel && typeof chat.seq === 'number' ? chat : null;
  } catch {
    return null;
  }
}
