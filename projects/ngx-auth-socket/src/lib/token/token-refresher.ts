import { AuthSocketRuntime } from '../runtime';
import { readJwtExpiry, refreshAt } from './jwt';

const NOTHING_SCHEDULED = (): void => undefined;

/**
 * Runs the app's `refreshToken()` hook: one run at a time (a 401 and an expiry coming up share
 * it), and ahead of a JWT's `exp` when asked to.
 */
export class TokenRefresher {
  #running: Promise<string | null> | null = null;

  constructor(
    private readonly hook: (() => Promise<string | null | undefined>) | undefined,
    private readonly runtime: Pick<AuthSocketRuntime, 'setTimeout' | 'clearTimeout' | 'now'>,
    /** How long before `exp` to refresh; false: never ahead of time. */
    private readonly leadMs: number | false,
  ) {}

  /** Whether the app gave a hook at all. */
  get available(): boolean {
    return this.hook !== undefined;
  }

  /** The hook's new token (null: none), sharing a run already in progress. */
  refresh(): Promise<string | null> {
    if (!this.hook) return Promise.resolve(null);
    if (!this.#running) {
      const run = this.hook().then((t) => t ?? null);
      this.#running = run;
      const done = () => {
        if (this.#running === run) this.#running = null;
      };
      run.then(done, done);
    }
    return this.#running;
  }

  /**
   * Refreshes shortly before `token` expires and hands over the new token; returns the cancel
   * function (a no-op when nothing was scheduled: no hook, no `exp`, or already expired).
   */
  scheduleAhead(token: string, refreshed: (token: string) => void, failed: (cause: unknown) => void): () => void {
    // Decoding the JWT costs more than the checks that make it pointless: do those first.
    if (this.leadMs === false || !this.hook) return NOTHING_SCHEDULED;
    const expiresAt = readJwtExpiry(token);
    const now = this.runtime.now();
    if (expiresAt === undefined || expiresAt <= now) return NOTHING_SCHEDULED;
    const handle = this.runtime.setTimeout(() => {
      this.refresh().then((next) => {
        if (next && next !== token) refreshed(next);
      }, failed);
    }, refreshAt(expiresAt, now, this.leadMs) - now);
    return () => this.runtime.clearTimeout(handle);
  }
}
