/**
 * The channel frames, as the app's server names them: building join/leave frames and reading the
 * server's answers. Pure functions; the defaults are the reference protocol (docs/PROTOCOL.md §10).
 */
import type { SocketMessage } from '../config';

/** What the join frame builder knows besides the channel's name. */
export interface JoinContext {
  /** The app's parameters for this channel, as given to `socket.channel(name, params)`. */
  readonly params?: unknown;
  /** With `withResume()`: the last `seq` seen in this channel, when anything was seen. */
  readonly resume?: number;
}

/** What a server frame means for channels. */
export type ChannelSignal =
  | { readonly kind: 'joined'; readonly channel: string; readonly seq?: number; readonly presence?: readonly string[] }
  | { readonly kind: 'refused'; readonly channel: string; readonly reason: string }
  | { readonly kind: 'kicked'; readonly channel: string; readonly reason: string }
  | {
      readonly kind: 'presence';
      readonly channel: string;
      readonly joined: readonly string[];
      readonly left: readonly string[];
    }
  | { readonly kind: 'resume-failed'; readonly channel: string; readonly seq?: number }
  /** The server does not count this socket in the channel (it answered a scoped frame so). */
  | { readonly kind: 'not-joined'; readonly channel: string };

/**
 * How channels look on the wire. Every member has a default that follows docs/PROTOCOL.md. A `join`
 * or `leave` that throws is reported as `encode-failed` and nothing is sent.
 */
export interface ChannelFrames {
  /** @default `(channel, { params, resume }) => ({ type: 'join', channel, params?, resume? })` */
  readonly join?: (channel: string, context: JoinContext) => unknown;
  /** @default `(channel) => ({ type: 'leave', channel })` */
  readonly leave?: (channel: string) => unknown;
  /**
   * Reads a control frame (`joined`, `join_refused`, `kicked`, `presence`, `resume_failed` with a
   * `channel`, and `error` `not_joined`); undefined for every other frame. Control frames never
   * reach the app's streams, except `not-joined`: it answers one of the app's messages, so it is
   * also delivered to the channel's `messages$` (and the channel is joined again). A frame it
   * throws on counts as no control frame.
   */
  readonly read?: (message: SocketMessage) => ChannelSignal | undefined;
  /** The channel an ordinary message belongs to (none for a message it throws on). @default its string `channel` field */
  readonly channelOf?: (message: SocketMessage) => string | undefined;
  /** Puts an outgoing message in a channel. @default adds `channel: name` */
  readonly scope?: (message: object, channel: string) => object;
}

const strings = (value: unknown): readonly string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
const number = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const text = (value: unknown, fallback: string): string =>
  typeof value === 'string' && value !== '' ? value : fallback;

/** The reference protocol's channel frames. */
export const DEFAULT_CHANNEL_FRAMES: Required<ChannelFrames> = {
  join: (channel, { params, resume }) => ({
    type: 'join',
    channel,
    ...(params === undefined ? {} : { params }),
    ...(resume === undefined ? {} : { resume }),
  }),
  leave: (channel) => ({ type: 'leave', channel }),
  read: (m) => {
    const channel = m['channel'];
    if (typeof channel !== 'string') return undefined;
    switch (m.type) {
      case 'joined':
        return { kind: 'joined', channel, seq: number(m['seq']), presence: strings(m['presence']) };
      case 'join_refused':
        return { kind: 'refused', channel, reason: text(m['reason'], 'refused') };
      case 'kicked':
        return { kind: 'kicked', channel, reason: text(m['reason'], 'kicked') };
      case 'presence':
        return { kind: 'presence', channel, joined: strings(m['joined']), left: strings(m['left']) };
      case 'resume_failed':
        return { kind: 'resume-failed', channel, seq: number(m['seq']) };
      case 'error':
        return m['reason'] === 'not_joined' ? { kind: 'not-joined', channel } : undefined;
      default:
        return undefined;
    }
  },
  channelOf: (m) => (typeof m['channel'] === 'string' ? m['channel'] : undefined),
  scope: (message, channel) => ({ ...message, channel }),
};
