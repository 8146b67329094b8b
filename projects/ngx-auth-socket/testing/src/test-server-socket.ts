import type { TestClientSocket, TestNetwork } from './test-network';

/** The app's `serializer` (the config's), as the kit uses it: the server writes, and reads the client. */
interface WireCodec {
  serialize(message: unknown): string | ArrayBufferLike | Blob | ArrayBufferView;
  deserialize(data: string | ArrayBuffer): unknown;
}

/**
 * Which client frame a spec expects: a message `type`, or a predicate over the parsed frame.
 *
 * @usageNotes
 * ```ts
 * socket.expectSent('chat');                                          // by type
 * socket.expectSent((f: any) => f.type === 'chat' && f.room === 'ops'); // by content
 * ```
 */
export type FrameMatcher = string | ((frame: unknown) => boolean);

/**
 * The server's end of one socket the library opened: what the client sent, and the means to
 * accept, answer, push and close. Frames the client sent are recorded the moment it sends them,
 * read with the app's `serializer` (JSON by default) where it can (raw text or binary otherwise),
 * and wait in `sent` until a spec takes them with `expectSent()` or `takeAll()`. What a spec pushes
 * is written with the same serializer, so specs speak in messages whatever the wire format.
 *
 * What the server does reaches the client at once when a spec calls it; called from inside a
 * library or subscriber callback, it arrives right after that callback returns (never on a timer).
 *
 * Get one from `AuthSocketTestingController.socket` (the newest) or `.sockets` (all, oldest first).
 *
 * @usageNotes
 * ```ts
 * const first = controller.socket;
 * expect(first.ticket).toBe('tk-1');
 * first.push({ type: 'chat', text: 'hi' });
 * first.close(1012, 'server_restart');
 * ```
 */
export class TestServerSocket {
  /** The URL the client connected to (the ticket is in its query). */
  readonly url: string;
  /** The subprotocols the client asked for (`protocols` in the config), in order. */
  readonly protocols: readonly string[];
  readonly #client: TestClientSocket;
  readonly #network: TestNetwork;
  readonly #number: number;
  readonly #serializer: WireCodec;
  readonly #sent: unknown[] = [];
  /** Every id the client sent on this socket, taken or not: what `ack()` may acknowledge. */
  readonly #ids = new Set<string>();
  #phase: 'waiting' | 'open' | 'closed' = 'waiting';
  #closed: { code: number; reason: string } | null = null;
  #closedBy: 'client' | 'server' | null = null;

  /** @internal Created by the testing controller for each socket the library opens. */
  constructor(
    client: TestClientSocket,
    protocols: readonly string[],
    network: TestNetwork,
    number: number,
    accept: boolean,
    serializer: WireCodec,
  ) {
    this.url = client.url;
    this.protocols = protocols;
    this.#client = client;
    this.#network = network;
    this.#number = number;
    this.#serializer = serializer;
    client.connect({
      frame: (data) => this.#frame(data),
      clientClosed: (code, reason, connecting) => this.#clientClosed(code, reason, connecting),
    });
    network.moved();
    if (accept) this.#accept();
  }

  /** The ticket the client presented in the URL, or null (first-message auth). */
  get ticket(): string | null {
    return new URL(this.url).searchParams.get('ticket');
  }

  /**
   * Where the connection stands on the server's side: `waiting` for `accept()` or `refuse()`
   * (only after `holdConnections()`), `open`, or `closed` (by either side).
   */
  get state(): 'waiting' | 'open' | 'closed' {
    this.#network.deliver();
    return this.#phase;
  }

  /** Frames the client sent that no spec has taken yet, oldest first. */
  get sent(): readonly unknown[] {
    this.#network.deliver();
    return this.#sent;
  }

  /**
   * The close code and reason once the socket closed, else null: the server's when it closed
   * first (`close()`, `refuse()`), else the client's (`1000` and the reason the library gave).
   */
  get closed(): { code: number; reason: string } | null {
    this.#network.deliver();
    return this.#closed;
  }

  /**
   * Accepts a connection held by `holdConnections()`: the client's `open` event arrives.
   * @throws Error when the connection is not waiting (accepted, refused or closed already).
   */
  accept(): void {
    this.#network.deliver();
    this.#assertWaiting('accept');
    this.#accept();
    this.#network.deliver();
  }

  /**
   * Refuses a connection held by `holdConnections()`, as a server that answers the upgrade with an
   * HTTP error or is down: the client sees an error, then close 1006.
   * @throws Error when the connection is not waiting.
   */
  refuse(): void {
    this.#network.deliver();
    this.#assertWaiting('refuse');
    this.#end('server', 1006, '');
    this.#network.post(() => this.#client.deliverClose(1006, '', false, true));
    this.#network.deliver();
  }

  /**
   * Takes the oldest frame the client sent that matches, and returns it.
   * @throws Error naming what was expected and listing what was sent, when nothing matches.
   */
  expectSent<T = Record<string, unknown>>(matcher: FrameMatcher): T {
    this.#network.deliver();
    const test = typeof matcher === 'string' ? (f: unknown) => typeOf(f) === matcher : matcher;
    const index = this.#sent.findIndex(test);
    if (index < 0) {
      const what = typeof matcher === 'string' ? `a "${matcher}" frame` : 'a frame matching the predicate';
      throw new Error(`Expected ${what} from the client; it sent ${describeFrames(this.#sent)}${this.#sentHint()}.`);
    }
    return this.#sent.splice(index, 1)[0] as T;
  }

  /** Takes every frame the client sent so far. */
  takeAll(): unknown[] {
    this.#network.deliver();
    return this.#sent.splice(0);
  }

  /**
   * Sends `message` to the client, written with the app's `serializer` (a JSON text frame by
   * default). On a socket the client is closing or closed, the frame is dropped on arrival, as a
   * browser drops it.
   * @throws Error when the server closed this socket, or has not accepted it yet, or when the
   * serializer cannot write `message` as text or bytes (it throws, or writes nothing or a `Blob`).
   */
  push(message: unknown): void {
    this.#send('push', this.#encode(message, 'push'));
  }

  /**
   * @internal Throws as `push()` would for a `message` the serializer cannot write, naming the
   * kit method `what`: the controller's answers check before they take the frame they answer.
   */
  assertWritable(message: unknown, what: string): void {
    this.#encode(message, what);
  }

  /** Sends a raw frame (not JSON, binary…) to the client; a `Blob` when the client's `binaryType` asks for one. */
  pushRaw(data: string | ArrayBuffer): void {
    this.#send('pushRaw', data);
  }

  /**
   * Acknowledges the client frame with this `id` (`{"type":"ack","id"}`), as a server does once it
   * processed it. Does not take the frame.
   * @throws Error when the client sent no frame with this id on this socket.
   */
  ack(id: string): void {
    if (!this.#ids.has(id)) {
      const known = [...this.#ids].map((i) => JSON.stringify(i)).join(', ') || 'none';
      throw new Error(
        `ack("${id}"): the client sent no frame with this id on socket ${this.#number}; ids it sent: ${known}.`,
      );
    }
    this.push({ type: 'ack', id });
  }

  /**
   * Closes the socket from the server's side; 1006 plays a connection lost without a close frame.
   * @throws Error when the socket is closed already (by either side) or was never accepted.
   */
  close(code: number, reason = ''): void {
    this.#network.deliver();
    if (this.#phase === 'waiting') {
      throw new Error(
        `close(): socket ${this.#number} is waiting to be accepted (holdConnections()); refuse() it instead.`,
      );
    }
    this.#assertNotClosed('close');
    this.#end('server', code, reason);
    this.#network.post(() => this.#client.deliverClose(code, reason, code !== 1006));
    this.#network.deliver();
  }

  #accept(): void {
    this.#phase = 'open';
    this.#network.post(() => this.#client.deliverOpen());
  }

  #send(what: string, data: string | ArrayBuffer): void {
    this.#network.deliver();
    if (this.#phase === 'waiting') {
      throw new Error(
        `${what}(): socket ${this.#number} is waiting to be accepted (holdConnections()); accept() it first.`,
      );
    }
    if (this.#closedBy === 'server') this.#assertNotClosed(what);
    this.#network.post(() => this.#client.deliverMessage(data));
    this.#network.deliver();
  }

  #frame(data: unknown): void {
    // A server that closed the connection reads nothing more from it.
    if (this.#closedBy === 'server') return;
    const frame = this.#decode(data);
    const id = idOf(frame);
    if (id !== undefined) this.#ids.add(id);
    this.#sent.push(frame);
    this.#network.moved();
  }

  /**
   * The app's serializer reads what the client sent (bytes as the `ArrayBuffer` a browser would
   * deliver); what it cannot read is kept raw.
   */
  #decode(data: unknown): unknown {
    const wire = ArrayBuffer.isView(data) ? bytesOf(data) : data;
    if (typeof wire !== 'string' && !(wire instanceof ArrayBuffer)) return data;
    try {
      return this.#serializer.deserialize(wire);
    } catch {
      return data;
    }
  }

  #encode(message: unknown, what: string): string | ArrayBuffer {
    let frame: unknown;
    try {
      frame = this.#serializer.serialize(message);
    } catch (error) {
      throw new Error(`${what}(): the app's serializer could not write ${describe(message)}: ${String(error)}`);
    }
    if (typeof frame === 'string' || frame instanceof ArrayBuffer) return frame;
    if (ArrayBuffer.isView(frame)) return bytesOf(frame);
    throw new Error(
      `${what}(): the app's serializer wrote ${describe(frame)} for ${describe(message)}, not text or bytes; ` +
        'to send such a frame, make it a string or an ArrayBuffer and use pushRaw()',
    );
  }

  #clientClosed(code: number, reason: string, connecting: boolean): void {
    this.#network.moved();
    // Both sides closed at once (the server's close is still in flight): the server's stands.
    if (this.#closedBy === 'server') return;
    this.#end('client', code, reason);
    // Closing a socket that has not opened fails it: error, then 1006. Otherwise the server
    // answers the close handshake and the client's close event carries its own code.
    if (connecting) this.#network.post(() => this.#client.deliverClose(1006, '', false, true));
    else this.#network.post(() => this.#client.deliverClose(code, reason, true));
  }

  #end(by: 'client' | 'server', code: number, reason: string): void {
    this.#phase = 'closed';
    this.#closed = { code, reason };
    this.#closedBy = by;
  }

  #assertWaiting(what: string): void {
    if (this.#phase === 'waiting') return;
    const now = this.#phase === 'open' ? 'open already' : `closed already (${this.#describeClose()})`;
    throw new Error(
      `${what}(): socket ${this.#number} is ${now}; only a connection held by holdConnections() waits for accept() or refuse().`,
    );
  }

  #assertNotClosed(what: string): void {
    if (this.#closed)
      throw new Error(`${what}(): socket ${this.#number} is closed already (${this.#describeClose()}).`);
  }

  #describeClose(): string {
    const { code, reason } = this.#closed!;
    return `${code}${reason ? ` "${reason}"` : ''} by the ${this.#closedBy}`;
  }

  #sentHint(): string {
    if (this.#sent.length > 0) return '';
    if (this.#phase === 'waiting') return ` (socket ${this.#number} is waiting to be accepted: accept() it)`;
    if (this.#closed) return ` (socket ${this.#number} is closed: ${this.#describeClose()})`;
    return '';
  }
}

function typeOf(frame: unknown): unknown {
  return typeof frame === 'object' && frame !== null ? (frame as { type?: unknown }).type : undefined;
}

/** @internal The frame's string `id`, if it has one. */
export function idOf(frame: unknown): string | undefined {
  const id = typeof frame === 'object' && frame !== null ? (frame as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/** @internal Frames as a spec author reads them in an error message. */
export function describeFrames(frames: readonly unknown[]): string {
  if (frames.length === 0) return 'nothing';
  return frames.map(describe).join(', ');
}

/** One value as JSON where it has a JSON form, else by its kind (`[object Blob]`, `undefined`, …). */
function describe(value: unknown): string {
  if (
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) !== Object.prototype &&
    !Array.isArray(value)
  )
    return Object.prototype.toString.call(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** A copy of a view's bytes, as the `ArrayBuffer` a socket carries. */
function bytesOf(view: ArrayBufferView): ArrayBuffer {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice().buffer;
}
