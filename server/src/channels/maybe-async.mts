import type { MaybePromise } from './channel-backend.mjs';

/**
 * `next(value)` once `value` is there: at once for a plain value (the memory backend), after it
 * resolves for a promise (Redis). Keeps one code path for both without making the synchronous
 * server asynchronous.
 */
export function then<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/**
 * Runs `work`; a synchronous throw and a rejection both end in `failed`, so a caller never has to
 * handle the two apart.
 */
export function attempt<T>(work: () => MaybePromise<T>, failed: (err: unknown) => MaybePromise<T>): MaybePromise<T> {
  let result: MaybePromise<T>;
  try {
    result = work();
  } catch (err) {
    return failed(err);
  }
  return result instanceof Promise ? result.catch(failed) : result;
}
