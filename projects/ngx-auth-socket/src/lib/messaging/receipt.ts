import { Observable, Subscriber } from 'rxjs';
import { AuthSocketError } from '../errors';

/** Emitted once by the observable `send()` returns, when the message reached its end. */
export interface SendReceipt {
  /** True when the message waited in the outbox before it was written. */
  readonly queued: boolean;
  /** True when the server acknowledged it (`delivery.acks`); false when it was only written. */
  readonly acked: boolean;
}

/**
 * The fate of one sent message: settled once with a receipt or an error, replayed to whoever
 * subscribes before or after. Hand-rolled instead of a ReplaySubject per message: `send()` is on
 * the hot path and its receipt is usually never subscribed.
 */
export class Fate {
  #outcome: SendReceipt | AuthSocketError | null = null;
  #waiting: Subscriber<SendReceipt>[] | null = null;

  get settled(): boolean {
    return this.#outcome !== null;
  }

  /** The receipt observable handed to the sender. */
  observe(): Observable<SendReceipt> {
    return new Observable<SendReceipt>((subscriber) => {
      if (this.#outcome !== null) {
        notify(subscriber, this.#outcome);
        return undefined;
      }
      (this.#waiting ??= []).push(subscriber);
      return () => {
        const i = this.#waiting ? this.#waiting.indexOf(subscriber) : -1;
        if (i >= 0) this.#waiting!.splice(i, 1);
      };
    });
  }

  /** Ends the message; later calls are ignored (a message ends once). */
  settle(outcome: SendReceipt | AuthSocketError): void {
    if (this.#outcome !== null) return;
    this.#outcome = outcome;
    const waiting = this.#waiting;
    this.#waiting = null;
    if (waiting) for (const subscriber of waiting) notify(subscriber, outcome);
  }
}

function notify(subscriber: Subscriber<SendReceipt>, outcome: SendReceipt | AuthSocketError): void {
  if (outcome instanceof AuthSocketError) {
    subscriber.error(outcome);
  } else {
    subscriber.next(outcome);
    subscriber.complete();
  }
}
