import type { Subscription } from 'rxjs';
import type { SocketLike } from '../runtime';
import type { Slot } from './lifecycle-types';

/** What the sockets of the slots report, each event tagged with the slot the socket is in now. */
export interface SlotEvents {
  opened(slot: Slot): void;
  frame(slot: Slot, data: unknown): void;
  closed(slot: Slot, code: number, reason: string): void;
}

interface SlotIo {
  ticket: Subscription | null;
  socket: SocketLike | null;
}

const WS_CONNECTING = 0;
const WS_OPEN = 1;

/** Detaches every handler first (nothing the socket still receives may reach anyone), then closes it with 1000. */
export function detachAndClose(socket: SocketLike, reason: string): void {
  socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
  if (socket.readyState === WS_OPEN || socket.readyState === WS_CONNECTING) socket.close(1000, reason);
}

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

  constructor(private readonly events: SlotEvents) {}

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
    if (socket) detachAndClose(socket, reason);
  }

  /**
   * The successor becomes current; returns the socket it replaced, still attached but no longer
   * heard through the slots (`withTokenRotation()` drains it).
   */
  swap(): SocketLike | null {
    const old = this.#io.current.socket;
    this.#io.current.socket = this.#io.next.socket;
    this.#io.next.socket = null;
    return old;
  }

  #slotOf(socket: SocketLike): Slot | null {
    return socket === this.#io.current.socket ? 'current' : socket === this.#io.next.socket ? 'next' : null;
  }
}
