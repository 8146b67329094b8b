import type { Redis } from 'ioredis';
import type { ChannelHub } from './channel-hub.mjs';
import { ChatHistory, HISTORY_CAPACITY, resumeAnswer } from './chat-history.mjs';
import type { ChatSubmission, Room } from './chat-room.mjs';
import type { ChatBroadcast, ServerMessage } from './server-messages.mjs';
import type { StatsRecorder } from './stats.mjs';

/** How long a processed message id is remembered across nodes (as in memory: 10 minutes). */
const ID_TTL_S = 600;

/**
 * Accepts a chat for all nodes in one atomic step: drop it if the user's id was seen (any node),
 * else take the next global seq, keep it in the bounded history and publish it. Being one script,
 * the seq order is the publish order, so every node delivers chats in seq order.
 * KEYS: seq, history, id key (or the empty string). ARGV: chat JSON without seq, channel, capacity.
 */
const PUBLISH_SCRIPT = `
if KEYS[3] ~= '' then
  if not redis.call('SET', KEYS[3], '1', 'NX', 'EX', ${ID_TTL_S}) then return 0 end
end
local seq = redis.call('INCR', KEYS[1])
local chat = cjson.decode(ARGV[1])
chat['seq'] = seq
local line = cjson.encode(chat)
redis.call('RPUSH', KEYS[2], line)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
redis.call('PUBLISH', ARGV[2], line)
return seq
`;

export interface RedisChatRoomDeps {
  readonly hub: ChannelHub;
  readonly stats: StatsRecorder;
  /** Commands (seq, history, ids, publish). */
  readonly redis: Redis;
  /** A second connection in subscriber mode (Redis requires one for pub/sub). */
  readonly subscriber: Redis;
  readonly prefix: string;
}

/**
 * The chat room of a node that shares it with other nodes through Redis: processed ids, the seq
 * counter and the replay history live in Redis; every accepted chat comes back to every node
 * (this one included) over pub/sub and is broadcast to that node's sockets and added to its copy
 * of the history, from which resumes are answered at once. A node started later loads the
 * history first. Publishing waits for Redis, so the sender's ack follows the chat being accepted
 * for all nodes; with Redis unreachable the publish fails and the socket is closed (1011), and the
 * client re-sends after reconnecting.
 */
export class RedisChatRoom implements Room {
  private readonly history: ChatHistory;

  private constructor(
    private readonly deps: RedisChatRoomDeps,
    latestSeq: number,
    recent: readonly ChatBroadcast[],
  ) {
    this.history = new ChatHistory((recent[0]?.seq ?? latestSeq + 1) - 1);
    for (const chat of recent) this.history.push(chat);
  }

  /** Subscribes, then loads the shared history (so nothing published in between is missed). */
  static async open(deps: RedisChatRoomDeps): Promise<RedisChatRoom> {
    const channel = `${deps.prefix}chat`;
    const early: ChatBroadcast[] = [];
    let room: RedisChatRoom | null = null;
    deps.subscriber.on('message', (from: string, line: string) => {
      if (from !== channel) return;
      const chat = parseChat(line);
      if (!chat) return;
      if (room) room.received(chat);
      else early.push(chat);
    });
    await deps.subscriber.subscribe(channel);
    const [seqText, lines] = await Promise.all([
      deps.redis.get(`${deps.prefix}seq`),
      deps.redis.lrange(`${deps.prefix}history`, -HISTORY_CAPACITY, -1),
    ]);
    const recent = lines.map(parseChat).filter((c): c is ChatBroadcast => c !== null);
    room = new RedisChatRoom(deps, Number(seqText ?? 0), recent);
    for (const chat of early) room.received(chat);
    return room;
  }

  async publish(chat: ChatSubmission): Promise<void> {
    const { redis, prefix, stats } = this.deps;
    const { from, text, ts, id } = chat;
    const idKey = id === undefined ? '' : `${prefix}id:${from.length}:${from}:${id}`;
    const body = JSON.stringify({ type: 'chat', from, text, ts, ...(id === undefined ? {} : { id }) });
    const seq = (await redis.eval(PUBLISH_SCRIPT, 3, `${prefix}seq`, `${prefix}history`, idKey, body, `${prefix}chat`, HISTORY_CAPACITY)) as number;
    stats.count(seq === 0 ? 'duplicatesDropped' : 'chatsAccepted');
  }

  resumeFrom(after: number): readonly ServerMessage[] {
    return resumeAnswer(this.history, after, this.deps.stats);
  }

  /** A chat accepted by some node (maybe this one): into the history and out to this node's sockets. */
  private received(chat: ChatBroadcast): void {
    // Loaded history and early messages can overlap: each seq once, in order.
    if (chat.seq <= this.history.latestSeq) return;
    this.history.push(chat);
    this.deps.stats.count('chatsRelayed');
    this.deps.hub.broadcast(chat);
  }
}

function parseChat(line: string): ChatBroadcast | null {
  try {
    const chat = JSON.parse(line) as ChatBroadcast;
    return chat && chat.type === 'chat' && typeof chat.seq === 'number' ? chat : null;
  } catch {
    return null;
  }
}
