import type { SocketMessage } from '../config';

/** Keys remembered while two sockets overlap; far more than a swap's instant can carry. */
const OVERLAP_LIMIT = 10_000;

/** The reference protocol's key of a message: its numeric `seq`, else its `id`. */
export const seqOrId = (message: SocketMessage): unknown => {
  const seq = message['seq'];
  return typeof seq === 'number' ? seq : message['id'];
};

/**
 * Keys of the messages delivered while two sockets overlap (by default their seq or id; the app's
 * `messageId` for a server with a field of its own): a string or a number, anything else is no key.
 * A channel's seqs are its own (`withChannels()`), so keys are told apart by channel. Keys are
 * remembered while a replaced socket may still deliver copies; once it closed, only looked up (the
 * successor may still carry copies of what it delivered), so a later repeat of an id is not
 * taken for a copy for longer than needed.
 */
export class OverlapFilter {
  readonly #seen = new Set<unknown>();
  #recording = true;

  constructor(
    private readonly channels: { channelOf(message: SocketMessage): string | undefined } | null,
    private readonly keyOf: (message: SocketMessage) => unknown = seqOrId,
    /** Told when the app's `messageId` throws (dev mode). */
    private readonly threw?: (error: unknown) => void,
  ) {}

  /** The replaced socket closed: look keys up, remember no more. */
  seal(): void {
    this.#recording = false;
  }

  /** A successor is on its way: what is delivered from now on may come twice. */
  unseal(): void {
    this.#recording = true;
  }

  /** False for a key delivered already; `keyless` for messages without one. */
  firstTime(message: SocketMessage, keyless: boolean): boolean {
    let key: unknown;
    try {
      key = this.keyOf(message);
    } catch (error) {
      // The app's messageId sees every message; one it throws on has no key.
      this.threw?.(error);
      return keyless;
    }
    if (typeof key !== 'string' && typeof key !== 'number') return keyless;
    const channel = this.channels?.channelOf(message);
    const scoped = channel === undefined ? key : `${channel}\n${typeof key}\n${key}`;
    if (this.#seen.has(scoped)) return false;
    if (!this.#recording) return true;
    if (this.#seen.size >= OVERLAP_LIMIT) this.#seen.delete(this.#seen.values().next().value);
    this.#seen.add(scoped);
    return true;
  }
}
