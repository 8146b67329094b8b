import type { SocketLike } from 'ngx-auth-socket';

/** More events than this in one delivery means two parties answer each other forever. */
const MAX_EVENTS_PER_DELIVERY = 10_000;

/**
 * @internal The wire between the library's sockets and the test server: what the server does to a
 * client (open, message, close, error) is put in flight here and arrives, in order, at the next
 * `deliver()` — which the controller calls whenever a spec calls it — or at the latest in a
 * microtask. Never on a timer: nothing here waits on real time, so fake timers
 * (`jasmine.clock()`, `vi.useFakeTimers()`, `fakeAsync`) change nothing.
 *
 * Delivery is never re-entrant: an event put in flight while another is being delivered (a
 * subscriber that makes the spec's server answer at once) is delivered right after it, as a
 * browser runs one task at a time.
 */
export class TestNetwork {
  readonly #inFlight: Array<() => void> = [];
  #delivering = false;
  #scheduled = false;
  #closed = false;
  /** Counts everything that moved (events, client frames, new sockets): flush() settles when it stops. */
  #moves = 0;

  get moves(): number {
    return this.#moves;
  }

  /** Nothing in flight. */
  get quiet(): boolean {
    return this.#inFlight.length === 0;
  }

  /** Records that something happened on the client's side (a frame, a close, a new socket). */
  moved(): void {
    this.#moves++;
  }

  /** Puts an event in flight to a client. */
  post(event: () => void): void {
    if (this.#closed) return;
    this.#inFlight.push(event);
    this.#moves++;
    if (this.#scheduled) return;
    this.#scheduled = true;
    // A native promise, not queueMicrotask: fake-timer libraries may replace the latter.
    void Promise.resolve().then(() => {
      this.#scheduled = false;
      this.deliver();
    });
  }

  /**
   * Delivers every event in flight, and those they cause, in order. Called while a delivery runs
   * (from a subscriber), it returns at once: the running delivery carries on with what was added.
   * @throws Error when the events do not stop coming (two parties answering each other forever).
   */
  deliver(): void {
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      for (let count = 1; this.#inFlight.length > 0; count++) {
        if (count > MAX_EVENTS_PER_DELIVERY) {
          const left = this.#inFlight.length;
          this.#inFlight.length = 0;
          throw new Error(
            `ngx-auth-socket/testing: more than ${MAX_EVENTS_PER_DELIVERY} socket events in one delivery (${left} still in flight, dropped); ` +
              'something answers every message with another one without end.',
          );
        }
        this.#inFlight.shift()!();
      }
    } finally {
      this.#delivering = false;
    }
  }

  /**
   * Runs a server action whose events must be in flight together before the client reacts to any
   * (an `auth_error` frame and the close that follows it), then delivers them.
   */
  together(action: () => void): void {
    const delivering = this.#delivering;
    this.#delivering = true;
    try {
      action();
    } finally {
      this.#delivering = delivering;
    }
    this.deliver();
  }

  /** The test module was torn down: what is still in flight is dropped, nothing more is sent. */
  close(): void {
    this.#closed = true;
    this.#inFlight.length = 0;
  }
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** @internal What a client socket tells its server end. */
export interface ServerEnd {
  /** A frame the client sent (recorded at once: specs see it without waiting). */
  frame(data: unknown): void;
  /** The client called close(); `connecting` when it had not opened yet. */
  clientClosed(code: number, reason: string, connecting: boolean): void;
}

/**
 * @internal The client's end of an in-memory socket: what `createSocket()` returns to the library.
 * It behaves as the DOM WebSocket does where the library could tell the difference: `send()` throws
 * while CONNECTING and is ignored once closing; `close()` validates its code and reason; messages
 * that arrive after `close()` are dropped; closing a socket that never opened fails it (error, then
 * close 1006).
 */
export class TestClientSocket implements SocketLike {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;

  readyState: number = CONNECTING;
  binaryType: BinaryType = 'blob';
  readonly bufferedAmount = 0;
  readonly extensions = '';
  readonly protocol = '';
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  #server: ServerEnd | null = null;

  constructor(readonly url: string) {}

  /** @internal */
  connect(server: ServerEnd): void {
    this.#server = server;
  }

  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    if (this.readyState === CONNECTING) {
      throw new DOMException(
        "Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.",
        'InvalidStateError',
      );
    }
    // Browsers drop what is sent once the socket is closing or closed (only bufferedAmount grows).
    if (this.readyState !== OPEN) return;
    this.#server?.frame(data);
  }

  close(code?: number, reason?: string): void {
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
      throw new DOMException(
        `Failed to execute 'close' on 'WebSocket': The close code must be either 1000, or between 3000 and 4999. ${code} is neither.`,
        'InvalidAccessError',
      );
    }
    if (reason !== undefined && new TextEncoder().encode(reason).length > 123) {
      throw new DOMException(
        "Failed to execute 'close' on 'WebSocket': The close reason must not be greater than 123 UTF-8 bytes.",
        'SyntaxError',
      );
    }
    if (this.readyState === CLOSING || this.readyState === CLOSED) return;
    const connecting = this.readyState === CONNECTING;
    this.readyState = CLOSING;
    this.#server?.clientClosed(code ?? 1005, reason ?? '', connecting);
  }

  /** @internal The server accepted the connection. */
  deliverOpen(): void {
    if (this.readyState !== CONNECTING) return;
    this.readyState = OPEN;
    this.#fire('onopen', { type: 'open' });
  }

  /** @internal A frame from the server; dropped unless open, as browsers do. */
  deliverMessage(data: string | ArrayBuffer): void {
    if (this.readyState !== OPEN) return;
    const payload = typeof data !== 'string' && this.binaryType === 'blob' ? new Blob([data]) : data;
    this.#fire('onmessage', { type: 'message', data: payload });
  }

  /** @internal The connection ended: an error event first when it failed, then the close event. */
  deliverClose(code: number, reason: string, wasClean: boolean, failed = false): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    if (failed) this.#fire('onerror', { type: 'error' });
    this.#fire('onclose', { type: 'close', code, reason, wasClean });
  }

  /** Plain objects shaped like the DOM events: `CloseEvent` is not global everywhere specs run. */
  #fire(handler: 'onopen' | 'onmessage' | 'onclose' | 'onerror', init: Record<string, unknown>): void {
    const listener = this[handler] as ((this: unknown, event: unknown) => unknown) | null;
    listener?.call(this, { ...init, target: this, currentTarget: this });
  }
}
