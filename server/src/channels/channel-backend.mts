import type { ChatSubmission } from '../chat-room.mjs';
import type { ChannelChat } from '../server-messages.mjs';
import type { ChannelSnapshot } from './channel-replay.mjs';

/**
 * Where a channel's shared state lives: this process's memory (one node) or Redis (every node).
 * The channel service (`channel-service.mts`) is the same for both; it only ever talks to its
 * backend through this interface and hears back through {@link ChannelArrival}s, in the order the
 * backend saw them. A method may answer synchronously (memory) or with a promise (Redis); a
 * rejected promise means the store could not be reached.
 */
export type MaybePromise<T> = T | Promise<T>;

/** The store could not be reached: a join is refused `unavailable`, a chat closes its socket 1011. */
export class ChannelStoreUnavailable extends Error {
  override readonly name = 'ChannelStoreUnavailable';
}

/** What a channel's presence is: its members, and the version of that list (it grows with every change). */
export interface PresenceSnapshot {
  readonly version: number;
  readonly users: readonly string[];
}

/** News of a channel, from whichever node caused it (this one included), in order. */
export type ChannelArrival =
  /** A message accepted in the channel's life `epoch`. */
  | { readonly kind: 'message'; readonly epoch: string; readonly chat: ChannelChat }
  /** The members changed; `version` is the presence version after the change. */
  | { readonly kind: 'presence'; readonly version: number; readonly joined: readonly string[]; readonly left: readonly string[] }
  /** `user` was removed from the channel: every node tells that user's sockets (`kicked`). */
  | { readonly kind: 'kick'; readonly user: string; readonly reason: string }
  /** The feed was interrupted (Redis subscriber reconnected): something may have been missed. */
  | { readonly kind: 'reconnected' };

export interface ChannelBackend {
  /** Where arrivals go; called once, before anything else. */
  listen(arrive: (channel: string, arrival: ChannelArrival) => void): void;
  /** Start hearing the channel's arrivals (Redis: SUBSCRIBE); resolves once they flow. */
  subscribe(channel: string): MaybePromise<void>;
  /** Stop hearing them (no local member any more). */
  unsubscribe(channel: string): void;
  /**
   * The channel's position, and its history when asked (only resumes need it). `knownLatestSeq`:
   * the latest seq this node has delivered, so a store that went back in time starts a new epoch.
   */
  load(channel: string, options: { readonly history: boolean; readonly knownLatestSeq: number }): MaybePromise<ChannelSnapshot>;
  /**
   * Accepts a chat for every node: next seq, history, fan-out as a `message` arrival. False when
   * the sender's message id was processed before (dropped: acknowledged again, not sent again).
   */
  publish(channel: string, chat: ChatSubmission, knownLatestSeq: number): MaybePromise<boolean>;
  /** This node holds `user` in the channel (idempotent; refreshes a shared entry). */
  enter(channel: string, user: string): MaybePromise<PresenceSnapshot>;
  /** The channel's presence as it stands (after removing what expired). */
  readPresence(channel: string): MaybePromise<PresenceSnapshot>;
  /** This node no longer holds `user` in the channel (idempotent). */
  depart(channel: string, user: string): MaybePromise<void>;
  /**
   * Removes `user` from the channel on every node — presence at once, no grace — and sends a
   * `kick` arrival to every node. True if the user was a member.
   */
  kick(channel: string, user: string, reason: string): MaybePromise<boolean>;
  /**
   * Keeps this node's shared presence entries alive (Redis only; memory has nothing to expire).
   * Returns the users whose entries had vanished meanwhile (expired while this node stalled, or
   * removed by a kick).
   */
  refresh?(channel: string, users: readonly string[]): Promise<readonly string[]>;
  /** How often `refresh` must run (ms). */
  readonly refreshEveryMs?: number;
  /** Stops timers and listeners; the connections are closed by their owner. */
  close(): void;
}
