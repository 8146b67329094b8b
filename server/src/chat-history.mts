import type { ChatBroadcast, ServerMessage } from './server-messages.mjs';
import type { StatsRecorder } from './stats.mjs';

/** How many broadcasts are kept for replay. */
export const HISTORY_CAPACITY = 1000;

/**
 * The last broadcasts, in `seq` order, and the resume rule: a client that last saw `after` can be
 * brought up to date only if nothing between `after` and the latest broadcast has been dropped.
 */
export class ChatHistory {
  private readonly items: ChatBroadcast[] = [];
  private latest: number;

  /** `latestSeq`: the seq before the first one this history will hold (nothing broadcast yet). */
  constructor(
    latestSeq: number,
    private readonly capacity = HISTORY_CAPACITY,
  ) {
    if (!(capacity >= 1)) throw new RangeError('capacity must be >= 1');
    this.latest = latestSeq;
  }

  /** The seq of the latest broadcast (or the starting point, before any). */
  get latestSeq(): number {
    return this.latest;
  }

  get size(): number {
    return this.items.length;
  }

  push(chat: ChatBroadcast): void {
    if (chat.seq <= this.latest) throw new RangeError(`seq ${chat.seq} does not follow ${this.latest}`);
    this.items.push(chat);
    this.latest = chat.seq;
    if (this.items.length > this.capacity) this.items.shift();
  }

  /**
   * Every retained broadcast after `after`, oldest first; `null` when that cannot be complete:
   * `after` is older than the history (its successors were dropped) or newer than anything sent
   * here (a point from another server process or another journal).
   */
  replayAfter(after: number): readonly ChatBroadcast[] | null {
    const oldest = this.items[0]?.seq ?? this.latest + 1;
    if (after < oldest - 1 || after > this.latest) return null;
    return this.items.filter((chat) => chat.seq > after);
  }
}

/** What a socket that last saw `after` is sent: the missed broadcasts and `resumed`, or `resume_failed`. */
export function resumeAnswer(history: ChatHistory, after: number, stats: StatsRecorder): readonly ServerMessage[] {
  const latest = history.latestSeq;
  const missed = history.replayAfter(after);
  if (missed === null) {
    stats.count('resumeFailures');
    return [{ type: 'resume_failed', seq: latest }];
  }
  stats.count('resumes');
  return [...missed, { type: 'resumed', seq: latest }];
}
