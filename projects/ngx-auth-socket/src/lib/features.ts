import { EnvironmentProviders, InjectionToken, Provider } from '@angular/core';
import { HeartbeatConfig, SocketMessage, checkNumber } from './config';
import { Heartbeat } from './connection/heartbeat';
import { ResumeTracker } from './messaging/resume-tracker';
import { AuthSocketRuntime } from './runtime';
import type { ConnectionExtension, ConnectionLike, FeatureWrite } from './connection/connection-like';
import { AuthSocketError } from './errors';
import type { TokenRotationMoves } from './connection/lifecycle-types';
import type { AuthSocketChannel, ChannelPorts } from './channels/auth-socket-channel';
import type { ChannelEntry, ChannelMembership, ChannelResync } from './channels/channel-membership';
import type { SharedConnectionPorts } from './tabs/shared-connection';
import type { RequestTracker } from './messaging/request-tracker';

/** The service's side of a shared connection (the channel and locks come from the feature). */
export type SharedTabsPorts = Omit<SharedConnectionPorts, 'channel' | 'locks'>;

/** The optional features `provideAuthSocket(config, ...features)` accepts. */
export type AuthSocketFeatureKind = 'heartbeat' | 'resume' | 'shared-tabs' | 'channels' | 'requests' | 'token-rotation';

/**
 * One optional feature, made by a `with…()` function. Features are separate so an app that does
 * not use one does not ship its code: the connection only reaches it through a DI token.
 */
export interface AuthSocketFeature<K extends AuthSocketFeatureKind = AuthSocketFeatureKind> {
  /** @internal */
  readonly ɵkind: K;
  /** @internal */
  readonly ɵproviders: Array<Provider | EnvironmentProviders>;
}

/** What {@link withHeartbeat} provides: the heartbeat of one connection, as its extension. */
export interface HeartbeatFeature {
  extension(runtime: Pick<AuthSocketRuntime, 'setTimeout' | 'clearTimeout'>): ConnectionExtension;
}

/** @internal Null unless {@link withHeartbeat} is used. */
export const AUTH_SOCKET_HEARTBEAT = new InjectionToken<HeartbeatFeature | null>('AUTH_SOCKET_HEARTBEAT', {
  factory: () => null,
});

/** What `withSharedTabs()` provides: turns the service's ports into a tab's share of one socket, or null (no BroadcastChannel). */
export interface SharedTabsFeature {
  share(ports: SharedTabsPorts): ConnectionLike | null;
}

/** @internal Null unless `withSharedTabs()` is used. */
export const AUTH_SOCKET_TABS = new InjectionToken<SharedTabsFeature | null>('AUTH_SOCKET_TABS', {
  factory: () => null,
});

/** @internal Null unless `withTokenRotation()` is used. */
export const AUTH_SOCKET_ROTATION = new InjectionToken<
  ((leadMs: number | false, canRefresh: boolean) => TokenRotationMoves) | null
>('AUTH_SOCKET_ROTATION', {
  factory: () => null,
});

/** @internal Null unless {@link withResume} is used; makes the tracker of one service. */
export const AUTH_SOCKET_RESUME = new InjectionToken<(() => ResumeTracker) | null>('AUTH_SOCKET_RESUME', {
  factory: () => null,
});

/**
 * Application-level heartbeat: while open, send `{"type":"ping"}` (or `ping()`) every `intervalMs`
 * and declare the connection dead (error `heartbeat-timeout`, then a reconnect) when nothing at all
 * arrives within `timeoutMs` of a ping. Browsers can take minutes to notice a dead TCP connection.
 * A `ping()` that throws, or whose frame the serializer cannot encode, is reported as
 * `encode-failed` and that ping is skipped (no answer is awaited for it).
 *
 * @throws AuthSocketError `invalid-config` for intervals or timeouts below 1 ms, or a `ping` or
 * `isPong` that is not a function.
 * @usageNotes
 * ```ts
 * provideAuthSocket({ url: '/channel/' }, withHeartbeat({ intervalMs: 20_000, timeoutMs: 5_000 }))
 * ```
 */
export function withHeartbeat(options: HeartbeatConfig = {}): AuthSocketFeature<'heartbeat'> {
  const intervalMs = options.intervalMs ?? 25_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  checkNumber('withHeartbeat intervalMs', intervalMs, 1);
  checkNumber('withHeartbeat timeoutMs', timeoutMs, 1);
  const ping = options.ping ?? (() => ({ type: 'ping' }));
  // The answer to our own ping (no id, no channel) is only that; a pong with an id or a channel
  // answers one of the app's pings and is the app's.
  const isPong =
    options.isPong ?? ((m: SocketMessage) => m.type === 'pong' && m['id'] === undefined && m['channel'] === undefined);
  if (typeof ping !== 'function' || typeof isPong !== 'function') {
    throw new AuthSocketError(
      'invalid-config',
      typeof ngDevMode === 'undefined' || ngDevMode
        ? 'withHeartbeat ping and isPong must be functions.'
        : 'withHeartbeat',
    );
  }
  const feature: HeartbeatFeature = {
    extension: (runtime) => {
      let heartbeat: Heartbeat | null = null;
      // A ping that cannot be built or encoded is reported (encode-failed) and not sent; nothing then
      // awaits its answer, so a healthy socket is not torn down for the app's bug. A ping that found
      // the socket closing awaits it still: a close that never completes is what the heartbeat is for.
      const sendPing = (write: FeatureWrite, report: (error: AuthSocketError) => void): boolean => {
        let frame: unknown;
        try {
          frame = ping();
        } catch (cause) {
          report(
            new AuthSocketError(
              'encode-failed',
              (typeof ngDevMode === 'undefined' || ngDevMode) && 'withHeartbeat ping() threw',
              { cause },
            ),
          );
          return false;
        }
        return write(frame) !== undefined;
      };
      return {
        // Any frame counts as life; only the answer to our ping is ours to consume.
        frame: (message, current) => {
          if (current) heartbeat?.alive();
          // The app's predicate sees every frame: one it throws on is not a pong, and is not lost.
          try {
            return isPong(message) === true;
          } catch {
            return false;
          }
        },
        ready: (write, fail, _refuse, report) => {
          heartbeat?.stop();
          heartbeat = new Heartbeat(
            runtime,
            intervalMs,
            timeoutMs,
            () => sendPing(write, report),
            () =>
              fail(
                new AuthSocketError(
                  'heartbeat-timeout',
                  (typeof ngDevMode === 'undefined' || ngDevMode) &&
                    `no answer to a heartbeat ping within ${timeoutMs} ms`,
                ),
              ),
          );
          heartbeat.start();
        },
        lost: () => {
          heartbeat?.stop();
          heartbeat = null;
        },
      };
    },
  };
  return { ɵkind: 'heartbeat', ɵproviders: [{ provide: AUTH_SOCKET_HEARTBEAT, useValue: feature }] };
}

/**
 * Resume after reconnects: remember the last `seq` of received messages, present it on the next
 * connection (ticket request `?resume=`, or the auth frame's `resume`), drop replayed duplicates,
 * and emit on `resync$` when the server cannot replay what was missed.
 *
 * @usageNotes
 * ```ts
 * provideAuthSocket({ url: '/channel/', delivery: { acks: true } }, withResume())
 * ```
 */
export function withResume(): AuthSocketFeature<'resume'> {
  return { ɵkind: 'resume', ɵproviders: [{ provide: AUTH_SOCKET_RESUME, useValue: () => new ResumeTracker() }] };
}

/** What `withChannels()` provides: the channel code, reached only through this token so apps without channels do not ship it. */
export interface ChannelsFeature {
  membership(
    timers: Pick<AuthSocketRuntime, 'setTimeout' | 'clearTimeout'>,
    graceMs: number,
    resume: boolean,
    resync: (event: ChannelResync) => void,
  ): ChannelMembership;
  handle(entry: ChannelEntry, ports: Omit<ChannelPorts, 'scope'>): AuthSocketChannel;
}

/** @internal Null unless `withChannels()` is used. */
export const AUTH_SOCKET_CHANNELS = new InjectionToken<ChannelsFeature | null>('AUTH_SOCKET_CHANNELS', {
  factory: () => null,
});

/** @internal Null unless `withRequests()` is used; makes the request tracker of one service. */
export const AUTH_SOCKET_REQUESTS = new InjectionToken<
  ((runtime: Pick<AuthSocketRuntime, 'setTimeout' | 'clearTimeout' | 'randomId'>) => RequestTracker) | null
>('AUTH_SOCKET_REQUESTS', { factory: () => null });
