import type { SocketMessage } from '../config';
import { AUTH_SOCKET_CHANNELS, AuthSocketFeature, ChannelsFeature } from '../features';
import { AuthSocketChannel } from './auth-socket-channel';
import { ChannelFrames, DEFAULT_CHANNEL_FRAMES } from './channel-frames';
import { ChannelMembership } from './channel-membership';

/**
 * Channels: server-authorized subscriptions (rooms, topics) that re-join by themselves after every
 * reconnect and token rotation, with presence — `socket.channel(name)`. `frames` names them the
 * way your server does; the defaults are the reference protocol (docs/PROTOCOL.md §10).
 *
 * @usageNotes
 * ```ts
 * provideAuthSocket({ url: '/channel/' }, withChannels(), withResume())
 * // a server with other names:
 * withChannels({ join: (channel) => ({ action: 'subscribe', topic: channel }), channelOf: (m) => m['topic'] as string })
 * ```
 */
export function withChannels(frames: ChannelFrames = {}): AuthSocketFeature<'channels'> {
  // Member by member: an option given as undefined keeps its default. The app's readers see every
  // frame the server sends: a frame one of them throws on is no channel's, and reaches messages$
  // rather than being lost in the socket's event handler.
  const all: Required<ChannelFrames> = {
    join: frames.join ?? DEFAULT_CHANNEL_FRAMES.join,
    leave: frames.leave ?? DEFAULT_CHANNEL_FRAMES.leave,
    scope: frames.scope ?? DEFAULT_CHANNEL_FRAMES.scope,
    read: frames.read ? lenient(frames.read) : DEFAULT_CHANNEL_FRAMES.read,
    channelOf: frames.channelOf ? lenient(frames.channelOf) : DEFAULT_CHANNEL_FRAMES.channelOf,
  };
  const feature: ChannelsFeature = {
    membership: (timers, graceMs, resume, resync) => new ChannelMembership(all, timers, graceMs, resume, resync),
    handle: (entry, ports) => new AuthSocketChannel(entry, { ...ports, scope: all.scope }),
  };
  return { ɵkind: 'channels', ɵproviders: [{ provide: AUTH_SOCKET_CHANNELS, useValue: feature }] };
}

/** `read` as it is, but undefined for a message it throws on. */
function lenient<T>(read: (message: SocketMessage) => T | undefined): (message: SocketMessage) => T | undefined {
  return (message) => {
    try {
      return read(message);
    } catch {
      return undefined;
    }
  };
}
