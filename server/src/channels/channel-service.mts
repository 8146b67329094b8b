import type { JoinRequest } from '../channel-actions.mjs';
import type { ChatSubmission } from '../chat-room.mjs';
import type { ChannelChat, ChannelMessage, JoinRefusal } from '../server-messages.mjs';
import type { StatsRecorder } from '../stats.mjs';
import { authorizeJoin, type DenyList } from './channel-access.mjs';
import { ChannelStoreUnavailable, type ChannelArrival, type ChannelBackend, type MaybePromise, type PresenceSnapshot } from './channel-backend.mjs';
import { catchUp, resumeDecision, type ChannelPosition, type ChannelSnapshot } from './channel-replay.mjs';
import { attempt, then } from './maybe-async.mjs';
import { applyChange, changeBetween, isNoChange, presenceList, type PresenceChange } from './presence-diff.mjs';
import { PresenceLedger } from './presence-ledger.mjs';
import { SerialQueue } from './serial-queue.mjs';

/** What the service needs from a socket; implemented by `Channel` (the socket shell). */
export interface ChannelMember {
  sendText(text: string): void;
  /** Sends a replay, streamed: serialised as the socket takes it (see `OutboundQueue.stream`). */
  replay(messages: readonly object[]): void;
  /** A join that completes after its socket closed is not registered. */
  readonly isOpen: boolean;
}

export interface ChannelServiceDeps {
  readonly backend: ChannelBackend;
  readonly stats: StatsRecorder;
  readonly now: () => number;
  /** `PRESENCE_GRACE_MS`: how long a user whose last socket left stays a member. */
  readonly graceMs: number;
  /** Channels one socket may have joined at once. */
  readonly maxChannelsPerSocket: number;
  readonly deny: DenyList;
}

/** What a node knows of a channel while it has members (or a join under way) here. */
interface Relay {
  readonly channel: string;
  /** Joins and arrivals, one at a time, in order. */
  readonly queue: SerialQueue;
  /** This node's sockets in the channel, with their user. */
  readonly members: Map<ChannelMember, string>;
  /** Where this node stands (epoch, latest seq delivered); unknown until the first join loaded it. */
  position: ChannelPosition | undefined;
  /** The members as this node's sockets were told, and the presence version that is. */
  presence: Set<string>;
  presenceVersion: number;
  pendingJoins: number;
  subscribed: boolean;
  released: boolean;
}

/**
 * Channels on one node: joins with their authorization, caps, replays and answers; fan-out of
 * messages and presence to this node's sockets; presence bookkeeping with the grace; kicks and
 * deny-list changes. Where the shared state lives (memory or Redis) is the backend's business.
 *
 * Consistency rests on one rule: per channel, joins and arrivals (messages, presence changes,
 * kicks, "the feed was interrupted") are handled by one queue, in order, and a join registers its
 * socket, sends its replay and its `joined` in one synchronous step at the end of its turn. So a
 * new member gets every message after its `joined.seq` exactly once, and every presence change
 * after its `joined.presence`.
 */
export class ChannelService {
  private readonly relays = new Map<string, Relay>();
  private readonly joinedBy = new Map<ChannelMember, Set<string>>();
  private readonly ledger: PresenceLedger;
  private deny: DenyList;
  private memberships = 0;
  private graceTimer: NodeJS.Timeout | undefined;
  private graceTimerAt = Number.POSITIVE_INFINITY;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing = false;
  private closed = false;

  constructor(private readonly deps: ChannelServiceDeps) {
    this.ledger = new PresenceLedger(deps.graceMs);
    this.deny = deps.deny;
    deps.backend.listen((channel, arrival) => this.arrive(channel, arrival));
    const every = deps.backend.refreshEveryMs;
    if (deps.backend.refresh !== undefined && every !== undefined) {
      this.refreshTimer = setInterval(() => void this.refreshShared(), every);
      this.refreshTimer.unref();
    }
  }

  get denyList(): DenyList {
    return this.deny;
  }

  /** Channels with members (or a join under way) on this node, and socket×channel memberships. */
  gauges(): { readonly channels: number; readonly channelMemberships: number } {
    return { channels: this.relays.size, channelMemberships: this.memberships };
  }

  isJoined(member: ChannelMember, channel: string): boolean {
    return this.joinedBy.get(member)?.has(channel) === true;
  }

  /**
   * A `join` frame. Answers the socket itself — `join_refused`, or any replay, then `joined` —
   * and resolves once it has (the socket reads its next frame only then).
   */
  join(member: ChannelMember, user: string, request: JoinRequest): MaybePromise<void> {
    const { channel } = request;
    const verdict = authorizeJoin(user, channel, this.deny);
    if (verdict !== 'allow') return this.refuse(member, channel, verdict);
    const relay = this.relays.get(channel);
    if (relay !== undefined && this.isJoined(member, channel)) {
      // Joining twice is idempotent: the socket has been receiving everything live, so a resume
      // point is ignored and it is told where the channel stands now.
      this.deps.stats.count('channelJoins');
      return this.send(member, this.joinedFrame(relay));
    }
    if ((this.joinedBy.get(member)?.size ?? 0) >= this.deps.maxChannelsPerSocket) return this.refuse(member, channel, 'too_many_channels');
    const target = relay ?? this.openRelay(channel);
    target.pendingJoins++;
    return target.queue.push(() =>
      attempt(
        () => then(this.prepareJoin(target, user, request.resume !== undefined), (prepared) => this.admit(target, member, user, request, prepared)),
        (err) => this.joinFailed(target, member, user, err),
      ),
    );
  }

  /** A `leave` frame (idempotent), or the socket closing (`closing`: not counted as a leave). */
  leave(member: ChannelMember, channel: string, closing = false): void {
    const mine = this.joinedBy.get(member);
    if (mine?.delete(channel) !== true) return;
    if (mine.size === 0) this.joinedBy.delete(member);
    this.memberships--;
    const relay = this.relays.get(channel);
    const user = relay?.members.get(member);
    relay?.members.delete(member);
    if (!closing) this.deps.stats.count('channelLeaves');
    if (user !== undefined) this.releaseHold(channel, user);
    if (relay !== undefined) this.releaseIfIdle(relay);
  }

  /** The socket closed: it leaves every channel (its users stay members for the grace). */
  leaveAll(member: ChannelMember): void {
    for (const channel of [...(this.joinedBy.get(member) ?? [])]) this.leave(member, channel, true);
  }

  /**
   * A chat scoped to `channel`, from a joined socket. Resolves once the store accepted it (the
   * socket's ack follows); rejects when the store is unreachable (the socket closes 1011).
   */
  publish(channel: string, chat: ChatSubmission): MaybePromise<void> {
    const known = this.relays.get(channel)?.position?.latestSeq ?? 0;
    return then(this.deps.backend.publish(channel, chat, known), (accepted) =>
      this.deps.stats.count(accepted ? 'channelChatsAccepted' : 'channelDuplicatesDropped'),
    );
  }

  /**
   * Removes `user` from `channel` on every node: their sockets get `kicked` with `reason`, and
   * they leave the presence at once (no grace). True if they were a member.
   */
  kick(channel: string, user: string, reason: string): MaybePromise<boolean> {
    return this.deps.backend.kick(channel, user, reason);
  }

  /**
   * Replaces the deny list on this node. Sockets in channels it now denies get `kicked`
   * (`forbidden`) and their users leave at once, as do users held only by their grace. Returns
   * how many sockets were kicked.
   */
  setDenyList(deny: DenyList): number {
    this.deny = deny;
    let kicked = 0;
    for (const relay of [...this.relays.values()]) {
      for (const [member, user] of [...relay.members]) {
        if (authorizeJoin(user, relay.channel, deny) === 'allow') continue;
        this.kickSocket(relay, member, 'forbidden');
        kicked++;
      }
    }
    for (const { channel, users } of [...this.ledger.held()]) {
      for (const user of users) {
        if (authorizeJoin(user, channel, deny) !== 'allow' && this.ledger.drop(channel, user)) this.depart(channel, user);
      }
    }
    for (const relay of [...this.relays.values()]) this.releaseIfIdle(relay);
    return kicked;
  }

  /** Stops timers; sockets are closed by their owner. Shared presence entries expire by themselves. */
  close(): void {
    this.closed = true;
    clearTimeout(this.graceTimer);
    clearInterval(this.refreshTimer);
    for (const relay of this.relays.values()) relay.queue.discard();
    this.deps.backend.close();
  }

  // ---- joins ----

  private openRelay(channel: string): Relay {
    const relay: Relay = {
      channel,
      queue: new SerialQueue((err) => logBug('channel queue', err)),
      members: new Map(),
      position: undefined,
      presence: new Set(),
      presenceVersion: 0,
      pendingJoins: 0,
      subscribed: false,
      released: false,
    };
    this.relays.set(channel, relay);
    return relay;
  }

  /**
   * Subscribes first (so nothing published after the snapshots below is missed), then makes the
   * user present and loads where the channel stands — with its history only for a resume.
   */
  private prepareJoin(relay: Relay, user: string, resuming: boolean): MaybePromise<{ presence: PresenceSnapshot; snapshot?: ChannelSnapshot }> {
    const { backend } = this.deps;
    const subscribed = relay.subscribed ? undefined : then(backend.subscribe(relay.channel), () => void (relay.subscribed = true));
    return then(subscribed, () =>
      then(backend.enter(relay.channel, user), (presence) => {
        if (relay.position !== undefined && !resuming) return { presence };
        const known = relay.position?.latestSeq ?? 0;
        return then(backend.load(relay.channel, { history: resuming, knownLatestSeq: known }), (snapshot) => ({ presence, snapshot }));
      }),
    );
  }

  /** The join's turn has come and the store answered: register, replay, `joined` — in one step. */
  private admit(
    relay: Relay,
    member: ChannelMember,
    user: string,
    request: JoinRequest,
    prepared: { presence: PresenceSnapshot; snapshot?: ChannelSnapshot },
  ): void {
    relay.pendingJoins--;
    const { presence, snapshot } = prepared;
    if (relay.position === undefined) {
      // The first join of this relay: what it loaded is where the node stands.
      relay.position = { epoch: snapshot!.epoch, latestSeq: snapshot!.latestSeq };
      relay.presence = new Set(presence.users);
      relay.presenceVersion = presence.version;
    } else {
      this.adoptPresence(relay, presence);
      if (snapshot !== undefined) this.catchUpWith(relay, snapshot);
    }
    this.ledger.hold(relay.channel, user);
    // The socket may have closed meanwhile, or the deny list changed: then it joined and left at once.
    const verdict = authorizeJoin(user, relay.channel, this.deny);
    if (!member.isOpen || verdict !== 'allow') {
      this.releaseHold(relay.channel, user);
      this.releaseIfIdle(relay);
      if (member.isOpen && verdict !== 'allow') this.refuse(member, relay.channel, verdict);
      return;
    }
    relay.members.set(member, user);
    const mine = this.joinedBy.get(member) ?? new Set<string>();
    this.joinedBy.set(member, mine);
    mine.add(relay.channel);
    this.memberships++;
    this.deps.stats.count('channelJoins');
    const position = relay.position;
    if (request.resume !== undefined && snapshot !== undefined) {
      const history = snapshot.history.filter((m) => m.seq <= position.latestSeq);
      const decision = snapshot.epoch === position.epoch ? resumeDecision(history, position.latestSeq, request.resume) : { kind: 'failed' as const };
      if (decision.kind === 'replay') {
        this.deps.stats.count('channelResumes');
        member.replay(decision.messages);
      } else {
        this.deps.stats.count('channelResumeFailures');
        this.send(member, { type: 'resume_failed', channel: relay.channel, seq: position.latestSeq });
      }
    }
    this.send(member, this.joinedFrame(relay));
  }

  private joinFailed(relay: Relay, member: ChannelMember, user: string, err: unknown): void {
    relay.pendingJoins--;
    if (!(err instanceof ChannelStoreUnavailable)) logBug('channel join', err);
    // The user may have been made present before the failure: let it run out like any leave.
    this.ledger.hold(relay.channel, user);
    this.releaseHold(relay.channel, user);
    this.releaseIfIdle(relay);
    if (member.isOpen) this.refuse(member, relay.channel, 'unavailable');
  }

  private refuse(member: ChannelMember, channel: string, reason: JoinRefusal): void {
    this.deps.stats.count('channelJoinRefusals');
    this.send(member, { type: 'join_refused', channel, reason });
  }

  private joinedFrame(relay: Relay): ChannelMessage {
    return { type: 'joined', channel: relay.channel, seq: relay.position?.latestSeq ?? 0, presence: presenceList(relay.presence) };
  }

  // ---- arrivals ----

  private arrive(channel: string, arrival: ChannelArrival): void {
    const relay = this.relays.get(channel);
    if (relay === undefined) return;
    void relay.queue.push(() => this.handle(relay, arrival));
  }

  private handle(relay: Relay, arrival: ChannelArrival): MaybePromise<void> {
    // Nothing is known before the first join loaded the channel; what arrived before is in that load.
    if (relay.released || relay.position === undefined) return;
    switch (arrival.kind) {
      case 'message': {
        const { epoch, latestSeq } = relay.position;
        if (arrival.epoch === epoch && arrival.chat.seq <= latestSeq) return; // in a load already
        if (arrival.epoch === epoch && arrival.chat.seq === latestSeq + 1) return this.deliver(relay, arrival.chat);
        // A skipped seq or a new epoch: the shared history says what happened.
        return this.resync(relay);
      }
      case 'presence':
        if (arrival.version <= relay.presenceVersion) return; // in a snapshot already
        relay.presenceVersion = arrival.version;
        return this.tellPresence(relay, applyChange(relay.presence, arrival));
      case 'kick':
        for (const [member, user] of [...relay.members]) if (user === arrival.user) this.kickSocket(relay, member, arrival.reason);
        if (this.ledger.drop(relay.channel, arrival.user)) this.depart(relay.channel, arrival.user);
        return this.releaseIfIdle(relay);
      case 'reconnected':
        // Messages first (a gap is reported before what follows it); then this node's own presence
        // entries are made good (a Redis that restarted empty lost them) before the presence is
        // read, so its members are not told that users on this very node left.
        return then(this.resync(relay), () => then(this.refreshChannel(relay.channel), () => this.resyncPresence(relay)));
    }
  }

  private deliver(relay: Relay, chat: ChannelChat): void {
    relay.position = { epoch: relay.position!.epoch, latestSeq: chat.seq };
    this.broadcast(relay, chat);
  }

  /** Reloads the shared history and delivers what this node missed, or reports the gap. */
  private resync(relay: Relay): MaybePromise<void> {
    this.deps.stats.count('channelResyncs');
    const known = relay.position!.latestSeq;
    return attempt(
      () => then(this.deps.backend.load(relay.channel, { history: true, knownLatestSeq: known }), (snapshot) => this.catchUpWith(relay, snapshot)),
      // Unreachable: the store's return is another reconnect, which reloads again.
      () => undefined,
    );
  }

  private resyncPresence(relay: Relay): MaybePromise<void> {
    return attempt(
      () => then(this.deps.backend.readPresence(relay.channel), (presence) => this.adoptPresence(relay, presence)),
      () => undefined,
    );
  }

  private catchUpWith(relay: Relay, snapshot: ChannelSnapshot): void {
    if (relay.released) return;
    const next = catchUp(relay.position!, snapshot);
    if (next.kind === 'contiguous') {
      for (const chat of next.deliver) this.deliver(relay, chat);
      return;
    }
    // Messages this node never saw are beyond recovery: members learn where the channel continues
    // (their client refetches), then get what is there.
    this.deps.stats.count('channelGapsReported');
    relay.position = next.position;
    this.broadcast(relay, { type: 'resume_failed', channel: relay.channel, seq: next.continueFrom });
    for (const chat of next.deliver) this.broadcast(relay, chat);
  }

  /**
   * A presence snapshot (a join's, or a reload after the feed was interrupted) replaces what the
   * members were told; they are told the difference. Versions only grow, so an older one means the
   * store lost presence: it is taken too. So is one with the same version: a store that lost its
   * counter (Redis restarted empty) counts again from zero and can hand out a version this node
   * already holds for another list — the joiner missing from its own `joined` otherwise.
   */
  private adoptPresence(relay: Relay, presence: PresenceSnapshot): void {
    if (relay.released) return;
    const change = changeBetween(relay.presence, presence.users);
    relay.presence = new Set(presence.users);
    relay.presenceVersion = presence.version;
    this.tellPresence(relay, change);
  }

  private tellPresence(relay: Relay, change: PresenceChange): void {
    if (isNoChange(change)) return;
    this.broadcast(relay, {
      type: 'presence',
      channel: relay.channel,
      ...(change.joined.length > 0 ? { joined: change.joined } : {}),
      ...(change.left.length > 0 ? { left: change.left } : {}),
    });
  }

  private broadcast(relay: Relay, message: ChannelMessage): void {
    const text = JSON.stringify(message);
    for (const member of relay.members.keys()) member.sendText(text);
  }

  // ---- membership and presence ----

  private kickSocket(relay: Relay, member: ChannelMember, reason: string): void {
    this.send(member, { type: 'kicked', channel: relay.channel, reason });
    this.deps.stats.count('channelKicks');
    const user = relay.members.get(member);
    this.leave(member, relay.channel, true);
    // Kicked means gone now, not after the grace.
    if (user !== undefined && this.ledger.drop(relay.channel, user)) this.depart(relay.channel, user);
  }

  private releaseHold(channel: string, user: string): void {
    if (this.ledger.release(channel, user, this.deps.now()) === 'grace') this.expireGraces();
  }

  /** Users whose grace is over leave; the timer is set for the next one. */
  private expireGraces(): void {
    if (this.closed) return;
    const now = this.deps.now();
    for (const { channel, user } of this.ledger.due(now)) this.depart(channel, user);
    const next = this.ledger.nextDueMs();
    if (next === this.graceTimerAt) return;
    clearTimeout(this.graceTimer);
    this.graceTimerAt = next ?? Number.POSITIVE_INFINITY;
    if (next === undefined) return;
    this.graceTimer = setTimeout(() => {
      this.graceTimerAt = Number.POSITIVE_INFINITY;
      this.expireGraces();
    }, Math.max(0, next - now));
  }

  private depart(channel: string, user: string): void {
    // Unreachable store: the entry is not refreshed any more and expires there by itself.
    void attempt(
      () => this.deps.backend.depart(channel, user),
      (err) => void (err instanceof ChannelStoreUnavailable || logBug('presence depart', err)),
    );
  }

  private releaseIfIdle(relay: Relay): void {
    if (relay.released || relay.members.size > 0 || relay.pendingJoins > 0) return;
    relay.released = true;
    this.relays.delete(relay.channel);
    relay.queue.discard();
    if (relay.subscribed) this.deps.backend.unsubscribe(relay.channel);
  }

  /**
   * Keeps this node's shared presence entries alive. An entry that vanished meanwhile (this node
   * stalled past the TTL and another swept it, or a kick) is made again for a user with a live
   * socket here, and forgotten for one only held by the grace.
   */
  private async refreshShared(): Promise<void> {
    const { backend } = this.deps;
    if (this.refreshing || this.closed || backend.refresh === undefined) return;
    this.refreshing = true;
    try {
      for (const { channel } of [...this.ledger.held()]) await this.refreshChannel(channel);
      // (A snapshot of the channels: ones held meanwhile are refreshed next time, well within the TTL.)
    } finally {
      this.refreshing = false;
    }
  }

  private async refreshChannel(channel: string): Promise<void> {
    const { backend } = this.deps;
    const users = this.ledger.usersIn(channel);
    if (backend.refresh === undefined || users.length === 0) return;
    const missing = await backend.refresh(channel, users).catch(() => [] as readonly string[]);
    for (const user of missing) {
      if (this.ledger.sockets(channel, user) > 0) await attempt(() => backend.enter(channel, user), () => undefined);
      else this.ledger.drop(channel, user);
    }
  }

  private send(member: ChannelMember, message: ChannelMessage): void {
    member.sendText(JSON.stringify(message));
  }
}

function logBug(where: string, err: unknown): void {
  console.error(`${where}: ${err instanceof Error ? err.stack : String(err)}`);
}
