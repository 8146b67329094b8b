import type { ChannelChat } from '../server-messages.mjs';
import type { ChannelSnapshot } from './channel-replay.mjs';

/**
 * One process's channel histories (no Redis): per channel the seq counter and the last messages
 * kept for resume. No I/O, no timers.
 *
 * Memory is bounded three ways, because channel names are the client's to choose and every
 * `room:*` is open: each channel keeps at most `perChannel` messages (the protocol's 1000); all
 * channels together at most `totalMessages` (beyond, the oldest message of the whole process goes
 * first: it belongs to the channel that has been quiet longest); and at most `maxChannels`
 * channels are remembered (beyond, the least recently used one without a live member is
 * forgotten). A forgotten channel, or a message dropped early, is never misreported: a resume
 * point that reached into it gets `resume_failed`.
 *
 * Seq numbers of a channel's life start at the clock × 1000, like the global room without a
 * journal: a channel forgotten and used again (or a restarted process) starts above every seq of
 * its earlier life, so an old resume point falls below the history and is refused rather than
 * misread. The epoch names that life.
 */
export interface ChannelLogLimits {
  /** @default 1000 */
  readonly perChannel: number;
  /** @default 100_000 */
  readonly totalMessages: number;
  /** @default 100_000 */
  readonly maxChannels: number;
}

export const CHANNEL_LOG_LIMITS: ChannelLogLimits = Object.freeze({ perChannel: 1000, totalMessages: 100_000, maxChannels: 100_000 });

interface Log {
  readonly epoch: string;
  latestSeq: number;
  readonly history: ChannelChat[];
}

/** A message's place in the process-wide age order, for the total budget. */
interface Retained {
  readonly log: Log;
  readonly seq: number;
}

export class ChannelLogs {
  /** Least recently used first (re-inserted on every use). */
  private readonly logs = new Map<string, Log>();
  private retained: Retained[] = [];
  private retainedHead = 0;
  private total = 0;
  private readonly limits: ChannelLogLimits;

  constructor(
    private readonly now: () => number,
    limits: Partial<ChannelLogLimits> = {},
    /** Channels that must not be forgotten (they have members on this process). */
    private readonly inUse: (channel: string) => boolean = () => false,
  ) {
    this.limits = { ...CHANNEL_LOG_LIMITS, ...limits };
  }

  /** Channels remembered. */
  get size(): number {
    return this.logs.size;
  }

  /** Messages retained in all channels. */
  get retainedMessages(): number {
    return this.total;
  }

  /**
   * The channel's position and history, starting a new life for a channel not remembered. The
   * history is the live array, valid until the next append: read it at once.
   */
  snapshot(channel: string): ChannelSnapshot {
    const log = this.use(channel);
    return { epoch: log.epoch, latestSeq: log.latestSeq, history: log.history };
  }

  /** Appends a message with the next seq and returns it. */
  append(channel: string, fields: Omit<ChannelChat, 'type' | 'channel' | 'seq'>): { readonly epoch: string; readonly chat: ChannelChat } {
    const log = this.use(channel);
    const { from, text, ts, id } = fields;
    const chat: ChannelChat = { type: 'chat', channel, seq: log.latestSeq + 1, from, text, ts, ...(id === undefined ? {} : { id }) };
    log.latestSeq = chat.seq;
    log.history.push(chat);
    this.retained.push({ log, seq: chat.seq });
    this.total++;
    if (log.history.length > this.limits.perChannel) this.dropOldest(log);
    while (this.total > this.limits.totalMessages) this.dropOldestOverall();
    this.compact();
    return { epoch: log.epoch, chat };
  }

  private use(channel: string): Log {
    let log = this.logs.get(channel);
    if (log !== undefined) {
      this.logs.delete(channel);
    } else {
      const start = Math.floor(this.now()) * 1000;
      log = { epoch: String(start), latestSeq: start - 1, history: [] };
      this.forgetIdle();
    }
    this.logs.set(channel, log);
    return log;
  }

  /** Makes room for one more channel: forgets the least recently used ones nobody is in. */
  private forgetIdle(): void {
    if (this.logs.size < this.limits.maxChannels) return;
    for (const [channel, log] of this.logs) {
      if (this.logs.size < this.limits.maxChannels) return;
      if (this.inUse(channel)) continue;
      this.logs.delete(channel);
      this.total -= log.history.length;
      log.history.length = 0;
    }
  }

  private dropOldest(log: Log): void {
    if (log.history.shift() !== undefined) this.total--;
  }

  /** The oldest retained message of the process, unless its channel already let it go. */
  private dropOldestOverall(): void {
    while (this.retainedHead < this.retained.length) {
      const { log, seq } = this.retained[this.retainedHead++]!;
      if (log.history[0]?.seq === seq) {
        this.dropOldest(log);
        break;
      }
    }
  }

  /**
   * The age order also holds entries of messages a channel dropped by itself (its own cap, or the
   * channel forgotten); they are skipped when reached, and swept out once they could outnumber the
   * live ones, so the order never costs more than twice the budget.
   */
  private compact(): void {
    const queued = this.retained.length - this.retainedHead;
    if (queued > 2 * this.limits.totalMessages + 1024) {
      this.retained = this.retained.slice(this.retainedHead).filter(isRetained);
      this.retainedHead = 0;
    } else if (this.retainedHead >= 1024 && this.retainedHead * 2 >= this.retained.length) {
      this.retained = this.retained.slice(this.retainedHead);
      this.retainedHead = 0;
    }
  }

  /** Entries in the age order, live or stale (for tests of the bound). */
  get ageOrderLength(): number {
    return this.retained.length - this.retainedHead;
  }
}

/** A log's seqs are contiguous, so a message is still there iff it is not older than the first. */
function isRetained({ log, seq }: Retained): boolean {
  const first = log.history[0];
  return first !== undefined && seq >= first.seq;
}
