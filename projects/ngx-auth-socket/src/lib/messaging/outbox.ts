import { Observable, ReplaySubject } from 'rxjs';
import { AuthSocketError } from '../errors';
import { OutgoingFrame } from './frame-codec';

/** Emitted once by the observable `send()` returns, when the frame was handed to the socket. */
export interface SendReceipt {
  /** True when the message waited in the outbox before it was written. */
  readonly queued: boolean;
}

/** One message waiting to be written, with the channel that reports its fate to its sender. */
interface PendingSend {
  readonly frame: OutgoingFrame;
  readonly fate: ReplaySubject<SendReceipt>;
}

/**
 * Bounded FIFO of frames sent while the socket is not open. Every entry ends either written
 * (`receipt` emits and completes) or rejected (`receipt` errors): nothing is dropped silently.
 */
export class Outbox {
  private readonly queue: PendingSend[] = [];

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.queue.length;
  }

  /** Queues `frame`; returns its receipt, or null when the outbox is full. */
  enqueue(frame: OutgoingFrame): Observable<SendReceipt> | null {
    if (this.queue.length >= this.limit) return null;
    const fate = new ReplaySubject<SendReceipt>(1);
    this.queue.push({ frame, fate });
    return fate.asObservable();
  }

  /**
   * Writes queued frames in order through `write` until it refuses one (returns false), which
   * stays at the head for the next flush.
   */
  flush(write: (frame: OutgoingFrame) => boolean): void {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (!write(head.frame)) return;
      this.queue.shift();
      head.fate.next({ queued: true });
      head.fate.complete();
    }
  }

  /** Rejects every queued frame with `error` and empties the outbox. */
  rejectAll(error: AuthSocketError): void {
    const rejected = this.queue.splice(0, this.queue.length);
    for (const entry of rejected) entry.fate.error(error);
  }
}
