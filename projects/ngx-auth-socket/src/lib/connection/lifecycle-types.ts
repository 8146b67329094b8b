/**
 * The vocabulary of the connection lifecycle: its phases (each carrying exactly what it needs),
 * the events that move it and the effects it asks the driver to perform. `transition()` in
 * `lifecycle.ts` is the only code that turns one phase into the next.
 */
import type { ResolvedAuthSocketConfig } from '../config';
import type { AuthSocketError } from '../errors';
import type { Ticket } from '../ticket/ticket';
import type { ActiveAuthMode, ConnectionState } from './connection-state';
import type { Handover, HandoverHost } from './handover';

/** The socket that carries traffic (`current`) or the one replacing it during a token rotation (`next`). */
export type Slot = 'current' | 'next';

/**
 * - `deadline`: the current attempt's ticket, connect or auth-ack deadline.
 * - `successor`: the deadline of a rotation (re-auth ack, or the next socket's ticket/connect/ack).
 * - `retry`: the backoff before the next attempt.
 * - `stable`: open this long → the run of attempts starts again at 1.
 * - `idle`: the grace period after the last subscriber left.
 * - `refresh`: refresh the token ahead of its `exp`.
 */
export type TimerName = 'deadline' | 'successor' | 'retry' | 'stable' | 'idle' | 'refresh';

/** The attempts since the connection was last stable. */
export interface Run {
  /** Number of the attempt in progress or next (1 = the first). */
  readonly attempt: number;
  /** The refresh hook already ran for a rejection in this run: it runs once per run. */
  readonly refreshUsed: boolean;
}

/** Why a `closed` connection stopped. */
export type ClosedReason = Extract<ConnectionState, { kind: 'closed' }>['reason'];

/**
 * Authenticating one socket, step by step: read the token (the `tokenGetter` may be async), fetch
 * a ticket (ticket mode), open the socket, wait for the auth ack (first-message mode). The current
 * attempt and a make-before-break successor go through the same steps.
 */
export interface Progress {
  readonly step: 'reading-token' | 'fetching-ticket' | 'connecting' | 'authenticating';
  readonly mode: ActiveAuthMode;
  /** Null only while reading it. */
  readonly token: string | null;
}

/**
 * A token change while open, in progress (all but `deferred` come with `withTokenRotation()`):
 * - `refreshing`: the app's `refreshToken()` runs ahead of expiry; `stored` is a token the store
 *   received meanwhile (the interceptor capturing the refresh response: it *is* this refresh).
 * - `reauth`: the auth frame with `token` went out on the open socket; waiting for the ack.
 * - `successor`: make-before-break: a second socket authenticates (`progress`) and replaces the
 *   open one once it is ready.
 */
export type Rotation =
  /**
   * Without `withTokenRotation()`: the store has a newer `token`; the open socket keeps the one it
   * authenticated with until it ends, and the next socket uses the newest.
   */
  | { readonly kind: 'deferred'; readonly token: string }
  | { readonly kind: 'refreshing'; readonly stored: string | null }
  | { readonly kind: 'reauth'; readonly token: string }
  | { readonly kind: 'successor'; readonly progress: Progress };

/** Where the lifecycle is. Each phase holds what that phase needs and nothing else. */
export type Phase =
  | { readonly kind: 'idle' }
  /** An attempt to authenticate the current socket (public states fetching-ticket, connecting, authenticating). */
  | { readonly kind: 'attempt'; readonly run: Run; readonly progress: Progress }
  | {
      readonly kind: 'open';
      readonly run: Run;
      readonly token: string;
      readonly mode: ActiveAuthMode;
      readonly since: number;
      readonly rotation: Rotation | null;
    }
  | {
      readonly kind: 'refreshing-token';
      readonly run: Run;
      /** The refused token: a refresh that yields it again is no new token. */
      readonly failed: string | null;
      /** A token the store received while the hook ran. */
      readonly stored: string | null;
      readonly error: AuthSocketError;
    }
  | {
      readonly kind: 'reconnecting';
      readonly run: Run;
      readonly delayMs: number;
      readonly retryAt: number;
      readonly error: AuthSocketError;
    }
  | { readonly kind: 'waiting-for-network'; readonly run: Run }
  | { readonly kind: 'unauthorized'; readonly error: AuthSocketError }
  | {
      readonly kind: 'closed';
      readonly reason: ClosedReason;
      readonly error?: AuthSocketError;
      /** With `forbidden`: the refused user (`sub`), so only another user's token restarts. */
      readonly subject?: string;
    };

/** The whole lifecycle state. */
export interface Lifecycle {
  readonly phase: Phase;
  /** Subscribers, queued sends, pending requests or `keepAlive` want the socket. */
  readonly interest: boolean;
  /** `connect()` was called (and `disconnect()` not since): connected without interest. */
  readonly pinned: boolean;
  /** `auto` mode learned that the server has no ticket endpoint; kept for the service's life. */
  readonly noTicketEndpoint: boolean;
  /** The server did not acknowledge an in-band re-auth; token changes use a new socket from now on. */
  readonly noInBandReauth: boolean;
}

/** What moves the lifecycle. Socket, ticket and timer events come only from what is still current. */
export type LifecycleEvent =
  | { readonly type: 'interest'; readonly present: boolean }
  | { readonly type: 'connect' }
  | { readonly type: 'disconnect' }
  /** The token store changed (null: logout). */
  | { readonly type: 'token'; readonly token: string | null }
  /** The answer to `read-token`. */
  | { readonly type: 'token-read'; readonly token: string | null }
  | { readonly type: 'ticket'; readonly slot: Slot; readonly ticket: Ticket }
  | { readonly type: 'opened'; readonly slot: Slot }
  | { readonly type: 'auth-ack'; readonly slot: Slot }
  /** Anything that ended an attempt or a socket, as the typed error the app will see. */
  | { readonly type: 'failed'; readonly slot: Slot; readonly error: AuthSocketError }
  | { readonly type: 'refreshed'; readonly token: string | null }
  | { readonly type: 'refresh-failed'; readonly error: AuthSocketError }
  | { readonly type: 'timer'; readonly timer: TimerName }
  | { readonly type: 'network'; readonly change: 'online' | 'offline' | 'resumed' };

/** What the driver does for the lifecycle. */
export type Effect =
  /** Read the token (store or `tokenGetter`) → `token-read` or `failed` (`token-failed`). */
  | { readonly do: 'read-token' }
  | { readonly do: 'fetch-ticket'; readonly slot: Slot; readonly token: string }
  /** Open a socket in `slot`, with the ticket in the URL or (null) bare for first-message auth. */
  | { readonly do: 'open-socket'; readonly slot: Slot; readonly ticket: string | null }
  /** Send the auth frame built from `token` as the socket's next frame. */
  | { readonly do: 'send-auth'; readonly slot: Slot; readonly token: string }
  /** Cancel the slot's ticket request and close its socket (1000). */
  | { readonly do: 'drop'; readonly slot: Slot }
  /** Drop both slots and stop every timer but `idle`: the phase's resources, all released. */
  | { readonly do: 'teardown'; readonly reason: string }
  /** `next` becomes `current`; the old current finishes its replies and acks, then closes (1000). */
  | { readonly do: 'promote' }
  /** The current socket is authenticated: heartbeat, re-send unacknowledged, flush the outbox. */
  | { readonly do: 'went-open' }
  | { readonly do: 'start-timer'; readonly timer: TimerName; readonly ms: number }
  | { readonly do: 'stop-timer'; readonly timer: TimerName }
  /** Run the app's `refreshToken()` → `refreshed` or `refresh-failed`. */
  | { readonly do: 'refresh' }
  | { readonly do: 'store-token'; readonly token: string }
  | { readonly do: 'report'; readonly error: AuthSocketError }
  /** Reject every queued or unacknowledged send with `send-cancelled`. */
  | { readonly do: 'cancel-queued'; readonly why: string | false | null };

/** What the transition function reads besides the state and the event. */
export interface LifecycleEnv {
  readonly config: Pick<
    ResolvedAuthSocketConfig,
    | 'auth'
    | 'firstMessage'
    | 'onTokenChange'
    | 'reconnect'
    | 'ticketTimeoutMs'
    | 'connectTimeoutMs'
    | 'idleCloseDelayMs'
  >;
  /** `withTokenRotation()`'s moves (refresh, rotation while open), or null without the feature. */
  readonly rotation: TokenRotationMoves | null;
  readonly now: number;
  readonly online: boolean;
  /** A draw in [0, 1) for the backoff jitter. */
  random(): number;
}

/** The next state and the effects to perform, in order. */
export interface Step {
  readonly state: Lifecycle;
  readonly effects: readonly Effect[];
}

/** What `withTokenRotation()` adds to the lifecycle (`token-rotation.ts`). */
export interface TokenRotationMoves {
  /** A socket authenticated with `token`: schedule the refresh ahead of its `exp`. */
  opened(token: string, env: LifecycleEnv, out: Effect[]): void;
  /**
   * A refusal (401, 4001, `auth_error`): the `refreshing-token` phase when the refresh hook may run
   * (once per run), undefined otherwise (the core gives up: `unauthorized`).
   */
  refused(m: Lifecycle, run: Run, token: string | null, error: AuthSocketError, out: Effect[]): Lifecycle | undefined;
  /** Every event of the `refreshing-token` phase. */
  inRefreshing(
    m: Lifecycle,
    phase: Extract<Phase, { kind: 'refreshing-token' }>,
    e: LifecycleEvent,
    env: LifecycleEnv,
    out: Effect[],
  ): Lifecycle;
  /** A refreshed token that outlived its run: true when it was stored for the next attempt. */
  lateRefresh(m: Lifecycle, token: string | null, out: Effect[]): boolean;
  /** Runs the app's `refreshToken()` for the `refresh` effect; one run at a time. */
  refresher(hook: () => Promise<string | null | undefined>, dispatch: (event: LifecycleEvent) => void): () => void;
  /** Every event of the `open` phase comes here first; undefined leaves it to the core. */
  inOpen(
    m: Lifecycle,
    phase: Extract<Phase, { kind: 'open' }>,
    e: LifecycleEvent,
    env: LifecycleEnv,
    out: Effect[],
  ): Lifecycle | undefined;
  /** The connection's side of a make-before-break swap (`handover.ts`). */
  handover(host: HandoverHost): Handover;
}
