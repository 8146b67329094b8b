import { Observable, Subscriber } from 'rxjs';
import { AuthSocketError } from '../errors';
import { OutgoingFrame } from './frame-codec';

/** Emitted once by the observable `send()` returns, when the message reached its end. */
export interface SendReceipt {
  /** True when the message waited in the outbox before it was written. */
  readonly queued: boolean;
  /** True when the server acknowledged it (`delivery.acks`); false when it was only written. */
  readonly acked: boolean;
}

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
  /** The receipt or error once the message ended; replayed to late subscribers. */
  outcome: SendReceipt | AuthSocketError | null;
  /** Subscribers waiting for the outcome (a small list: usually none or one). */
  waiting: Subscriber<SendReceipt>[] | null;
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

  constructor(
    private readonly limit: number,
    private readonly ttlMs: number,
    private readonly timers: OutboxTimers,
  ) {}

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
  add(frame: OutgoingFrame, ackId: string | null, write: ((frame: OutgoingFrame) => boolean) | null): Observable<SendReceipt> | null {
    if (this.#entries.size >= this.limit) return null;
    const key = this.#nextKey++;
    const entry: Entry = { frame, ackId, outcome: null, waiting: null, written: false, queued: false, expiry: null };
    this.#entries.set(key, entry);
    if (ackId !== null) this.#byAckId.set(ackId, key);
    const canWrite = write !== null && this.#unwritten === 0;
    this.#unwritten++;
    if (canWrite && write(frame)) {
      this.#markWritten(key, entry);
    } else {
      entry.queued = true;
    }
    if (this.#entries.has(key) && Number.isFinite(this.ttlMs)) {
      entry.expiry = this.timers.setTimeout(() => this.#expire(key), this.ttlMs);
    }
    return receiptOf(entry);
  }

  /** Writes every unwritten message in order until `write` refuses one. */
  flush(write: (frame: OutgoingFrame) => boolean): void {
    for (const [key, entry] of this.#entries) {
      if (entry.written) continue;
      if (!write(entry.frame)) return;
      this.#markWritten(key, entry);
    }
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

  /** The server acknowledged `ackId`; returns false for ids this outbox does not know. */
  acknowledge(ackId: string): boolean {
    const key = this.#byAckId.get(ackId);
    if (key === undefined) return false;
    const entry = this.#entries.get(key)!;
    this.#remove(key, entry);
    settle(entry, { queued: entry.queued, acked: true });
    return true;
  }

  /** Rejects every message not yet ended with `error`; returns how many there were. */
  rejectAll(error: AuthSocketError): number {
    const all = [...this.#entries];
    for (const [key, entry] of all) this.#remove(key, entry);
    for (const [, entry] of all) settle(entry, error);
    return all.length;
  }

  #markWritten(key: number, entry: Entry): void {
    entry.written = true;
    this.#unwritten--;
    if (entry.ackId !== null) return;
    this.#remove(key, entry);
    settle(entry, { queued: entry.queued, acked: false });
  }

  #expire(key: number): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    entry.expiry = null;
    this.#remove(key, entry);
    const what = entry.written ? 'was not acknowledged' : 'could not be sent';
    settle(entry, new AuthSocketError('send-expired', `message ${what} within its time-to-live (${this.ttlMs} ms)`));
  }

  #remove(key: number, entry: Entry): void {
    this.#entries.delete(key);
    if (!entry.written) this.#unwritten--;
    if (entry.ackId !== null) this.#byAckId.delete(entry.ackId);
    if (entry.expiry !== null) {
      this.timers.clearTimeout(entry.expiry);
      entry.expiry = null;
    }
  }
}

// A hand-rolled one-shot replay instead of a ReplaySubject per message: `send()` is on the hot path
// and its receipt is usually never subscribed.
function receiptOf(entry: Entry): Observable<SendReceipt> {
  return new Observable<SendReceipt>((subscriber) => {
    if (entry.outcome !== null) {
      notify(subscriber, entry.outcome);
      return undefined;
    }
    (entry.waiting ??= []).push(subscriber);
    return () => {
      const waiting = entry.waiting;
      const i = waiting ? waiting.indexOf(subscriber) : -1;
      if (i >= 0) waiting!.splice(i, 1);
    };
  });
}

function settle(entry: Entry, outcome: SendReceipt | AuthSocketError): void {
  entry.outcome = outcome;
  const waiting = entry.waiting;
  entry.waiting = null;
  if (waiting) for (const subscriber of waiting) notify(subscriber, outcome);
}

function notify(subscriber: Subscriber<SendReceipt>, outcome: SendReceipt | AuthSocketError): void {
  if (outcome instanceof AuthSocketError) {
    subscriber.error(outcome);
  } else {
    subscriber.next(outcome);
    subscriber.complete();
  }
}
