import { Observable, Subject } from 'rxjs';
import { SocketMessage } from '../config';

/**
 * Routes each message to the subscribers of its `type` with one map lookup, however many types
 * are watched: the cost per message does not grow with the number of `on(type)` streams.
 */
export class TypeRouter {
  private readonly routes = new Map<string, { subject: Subject<SocketMessage>; count: number }>();

  /** Delivers `message` to the subscribers of `message.type`, if any. */
  dispatch(message: SocketMessage): void {
    this.routes.get(message.type)?.subject.next(message);
  }

  /** A stream of messages of `type`; the route exists while it has subscribers. */
  watch<T extends SocketMessage>(type: string, onSubscribersChanged: (delta: 1 | -1) => void): Observable<T> {
    return new Observable<T>((subscriber) => {
      let route = this.routes.get(type);
      if (!route) {
        route = { subject: new Subject<SocketMessage>(), count: 0 };
        this.routes.set(type, route);
      }
      route.count++;
      const subscription = route.subject.subscribe((message) => subscriber.next(message as T));
      onSubscribersChanged(1);
      return () => {
        subscription.unsubscribe();
        const current = this.routes.get(type);
        if (current && --current.count === 0) this.routes.delete(type);
        onSubscribersChanged(-1);
      };
    });
  }

  /** Number of types with at least one subscriber. */
  get size(): number {
    return this.routes.size;
  }
}
