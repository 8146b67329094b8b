import type { AuthSocketRuntime, SocketLike } from '../runtime';
import { detachAndClose } from './socket-slots';
/**
 * How long a replaced socket stays open. Browsers drop every message that arrives after `close()`
 * is called (readyState is no longer OPEN), so closing at once would lose what the server sent it
 * just before the successor took over; two seconds covers the frames in flight on any sane link.
 */
export const DRAIN_MS = 2000;

/** A socket a successor replaced, still heard until it closes. */
export interface Draining {
  /** Closes it (1000) now, without reporting `ended`. */
  close(): void;
}

/**
 * Keeps `old` open for {@link DRAIN_MS} after a make-before-break swap and hands what it still
 * receives to `frame`: acks and replies to requests it carried, and messages the server sent it
 * before the successor existed. `ended` runs once when it closed by itself or the time is up.
 */
export function drain(
  old: SocketLike,
  timers: Pick<AuthSocketRuntime, 'setTimeout' | 'clearTimeout'>,
  frame: (data: unknown) => void,
  ended: () => void,
): Draining {
  const close = () => {
    timers.clearTimeout(timer);
    detachAndClose(old, 'token rotated');
  };
  const end = () => {
    close();
    ended();
  };
  const timer = timers.setTimeout(end, DRAIN_MS);
  old.onopen = old.onerror = null;
  old.onclose = end;
  old.onmessage = (event: MessageEvent) => frame(event.data);
  return { close };
}
