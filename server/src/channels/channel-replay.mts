import type { ChannelChat } from '../server-messages.mjs';

/**
 * The two history decisions of a channel, pure: what a join with a resume point gets, and how a
 * node catches up after it may have missed messages (a subscriber reconnect, a skipped seq, a new
 * epoch). Both follow the rules of the global room (`chat-history.mts`, `redis-chat-room.mts`):
 * deliver what is provably complete, otherwise say so (`resume_failed`) — never guess.
 */

/** Where a node (or the one process) stands in a channel: its epoch and the latest seq it delivered. */
export interface ChannelPosition {
  readonly epoch: string;
  readonly latestSeq: number;
}

/** A channel's shared state: position plus the retained messages, oldest first. */
export interface ChannelSnapshot extends ChannelPosition {
  readonly history: readonly ChannelChat[];
}

export type ResumeDecision = { readonly kind: 'replay'; readonly messages: readonly ChannelChat[] } | { readonly kind: 'failed' };

/**
 * A client that last saw `after` can be brought up to `latestSeq` only when nothing between them
 * has been dropped: `oldest retained − 1 ≤ after ≤ latestSeq`. A point above `latestSeq` comes
 * from another life of the channel (an earlier process, a Redis that lost it); one below the
 * window has lost messages. `history` must hold nothing above `latestSeq`.
 */
export function resumeDecision(history: readonly ChannelChat[], latestSeq: number, after: number): ResumeDecision {
  const oldest = history[0]?.seq ?? latestSeq + 1;
  if (after < oldest - 1 || after > latestSeq) return { kind: 'failed' };
  return { kind: 'replay', messages: history.filter((m) => m.seq > after) };
}

export type CatchUp =
  /** Nothing was lost: deliver these (maybe none) and carry on. */
  | { readonly kind: 'contiguous'; readonly deliver: readonly ChannelChat[]; readonly latestSeq: number }
  /**
   * Messages this node never saw are beyond recovery: tell the members where the channel
   * continues (`resume_failed` with `continueFrom`), then deliver what is there and adopt
   * `position`.
   */
  | { readonly kind: 'gap'; readonly continueFrom: number; readonly deliver: readonly ChannelChat[]; readonly position: ChannelPosition };

export function catchUp(known: ChannelPosition, shared: ChannelSnapshot): CatchUp {
  const sameEpoch = shared.epoch === known.epoch;
  const newer = sameEpoch ? shared.history.filter((m) => m.seq > known.latestSeq) : [];
  const first = newer[0];
  const lastNewer = newer.at(-1)?.seq ?? known.latestSeq;
  // Same epoch, the history continues exactly where this node stopped, and holds everything up to
  // the shared counter (a counter behind this node means the store went back in time: not ours).
  const contiguous =
    sameEpoch &&
    shared.latestSeq >= known.latestSeq &&
    (first === undefined ? shared.latestSeq === known.latestSeq : first.seq === known.latestSeq + 1) &&
    lastNewer === shared.latestSeq;
  if (contiguous) return { kind: 'contiguous', deliver: newer, latestSeq: shared.latestSeq };
  const missed = sameEpoch && shared.latestSeq >= known.latestSeq ? newer : shared.history;
  const continueFrom = (missed[0]?.seq ?? shared.latestSeq + 1) - 1;
  return { kind: 'gap', continueFrom, deliver: missed, position: { epoch: shared.epoch, latestSeq: shared.latestSeq } };
}
