import { SocketMessage } from '../config';
import type { ConnectionExtension } from '../connection/connection-like';

/** Emitted on `resync$` when the server cannot replay the messages missed during an outage. */
export interface ResyncEvent {
  /** The channel whose history could not be replayed (`withChannels()`); absent for the socket's own stream. */
  readonly channel?: string;
  /** The last `seq` the client had seen. */
  readonly lastSeq: number;
  /** The server's latest `seq`; later messages continue from here. */
  readonly serverSeq: number | undefined;
}

/** What {@link ResumeTracker.answer} made of a message. */
export interface ResumeAnswer {
  readonly consumed: boolean;
  readonly resync?: ResyncEvent;
}

// Shared answers: this runs for every received message, which should allocate nothing more.
const CONSUMED: ResumeAnswer = { consumed: true };
const NOT_CONSUMED: ResumeAnswer = { consumed: false };

/**
 * The client side of resume: the highest `seq` delivered, presented on reconnect; replayed
 * duplicates filtered; the server's `resumed` / `resume_failed` answers interpreted.
 */
export class ResumeTracker {
  #lastSeq: number | undefined = undefined;

  /** What to present on the next connection (undefined: nothing seen yet). */
  get point(): number | undefined {
    return this.#lastSeq;
  }

  /** Continues from `seq` as if it had been delivered here (a tab taking over a shared socket). */
  startFrom(seq: number): void {
    if (this.#lastSeq === undefined || seq > this.#lastSeq) this.#lastSeq = seq;
  }

  /** False when `message` repeats a `seq` already delivered (a replay overlap): drop it. */
  accept(message: SocketMessage): boolean {
    const seq = message['seq'];
    if (typeof seq !== 'number') return true;
    if (this.#lastSeq !== undefined && seq <= this.#lastSeq) return false;
    this.#lastSeq = seq;
    return true;
  }

  /** The connection's hooks: resume answers are consumed (`report` hears a failed replay), replays deduplicated. */
  extension(report: (event: ResyncEvent) => void): ConnectionExtension {
    return {
      frame: (message) => {
        const { consumed, resync } = this.answer(message);
        if (resync) report(resync);
        return consumed;
      },
      admit: (message) => this.accept(message),
    };
  }

  /**
   * Handles the server's resume answers: `consumed` when `message` was one, with the event to
   * report when the server could not replay.
   */
  answer(message: SocketMessage): ResumeAnswer {
    if (message.type === 'resumed') return CONSUMED;
    if (message.type !== 'resume_failed') return NOT_CONSUMED;
    const serverSeq = typeof message['seq'] === 'number' ? message['seq'] : undefined;
    const lastSeq = this.#lastSeq;
    // Continue from the server's present: older numbers can no longer be replayed.
    this.#lastSeq = serverSeq;
    return { consumed: true, resync: lastSeq === undefined ? undefined : { lastSeq, serverSeq } };
  }
}
