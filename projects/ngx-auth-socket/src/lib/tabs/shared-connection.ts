import { BehaviorSubject, Observable, Subscription } from 'rxjs';
import { SocketMessage } from '../config';
import { ConnectionLike } from '../connection/connection-like';
import type { ConnectionHooks } from '../connection/socket-connection';
import { ConnectionState } from '../connection/connection-state';
import { AuthSocketError } from '../errors';
import { Fate, SendReceipt } from '../messaging/receipt';
import { AuthSocketRuntime } from '../runtime';
import type { ChannelMembership } from '../channels/channel-membership';
import { Election, electLeader } from './leader-election';
import { TabChannel, TabLocks } from './tab-runtime';
import { TabMessage, fromWireError, fromWireState, parseTabMessage, toWireError, toWireState } from './tab-protocol';

/** What a tab's share of the connection needs from the service. */
export interface SharedConnectionPorts extends ConnectionHooks {
  /** Scopes the channel and the lock: tabs share only a socket to the same URL. */
  readonly name: string;
  readonly outboxLimit: number;
  readonly runtime: Pick<AuthSocketRuntime, 'setTimeout' | 'clearTimeout' | 'random' | 'randomId'>;
  readonly channel: TabChannel;
  readonly locks: TabLocks | null;
  /** Puts a token another tab announced into this tab's store (null: logout). */
  storeToken(token: string | null): void;
  /** This tab's current token, for tabs that open later. */
  readToken(): string | null;
  /** Creates the real connection when this tab becomes the leader; `lastSeq` seeds resume. */
  createReal(hooks: ConnectionHooks, lastSeq: number | undefined): ConnectionLike;
  /** This tab's channels (`withChannels()`): joined on the leader's socket for every tab, mirrored here. */
  readonly channels: ChannelMembership | null;
}

/** A follower's send waiting for the leader's verdict. */
interface PendingSend {
  readonly message: unknown;
  /** A request: its reply goes to this tab only. */
  readonly reply: boolean;
  readonly fate: Fate;
}

/** Followers re-announce their demand this often; the leader forgets a tab silent for 3×. */
const DEMAND_EVERY_MS = 1000;
/** Routes kept for replies to followers' requests, oldest dropped first. */
const REPLY_ROUTES_LIMIT = 1000;

/**
 * One tab's share of the socket held by the leader tab (`withSharedTabs()`). Every tab runs one;
 * the elected tab also runs the real connection, relays what it delivers, its state, errors and
 * resync events, and sends for the others. Followers mirror the leader's state and keep each send
 * until the leader reports its end: when the leader goes, they send it again through the next one
 * (with acks the server drops the duplicate by id). A token change in any tab reaches every tab,
 * so a logout anywhere closes the one socket.
 */
export class SharedConnection implements ConnectionLike {
  readonly #ports: SharedConnectionPorts;
  readonly #tab: string;
  readonly #stateSubject = new BehaviorSubject<ConnectionState>({ kind: 'idle' });
  readonly state$ = this.#stateSubject.asObservable();
  readonly #election: Election;
  #role: 'follower' | 'leader' = 'follower';
  #leaderTab: string | null = null;
  #real: ConnectionLike | null = null;
  #realState: Subscription | null = null;
  /** Demand the real connection was told about (this tab's plus the followers'). */
  #appliedDemand = 0;
  #subscribers = 0;
  #followers = new Map<string, { count: number; seenAt: number }>();
  /** Leader: the channels each follower wants, applied to this tab's channel membership. */
  #followerChannels = new Map<string, Map<string, { count: number; params: unknown }>>();
  #pending = new Map<string, PendingSend>();
  /** Leader: ids of followers' requests → the tab each reply belongs to (bounded). */
  #replyTo = new Map<string, string>();
  #lastSeq: number | undefined = undefined;
  #applyingRemoteToken = false;
  #demandTimer: unknown = null;
  #clock = 0;
  #destroyed = false;

  constructor(ports: SharedConnectionPorts) {
    this.#ports = ports;
    this.#tab = ports.runtime.randomId();
    ports.channel.onmessage = (event) => {
      const message = parseTabMessage(event.data);
      if (message && message.tab !== this.#tab) this.#received(message);
    };
    this.#election = electLeader(`ngx-auth-socket:${ports.name}`, this.#tab, ports.locks, ports.runtime, {
      elected: () => this.#becomeLeader(),
      deposed: () => this.#becomeFollower(),
      post: (m) => this.#post(m),
    });
    this.#post({ kind: 'hello', tab: this.#tab });
    this.#scheduleDemand();
  }

  get state(): ConnectionState {
    return this.#stateSubject.value;
  }

  /** Whether this tab holds the socket (for diagnostics and specs). */
  get isLeader(): boolean {
    return this.#role === 'leader';
  }

  subscribersChanged(delta: 1 | -1): void {
    this.#subscribers += delta;
    this.#demandChanged();
  }

  channelDemand(name: string, params: unknown, delta: 1 | -1): void {
    if (this.#real) return this.#real.channelDemand(name, params, delta);
    // A follower counts its subscribers (its handles mirror the leader's channel) and tells the leader.
    const channels = this.#ports.channels;
    if (!channels) return;
    if (delta === 1) channels.want(name, params);
    else channels.unwant(name);
    this.#postDemand();
  }

  reviewDemand(): void {
    this.#real?.reviewDemand();
  }

  connect(): void {
    if (this.#real) this.#real.connect();
    else this.#post({ kind: 'connect', tab: this.#tab });
  }

  disconnect(): void {
    if (this.#real) this.#real.disconnect();
    else this.#post({ kind: 'disconnect', tab: this.#tab });
  }

  tokenChanged(token: string | null): void {
    // A token another tab announced is being stored here: do not echo it back (a late echo of an
    // old token could undo a logout elsewhere).
    if (!this.#applyingRemoteToken) this.#post({ kind: 'token', tab: this.#tab, token });
    if (token === null)
      this.#cancelPending((typeof ngDevMode === 'undefined' || ngDevMode) && 'the token was cleared (logout)');
    this.#real?.tokenChanged(token);
  }

  send(message: unknown, options: { reply?: boolean } = {}): Observable<SendReceipt> {
    if (this.#real) return this.#real.send(message, options);
    if (this.#pending.size >= this.#ports.outboxLimit) {
      const error = new AuthSocketError(
        'outbox-full',
        (typeof ngDevMode === 'undefined' || ngDevMode) &&
          `outbox is full (${this.#ports.outboxLimit} messages waiting for the leader tab)`,
      );
      this.#ports.report(error);
      return new Observable<never>((subscriber) => subscriber.error(error));
    }
    const id = this.#ports.runtime.randomId();
    const pending: PendingSend = { message, reply: options.reply === true, fate: new Fate() };
    this.#pending.set(id, pending);
    // Structured clone refuses functions, DOM nodes…: that is an encoding failure of this message.
    if (!this.#postSend(id, pending)) this.#pending.delete(id);
    return pending.fate.observe();
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#cancelPending((typeof ngDevMode === 'undefined' || ngDevMode) && 'the socket service was destroyed');
    if (this.#demandTimer !== null) this.#ports.runtime.clearTimeout(this.#demandTimer);
    this.#post({ kind: 'bye', tab: this.#tab });
    this.#dropReal();
    this.#election.stop();
    this.#ports.channel.close();
    this.#stateSubject.complete();
  }

  // ---- roles -------------------------------------------------------------------------------

  #becomeLeader(): void {
    if (this.#destroyed || this.#role === 'leader') return;
    this.#role = 'leader';
    this.#leaderTab = this.#tab;
    const channels = this.#ports.channels;
    if (channels) {
      // The channels this tab wants are joined on its own socket now; followers re-announce theirs.
      channels.takeOver();
      channels.onChange = (name, state, presence) =>
        this.#post({ kind: 'channel', tab: this.#tab, name, state, members: presence.members });
    }
    const real = this.#ports.createReal(
      {
        deliver: (message) => {
          this.#noteSeq(message);
          // A reply to a follower's request goes to that tab only; a reply to this tab's own
          // request stays here. Everything else is for every tab.
          const id = message['id'];
          const owner = typeof id === 'string' ? this.#replyTo.get(id) : undefined;
          if (owner !== undefined) {
            this.#replyTo.delete(id as string);
            this.#post({ kind: 'message', tab: this.#tab, message, to: owner });
            return true;
          }
          if (this.#ports.deliver(message) === true) return true;
          this.#post({ kind: 'message', tab: this.#tab, message });
          return false;
        },
        // A replaced socket's late replies: to this tab's request, or relayed to the tab that asked.
        answer: (message) => {
          const id = message['id'];
          const owner = typeof id === 'string' ? this.#replyTo.get(id) : undefined;
          if (owner === undefined) return this.#ports.answer(message);
          this.#replyTo.delete(id as string);
          this.#post({ kind: 'message', tab: this.#tab, message, to: owner });
          return true;
        },
        report: (error) => {
          this.#ports.report(error);
          this.#post({ kind: 'error', tab: this.#tab, error: toWireError(error) });
        },
        resyncNeeded: (event) => {
          this.#ports.resyncNeeded(event);
          this.#post({ kind: 'resync', tab: this.#tab, event });
        },
      },
      this.#lastSeq,
    );
    this.#real = real;
    this.#appliedDemand = 0;
    this.#realState = real.state$.subscribe((state) => {
      this.#stateSubject.next(state);
      this.#post({ kind: 'state', tab: this.#tab, state: toWireState(state) });
    });
    this.#post({ kind: 'leader', tab: this.#tab, state: toWireState(real.state), token: this.#ports.readToken() });
    this.#applyDemand();
    // Sends this tab made as a follower go through its own connection now.
    for (const [id, pending] of [...this.#pending]) {
      this.#pending.delete(id);
      real
        .send(pending.message, { reply: pending.reply })
        .subscribe({ next: (r) => pending.fate.settle(r), error: (e: AuthSocketError) => pending.fate.settle(e) });
    }
  }

  #becomeFollower(): void {
    this.#role = 'follower';
    this.#releaseFollowerChannels();
    this.#dropReal();
  }

  /** Takes the followers' channel subscribers out of this tab's membership (it no longer leads). */
  #releaseFollowerChannels(): void {
    const channels = this.#ports.channels;
    if (!channels) return;
    channels.onChange = null;
    for (const wants of this.#followerChannels.values()) {
      for (const [name, { count }] of wants) for (let i = 0; i < count; i++) channels.unwant(name);
    }
    this.#followerChannels.clear();
  }

  /** Leader: a follower's channels now; the difference goes to the real connection, one subscriber at a time. */
  #applyChannelDemand(tab: string, wants: ReadonlyArray<readonly [string, number, unknown]>): void {
    const real = this.#real;
    const channels = this.#ports.channels;
    if (!real || !channels) return;
    const before = this.#followerChannels.get(tab) ?? new Map<string, { count: number; params: unknown }>();
    const after = new Map(wants.map(([name, count, params]) => [name, { count, params }]));
    for (const name of new Set([...before.keys(), ...after.keys()])) {
      const from = before.get(name)?.count ?? 0;
      const to = after.get(name)?.count ?? 0;
      const params = after.get(name)?.params ?? before.get(name)?.params;
      for (let i = from; i < to; i++) real.channelDemand(name, params, 1);
      for (let i = to; i < from; i++) real.channelDemand(name, params, -1);
      if (from === 0 && to > 0) {
        // A tab newly interested learns where the channel stands at once.
        const { state, members } = channels.snapshot(name);
        this.#post({ kind: 'channel', tab: this.#tab, name, state, members, to: tab });
      }
    }
    if (after.size > 0) this.#followerChannels.set(tab, after);
    else this.#followerChannels.delete(tab);
  }

  #dropReal(): void {
    this.#realState?.unsubscribe();
    this.#realState = null;
    this.#real?.destroy();
    this.#real = null;
  }

  // ---- the channel -------------------------------------------------------------------------

  #received(message: TabMessage): void {
    if (this.#destroyed) return;
    switch (message.kind) {
      case 'alive':
        this.#election.leaseSeen(message.tab);
        return;
      case 'hello':
        if (this.#role === 'leader') {
          this.#post({
            kind: 'leader',
            tab: this.#tab,
            to: message.tab,
            state: toWireState(this.state),
            token: this.#ports.readToken(),
          });
        }
        return;
      case 'leader':
        if (message.to !== undefined && message.to !== this.#tab) return;
        if (this.#role === 'leader') return;
        this.#followLeader(message.tab);
        this.#stateSubject.next(fromWireState(message.state));
        if (message.token !== null && message.token !== this.#ports.readToken()) this.#applyToken(message.token);
        return;
      case 'bye':
        this.#followers.delete(message.tab);
        if (this.#role === 'leader') this.#applyChannelDemand(message.tab, []);
        if (this.#role === 'leader') this.#applyDemand();
        if (message.tab === this.#leaderTab) this.#leaderTab = null;
        return;
      case 'token':
        this.#applyToken(message.token);
        return;
      case 'demand':
        if (this.#role !== 'leader') return;
        this.#followers.set(message.tab, { count: message.count, seenAt: this.#clock });
        this.#applyDemand();
        return;
      case 'channel-demand':
        if (this.#role === 'leader') this.#applyChannelDemand(message.tab, message.channels);
        return;
      case 'connect':
      case 'disconnect':
        if (this.#real && message.kind === 'connect') this.#real.connect();
        else if (this.#real) this.#real.disconnect();
        return;
      case 'send':
        if (this.#real) this.#sendFor(message, this.#real);
        return;
      default:
        this.#fromLeader(message);
    }
  }

  #fromLeader(message: TabMessage): void {
    if (this.#role === 'leader') return;
    if (message.tab !== this.#leaderTab) this.#followLeader(message.tab);
    switch (message.kind) {
      case 'state':
        this.#stateSubject.next(fromWireState(message.state));
        return;
      case 'message':
        if (message.to !== undefined && message.to !== this.#tab) return;
        this.#noteSeq(message.message);
        this.#ports.deliver(message.message);
        return;
      case 'error':
        this.#ports.report(fromWireError(message.error));
        return;
      case 'resync':
        this.#ports.resyncNeeded(message.event);
        return;
      case 'channel':
        if (message.to === undefined || message.to === this.#tab)
          this.#ports.channels?.mirror(message.name, message.state, message.members);
        return;
      case 'receipt': {
        if (message.to !== this.#tab) return;
        const pending = this.#pending.get(message.id);
        if (!pending) return;
        this.#pending.delete(message.id);
        pending.fate.settle(
          message.error ? fromWireError(message.error) : (message.receipt ?? { queued: true, acked: false }),
        );
        return;
      }
    }
  }

  /** A (new) leader: tell it this tab's demand and hand it the sends still waiting. */
  #followLeader(tab: string): void {
    if (this.#leaderTab === tab) return;
    this.#leaderTab = tab;
    this.#postDemand();
    for (const [id, pending] of this.#pending) this.#postSend(id, pending);
  }

  #sendFor(
    { tab, id, message, reply }: { tab: string; id: string; message: unknown; reply?: boolean },
    real: ConnectionLike,
  ): void {
    const requestId = (message as { id?: unknown } | null)?.id;
    if (reply && typeof requestId === 'string') {
      // Bounded: a reply that never comes (the follower timed out) must not pin memory forever.
      if (this.#replyTo.size >= REPLY_ROUTES_LIMIT) this.#replyTo.delete(this.#replyTo.keys().next().value!);
      this.#replyTo.set(requestId, tab);
    }
    real.send(message).subscribe({
      next: (receipt) => this.#post({ kind: 'receipt', tab: this.#tab, to: tab, id, receipt }),
      error: (error: AuthSocketError) =>
        this.#post({ kind: 'receipt', tab: this.#tab, to: tab, id, error: toWireError(error) }),
    });
  }

  #applyToken(token: string | null): void {
    this.#applyingRemoteToken = true;
    try {
      this.#ports.storeToken(token);
    } finally {
      this.#applyingRemoteToken = false;
    }
  }

  // ---- demand ------------------------------------------------------------------------------

  #demandChanged(): void {
    if (this.#role === 'leader') this.#applyDemand();
    else this.#postDemand();
  }

  #postDemand(): void {
    this.#post({ kind: 'demand', tab: this.#tab, count: this.#subscribers });
    const channels = this.#ports.channels;
    if (channels) this.#post({ kind: 'channel-demand', tab: this.#tab, channels: channels.wantedHere() });
  }

  /** The leader's real connection sees the sum of every live tab's subscribers. */
  #applyDemand(): void {
    const real = this.#real;
    if (!real) return;
    let total = this.#subscribers;
    for (const f of this.#followers.values()) total += f.count;
    while (this.#appliedDemand < total) {
      this.#appliedDemand++;
      real.subscribersChanged(1);
    }
    while (this.#appliedDemand > total) {
      this.#appliedDemand--;
      real.subscribersChanged(-1);
    }
  }

  /** Followers renew their demand; the leader forgets tabs that stopped (closed without a `bye`). */
  #scheduleDemand(): void {
    this.#demandTimer = this.#ports.runtime.setTimeout(() => {
      this.#clock++;
      if (this.#role === 'leader') {
        for (const [tab, f] of this.#followers) {
          if (this.#clock - f.seenAt <= 3) continue;
          this.#followers.delete(tab);
          this.#applyChannelDemand(tab, []);
        }
        this.#applyDemand();
      } else {
        this.#postDemand();
      }
      this.#scheduleDemand();
    }, DEMAND_EVERY_MS);
  }

  // ---- plumbing ----------------------------------------------------------------------------

  #postSend(id: string, { message, reply }: PendingSend): boolean {
    try {
      this.#ports.channel.postMessage({ kind: 'send', tab: this.#tab, id, message, ...(reply ? { reply } : {}) });
      return true;
    } catch (cause) {
      const pending = this.#pending.get(id);
      const error = new AuthSocketError(
        'encode-failed',
        (typeof ngDevMode === 'undefined' || ngDevMode) &&
          'the message cannot be passed to the leader tab (not structured-cloneable)',
        { cause },
      );
      this.#ports.report(error);
      pending?.fate.settle(error);
      return false;
    }
  }

  #post(message: TabMessage): void {
    if (this.#destroyed && message.kind !== 'bye') return;
    try {
      this.#ports.channel.postMessage(message);
    } catch {
      // A closed channel (page unloading): the other tabs learn from the lock or the lease.
    }
  }

  #noteSeq(message: SocketMessage): void {
    // A channel's seqs are its own counter: the socket's resume point is the global seq only.
    if (this.#ports.channels?.channelOf(message) !== undefined) return;
    const seq = message['seq'];
    if (typeof seq === 'number' && (this.#lastSeq === undefined || seq > this.#lastSeq)) this.#lastSeq = seq;
  }

  #cancelPending(why: string | false | null): void {
    if (this.#pending.size === 0) return;
    const error = new AuthSocketError(
      'send-cancelled',
      (typeof ngDevMode === 'undefined' || ngDevMode) && `${this.#pending.size} message(s) were not sent: ${why}`,
    );
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of all) p.fate.settle(error);
  }
}
