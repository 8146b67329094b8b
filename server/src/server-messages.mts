/**
 * Server → client messages, as sent: the one list of every frame shape this server writes.
 * Field order in the object literals that build them is the order on the wire.
 */
export type ServerMessage =
  | { readonly type: 'auth_ok'; readonly user: string }
  | { readonly type: 'auth_error'; readonly reason: string }
  | ChatBroadcast
  | { readonly type: 'echo_reply'; readonly id: string; readonly payload: unknown }
  /** The frame with this `id` has been processed (or had been already: a duplicate). */
  | { readonly type: 'ack'; readonly id: string }
  | { readonly type: 'pong'; readonly id?: string }
  /** Replay after a resume point is complete; `seq` is the latest broadcast's. */
  | { readonly type: 'resumed'; readonly seq: number }
  /** The resume point could not be served (too old, or unknown to this server); nothing replayed. */
  | { readonly type: 'resume_failed'; readonly seq: number }
  | { readonly type: 'error'; readonly reason: 'bad_message' };

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
