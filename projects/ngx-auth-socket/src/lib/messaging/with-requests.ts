import { InjectionToken } from '@angular/core';
import { checkNumber } from '../config';
import { AUTH_SOCKET_REQUESTS, AuthSocketFeature } from '../features';
import { RequestTracker } from './request-tracker';

/** Options of {@link withRequests}. */
export interface RequestsConfig {
  /**
   * Deadline of a `request()` that passes none, in ms; one call can pass its own
   * (`request(message, { timeoutMs })`). `Infinity` waits as long as the socket stays up.
   * @default 10000
   */
  readonly timeoutMs?: number;
}

/**
 * Request/reply over the socket — `socket.request(message)` (and a channel's `request()`) sends
 * the message with an `id` and emits the first message that comes back with the same `id`, then
 * completes. It fails typed: `request-timeout` after the deadline, `request-interrupted` when the
 * connection drops (unless `delivery.acks` is on: then the request is sent again after the
 * reconnect), on logout, `unauthorized` or when the service is destroyed. A pending request keeps
 * the socket open like a subscriber. Without this feature `request()` throws `invalid-config`.
 *
 * @throws AuthSocketError `invalid-config`, when `withRequests()` is called, for a `timeoutMs`
 *   that is not a number ≥ 1.
 * @usageNotes
 * ```ts
 * provideAuthSocket({ url: '/channel/' }, withRequests({ timeoutMs: 5000 }))
 * ```
 */
export function withRequests(options: RequestsConfig = {}): AuthSocketFeature<'requests'> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  checkNumber('withRequests timeoutMs', timeoutMs, 1);
  const create: NonNullable<typeof AUTH_SOCKET_REQUESTS extends InjectionToken<infer F> ? F : never> = (runtime) =>
    new RequestTracker(runtime, timeoutMs);
  return { ɵkind: 'requests', ɵproviders: [{ provide: AUTH_SOCKET_REQUESTS, useValue: create }] };
}
