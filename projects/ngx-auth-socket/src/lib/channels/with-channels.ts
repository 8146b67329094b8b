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
  const all = { ...DEFAULT_CHANNEL_FRAMES, ...frames };
  // The app's readers see every frame the server sends: a frame one of them throws on is no
  // channel's, and reaches messages$ rather than being lost in the socket's event handler.
  const { read, channelOf } = all;
  if (frames.read) all.read = (m) => lenient(() => read(m));
  if (frames.channelOf) all.channelOf = (m) => lenient(() => channelOf(m));
  const feature: ChannelsFeature = {
    membership: (timers, graceMs, resume, resync, report) =>
      new ChannelMembership(all, timers, graceMs, resume, resync, report),
    handle: (entry, ports) => new AuthSocketChannel(entry, { ...ports, scope: all.scope }),
  };
  return { ɵkind: 'channels', ɵproviders: [{ provide: AUTH_SOCKET_CHANNELS, useValue: feature }] };
}

function lenient<T>(read: () => T | undefined): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
