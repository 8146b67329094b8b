import { Signal, WritableSignal, signal } from '@angular/core';
import { Observable, Subscriber } from 'rxjs';
import type { SocketMessage } from '../config';
import type { SendReceipt } from '../messaging/receipt';
import type { ChannelEntry, ChannelPresence, ChannelState } from './channel-membership';

/** What a channel handle needs from its service. */
export interface ChannelPorts {
  /** A subscriber of the channel arrived (+1) or left (-1): joins, leaves and socket demand. */
  subscribersChanged(entry: ChannelEntry, delta: 1 | -1): void;
  send(message: object): Observable<SendReceipt>;
  request<T extends SocketMessage>(message: object, options: { timeoutMs?: number }): Observable<T>;
  /** Puts a message in the channel (the configured `scope`). */
  scope(message: object, channel: string): object;
}

/**
 * One server-side channel (room, topic, group) on the authenticated socket, from
 * `socket.channel(name, params)`. Joined while anything subscribes to `messages$` or `presence$`
 * (one join however many subscribers), left a grace period after the last one leaves, joined again
 * by itself after every reconnect and token rotation. The same name gives the same handle.
 *
 * @usageNotes
 * ```ts
 * const room = inject(AuthSocketService).channel<ChatMessage>('room:42');
 * readonly lines = toSignal(room.messages$.pipe(scan((all, m) => [...all, m], [] as ChatMessage[])), { initialValue: [] });
 * readonly online = toSignal(room.presence$.pipe(map((p) => p.members)), { initialValue: [] });
 * post(text: string) { room.send({ type: 'chat', text }).subscribe(); }   // {type, text, channel: 'room:42'}
 * ```
 */
export class AuthSocketChannel<T extends SocketMessage = SocketMessage> {
  readonly #entry: ChannelEntry;
  readonly #ports: ChannelPorts;
  readonly #state: WritableSignal<ChannelState>;

  /** The channel's messages; subscribing joins (when logged in). Control frames never appear here. */
  readonly messages$: Observable<T>;
  /** The channel's state and every change of it; replays the current one. Does not join. */
  readonly state$: Observable<ChannelState>;
  /** The channel's state, for templates. */
  readonly state: Signal<ChannelState>;
  /** The members and each change (`joined` / `left` since the previous value); replays the current one. Subscribing joins. */
  readonly presence$: Observable<ChannelPresence>;

  /** @internal Made by `AuthSocketService.channel()`. */
  constructor(entry: ChannelEntry, ports: ChannelPorts) {
    this.#entry = entry;
    this.#ports = ports;
    this.#state = signal(entry.state.value);
    this.state = this.#state.asReadonly();
    // Skips the current value it already has: a handle may be made inside a `computed()`, where
    // writing a signal is not allowed.
    let current = true;
    entry.state.subscribe((s) => (current ? (current = false) : this.#state.set(s)));
    this.state$ = entry.state.asObservable();
    this.messages$ = new Observable<T>((subscriber) => {
      const listener = subscriber as unknown as Subscriber<SocketMessage>;
      entry.listeners.add(listener);
      ports.subscribersChanged(entry, 1);
      return () => {
        entry.listeners.delete(listener);
        ports.subscribersChanged(entry, -1);
      };
    });
    this.presence$ = new Observable<ChannelPresence>((subscriber) => {
      const subscription = entry.presence.subscribe(subscriber);
      ports.subscribersChanged(entry, 1);
      return () => {
        subscription.unsubscribe();
        ports.subscribersChanged(entry, -1);
      };
    });
  }

  /** The channel's name. */
  get name(): string {
    return this.#entry.name;
  }

  /** Sends `message` in this channel (it gets the channel's name), like `AuthSocketService.send()`. */
  send(message: object): Observable<SendReceipt> {
    return this.#ports.send(this.#ports.scope(message, this.#entry.name));
  }

  /**
   * A request in this channel, like `AuthSocketService.request()`.
   * @throws AuthSocketError `invalid-config` without `withRequests()` in `provideAuthSocket(…)`.
   */
  request<R extends SocketMessage = SocketMessage>(
    message: object,
    options: { timeoutMs?: number } = {},
  ): Observable<R> {
    return this.#ports.request<R>(this.#ports.scope(message, this.#entry.name), options);
  }
}
