import { InjectionToken } from '@angular/core';
import { checkNumber } from '../config';
import { AUTH_SOCKET_REQUESTS, AuthSocketFeature } from '../features';
import { RequestTracker } from './request-tracker';

/** Options of {@link withRequests}. */
export interface RequestsConfig {
  /** Default deadline of `request()`, in ms (default 10000); one call can pass its own. */
  readonly timeoutMs?: number;
}

/**
 * Request/reply over the socket — `socket.request(message)` sends it with an `id` and emits the
 * first message that comes back with the same `id`, within a deadline, or fails typed
 * (`request-timeout`, `request-interrupted`). Without this feature `request()` throws
 * `invalid-config`.
 *
 * @throws AuthSocketError `invalid-config` for a timeout below 1 ms.
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
