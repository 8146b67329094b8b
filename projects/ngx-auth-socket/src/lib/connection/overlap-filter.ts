import type { SocketMessage } from '../config';

/** Keys remembered while two sockets overlap; far more than a swap's instant can carry. */
const OVERLAP_LIMIT = 10_000;

/** Seqs and ids delivered while two sockets overlap. */
export class OverlapFilter {
  readonly #seen = new Set<unknown>();

  /** False for a seq or id delivered already; `keyless` for messages that carry neither. */
  firstTime(message: SocketMessage, keyless: boolean): boolean {
    const seq = message['seq'];
    const key = typeof seq === 'number' ? seq : message['id'];
    if (key === undefined || key === null) return keyless;
    if (this.#seen.has(key)) return false;
    if (this.#seen.size >= OVERLAP_LIMIT) this.#seen.delete(this.#seen.values().next().value);
    this.#seen.add(key);
    return true;
  }
}
