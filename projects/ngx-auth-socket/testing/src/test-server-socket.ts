import type { Client } from 'mock-socket';

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
 * answer, push and close. Frames the client sent are parsed as JSON where possible (raw text or
 * binary otherwise) and wait in `sent` until a spec takes them with `expectSent()` or `takeAll()`.
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
  readonly #client: Client;
  readonly #sent: unknown[] = [];
  /** Every id the client sent on this socket, taken or not: what `ack()` may acknowledge. */
  readonly #ids = new Set<string>();
  #closed: { code: number; reason: string } | null = null;

  /** @internal */
  constructor(client: Client, onActivity: () => void) {
    this.url = client.url;
    this.#client = client;
    client.on('message', (data) => {
      const frame = parseFrame(data);
      const id = idOf(frame);
      if (id !== undefined) this.#ids.add(id);
      this.#sent.push(frame);
      onActivity();
    });
    // mock-socket types this listener without its event; the close event is passed all the same.
    (client as unknown as { on(type: 'close', cb: (event: CloseEvent) => void): void }).on('close', (event) => {
      this.#closed ??= { code: event.code, reason: event.reason };
      onActivity();
    });
  }

  /** The ticket the client presented in the URL, or null (first-message auth). */
  get ticket(): string | null {
    return new URL(this.url).searchParams.get('ticket');
  }

  /** Frames the client sent that no spec has taken yet, oldest first. */
  get sent(): readonly unknown[] {
    return this.#sent;
  }

  /** The close code and reason once the socket closed (from either side), else null. */
  get closed(): { code: number; reason: string } | null {
    return this.#closed;
  }

  /**
   * Takes the oldest frame the client sent that matches, and returns it.
   * @throws Error naming what was expected and listing what was sent, when nothing matches.
   */
  expectSent<T = Record<string, unknown>>(matcher: FrameMatcher): T {
    const test = typeof matcher === 'string' ? (f: unknown) => typeOf(f) === matcher : matcher;
    const index = this.#sent.findIndex(test);
    if (index < 0) {
      const what = typeof matcher === 'string' ? `a "${matcher}" frame` : 'a frame matching the predicate';
      const hint = this.#sent.length === 0 ? ' (did you await flush() after the client sent it?)' : '';
      throw new Error(`Expected ${what} from the client; it sent ${describeFrames(this.#sent)}${hint}.`);
    }
    return this.#sent.splice(index, 1)[0] as T;
  }

  /** Takes every frame the client sent so far. */
  takeAll(): unknown[] {
    return this.#sent.splice(0);
  }

  /** Sends `message` to the client as a JSON text frame. */
  push(message: unknown): void {
    this.#assertOpen('push');
    this.#client.send(JSON.stringify(message));
  }

  /** Sends a raw frame (not JSON, binary…) to the client. */
  pushRaw(data: string | ArrayBuffer): void {
    this.#assertOpen('pushRaw');
    this.#client.send(data as string);
  }

  /**
   * Acknowledges the client frame with this `id` (`{"type":"ack","id"}`), as a server does once it
   * processed it. Does not take the frame.
   * @throws Error when the client sent no frame with this id on this socket.
   */
  ack(id: string): void {
    if (!this.#ids.has(id)) {
      const known = [...this.#ids].map((i) => JSON.stringify(i)).join(', ') || 'none';
      throw new Error(`ack("${id}"): the client sent no frame with this id on this socket; ids it sent: ${known}.`);
    }
    this.push({ type: 'ack', id });
  }

  /** Closes the socket from the server's side; 1006 plays a connection lost without a close frame. */
  close(code: number, reason = ''): void {
    this.#assertOpen('close');
    this.#closed = { code, reason };
    this.#client.close({ code, reason, wasClean: code !== 1006 });
  }

  #assertOpen(what: string): void {
    if (this.#closed) throw new Error(`${what}(): the socket is already closed (${this.#closed.code}).`);
  }
}

function parseFrame(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
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
  return frames.map((f) => JSON.stringify(f) ?? String(f)).join(', ');
}
