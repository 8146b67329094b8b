import type { Redis } from 'ioredis';
import type { ChannelHub } from './channel-hub.mjs';
import { ChatHistory, HISTORY_CAPACITY, resumeAnswer } from './chat-history.mjs';
import type { ChatSubmission, Room } from './chat-room.mjs';
import type { ChatBroadcast, ServerMessage } from './server-messages.mjs';
import type { StatsRecorder } from './stats.mjs';
import { whenRedisBack } from './redis-connection.mjs';

/** How long a processed message id is remembered across nodes (as in memory: 10 minutes). */
const ID_TTL_S = 600;

/*
 * Epochs. Redis holds the room's seq counter and history; a Redis restarted without persistence
 * (or flushed, or rolled back to an older snapshot) has lost them, and counting again from 0
 * made every node drop the new chats as "already seen" (issue 11). So the room lives in epochs:
 * `<prefix>epoch` holds the first seq of the current one, and a new epoch starts above every seq
 * the starting node has seen and at least at its clock × 1000 (as the memory-only room does), so
 * epochs are disjoint ranges of seq and a resume point names its epoch by its number alone: one
 * from an earlier epoch falls below the history and gets `resume_failed`. Every pub/sub message
 * carries its epoch, so a node sees the change at the first chat of a new one.
 */

/**
 * Makes sure an epoch exists (starting one if Redis lost its state) and reads it with the seq
 * counter and the history. KEYS: epoch, seq, history. ARGV: proposed epoch, proposed epoch − 1,
 * capacity. Numbers travel as strings: Lua would print a 16-digit double as 1.76e+15.
 */
const LOAD_SCRIPT = `
if not redis.call('GET', KEYS[1]) or not redis.call('GET', KEYS[2]) then
  redis.call('SET', KEYS[1], ARGV[1])
  redis.call('SET', KEYS[2], ARGV[2])
  redis.call('DEL', KEYS[3])
end
return { redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]), redis.call('LRANGE', KEYS[3], -tonumber(ARGV[3]), -1) }
`;

/**
 * Accepts a chat for all nodes in one atomic step. Everything that can refuse happens before any
 * write, and the id key — the "already processed" mark — is written last, so a script that fails
 * half-way never leaves an id marked for a chat nobody received (issue 11: a chat cjson could not
 * decode was marked, then its re-send was acknowledged as a duplicate and never broadcast). The
 * line is assembled from strings (no cjson at all). Being one script, seq order is publish order.
 * KEYS: epoch, seq, history, id key (or ''). ARGV: the chat's JSON, channel, capacity, proposed
 * epoch, proposed epoch − 1, the node's latest seq. Returns 1, or 0 for a known id.
 */
const PUBLISH_SCRIPT = `
if KEYS[4] ~= '' and redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
local epoch = redis.call('GET', KEYS[1])
local last = redis.call('GET', KEYS[2])
if not epoch or not last or tonumber(last) < tonumber(ARGV[6]) then
  epoch = ARGV[4]
  redis.call('SET', KEYS[1], epoch)
  redis.call('SET', KEYS[2], ARGV[5])
  redis.call('DEL', KEYS[3])
end
redis.call('INCR', KEYS[2])
local line = '{"type":"chat","seq":' .. redis.call('GET', KEYS[2]) .. ',' .. string.sub(ARGV[1], 2)
redis.call('RPUSH', KEYS[3], line)
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[3]), -1)
if KEYS[4] ~= '' then redis.call('SET', KEYS[4], '1', 'EX', ${ID_TTL_S}) end
redis.call('PUBLISH', ARGV[2], epoch .. '\\n' .. line)
return 1
`;

export interface RedisChatRoomDeps {
  readonly hub: ChannelHub;
  readonly stats: StatsRecorder;
  /** Commands (seq, history, ids, publish). */
  readonly redis: Redis;
  /** A second connection in subscriber mode (Redis requires one for pub/sub). */
  readonly subscriber: Redis;
  readonly prefix: string;
  readonly now?: () => number;
}

/** What arrives from pub/sub, in order: a chat with its epoch, or "the subscriber reconnected". */
type Arrival = { readonly kind: 'chat'; readonly epoch: string; readonly chat: ChatBroadcast } | { readonly kind: 'reconnected' };

interface SharedState {
  readonly epoch: string;
  readonly latestSeq: number;
  readonly history: readonly ChatBroadcast[];
}

/**
 * The chat room of a node that shares it with other nodes through Redis: processed ids, the seq
 * counter and the replay history live in Redis; every accepted chat comes back to every node
 * (this one included) over pub/sub and is broadcast to that node's sockets and added to its copy
 * of the history, from which resumes are answered at once. Publishing waits for Redis, so the
 * sender's ack follows the chat being accepted for all nodes; with Redis unreachable the publish
 * fails and the socket is closed (1011), and the client re-sends after reconnecting.
 *
 * Nothing acknowledged is lost silently: pub/sub loses what is published while a subscriber is
 * disconnected, so after every reconnect, and whenever a chat's seq skips ahead, the node reloads
 * the history from Redis and delivers what it missed; what it cannot (the gap is older than the
 * 1000-chat history, or a new epoch began) is reported to its sockets as `resume_failed` with
 * the seq the room continues from (the client's `resync$`).
 */
export class RedisChatRoom implements Room {
  private history: ChatHistory;
  private epoch: string;
  private readonly arrivals: Arrival[] = [];
  private draining = false;

  private constructor(
    private readonly deps: RedisChatRoomDeps,
    state: SharedState,
  ) {
    this.epoch = state.epoch;
    this.history = historyOf(state);
  }

  /** Subscribes, then loads the shared history (so nothing published in between is missed). */
  static async open(deps: RedisChatRoomDeps): Promise<RedisChatRoom> {
    const channel = `${deps.prefix}chat`;
    const early: Arrival[] = [];
    let room: RedisChatRoom | null = null;
    deps.subscriber.on('message', (from: string, payload: string) => {
      if (from !== channel) return;
      const arrival = parseArrival(payload);
      if (!arrival) return;
      if (room) room.arrive(arrival);
      else early.push(arrival);
    });
    await deps.subscriber.subscribe(channel);
    room = new RedisChatRoom(deps, await loadShared(deps, 0));
    // What was published while a connection was down is gone from pub/sub but not from the history.
    whenRedisBack({ commands: deps.redis, subscriber: deps.subscriber }, () => room?.arrive({ kind: 'reconnected' }));
    for (const arrival of early) room.arrive(arrival);
    return room;
  }

  async publish(chat: ChatSubmission): Promise<void> {
    const { redis, prefix, stats } = this.deps;
    const { from, text, ts, id } = chat;
    const idKey = id === undefined ? '' : `${prefix}id:${from.length}:${from}:${id}`;
    const body = JSON.stringify({ from, text, ts, ...(id === undefined ? {} : { id }) });
    const epoch = this.proposedEpoch();
    const accepted = await redis.eval(
      PUBLISH_SCRIPT,
      4,
      `${prefix}epoch`,
      `${prefix}seq`,
      `${prefix}history`,
      idKey,
      body,
      `${prefix}chat`,
      HISTORY_CAPACITY,
      String(epoch),
      String(epoch - 1),
      String(this.history.latestSeq),
    );
    stats.count(accepted === 1 ? 'chatsAccepted' : 'duplicatesDropped');
  }

  resumeFrom(after: number): readonly ServerMessage[] {
    return resumeAnswer(this.history, after, this.deps.stats);
  }

  /** Above every seq this node has seen, and at least the clock × 1000 (see "Epochs" above). */
  private proposedEpoch(): number {
    return Math.max(Math.floor((this.deps.now ?? Date.now)()) * 1000, this.history.latestSeq + 1);
  }

  private arrive(arrival: Arrival): void {
    this.arrivals.push(arrival);
    void this.drain();
  }

  /** One arrival at a time: a reload must finish before the chats behind it are looked at. */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.arrivals.shift(); next !== undefined; next = this.arrivals.shift()) await this.handle(next);
    } finally {
      this.draining = false;
    }
  }

  private async handle(arrival: Arrival): Promise<void> {
    if (arrival.kind === 'reconnected') {
      // A PING answered on the subscriber comes after its SUBSCRIBE: from here on pub/sub delivers,
      // so the history read next holds everything published before.
      await this.deps.subscriber.ping().catch(() => undefined);
      return this.reload();
    }
    const { epoch, chat } = arrival;
    const latest = this.history.latestSeq;
    if (epoch === this.epoch && chat.seq <= latest) return; // loaded already (start-up or a reload)
    if (epoch === this.epoch && chat.seq === latest + 1) return this.deliver(chat);
    // A skipped seq, or a new epoch: find out from the history what happened.
    return this.reload();
  }

  /** Delivers what the shared history has beyond this node's, or reports the gap it cannot fill. */
  private async reload(): Promise<void> {
    this.deps.stats.count('roomResyncs');
    let shared: SharedState;
    try {
      shared = await loadShared(this.deps, this.proposedEpoch());
    } catch {
      // Redis unreachable: its return is another reconnect, which reloads again.
      return;
    }
    const newer = shared.history.filter((chat) => chat.seq > this.history.latestSeq);
    const contiguous = shared.epoch === this.epoch && (newer[0] === undefined || newer[0].seq === this.history.latestSeq + 1);
    if (contiguous) {
      for (const chat of newer) this.deliver(chat);
      return;
    }
    // Chats this node never saw are beyond recovery: take Redis' history as this node's, tell the
    // sockets where the room continues (they refetch: resync$), then deliver what is there.
    const missed = shared.epoch === this.epoch ? newer : shared.history;
    this.epoch = shared.epoch;
    this.history = historyOf(shared);
    const continueFrom = (missed[0]?.seq ?? this.history.latestSeq + 1) - 1;
    this.deps.stats.count('roomGapsReported');
    this.deps.hub.broadcast({ type: 'resume_failed', seq: continueFrom });
    for (const chat of missed) this.broadcast(chat);
  }

  /** A chat accepted by some node (maybe this one): into the history and out to this node's sockets. */
  private deliver(chat: ChatBroadcast): void {
    this.history.push(chat);
    this.broadcast(chat);
  }

  private broadcast(chat: ChatBroadcast): void {
    this.deps.stats.count('chatsRelayed');
    this.deps.hub.broadcast(chat);
  }
}

/** Reads (and if Redis lost it, starts) the epoch, with the seq counter and the history. */
async function loadShared(deps: RedisChatRoomDeps, proposedEpoch: number): Promise<SharedState> {
  const { prefix } = deps;
  const epoch = proposedEpoch > 0 ? proposedEpoch : Math.floor((deps.now ?? Date.now)()) * 1000;
  const [epochText, seqText, lines] = (await deps.redis.eval(
    LOAD_SCRIPT,
    3,
    `${prefix}epoch`,
    `${prefix}seq`,
    `${prefix}history`,
    String(epoch),
    String(epoch - 1),
    HISTORY_CAPACITY,
  )) as [string, string, string[]];
  const history = lines.map(parseChat).filter((c): c is ChatBroadcast => c !== null);
  return { epoch: epochText, latestSeq: Number(seqText), history };
}

/** A node's history from the shared one: replayable from just before its oldest entry. */
function historyOf(state: SharedState): ChatHistory {
  const history = new ChatHistory((state.history[0]?.seq ?? state.latestSeq + 1) - 1);
  for (const chat of state.history) if (chat.seq > history.latestSeq) history.push(chat);
  return history;
}

/** `<epoch>\n<chat JSON>`, as the publish script sends it. */
function parseArrival(payload: string): Arrival | null {
  const newline = payload.indexOf('\n');
  if (newline === -1) return null;
  const chat = parseChat(payload.slice(newline + 1));
  return chat === null ? null : { kind: 'chat', epoch: payload.slice(0, newline), chat };
}

function parseChat(line: string): ChatBroadcast | null {
  try {
    const chat = JSON.parse(line) as ChatBroadcast;
    return chat && chat.type === 'chat' && typeof chat.seq === 'number' ? chat : null;
  } catch {
    return null;
  }
}
