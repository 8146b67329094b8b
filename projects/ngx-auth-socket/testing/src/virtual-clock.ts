interface Timer {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
}

/**
 * The library's time in specs: timers run only when the spec advances the clock, in due order
 * (timers scheduled while advancing run too when they fall inside the step), so backoff, ack and
 * heartbeat deadlines are exact and instant whatever the test runner.
 */
export class VirtualClock {
  #now: number;
  #nextId = 1;
  #timers: Timer[] = [];

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Timers scheduled and neither fired nor cleared. */
  get pending(): number {
    return this.#timers.length;
  }

  setTimeout(callback: () => void, ms: number): number {
    const id = this.#nextId++;
    this.#timers.push({ id, due: this.#now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  tick(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`tick(${ms}): time only moves forward`);
    const end = this.#now + ms;
    for (;;) {
      const next = this.#earliest();
      if (!next || next.due > end) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = next.due;
      next.callback();
    }
    this.#now = end;
  }

  #earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers) if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    return best;
  }
}
