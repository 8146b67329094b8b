import { Observable } from 'rxjs';
import type { ResolvedAuthSocketConfig } from '../config';
import { AuthSocketError } from '../errors';
import { encodeMessage, OutgoingFrame } from '../messaging/frame-codec';
import { Outbox, SendReceipt } from '../messaging/outbox';
import type { AuthSocketRuntime } from '../runtime';

/** Frames written per task when the outbox is flushed (see `flush()`). */
const FLUSH_CHUNK = 100;

/** How the send path reaches the connection that owns it. */
export interface OutgoingPorts {
  readonly config: ResolvedAuthSocketConfig;
  readonly runtime: AuthSocketRuntime;
  /** Writes to the open, authenticated socket; false when there is none. */
  write(frame: OutgoingFrame): boolean;
  report(error: AuthSocketError): void;
  /** Something was queued that still has to be written: it counts as demand for the socket. */
  queued(): void;
}

/**
 * The send path of a connection: checks and encodes what the app sends, keeps it in the bounded
 * outbox until it is written (with acks: acknowledged), and flushes the outbox into a socket that
 * just opened. Every message ends written or as a typed error on its receipt and on `errors$`.
 */
export class Outgoing {
  readonly outbox: Outbox;
  readonly #ports: OutgoingPorts;
  /** The next chunk of a flush, when one is waiting. */
  #flushTimer: unknown = null;

  constructor(ports: OutgoingPorts) {
    this.#ports = ports;
    this.outbox = new Outbox(ports.config.outboxLimit, ports.config.delivery.messageTtlMs, ports.runtime);
  }

  /**
   * Writes `message` now when `open`, else queues it. `refusedIn`: the state that refuses sends
   * (`closed`, `unauthorized`…), or null when sends are accepted.
   */
  send(message: unknown, refusedIn: string | null, open: boolean): Observable<SendReceipt> {
    if (refusedIn !== null) {
      return this.#reject(
        new AuthSocketError(
          'send-cancelled',
          (typeof ngDevMode === 'undefined' || ngDevMode) &&
            `cannot send while the connection is ${refusedIn}; call connect() first`,
        ),
      );
    }
    const { config, runtime } = this.#ports;
    let ackId: string | null = null;
    if (config.delivery.acks) {
      if (typeof message !== 'object' || message === null || Array.isArray(message)) {
        return this.#reject(
          new AuthSocketError(
            'encode-failed',
            (typeof ngDevMode === 'undefined' || ngDevMode) &&
              'with delivery.acks every message must be an object (it carries an id)',
          ),
        );
      }
      const own = (message as { id?: unknown }).id;
      ackId = typeof own === 'string' && own.length > 0 ? own : runtime.randomId();
      if (ackId !== own) message = { ...message, id: ackId };
    }
    const frame = encodeMessage(message, config.serializer);
    if (frame instanceof AuthSocketError) return this.#reject(frame);
    const receipt = this.outbox.add(frame, ackId, open ? (f) => this.#ports.write(f) : null);
    if (!receipt) {
      return this.#reject(
        new AuthSocketError(
          'outbox-full',
          (typeof ngDevMode === 'undefined' || ngDevMode) &&
            `outbox is full (${config.outboxLimit} messages not yet written or acknowledged)`,
        ),
      );
    }
    if (this.outbox.hasUnwritten) this.#ports.queued();
    return receipt;
  }

  /** A socket authenticated: unacknowledged messages go first, then what waited, in order. */
  wentOpen(): void {
    this.outbox.resendUnacknowledged();
    this.stopFlush();
    this.#flush();
  }

  stopFlush(): void {
    if (this.#flushTimer !== null) this.#ports.runtime.clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
  }

  /** Fails every message not yet written or acknowledged with `send-cancelled`. */
  cancelQueued(why: string | false | null): void {
    const count = this.outbox.size;
    if (count === 0) return;
    const error = new AuthSocketError(
      'send-cancelled',
      (typeof ngDevMode === 'undefined' || ngDevMode) &&
        `${count} message(s) were not sent or not acknowledged: ${why}`,
    );
    this.outbox.rejectAll(error);
    this.#ports.report(error);
  }

  /**
   * Writes what waits in the outbox, {@link FLUSH_CHUNK} frames per task: a full outbox (1000 by
   * default) flushed in one go would hold the main thread for tens of milliseconds.
   */
  #flush(): void {
    this.#flushTimer = null;
    if (this.outbox.flush((frame) => this.#ports.write(frame), FLUSH_CHUNK)) {
      this.#flushTimer = this.#ports.runtime.setTimeout(() => this.#flush(), 0);
    }
  }

  #reject(error: AuthSocketError): Observable<never> {
    this.#ports.report(error);
    return new Observable<never>((subscriber) => subscriber.error(error));
  }
}
