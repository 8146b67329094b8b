/**
 * Outbound flow for one socket: what may wait to be sent to a client, and what happens when it
 * does not read (issue 11: a client that stopped reading made the server buffer every reply,
 * broadcast and replay, +319 MB for 300 MB of echoes).
 *
 * - Nothing more is handed to the socket while `highWaterBytes` are buffered in it; the rest waits
 *   here, and the inbound side stops reading this socket meanwhile (`congestion`), so a client's
 *   own requests can never pile up replies.
 * - A replay is streamed: its messages are serialised only when the socket takes them. What waits
 *   is references into the shared, bounded history, so a replay to a client that does not read
 *   costs the server `highWaterBytes`, not the replay's size.
 * - Live messages (broadcasts) queued here plus the socket's buffer may not exceed
 *   `maxBufferedBytes`: past it the client is not keeping up with the room, and `overflow` is
 *   called once (the socket is closed 4008 `slow_consumer`; the client resumes from its last seq).
 */
export interface OutboundPorts {
  /** Hands one text frame to the socket (`ws.send`). */
  write(text: string): void;
  /** Bytes handed to the socket and not yet taken by the kernel (`ws.bufferedAmount`). */
  bufferedBytes(): number;
  /** Backed up (`true`) or drained again (`false`). */
  congestion(congested: boolean): void;
  /** Over the byte cap; called once, after which nothing is written any more. */
  overflow(): void;
}

export interface OutboundLimits {
  /** Buffered bytes above which nothing more is handed to the socket until it drains. */
  readonly highWaterBytes: number;
  /** Buffered plus queued live bytes above which the client is a slow consumer. */
  readonly maxBufferedBytes: number;
}

/** A live message (counted against the cap) or a replayed one (serialised when written). */
type Item = { readonly text: string; readonly bytes: number } | { readonly value: object };

export class OutboundQueue {
  private items: Item[] = [];
  private head = 0;
  private queuedBytes = 0;
  private congested = false;
  private ended = false;

  constructor(
    private readonly ports: OutboundPorts,
    private readonly limits: OutboundLimits,
  ) {}

  /** Messages waiting here (not yet handed to the socket). */
  get backlog(): number {
    return this.items.length - this.head;
  }

  send(text: string): void {
    if (this.ended) return;
    if (this.backlog === 0 && this.ports.bufferedBytes() < this.limits.highWaterBytes) {
      this.ports.write(text);
    } else {
      const bytes = Buffer.byteLength(text);
      this.items.push({ text, bytes });
      this.queuedBytes += bytes;
    }
    this.settle();
  }

  /** Queues a replay, in order; each message is serialised when the socket takes it. */
  stream(values: readonly object[]): void {
    if (this.ended) return;
    for (const value of values) this.items.push({ value });
    this.flush();
  }

  /** The socket's buffer has emptied (its `'drain'` event). */
  drained(): void {
    this.flush();
  }

  /** The socket is closing: what waits is dropped (the client resumes from what it received). */
  end(): void {
    this.ended = true;
    this.items = [];
    this.head = 0;
    this.queuedBytes = 0;
  }

  private flush(): void {
    if (this.ended) return;
    while (this.backlog > 0 && this.ports.bufferedBytes() < this.limits.highWaterBytes) {
      const item = this.items[this.head++]!;
      if ('text' in item) {
        this.queuedBytes -= item.bytes;
        this.ports.write(item.text);
      } else {
        this.ports.write(JSON.stringify(item.value));
      }
    }
    if (this.backlog === 0) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.settle();
  }

  private settle(): void {
    const buffered = this.ports.bufferedBytes();
    if (buffered + this.queuedBytes > this.limits.maxBufferedBytes) {
      this.end();
      this.setCongested(false);
      return this.ports.overflow();
    }
    this.setCongested(this.backlog > 0 || buffered >= this.limits.highWaterBytes);
  }

  private setCongested(congested: boolean): void {
    if (congested === this.congested) return;
    this.congested = congested;
    this.ports.congestion(congested);
  }
}
