import { AuthSocketError } from '../errors';
import type { ConnectionPorts } from './connection-like';
import type { LifecycleEvent } from './lifecycle-types';

/**
 * Reads the token for the lifecycle — `tokenGetter` (or the token store) before each attempt — and
 * turns the answer into an event. The hook may be sync, throw, or return a promise; an answer a
 * newer read superseded is ignored. (`refreshToken` runs in `withTokenRotation()`: `refresher()`.)
 */
export class TokenHooks {
  readonly #ports: Pick<ConnectionPorts, 'readToken'>;
  readonly #dispatch: (event: LifecycleEvent) => void;
  /** Answers of an older read are ignored: a newer attempt asked again. */
  #reads = 0;

  constructor(ports: Pick<ConnectionPorts, 'readToken'>, dispatch: (event: LifecycleEvent) => void) {
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
}
