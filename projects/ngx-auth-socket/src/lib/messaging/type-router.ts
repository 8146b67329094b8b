import { Observable, Subscriber } from 'rxjs';
import { SocketMessage } from '../config';

type Listeners = readonly Subscriber<SocketMessage>[];
const NONE: Listeners = [];

/**
 * Routes each message to the subscribers of every message (`watch(null)`) and of its `type`
 * with one map lookup, however many types are watched: the cost per message does not grow with
 * the number of `on(type)` streams. Subscribers are kept in plain arrays replaced on every
 * (un)subscribe, so dispatch walks a stable snapshot without allocating or going through a
 * Subject per type.
 */
export class TypeRouter {
  readonly #routes = new Map<string, Listeners>();
  #all: Listeners = NONE;

  /** Delivers `message` to the subscribers of all messages, then to those of `message.type`. */
  dispatch(message: SocketMessage): void {
    const all = this.#all;
    for (let i = 0; i < all.length; i++) all[i].next(message);
    const route = this.#routes.get(message.type);
    if (route !== undefined) for (let i = 0; i < route.length; i++) route[i].next(message);
  }

  /** Messages of `type` (every message for `null`); the route exists while it has subscribers. */
  watch<T extends SocketMessage>(type: string | null, onSubscribersChanged: (delta: 1 | -1) => void): Observable<T> {
    return new Observable<T>((subscriber) => {
      const listener = subscriber as unknown as Subscriber<SocketMessage>;
      this.#update(type, (list) => [...list, listener]);
      onSubscribersChanged(1);
      return () => {
        this.#update(type, (list) => list.filter((l) => l !== listener));
        onSubscribersChanged(-1);
      };
    });
  }

  /** Completes every subscriber: the service is going away. */
  complete(): void {
    const everyone = [...this.#all, ...[...this.#routes.values()].flat()];
    this.#all = NONE;
    this.#routes.clear();
    for (const subscriber of everyone) subscriber.complete();
  }

  /** Number of types with at least one subscriber. */
  get size(): number {
    return this.#routes.size;
  }

  #update(type: string | null, change: (list: Listeners) => Listeners): void {
    if (type === null) {
      this.#all = change(this.#all);
      return;
    }
    const next = change(this.#routes.get(type) ?? NONE);
    if (next.length > 0) this.#routes.set(type, next);
    else this.#routes.delete(type);
  }
}
