import type { Subscription } from 'rxjs';
import type { AuthSocketRuntime, SocketLike } from '../runtime';
import type { Slot } from './lifecycle-types';

/** What the sockets of the slots report, each event tagged with the slot the socket is in now. */
export interface SlotEvents {
  opened(slot: Slot): void;
  frame(slot: Slot, data: unknown): void;
  closed(slot: Slot, code: number, reason: string): void;
  /** A frame from a socket a successor replaced; it is still heard until it closes. */
  drained(data: unknown): void;
  /** The replaced socket closed: nothing more comes from it. */
  drainedClosed(): void;
}

interface SlotIo {
  ticket: Subscription | null;
  socket: SocketLike | null;
}

const WS_CONNECTING = 0;
const WS_OPEN = 1;
/**
 * How long a replaced socket stays open. Browsers drop every message that arrives after `close()`
 * is called (readyState is no longer OPEN), so closing at once would lose what the server sent it
 * just before the successor took over; two seconds covers the frames in flight on any sane link.
 */
export const DRAIN_MS = 2000;

/**
 * The I/O handles of the two slots: the `current` socket, and the `next` one that replaces it
 * during a make-before-break token rotation, each with its ticket request. Handlers look the slot
 * up on every event, so a promoted socket reports as `current`; a dropped one reports nothing.
 */
export class SocketSlots {
  readonly #io: Record<Slot, SlotIo> = {
    current: { ticket: null, socket: null },
    next: { ticket: null, socket: null },
  };
  /** The replaced socket still draining, and the timer that closes it. */
  #draining: { socket: SocketLike; timer: unknown } | null = null;

  constructor(
    private readonly events: SlotEvents,
    private readonly timers: Pick<AuthSocketRuntime, 'setTimeout' | 'clearTimeout'>,
  ) {}

  /** Whether a replaced socket is still heard. */
  get draining(): boolean {
    return this.#draining !== null;
  }

  /** The socket that carries traffic, if any. */
  get current(): SocketLike | null {
    return this.#io.current.socket;
  }

  /** Keeps the slot's ticket request, cancelling an earlier one. */
  setTicketRequest(slot: Slot, request: Subscription | null): void {
    this.#io[slot].ticket?.unsubscribe();
    this.#io[slot].ticket = request;
  }

  /** Puts a new socket in `slot` and listens to it. */
  attach(slot: Slot, socket: SocketLike): void {
    this.#io[slot].socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      const at = this.#slotOf(socket);
      if (at) this.events.opened(at);
    };
    socket.onmessage = (event: MessageEvent) => {
      const at = this.#slotOf(socket);
      if (at) this.events.frame(at, event.data);
    };
    socket.onclose = (event: CloseEvent) => {
      const at = this.#slotOf(socket);
      if (!at) return;
      this.#io[at].socket = null;
      this.events.closed(at, event.code, event.reason);
    };
    // An error event is always followed by a close event, which carries what we act on.
    socket.onerror = () => undefined;
  }

  send(slot: Slot, frame: Parameters<SocketLike['send']>[0]): void {
    this.#io[slot].socket?.send(frame);
  }

  /** Cancels the slot's ticket request and closes its socket with 1000, detached first. */
  drop(slot: Slot, reason: string): void {
    this.setTicketRequest(slot, null);
    const socket = this.#io[slot].socket;
    this.#io[slot].socket = null;
    if (!socket) return;
    // Detach first: nothing this socket still receives may reach a subscriber.
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    if (socket.readyState === WS_OPEN || socket.readyState === WS_CONNECTING) socket.close(1000, reason);
  }

  /**
   * The successor becomes current. The old socket stays open for {@link DRAIN_MS} and is still
   * heard (`drained`): acks and replies to requests it carried, and messages the server sent it
   * before the successor existed, arrive there. Then it is closed with 1000.
   */
  promote(): void {
    const old = this.#io.current.socket;
    this.#io.current.socket = this.#io.next.socket;
    this.#io.next.socket = null;
    // A socket replaced two rotations ago is done: close it without ending the new overlap.
    this.#closeDraining(false);
    if (!old) return;
    old.onopen = old.onerror = null;
    old.onclose = () => {
      old.onmessage = old.onclose = null;
      if (this.#draining?.socket === old) {
        this.timers.clearTimeout(this.#draining.timer);
        this.#draining = null;
      }
      this.events.drainedClosed();
    };
    old.onmessage = (event: MessageEvent) => this.events.drained(event.data);
    this.#draining = { socket: old, timer: this.timers.setTimeout(() => this.closeDraining(), DRAIN_MS) };
  }

  /** Closes a replaced socket still draining (1000), now. */
  closeDraining(): void {
    this.#closeDraining(true);
  }

  #closeDraining(announce: boolean): void {
    const draining = this.#draining;
    if (!draining) return;
    this.#draining = null;
    this.timers.clearTimeout(draining.timer);
    const socket = draining.socket;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    if (socket.readyState === WS_OPEN || socket.readyState === WS_CONNECTING) socket.close(1000, 'token rotated');
    if (announce) this.events.drainedClosed();
  }

  #slotOf(socket: SocketLike): Slot | null {
    return socket === this.#io.current.socket ? 'current' : socket === this.#io.next.socket ? 'next' : null;
  }
}
