import { fullBucket, takeToken, type Bucket, type BucketRule } from './token-bucket.mjs';

/**
 * Inbound flow control for one socket: what replaced "close with 1008 when more than 64 frames
 * wait" (issue 11). That rule counted frames per TCP read rather than a real backlog, so the
 * client library flushing its outbox after connecting was closed and lost messages.
 *
 * Now frames are handled one at a time, in order, as they come; the socket is *not read* while
 * 1. a frame's async work is pending (a JWT check, a Redis publish): what follows it must see its
 *    outcome;
 * 2. the socket's token bucket is empty (a sustained flood): reading resumes when it refills;
 * 3. what the server has to send this socket is backed up (`setBlocked`): a client that does not
 *    read its replies is not read from either.
 * A paused socket stops TCP's receive window, so the sender is slowed by TCP itself: nothing is
 * dropped, nobody is closed, and the only memory held is what one TCP read brought in.
 */
export interface InboundPorts<F> {
  /** Handles one frame; a promise means async work is pending. Must not throw or reject. */
  handle(frame: F): Promise<void> | void;
  /** Reads from the socket, or stops (`ws` `resume()` / `pause()`). */
  setReading(on: boolean): void;
  now(): number;
  /** Runs `task` after `ms`; returns a cancel function. */
  later(task: () => void, ms: number): () => void;
}

export class InboundFlow<F> {
  private items: F[] = [];
  private head = 0;
  private bucket: Bucket;
  private busy = false;
  private blocked = false;
  private stopped = false;
  private pumping = false;
  private reading = true;
  private cancelRefill: (() => void) | null = null;

  constructor(
    private readonly ports: InboundPorts<F>,
    private readonly rule: BucketRule,
  ) {
    this.bucket = fullBucket(rule, ports.now());
  }

  /** Frames received and not handled yet. */
  get backlog(): number {
    return this.items.length - this.head;
  }

  push(frame: F): void {
    if (this.stopped) return;
    this.items.push(frame);
    this.pump();
  }

  /** The outbound side is backed up (`true`) or has drained (`false`). */
  setBlocked(blocked: boolean): void {
    this.blocked = blocked;
    this.pump();
  }

  /**
   * The socket is closing: drop what is queued and never handle anything again. Reading goes on,
   * so `ws` sees the client's answer to the close frame and the handshake can finish.
   */
  stop(): void {
    this.stopped = true;
    this.items = [];
    this.head = 0;
    this.cancelRefill?.();
    this.cancelRefill = null;
    this.pump();
  }

  private pump(): void {
    // A frame's handler may block or unblock us (its replies fill the send buffer); the loop
    // re-checks every condition, so a nested call has nothing to add.
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.canHandle() && this.backlog > 0) {
        const { bucket, waitMs } = takeToken(this.bucket, this.rule, this.ports.now());
        this.bucket = bucket;
        if (waitMs > 0) {
          this.cancelRefill = this.ports.later(() => {
            this.cancelRefill = null;
            this.pump();
          }, waitMs);
          break;
        }
        const pending = this.ports.handle(this.shift());
        if (pending) {
          this.busy = true;
          void pending.then(() => {
            this.busy = false;
            this.pump();
          });
        }
      }
    } finally {
      this.pumping = false;
    }
    const read = this.stopped || (this.canHandle() && this.backlog === 0);
    if (read !== this.reading) {
      this.reading = read;
      this.ports.setReading(read);
    }
  }

  private canHandle(): boolean {
    return !this.stopped && !this.busy && !this.blocked && this.cancelRefill === null;
  }

  /** O(1) dequeue; the array is compacted once the consumed part dominates it. */
  private shift(): F {
    const frame = this.items[this.head++]!;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return frame;
  }
}
