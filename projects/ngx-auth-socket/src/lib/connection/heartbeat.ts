import { AuthSocketRuntime } from '../runtime';

/**
 * Pings while the socket is open and declares it dead when nothing at all arrives within
 * `timeoutMs` of a ping. Any received frame counts as a sign of life, so a busy connection never
 * waits on a pong.
 */
export class Heartbeat {
  #pingTimer: unknown = null;
  #deadline: unknown = null;
  #running = false;

  constructor(
    private readonly runtime: Pick<AuthSocketRuntime, 'setTimeout' | 'clearTimeout'>,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    /** Sends a ping; false when no answer is to be awaited (the ping could not be built or encoded). */
    private readonly ping: () => boolean,
    private readonly dead: () => void,
  ) {}

  start(): void {
    this.stop();
    this.#running = true;
    this.#schedulePing();
  }

  /** A frame arrived: the connection is alive. */
  alive(): void {
    if (this.#deadline === null) return;
    this.runtime.clearTimeout(this.#deadline);
    this.#deadline = null;
  }

  stop(): void {
    this.#running = false;
    for (const handle of [this.#pingTimer, this.#deadline]) if (handle !== null) this.runtime.clearTimeout(handle);
    this.#pingTimer = this.#deadline = null;
  }

  #schedulePing(): void {
    this.#pingTimer = this.runtime.setTimeout(() => {
      this.#pingTimer = null;
      // Armed before the ping: an answer that arrives while it is being written counts.
      const armed = this.#deadline === null;
      if (armed) {
        this.#deadline = this.runtime.setTimeout(() => {
          this.#deadline = null;
          this.stop();
          this.dead();
        }, this.timeoutMs);
      }
      // A ping that could not be made awaits no answer.
      if (!this.ping() && armed && this.#deadline !== null) {
        this.runtime.clearTimeout(this.#deadline);
        this.#deadline = null;
      }
      if (this.#running) this.#schedulePing();
    }, this.intervalMs);
  }
}
