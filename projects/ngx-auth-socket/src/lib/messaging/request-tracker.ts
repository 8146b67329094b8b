import { Subscriber } from 'rxjs';
import { SocketMessage } from '../config';
import { AuthSocketError } from '../errors';
import { AuthSocketRuntime } from '../runtime';

interface PendingRequest {
  readonly subscriber: Subscriber<SocketMessage>;
  readonly timer: unknown;
}

/**
 * Requests waiting for their reply, by id. Every entry ends replied, timed out, interrupted or
 * unsubscribed, and is removed then: nothing stays behind.
 */
export class RequestTracker {
  readonly #pending = new Map<string, PendingRequest>();

  constructor(private readonly runtime: Pick<AuthSocketRuntime, 'setTimeout' | 'clearTimeout'>) {}

  /** Requests waiting; a plain field because it is read for every received message. */
  size = 0;

  /** Waits for the reply to `id`; returns the function that forgets it. */
  track(id: string, timeoutMs: number, subscriber: Subscriber<SocketMessage>): () => void {
    if (this.#pending.has(id)) {
      subscriber.error(
        new AuthSocketError(
          'encode-failed',
          (typeof ngDevMode === 'undefined' || ngDevMode) && 'a request with this id is already waiting for its reply',
        ),
      );
      return () => undefined;
    }
    const timer = this.runtime.setTimeout(() => {
      if (this.#forget(id))
        subscriber.error(
          new AuthSocketError(
            'request-timeout',
            (typeof ngDevMode === 'undefined' || ngDevMode) && `no reply within ${timeoutMs} ms`,
          ),
        );
    }, timeoutMs);
    this.#pending.set(id, { subscriber, timer });
    this.size = this.#pending.size;
    return () => this.#forget(id);
  }

  /** Hands `message` to the request it answers (same `id`); false when it answers none. */
  resolve(message: SocketMessage): boolean {
    const id = message['id'];
    if (typeof id !== 'string') return false;
    const entry = this.#pending.get(id);
    if (!entry) return false;
    this.#forget(id);
    entry.subscriber.next(message);
    entry.subscriber.complete();
    return true;
  }

  /** Fails every waiting request with `error`. */
  failAll(error: AuthSocketError): void {
    const entries = [...this.#pending.values()];
    for (const id of [...this.#pending.keys()]) this.#forget(id);
    for (const entry of entries) entry.subscriber.error(error);
  }

  #forget(id: string): boolean {
    const entry = this.#pending.get(id);
    if (!entry) return false;
    this.#pending.delete(id);
    this.size = this.#pending.size;
    this.runtime.clearTimeout(entry.timer);
    return true;
  }
}
