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
 * `messageId` for a server with a field of its own). A channel's seqs are its own
 * (`withChannels()`), so keys are told apart by channel.
 */
export class OverlapFilter {
  readonly #seen = new Set<unknown>();

  constructor(
    private readonly channels: { channelOf(message: SocketMessage): string | undefined } | null,
    private readonly keyOf: (message: SocketMessage) => unknown = seqOrId,
  ) {}

  /** False for a key delivered already; `keyless` for messages without one. */
  firstTime(message: SocketMessage, keyless: boolean): boolean {
    let key: unknown;
    try {
      key = this.keyOf(message);
    } catch {
      // The app's messageId sees every message; one it throws on has no key.
      return keyless;
    }
    if (key === undefined || key === null) return keyless;
    const channel = this.channels?.channelOf(message);
    if (channel !== undefined) key = `${channel}\n${String(key)}`;
    if (this.#seen.has(key)) return false;
    if (this.#seen.size >= OVERLAP_LIMIT) this.#seen.delete(this.#seen.values().next().value);
    this.#seen.add(key);
    return true;
  }
}
