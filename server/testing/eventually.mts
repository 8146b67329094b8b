import { setTimeout as delay } from 'node:timers/promises';

/**
 * Resolves once `condition()` holds, polling every few ms; rejects after `waitMs`. For state the
 * server settles a moment after the client saw the event (a socket's close reaches the two ends
 * at slightly different times), never as a stand-in for a fixed sleep.
 */
export async function eventually(condition: () => boolean, waitMs = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${waitMs} ms`);
    await delay(5);
  }
}
