import { Observable } from 'rxjs';
import type { ResolvedAuthSocketConfig, SocketMessage } from '../config';
import type { AuthSocketError } from '../errors';
import type { ResyncEvent } from '../messaging/resume-tracker';
import type { AuthSocketRuntime } from '../runtime';
import type { Ticket } from '../ticket/ticket';
import type { DevChecks } from './dev-checks';
import type { TokenRotationMoves } from './lifecycle-types';
import type { ChannelMembership } from '../channels/channel-membership';
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
  /** A channel gained (+1) or lost (-1) a subscriber (`withChannels()`). */
  channelDemand(name: string, params: unknown, delta: 1 | -1): void;
  /** Starts when there is demand and nothing running. */
  reviewDemand(): void;
  connect(): void;
  disconnect(): void;
  tokenChanged(token: string | null): void;
  /** `reply`: the message is a request whose reply belongs to this tab only (shared tabs). */
  send(message: unknown, options?: { reply?: boolean }): Observable<SendReceipt>;
  destroy(): void;
}

/** How a connection reports outward. */
export interface ConnectionHooks {
  /** Hands a message to the app; true when it was the reply to one of this tab's requests. */
  deliver(message: SocketMessage): boolean | void;
  /** Hands `message` to the request waiting for it; false when it answers none (nothing delivered). */
  answer(message: SocketMessage): boolean;
  report(error: AuthSocketError): void;
  /** The server could not replay what was missed since `lastSeq`; the app should refetch. */
  resyncNeeded(event: ResyncEvent): void;
}

/**
 * What an optional feature adds to a connection (`withHeartbeat()`, `withResume()`,
 * `withChannels()`): it sees every frame first, may veto a delivery, and hears when a socket starts
 * or stops carrying traffic. The connection knows no feature by name.
 */
/**
 * Writes a feature's frame on the open socket: true when sent, false when no socket is open right
 * now (it is closing), undefined when the frame cannot be encoded (reported as `encode-failed`).
 */
export type FeatureWrite = (message: unknown) => boolean | undefined;

export interface ConnectionExtension {
  /** A frame from one of the connection's sockets (`current`: the one carrying traffic); true: the feature's own, not delivered. */
  frame?(message: SocketMessage, current: boolean): boolean;
  /** A message about to be delivered: false drops it (a replayed duplicate); undefined leaves it to the next feature. */
  admit?(message: SocketMessage): boolean | undefined;
  /**
   * A socket authenticated and carries traffic now: `write` sends on it, `fail` ends it, `refuse`
   * ends the message with this `id` (acknowledged delivery) with `error`, when the server refused it,
   * `report` tells the app (errors$, in every tab sharing the socket).
   */
  ready?(
    write: FeatureWrite,
    fail: (error: AuthSocketError) => void,
    refuse: (id: string, error: AuthSocketError) => void,
    report: (error: AuthSocketError) => void,
  ): void;
  /** The socket that carried traffic went away; `final`: the connection itself ends (no next socket). */
  lost?(final: boolean): void;
}

/** What the connection needs from the world besides the runtime. */
export interface ConnectionPorts extends ConnectionHooks {
  readonly config: ResolvedAuthSocketConfig;
  readonly runtime: AuthSocketRuntime;
  /** The token to use for the next attempt; sync when possible so specs need no microtask flush. */
  readToken(): string | null | Promise<string | null>;
  /** Stores a token obtained by `refresh()`. */
  storeToken(token: string): void;
  /** Requests a ticket; `resume` is the last `seq` seen, when resuming. */
  fetchTicket(token: string, resume: number | undefined): Observable<Ticket>;
  /** The app's refresh hook, or undefined when none is configured. */
  readonly refresh: (() => Promise<string | null | undefined>) | undefined;
  /** Set by `withTokenRotation()`. */
  readonly rotation: TokenRotationMoves | null;
  /** The features' hooks, in order: each frame goes through them until one claims it. */
  readonly extensions: readonly ConnectionExtension[];
  /** Set by `withResume()`: the point presented on every ticket request and auth frame. */
  readonly resume: { readonly point: number | undefined } | null;
  /** Dev-mode diagnostics; null in production builds. */
  readonly dev: DevChecks | null;
  /** Set by `withChannels()`: subscriber demand per channel, and the channel a message belongs to. */
  readonly channels: Pick<ChannelMembership, 'want' | 'unwant' | 'channelOf'> | null;
}
