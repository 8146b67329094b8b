import { Injectable, Injector, Signal, inject, runInInjectionContext, signal } from '@angular/core';
import { BehaviorSubject, Observable, Subscription, isObservable } from 'rxjs';
import { AUTH_SOCKET_CONFIG, MaybeAsync } from '../config';

/**
 * The app's current JWT. Fed by `authTokenInterceptor` (captured from login responses or adopted
 * from another interceptor's Bearer header), by `set()`, or by the configured `tokenGetter`; read
 * by the socket before every connection attempt. Clearing it (logout) closes the socket.
 *
 * @usageNotes
 * ```ts
 * const store = inject(AuthTokenStore);
 * store.set(response.token);   // after login
 * store.clear();               // logout: the socket closes at once
 * ```
 */
@Injectable({ providedIn: 'root' })
export class AuthTokenStore {
  readonly #current = signal<string | null>(null);
  readonly #present = signal(false);
  // A subject beside the signal: socket logic must see a logout synchronously, not at the next
  // change detection, so that no message is delivered after it.
  readonly #changes = new BehaviorSubject<string | null>(null);
  readonly #injector = inject(Injector);
  readonly #getter = inject(AUTH_SOCKET_CONFIG, { optional: true })?.tokenGetter;
  /** @internal Set by `authTokenInterceptor` whenever it runs: dev-mode checks ask whether it is installed. */
  ɵinterceptorSeen = false;

  /** The current token, or null when logged out. */
  readonly token: Signal<string | null> = this.#current.asReadonly();
  /** True while a token is present. */
  readonly hasToken: Signal<boolean> = this.#present.asReadonly();
  /** The current token and every change of it (distinct values only). */
  readonly token$: Observable<string | null> = this.#changes.asObservable();

  /** Stores `token` (an empty string counts as no token). */
  set(token: string | null | undefined): void {
    const next = token ? token : null;
    if (next === this.#current()) return;
    this.#current.set(next);
    this.#present.set(next !== null);
    this.#changes.next(next);
  }

  /** Forgets the token: logout. */
  clear(): void {
    this.set(null);
  }

  /**
   * The token to use now: asks `getter` (by default the configured `tokenGetter`) when there is one,
   * else the stored token. The app's own getter's answer is stored; another socket's getter
   * (`provideAuthSocketAs()` with its own `tokenGetter`) is only read.
   * @internal
   */
  async resolve(getter = this.#getter, injector: Injector = this.#injector): Promise<string | null> {
    if (!getter) return this.#current();
    const value = await settle(runInInjectionContext(injector, getter));
    if (getter !== this.#getter) return value || null;
    this.set(value);
    return this.#current();
  }
}

/**
 * Awaits a value that may be plain, a promise or an observable (its first value; an observable
 * that completes empty rejects, so a hook that forgets to emit is an error, not a hang).
 */
export function settle<T>(value: MaybeAsync<T>): Promise<T> {
  if (!isObservable(value)) return Promise.resolve(value);
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    // Declared first: a synchronous first value arrives before subscribe() returns.
    let subscription: Subscription | undefined = undefined;
    subscription = value.subscribe({
      next: (v) => {
        settled = true;
        resolve(v);
        subscription?.unsubscribe();
      },
      error: reject,
      complete: () => settled || reject(new Error('the observable completed without a value')),
    });
    if (settled) subscription.unsubscribe();
  });
}
