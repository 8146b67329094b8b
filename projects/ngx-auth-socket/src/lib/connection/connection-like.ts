import { Observable } from 'rxjs';
import { SendReceipt } from '../messaging/receipt';
import { ConnectionState } from './connection-state';

/**
 * What `AuthSocketService` drives: the socket's own connection, or (with `withSharedTabs()`) a
 * tab's share of the one connection the leader tab holds.
 */
export interface ConnectionLike {
  readonly state$: Observable<ConnectionState>;
  readonly state: ConnectionState;
  /** A message stream gained (+1) or lost (-1) a subscriber. */
  subscribersChanged(delta: 1 | -1): void;
  /** Starts when there is demand and nothing running. */
  reviewDemand(): void;
  connect(): void;
  disconnect(): void;
  tokenChanged(token: string | null): void;
  /** `reply`: the message is a request whose reply belongs to this tab only (shared tabs). */
  send(message: unknown, options?: { reply?: boolean }): Observable<SendReceipt>;
  destroy(): void;
}
