import { Observable } from 'rxjs';
import { AuthSocketError } from '../errors';
import { OutgoingFrame } from './frame-codec';
import { Fate, SendReceipt } from './receipt';

export type { SendReceipt } from './receipt';

/** Timers the outbox needs for message time-to-live. */
export interface OutboxTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** One message on its way: written yet or not, and waiting for its ack or not. */
interface Entry {
  readonly frame: OutgoingFrame;
  /** Set when the message waits for a server ack with this id. */
  readonly ackId: string | null;
  readonly fate: Fate;
  written: boolean;
  queued: boolean;
  expiry: unknown;
}

/**
 * Every message between `send()` and its end, in send order and bounded in number. A message
 * ends written (no acks), acknowledged (acks), or rejected with a typed error (full, expired,
 * cancelled): nothing is dropped silently. Unacknowledged messages are written again, in their
 * original order and with their original ids, after every reconnect; the server drops duplicates.
 */
export class Outbox {
  readonly #entries = new Map<number, Entry>();
  readonly #byAckId = new Map<string, number>();
  #nextKey = 0;
  /** Entries not yet written; kept as a count so the hot path (`add` while open) is O(1). */
  #unwritten = 0;

  readonly #limit: number;
  readonly #ttlMs: number;
  readonly #timers: OutboxTimers;

  constructor(limit: number, ttlMs: number, timers: OutboxTimers) {
    this.#limit = limit;
    this.#ttlMs = ttlMs;
    this.#timers = timers;
  }

  /** Messages not yet ended (queued, or written and awaiting their ack). */
  get size(): number {
    return this.#entries.size;
  }

  /** Whether anything still has to be written. */
  get hasUnwritten(): boolean {
    return this.#unwritten > 0;
  }

  /**
   * Adds a message. `write` is tried at once when `canWriteNow` (keeping order: only when nothing
   * older is waiting); returns the receipt, or null when the outbox is full.
   */
  add(
    frame: OutgoingFrame,
    ackId: string | null,
    write: ((frame: OutgoingFrame) => boolean) | null,
  ): Observable<SendReceipt> | null {
    if (this.#entries.size >= this.#limit) return null;
    const key = this.#nextKey++;
    const entry: Entry = { frame, ackId, fate: new Fate(), written: false, queued: false, expiry: null };
    this.#entries.set(key, entry);
    if (ackId !== null) this.#byAckId.set(ackId, key);
    const canWrite = write !== null && this.#unwritten === 0;
    this.#unwritten++;
    if (canWrite && write(frame)) {
      this.#markWritten(key, entry);
    } else {
      entry.queued = true;
    }
    if (this.#entries.has(key) && Number.isFinite(this.#ttlMs)) {
      entry.expiry = this.#timers.setTimeout(() => this.#expire(key), this.#ttlMs);
    }
    return entry.fate.observe();
  }

  /**
   * Writes unwritten messages in order until `write` refuses one or `budget` were written; returns
   * true when more are waiting and `write` would take them (the caller continues in a later task).
   */
  flush(write: (frame: OutgoingFrame) => boolean, budget = Infinity): boolean {
    for (const [key, entry] of this.#entries) {
      if (entry.written) continue;
      if (budget-- <= 0) return true;
      if (!write(entry.frame)) return false;
      this.#markWritten(key, entry);
    }
    return false;
  }

  /** A new connection: written-but-unacknowledged messages must be written again. */
  resendUnacknowledged(): void {
    for (const entry of this.#entries.values()) {
      if (entry.ackId !== null && entry.written) {
        entry.written = false;
        entry.queued = true;
        this.#unwritten++;
      }
    }
  }

  /**
   * The server acknowledged `ackId` — or, with `refused`, refused it: it ends with that error and is
   * not sent again. Returns false for ids this outbox does not know.
   */
  acknowledge(ackId: string, refused?: AuthSocketError): boolean {
    const key = this.#byAckId.get(ackId);
    if (key === undefined) return false;
    const entry = this.#entries.get(key)!;
    this.#remove(key, entry);
    entry.fate.settle(refused ?? { queued: entry.queued, acked: true });
    return true;
  }

  /** Rejects every message not yet ended with `error`; returns how many there were. */
  rejectAll(error: AuthSocketError): number {
    const all = [...this.#entries];
    for (const [key, entry] of all) this.#remove(key, entry);
    for (const [, entry] of all) entry.fate.settle(error);
    return all.length;
  }

  #markWritten(key: number, entry: Entry): void {
    entry.written = true;
    this.#unwritten--;
    if (entry.ackId !== null) return;
    this.#remove(key, entry);
    entry.fate.settle({ queued: entry.queued, acked: false });
  }

  #expire(key: number): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    entry.expiry = null;
    this.#remove(key, entry);
    entry.fate.settle(
      new AuthSocketError(
        'send-expired',
        (typeof ngDevMode === 'undefined' || ngDevMode) &&
          `message ${entry.written ? 'was not acknowledged' : 'could not be sent'} within its time-to-live (${this.#ttlMs} ms)`,
      ),
    );
  }

  #remove(key: number, entry: Entry): void {
    this.#entries.delete(key);
    if (!entry.written) this.#unwritten--;
    if (entry.ackId !== null) this.#byAckId.delete(entry.ackId);
    if (entry.expiry !== null) {
      this.#timers.clearTimeout(entry.expiry);
      entry.expiry = null;
    }
  }
}
