import type { AuthSocketRuntime, SocketLike } from '../runtime';
import { detachAndClose } from './socket-slots';
/**
 * How long a replaced socket stays open. Browsers drop every message that arrives after `close()`
 * is called (readyState is no longer OPEN), so closing at once would lose what the server sent it
 * just before the successor took over; two seconds covers the frames in flight on any sane link.
 */
export const DRAIN_MS = 2000;

/** A socket a successor replaced: heard until it closes, remembered for a moment after. */
export interface Draining {
  /** Closes it (1000) now, if still open, without reporting `closed` or `ended`. */
  close(): void;
}

/**
 * Keeps `old` open for {@link DRAIN_MS} after a make-before-break swap and hands what it still
 * receives to `frame`: acks and replies to requests it carried, and messages the server sent it
 * before the successor existed. `closed` runs when it closed (by itself or when the time was up),
 * `ended` {@link DRAIN_MS} later: the successor may still carry copies of what it delivered until
 * then, so what it delivered must be remembered that long. Neither runs after `close()`.
 */
export function drain(
  old: SocketLike,
  timers: Pick<AuthSocketRuntime, 'setTimeout' | 'clearTimeout'>,
  frame: (data: unknown) => void,
  closed: () => void,
  ended: () => void,
): Draining {
  let tail: unknown = null;
  const close = () => {
    timers.clearTimeout(timer);
    if (tail !== null) timers.clearTimeout(tail);
    detachAndClose(old, 'token rotated');
  };
  const end = () => {
    close();
    closed();
    tail = timers.setTimeout(ended, DRAIN_MS);
  };
  const timer = timers.setTimeout(end, DRAIN_MS);
  old.onopen = old.onerror = null;
  old.onclose = end;
  old.onmessage = (event: MessageEvent) => frame(event.data);
  return { close };
}
