import type { ChannelHub } from './channel-hub.mjs';
import { ChatHistory, HISTORY_CAPACITY, resumeAnswer } from './chat-history.mjs';
import type { ChatJournal } from './chat-journal.mjs';
import type { JournalEntry } from './journal-lines.mjs';
import { ProcessedIds } from './processed-ids.mjs';
import type { ChatBroadcast, ServerMessage } from './server-messages.mjs';
import type { StatsRecorder } from './stats.mjs';

/** A chat as a socket submits it: who, what, when, and the sender's message id if any. */
export interface ChatSubmission {
  readonly from: string;
  readonly text: string;
  readonly ts: number;
  readonly id?: string;
}

/** What a socket needs from the room; implemented by {@link ChatRoom}. */
export interface Room {
  /**
   * Accepts a chat (journal, then broadcast), or drops it silently if its id was processed before.
   * A shared room (Redis) answers asynchronously; the socket acknowledges only after it settles.
   */
  publish(chat: ChatSubmission): void | Promise<void>;
  /** What to send a socket that last saw `after`: the missed broadcasts and `resumed`, or `resume_failed`. */
  resumeFrom(after: number): readonly ServerMessage[];
}

export interface ChatRoomDeps {
  readonly hub: ChannelHub;
  readonly stats: StatsRecorder;
  readonly now: () => number;
  /**
   * With a journal, seq, ids and history survive restarts: `recent` is its newest entries, `ids`
   * its entries with an id inside the duplicate window (see `ChatJournal.open`).
   */
  readonly journal?: { readonly file: ChatJournal; readonly recent: readonly JournalEntry[]; readonly ids: readonly JournalEntry[] };
}

/**
 * The room's memory: sequence numbers, processed ids, the replay history and the journal. It is
 * the one place that decides whether a chat is new, and it is synchronous, so a chat is journaled,
 * remembered, recorded and broadcast before any other frame can be looked at.
 */
export class ChatRoom implements Room {
  private nextSeq: number;
  private readonly history: ChatHistory;
  private readonly processed: ProcessedIds;

  constructor(private readonly deps: ChatRoomDeps) {
    const recent = deps.journal?.recent ?? [];
    this.nextSeq = firstSeq(deps.journal === undefined, recent, deps.now());
    const replayable = recent.slice(-HISTORY_CAPACITY);
    this.history = new ChatHistory((replayable[0]?.seq ?? this.nextSeq) - 1);
    for (const entry of replayable) this.history.push(toBroadcast(entry));
    this.processed = new ProcessedIds({ now: deps.now });
    for (const entry of deps.journal?.ids ?? []) if (entry.id !== null) this.processed.remember(entry.from, entry.id, entry.ts);
  }

  publish(chat: ChatSubmission): void {
    const { stats } = this.deps;
    if (chat.id !== undefined && this.processed.has(chat.from, chat.id)) return stats.count('duplicatesDropped');
    const { from, text, ts, id } = chat;
    const message: ChatBroadcast = { type: 'chat', seq: this.nextSeq, from, text, ts, ...(id === undefined ? {} : { id }) };
    // Durable first: if the process dies after this line, the re-sent chat is a known duplicate.
    this.deps.journal?.file.append(toEntry(message));
    this.nextSeq++;
    if (id !== undefined) this.processed.remember(from, id, ts);
    this.history.push(message);
    stats.count('chatsAccepted');
    this.deps.hub.broadcast(message);
  }

  resumeFrom(after: number): readonly ServerMessage[] {
    return resumeAnswer(this.history, after, this.deps.stats);
  }
}

/**
 * With a journal, seq continues from its last entry (1 for a new one). Without one, numbers from an
 * earlier process must not look resumable: starting from the clock × 1000 puts each process above
 * anything an earlier one reached (short of 1000 chats per millisecond of its life), so an old
 * resume point falls below the history window and gets `resume_failed`.
 */
function firstSeq(memoryOnly: boolean, recent: readonly JournalEntry[], nowMs: number): number {
  const last = recent.at(-1);
  if (last !== undefined) return last.seq + 1;
  return memoryOnly ? Math.floor(nowMs) * 1000 : 1;
}

function toBroadcast(entry: JournalEntry): ChatBroadcast {
  const { seq, id, from, text, ts } = entry;
  return { type: 'chat', seq, from, text, ts, ...(id === null ? {} : { id }) };
}

function toEntry(message: ChatBroadcast): JournalEntry {
  const { seq, id, from, text, ts } = message;
  return { seq, id: id ?? null, from, text, ts };
}
