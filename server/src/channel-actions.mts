import type { ChatSubmission } from './chat-room.mjs';
import type { JoinFrame } from './client-frames.mjs';
import type { ServerMessage } from './server-messages.mjs';

/**
 * What the socket shell is told to do, and small constructors for it; the state machine in
 * `channel-state.mts` decides which.
 */
export type ChannelAction =
  | { readonly kind: 'send'; readonly message: ServerMessage }
  /** Hand a chat to the room, which drops it if its id was processed before. */
  | { readonly kind: 'publish'; readonly chat: ChatSubmission }
  /** Send what the socket missed after seq `after` (or `resume_failed`). */
  | { readonly kind: 'resume'; readonly after: number }
  /**
   * Hand a join to the channel service, which authorizes it and answers (`joined` after any
   * replay, or `join_refused`); the actions after it wait for that answer.
   */
  | { readonly kind: 'join'; readonly request: JoinRequest }
  | { readonly kind: 'leave'; readonly channel: string }
  /** Hand a chat to the channel's members (the service drops it if its id was processed before). */
  | { readonly kind: 'publish-to-channel'; readonly channel: string; readonly chat: ChatSubmission }
  | { readonly kind: 'close'; readonly code: number; readonly reason: string };

/** An ack for a frame that carried an id; nothing otherwise. */
export function ack(id: string | undefined): ChannelAction[] {
  return id === undefined ? [] : [send({ type: 'ack', id })];
}

export function withId(id: string | undefined): { id?: string } {
  return id === undefined ? {} : { id };
}

export function send(message: ServerMessage): ChannelAction {
  return { kind: 'send', message };
}

export function close(code: number, reason: string): ChannelAction {
  return { kind: 'close', code, reason };
}

/** A join as the channel service takes it. */
export type JoinRequest = Pick<JoinFrame, 'channel' | 'params' | 'resume'>;
