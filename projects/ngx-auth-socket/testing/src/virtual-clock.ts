interface Timer {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
}

/** More timers than this in one step means a timer that re-arms itself without delay, forever. */
const MAX_TIMERS_PER_STEP = 100_000;

/**
 * Time that moves only when a spec moves it: timers run in due order (those scheduled while
 * advancing run too when they fall inside the step), so backoff, ack and heartbeat deadlines are
 * exact and instant. It uses no global timer or `Date`, so it works the same with or without fake
 * timers installed (`jasmine.clock()`, `vi.useFakeTimers()`, `fakeAsync`).
 *
 * `AuthSocketTestingController` runs the library on one; use one directly to drive code that takes
 * `setTimeout`/`clearTimeout`/`now` functions.
 *
 * @usageNotes
 * ```ts
 * const clock = new VirtualClock(Date.UTC(2030, 0, 1));
 * const fired: number[] = [];
 * clock.setTimeout(() => fired.push(clock.now()), 1000);
 * clock.tick(999);   // nothing yet
 * clock.tick(1);     // fired: [Date.UTC(2030, 0, 1) + 1000]
 * ```
 */
export class VirtualClock {
  #now: number;
  #nextId = 1;
  #timers: Timer[] = [];

  /** @param start where the clock starts, in ms since the epoch (default 0). */
  constructor(start = 0) {
    this.#now = start;
  }

  /** The virtual now, in ms since the epoch. */
  now(): number {
    return this.#now;
  }

  /** Timers scheduled and neither fired nor cleared. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Schedules `callback` at now + `ms` (negative delays count as 0); returns its handle. */
  setTimeout(callback: () => void, ms: number): number {
    const id = this.#nextId++;
    this.#timers.push({ id, due: this.#now + Math.max(0, ms || 0), callback });
    return id;
  }

  /** Cancels a timer; unknown handles are ignored, as `clearTimeout` does. */
  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  /**
   * Moves time forward by `ms`, running every timer that falls due on the way, in due order (ties
   * in the order they were scheduled). `afterEach` runs after each timer, e.g. to deliver what the
   * timer caused before the next one falls due.
   * @throws RangeError for a negative or non-numeric `ms`; Error when timers keep re-arming
   *   themselves inside the step without end.
   */
  tick(ms: number, afterEach?: () => void): void {
    if (!(ms >= 0)) throw new RangeError(`tick(${ms}): time only moves forward`);
    const end = this.#now + ms;
    for (let count = 1; ; count++) {
      const next = this.#earliest();
      if (!next || next.due > end) break;
      if (count > MAX_TIMERS_PER_STEP) {
        throw new Error(
          `tick(${ms}): more than ${MAX_TIMERS_PER_STEP} timers fell due in one step; a timer re-arms itself without delay?`,
        );
      }
      this.#run(next);
      afterEach?.();
    }
    this.#now = end;
  }

  /**
   * Moves time to the earliest pending timer and runs that one timer only (like
   * `vi.advanceTimersToNextTimer()`); returns how far time moved, in ms, or null when no timer is
   * pending.
   */
  next(): number | null {
    const next = this.#earliest();
    if (!next) return null;
    const moved = next.due - this.#now;
    this.#run(next);
    return moved;
  }

  #run(timer: Timer): void {
    this.#timers = this.#timers.filter((t) => t !== timer);
    this.#now = timer.due;
    timer.callback();
  }

  #earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers) if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    return best;
  }
}
