import { AuthSocketError } from '../errors';
import type { ConnectionPorts } from './connection-like';
import type { LifecycleEvent } from './lifecycle-types';

/**
 * Runs the app's token hooks for the lifecycle — `tokenGetter` (or the token store) before each
 * attempt, `refreshToken` when the lifecycle asks — and turns their answers into events. A hook
 * may be sync, throw, or return a promise; an answer a newer read superseded is ignored, and a
 * refresh already in flight answers a second need too.
 */
export class TokenHooks {
  readonly #ports: Pick<ConnectionPorts, 'readToken' | 'refresh'>;
  readonly #dispatch: (event: LifecycleEvent) => void;
  /** Answers of an older read are ignored: a newer attempt asked again. */
  #reads = 0;
  #refreshRun: Promise<unknown> | null = null;

  constructor(ports: Pick<ConnectionPorts, 'readToken' | 'refresh'>, dispatch: (event: LifecycleEvent) => void) {
    this.#ports = ports;
    this.#dispatch = dispatch;
  }

  read(): void {
    const read = ++this.#reads;
    let token: string | null | Promise<string | null>;
    try {
      token = this.#ports.readToken();
    } catch (cause) {
      token = Promise.reject(cause);
    }
    if (!(token instanceof Promise)) return this.#dispatch({ type: 'token-read', token });
    token.then(
      (value) => read === this.#reads && this.#dispatch({ type: 'token-read', token: value }),
      (cause: unknown) =>
        read === this.#reads &&
        this.#dispatch({
          type: 'failed',
          slot: 'current',
          error: new AuthSocketError(
            'token-failed',
            (typeof ngDevMode === 'undefined' || ngDevMode) && 'tokenGetter failed',
            { cause },
          ),
        }),
    );
  }

  refresh(): void {
    const hook = this.#ports.refresh;
    if (!hook || this.#refreshRun) return;
    const settled = (event: LifecycleEvent) => {
      this.#refreshRun = null;
      this.#dispatch(event);
    };
    const failed = (cause: unknown) =>
      settled({
        type: 'refresh-failed',
        error: new AuthSocketError(
          'refresh-failed',
          (typeof ngDevMode === 'undefined' || ngDevMode) && 'refreshToken() failed',
          { cause },
        ),
      });
    let run: Promise<string | null | undefined>;
    try {
      run = hook();
    } catch (cause) {
      run = Promise.reject(cause);
    }
    this.#refreshRun = run.then((token) => settled({ type: 'refreshed', token: token || null }), failed);
  }
}
