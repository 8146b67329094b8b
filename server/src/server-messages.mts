/**
 * Server → client messages, as sent: the one list of every frame shape this server writes.
 * Field order in the object literals that build them is the order on the wire.
 */
export type ServerMessage =
  | { readonly type: 'auth_ok'; readonly user: string }
  | { readonly type: 'auth_error'; readonly reason: string }
  | ChatBroadcast
  /** `channel`: the echo was scoped to a channel (sent with one); the reply says which. */
  | { readonly type: 'echo_reply'; readonly id: string; readonly payload: unknown; readonly channel?: string }
  /** The frame with this `id` has been processed (or had been already: a duplicate). */
  | { readonly type: 'ack'; readonly id: string }
  | { readonly type: 'pong'; readonly id?: string; readonly channel?: string }
  /** Replay after a resume point is complete; `seq` is the latest broadcast's. */
  | { readonly type: 'resumed'; readonly seq: number }
  /** The resume point could not be served (too old, or unknown to this server); nothing replayed. */
  | { readonly type: 'resume_failed'; readonly seq: number }
  | { readonly type: 'error'; readonly reason: 'bad_message' }
  | ChannelMessage;

/**
 * Channel frames (docs/PROTOCOL.md, "Channels"). A channel's own `resume_failed` carries its
 * name; the global one never does, which is how a client tells them apart.
 */
export type ChannelMessage =
  | ChannelChat
  /** Join accepted, after any replay; `seq` is where the channel stands, `presence` its members (sorted). */
  | { readonly type: 'joined'; readonly channel: string; readonly seq: number; readonly presence: readonly string[] }
  | { readonly type: 'join_refused'; readonly channel: string; readonly reason: JoinRefusal }
  /** Before `joined` (the resume point could not be served) or while joined (a gap a node could not fill). */
  | { readonly type: 'resume_failed'; readonly channel: string; readonly seq: number }
  | { readonly type: 'kicked'; readonly channel: string; readonly reason: string }
  | { readonly type: 'presence'; readonly channel: string; readonly joined?: readonly string[]; readonly left?: readonly string[] }
  /** A frame scoped to a channel this socket has not joined: not processed, not acknowledged. */
  | { readonly type: 'error'; readonly reason: 'not_joined'; readonly channel: string; readonly id?: string };

/**
 * Why a join was refused. `forbidden`: not for this user (clients do not retry it by themselves);
 * `bad_channel`: not a channel name; `too_many_channels`: the socket is at its cap;
 * `unavailable`: the shared store (Redis) could not be reached — try again later.
 */
export type JoinRefusal = 'forbidden' | 'bad_channel' | 'too_many_channels' | 'unavailable';

/**
 * A chat as broadcast to the room and kept for replay. `seq` orders every broadcast; `id` is the
 * sender's own message id, echoed so the sender can match its message.
 */
export interface ChatBroadcast {
  readonly type: 'chat';
  readonly seq: number;
  readonly from: string;
  readonly text: string;
  readonly ts: number;
  readonly id?: string;
}

/** A chat in a channel: `seq` is the channel's own. Kept for resume like a global chat. */
export interface ChannelChat {
  readonly type: 'chat';
  readonly channel: string;
  readonly seq: number;
  readonly from: string;
  readonly text: string;
  readonly ts: number;
  readonly id?: string;
}
