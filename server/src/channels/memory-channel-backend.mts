import type { ChatSubmission } from '../chat-room.mjs';
import { ProcessedIds } from '../processed-ids.mjs';
import type { ChannelArrival, ChannelBackend, PresenceSnapshot } from './channel-backend.mjs';
import { ChannelLogs, type ChannelLogLimits } from './channel-log.mjs';
import type { ChannelSnapshot } from './channel-replay.mjs';


/**
 * Channels of a server that runs alone: everything answers at once, and arrivals are handed to
 * the service before the call returns, so a chat reaches the members before it is acknowledged.
 * Presence here is one set per channel: this process is the only node that holds anyone.
 */
export class MemoryChannelBackend implements ChannelBackend {
  private arrive: (channel: string, arrival: ChannelArrival) => void = () => undefined;
  private readonly logs: ChannelLogs;
  private readonly presence = new Map<string, Set<string>>();
  /**
   * One version counter for every channel: versions only need to grow within a channel, and a
   * counter that is never reset cannot go back when an empty channel is forgotten.
   */
  private version = 0;
  /** Channels with a subscriber (local members): their logs are never forgotten. */
  private readonly subscribed = new Set<string>();
  private readonly processed: ProcessedIds;

  constructor(now: () => number, limits: Partial<ChannelLogLimits> = {}) {
    this.logs = new ChannelLogs(now, limits, (channel) => this.subscribed.has(channel) || this.presence.has(channel));
    this.processed = new ProcessedIds({ now });
  }

  /** Channels remembered and messages retained (for tests of the bounds). */
  get retained(): { readonly channels: number; readonly messages: number } {
    return { channels: this.logs.size, messages: this.logs.retainedMessages };
  }

  listen(arrive: (channel: string, arrival: ChannelArrival) => void): void {
    this.arrive = arrive;
  }

  subscribe(channel: string): void {
    this.subscribed.add(channel);
  }

  unsubscribe(channel: string): void {
    this.subscribed.delete(channel);
  }

  load(channel: string): ChannelSnapshot {
    return this.logs.snapshot(channel);
  }

  publish(channel: string, chat: ChatSubmission): boolean {
    const { from, id } = chat;
    // One id memory for every channel: a message id names one message, wherever it was sent.
    if (id !== undefined && this.processed.has(from, id)) return false;
    const { epoch, chat: message } = this.logs.append(channel, chat);
    if (id !== undefined) this.processed.remember(from, id, chat.ts);
    this.arrive(channel, { kind: 'message', epoch, chat: message });
    return true;
  }

  enter(channel: string, user: string): PresenceSnapshot {
    const users = this.presence.get(channel) ?? new Set<string>();
    this.presence.set(channel, users);
    if (!users.has(user)) {
      users.add(user);
      this.arrive(channel, { kind: 'presence', version: ++this.version, joined: [user], left: [] });
    }
    return { version: this.version, users: [...users] };
  }

  readPresence(channel: string): PresenceSnapshot {
    return { version: this.version, users: [...(this.presence.get(channel) ?? [])] };
  }

  depart(channel: string, user: string): void {
    this.remove(channel, user);
  }

  /** The kick goes out before the presence change, so the kicked sockets are gone when it is told. */
  kick(channel: string, user: string, reason: string): boolean {
    const wasMember = this.presence.get(channel)?.has(user) === true;
    this.arrive(channel, { kind: 'kick', user, reason });
    this.remove(channel, user);
    return wasMember;
  }

  close(): void {
    this.arrive = () => undefined;
  }

  private remove(channel: string, user: string): boolean {
    const users = this.presence.get(channel);
    if (users?.delete(user) !== true) return false;
    if (users.size === 0) this.presence.delete(channel);
    this.arrive(channel, { kind: 'presence', version: ++this.version, joined: [], left: [user] });
    return true;
  }
}
