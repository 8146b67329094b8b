import type { SocketMessage } from '../config';

/** Keys remembered while two sockets overlap; far more than a swap's instant can carry. */
const OVERLAP_LIMIT = 10_000;

/**
 * Seqs and ids delivered while two sockets overlap. A channel's seqs are its own (`withChannels()`),
 * so they are told apart by channel.
 */
export class OverlapFilter {
  readonly #seen = new Set<unknown>();

  constructor(private readonly channels: { channelOf(message: SocketMessage): string | undefined } | null) {}

  /** False for a seq or id delivered already; `keyless` for messages that carry neither. */
  firstTime(message: SocketMessage, keyless: boolean): boolean {
    const seq = message['seq'];
    let key = typeof seq === 'number' ? seq : message['id'];
    if (key === undefined || key === null) return keyless;
    const channel = this.channels?.channelOf(message);
    if (channel !== undefined) key = `${channel}\n${String(key)}`;
    if (this.#seen.has(key)) return false;
    if (this.#seen.size >= OVERLAP_LIMIT) this.#seen.delete(this.#seen.values().next().value);
    this.#seen.add(key);
    return true;
  }
}
