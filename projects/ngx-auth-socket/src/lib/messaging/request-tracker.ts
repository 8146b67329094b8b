import { Observable, Subscriber } from 'rxjs';
import { checkNumber, SocketMessage } from '../config';
import type { ConnectionState } from '../connection/connection-state';
import { AuthSocketError } from '../errors';
import { AuthSocketRuntime } from '../runtime';
import { SendReceipt } from './receipt';

interface PendingRequest {
  readonly subscriber: Subscriber<SocketMessage>;
  readonly timer: unknown;
}

/** What a request needs from the connection it travels on. */
export interface RequestPort {
  send(message: unknown, options: { reply: true }): Observable<SendReceipt>;
  /** A pending request keeps the socket open, like a subscriber does. */
  subscribersChanged(delta: 1 | -1): void;
}

/**
 * Request/reply (`withRequests()`): requests waiting for their reply, by id. Every entry ends
 * replied, timed out, interrupted or unsubscribed, and is removed then: nothing stays behind.
 */
export class RequestTracker {
  readonly #pending = new Map<string, PendingRequest>();

  readonly #runtime: Pick<AuthSocketRuntime, 'setTimeout' | 'clearTimeout' | 'randomId'>;
  readonly #timeoutMs: number;

  constructor(runtime: Pick<AuthSocketRuntime, 'setTimeout' | 'clearTimeout' | 'randomId'>, timeoutMs: number) {
    this.#runtime = runtime;
    this.#timeoutMs = timeoutMs;
  }

  /** Requests waiting; a plain field because it is read for every received message. */
  size = 0;

  /**
   * Sends `message` with an id (its own string `id`, or a fresh one) over `port` and emits the
   * first message that comes back with that id. Cold: subscribing sends.
   * @throws AuthSocketError `invalid-config` for a `timeoutMs` that is not a number ≥ 1.
   */
  request<T extends SocketMessage>(message: object, timeoutMs: number | undefined, port: RequestPort): Observable<T> {
    if (timeoutMs !== undefined) checkNumber('request() timeoutMs', timeoutMs, 1);
    return new Observable<SocketMessage>((subscriber) => {
      if (typeof message !== 'object' || message === null || Array.isArray(message)) {
        subscriber.error(
          new AuthSocketError(
            'encode-failed',
            (typeof ngDevMode === 'undefined' || ngDevMode) && 'a request must be an object (it carries an id)',
          ),
        );
        return undefined;
      }
      const own = (message as { id?: unknown }).id;
      const id = typeof own === 'string' && own.length > 0 ? own : this.#runtime.randomId();
      const forget = this.#track(id, timeoutMs ?? this.#timeoutMs, subscriber);
      port.subscribersChanged(1);
      const sending = port.send({ ...message, id }, { reply: true }).subscribe({
        error: (error: unknown) => {
          forget();
          // A cancelled send means the connection (or the login) went away: that is an interruption.
          subscriber.error(
            error instanceof AuthSocketError && error.code === 'send-cancelled'
              ? new AuthSocketError(
                  'request-interrupted',
                  (typeof ngDevMode === 'undefined' || ngDevMode) && 'the request was cancelled before its reply',
                  { cause: error },
                )
              : error,
          );
        },
      });
      return () => {
        forget();
        sending.unsubscribe();
        port.subscribersChanged(-1);
      };
    }) as Observable<T>;
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

  /**
   * Requests waiting for a reply fail when authentication is lost, and, without acks (which
   * re-send them after a reconnect), when the open connection drops.
   */
  stateChanged(previous: ConnectionState['kind'], next: ConnectionState, acks: boolean): void {
    if (this.size === 0 || next.kind === previous) return;
    const terminal = next.kind === 'idle' || next.kind === 'unauthorized' || next.kind === 'closed';
    const dropped = previous === 'open' && next.kind !== 'open' && !acks;
    if (terminal || dropped) {
      this.failAll(
        new AuthSocketError(
          'request-interrupted',
          (typeof ngDevMode === 'undefined' || ngDevMode) &&
            `the connection went ${next.kind} before the reply arrived`,
        ),
      );
    }
  }

  /** Fails every waiting request with `error`. */
  failAll(error: AuthSocketError): void {
    const entries = [...this.#pending.values()];
    for (const id of [...this.#pending.keys()]) this.#forget(id);
    for (const entry of entries) entry.subscriber.error(error);
  }

  #track(id: string, timeoutMs: number, subscriber: Subscriber<SocketMessage>): () => void {
    if (this.#pending.has(id)) {
      subscriber.error(
        new AuthSocketError(
          'encode-failed',
          (typeof ngDevMode === 'undefined' || ngDevMode) && 'a request with this id is already waiting for its reply',
        ),
      );
      return () => undefined;
    }
    const timer = this.#runtime.setTimeout(() => {
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

  #forget(id: string): boolean {
    const entry = this.#pending.get(id);
    if (!entry) return false;
    this.#pending.delete(id);
    this.size = this.#pending.size;
    this.#runtime.clearTimeout(entry.timer);
    return true;
  }
}
