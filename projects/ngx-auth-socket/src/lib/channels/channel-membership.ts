import { BehaviorSubject, Subscriber } from 'rxjs';
import type { SocketMessage } from '../config';
import { AuthSocketError } from '../errors';
import type { AuthSocketRuntime } from '../runtime';
import type { FeatureWrite } from '../connection/connection-like';
import type { ChannelFrames, ChannelSignal } from './channel-frames';

/**
 * Where one channel stands:
 * - `joining`: wanted; the join is on its way (or waits for the socket to authenticate);
 * - `joined`: the server accepted; `seq` is its latest channel seq at that moment;
 * - `rejected`: the server refused the join or kicked this user (`reason`); it is not joined again
 *   until the app asks again (a new subscriber);
 * - `left`: nobody wants it any more (or not yet).
 */
export type ChannelState =
  | { readonly kind: 'joining' }
  | { readonly kind: 'joined'; readonly seq?: number }
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'left' };

/** A channel's members now, and what changed with the last update. */
export interface ChannelPresence {
  readonly members: readonly string[];
  readonly joined: readonly string[];
  readonly left: readonly string[];
}

/** The server could not replay a channel's history since `lastSeq`. */
export interface ChannelResync {
  readonly channel: string;
  readonly lastSeq: number;
  readonly serverSeq: number | undefined;
}

/** One channel's bookkeeping; its subjects are what the app's handle exposes. */
export interface ChannelEntry {
  readonly name: string;
  params: unknown;
  /** Subscribers of the channel's messages (or presence). */
  refs: number;
  /** The last channel seq delivered (with resume on). */
  lastSeq: number | undefined;
  leaveTimer: unknown;
  readonly listeners: Set<Subscriber<SocketMessage>>;
  readonly state: BehaviorSubject<ChannelState>;
  readonly presence: BehaviorSubject<ChannelPresence>;
}

const LEFT: ChannelState = { kind: 'left' };
const JOINING: ChannelState = { kind: 'joining' };
const NOBODY: ChannelPresence = { members: [], joined: [], left: [] };

/**
 * The channels one connection is joined to: one join per channel however many subscribers, joins
 * sent right after every authentication (so they survive reconnects and token rotations), leaves
 * after a grace period, presence kept as a set, channel seqs tracked for resume and replays.
 */
export class ChannelMembership {
  readonly #entries = new Map<string, ChannelEntry>();
  /** Writes a frame on the authenticated socket; null while there is none. */
  #write: FeatureWrite | null = null;
  /** Tells the app (errors$ in every tab): a join or leave frame the app's builder could not make. */
  #report: ((error: AuthSocketError) => void) | null = null;
  /**
   * Channels joined again on a make-before-break successor while they stay `joined`, until the
   * server answers that join: a `not_joined` meanwhile is the join not having arrived yet.
   */
  readonly #rejoining = new Set<string>();
  /** Ends an unacknowledged message the server refused (from the connection, while a socket is ready). */
  #refuse: ((id: string, error: AuthSocketError) => void) | null = null;
  /** Told of every change of a channel's state or presence (the leader tab relays them). */
  onChange: ((name: string, state: ChannelState, presence: ChannelPresence) => void) | null = null;

  constructor(
    private readonly frames: Required<ChannelFrames>,
    private readonly timers: Pick<AuthSocketRuntime, 'setTimeout' | 'clearTimeout'>,
    /** How long a channel stays joined after its last subscriber left. */
    private readonly graceMs: number,
    /** Present the last channel seq on join and drop replayed duplicates (`withResume()`). */
    private readonly resume: boolean,
    private readonly resync: (event: ChannelResync) => void,
  ) {}

  /** The entry of `name`, created (left) on first use. */
  entry(name: string): ChannelEntry {
    let entry = this.#entries.get(name);
    if (!entry) {
      entry = {
        name,
        params: undefined,
        refs: 0,
        lastSeq: undefined,
        leaveTimer: null,
        listeners: new Set(),
        state: new BehaviorSubject<ChannelState>(LEFT),
        presence: new BehaviorSubject<ChannelPresence>(NOBODY),
      };
      this.#entries.set(name, entry);
    }
    return entry;
  }

  /** Whether any channel is wanted (it keeps the socket open). */
  get wanted(): boolean {
    for (const entry of this.#entries.values()) if (entry.refs > 0) return true;
    return false;
  }

  /** A subscriber arrived (here or in a tab this one holds the socket for): join unless joined or joining; a refused channel is asked again. */
  want(name: string, params: unknown): void {
    const entry = this.entry(name);
    entry.refs++;
    entry.params = params;
    if (entry.leaveTimer !== null) {
      this.timers.clearTimeout(entry.leaveTimer);
      entry.leaveTimer = null;
    }
    const kind = entry.state.value.kind;
    if (kind === 'left' || kind === 'rejected') this.#join(entry);
  }

  /** A subscriber left; the last one leaves the channel after the grace period. */
  unwant(name: string): void {
    const entry = this.entry(name);
    if (--entry.refs > 0 || entry.leaveTimer !== null) return;
    entry.leaveTimer = this.timers.setTimeout(() => {
      entry.leaveTimer = null;
      if (entry.refs > 0) return;
      if (entry.state.value.kind !== 'rejected') {
        if (entry.state.value.kind !== 'left') this.#send(() => this.frames.leave(entry.name));
        this.#set(entry, LEFT);
        this.#rejoining.delete(entry.name);
        this.#setMembers(entry, []);
      }
    }, this.graceMs);
  }

  /** The socket authenticated (a connect, reconnect or rotation): join every wanted channel on it. */
  ready(
    write: FeatureWrite,
    fail?: unknown,
    refuse?: (id: string, error: AuthSocketError) => void,
    report?: (error: AuthSocketError) => void,
  ): void {
    this.#write = write;
    this.#refuse = refuse ?? null;
    this.#report = report ?? null;
    for (const entry of this.#entries.values()) {
      const kind = entry.state.value.kind;
      if (kind === 'joining') this.#join(entry);
      else if (kind === 'joined') {
        // Still joined: no socket was lost, a make-before-break successor took over while the
        // replaced socket kept the membership. Join on the successor without showing `joining`,
        // unless that join cannot be made: then the channel is not joined on the socket it uses.
        this.#rejoining.add(entry.name);
        if (!this.#join(entry, false)) {
          this.#rejoining.delete(entry.name);
          this.#set(entry, JOINING);
        }
      }
    }
  }

  /**
   * The socket went away: what was joined must be joined again on the next one. `final`: the
   * connection itself ends (a shared tab handing the socket over): states stay as they are.
   */
  lost(final = false): void {
    this.#write = null;
    this.#refuse = null;
    this.#report = null;
    this.#rejoining.clear();
    if (final) return;
    for (const entry of this.#entries.values()) if (entry.state.value.kind === 'joined') this.#set(entry, JOINING);
  }

  /** Handles a channel control frame; false for every other frame. `current`: from the socket carrying traffic. */
  frame(message: SocketMessage, current = true): boolean {
    const signal = this.frames.read(message);
    if (!signal) return false;
    const entry = this.#entries.get(signal.channel);
    // A not_joined speaks of the socket it came on: only the current one's counts.
    if (signal.kind === 'not-joined' && !current) return false;
    // A late answer for a channel nobody wants any more changes nothing.
    if (entry && entry.state.value.kind !== 'left') this.#apply(entry, signal);
    const id = message['id'];
    if (signal.kind === 'not-joined' && typeof id === 'string') {
      // With acknowledged delivery the refused message ends now, typed, and is not sent again.
      this.#refuse?.(
        id,
        new AuthSocketError(
          'send-refused',
          (typeof ngDevMode === 'undefined' || ngDevMode) &&
            `the server refused a message: not joined to ${signal.channel}`,
          { reason: 'not_joined' },
        ),
      );
    }
    // A not-joined error answers one of the app's messages: its subscribers see it too.
    return signal.kind !== 'not-joined';
  }

  /** The channel `message` belongs to, if any. */
  channelOf(message: SocketMessage): string | undefined {
    return this.frames.channelOf(message);
  }

  /**
   * For a channel's message (its seq is the channel's, not the socket's): false when it repeats a
   * seq of its channel already delivered (a replay overlap, with resume on). Undefined for any
   * other message: not the channels' to judge.
   */
  admit(message: SocketMessage): boolean | undefined {
    const name = this.frames.channelOf(message);
    if (name === undefined) return undefined;
    const seq = message['seq'];
    if (!this.resume || typeof seq !== 'number') return true;
    const lastSeq = this.#entries.get(name)?.lastSeq;
    return lastSeq === undefined || seq > lastSeq;
  }

  /** Hands a channel's message to the channel's subscribers (in every tab), noting its seq. */
  route(message: SocketMessage): void {
    const name = this.frames.channelOf(message);
    const entry = name === undefined ? undefined : this.#entries.get(name);
    if (!entry) return;
    const seq = message['seq'];
    if (typeof seq === 'number' && (entry.lastSeq === undefined || seq > entry.lastSeq)) entry.lastSeq = seq;
    for (const listener of entry.listeners) listener.next(message);
  }

  /** A follower tab: the state and presence the leader's socket has for `name`. */
  mirror(name: string, state: ChannelState, members: readonly string[]): void {
    const entry = this.entry(name);
    this.#set(entry, state);
    this.#setMembers(entry, members);
  }

  /** This tab now holds the socket: what its tabs want is to be joined on it, the rest is left. */
  takeOver(): void {
    this.#write = null;
    this.#rejoining.clear();
    for (const entry of this.#entries.values()) {
      if (entry.state.value.kind === 'rejected') continue;
      this.#set(entry, entry.refs > 0 ? JOINING : LEFT);
    }
  }

  /** The names of the channels this tab wants, with their parameters and subscriber counts. */
  wantedHere(): Array<[string, number, unknown]> {
    return [...this.#entries.values()].filter((e) => e.refs > 0).map((e) => [e.name, e.refs, e.params]);
  }

  /** The current state and members of `name`. */
  snapshot(name: string): { state: ChannelState; members: readonly string[] } {
    const entry = this.entry(name);
    return { state: entry.state.value, members: entry.presence.value.members };
  }

  /** Completes every channel's streams: the service is going away. */
  destroy(): void {
    for (const entry of this.#entries.values()) {
      if (entry.leaveTimer !== null) this.timers.clearTimeout(entry.leaveTimer);
      for (const listener of entry.listeners) listener.complete();
      entry.state.complete();
      entry.presence.complete();
    }
    this.#entries.clear();
  }

  /** Sends the channel's join (showing `joining` unless `show` is false); false when it could not be made. */
  #join(entry: ChannelEntry, show = true): boolean {
    if (show) this.#set(entry, JOINING);
    const resume = this.resume ? entry.lastSeq : undefined;
    return this.#send(() => this.frames.join(entry.name, { params: entry.params, resume }));
  }

  /**
   * Builds a frame with the app's builder and writes it while a socket is ready. A builder that
   * throws is reported (`encode-failed`) and nothing is sent: it runs inside the connection's
   * event handling, which must go on for the other channels.
   */
  #send(build: () => unknown): boolean {
    const write = this.#write;
    if (!write) return false;
    let frame: unknown;
    try {
      frame = build();
    } catch (cause) {
      this.#report?.(
        new AuthSocketError(
          'encode-failed',
          (typeof ngDevMode === 'undefined' || ngDevMode) && 'a withChannels join or leave builder threw',
          { cause },
        ),
      );
      return false;
    }
    // Undefined: the serializer could not encode it (the connection reported it).
    return write(frame) !== undefined;
  }

  #apply(entry: ChannelEntry, signal: ChannelSignal): void {
    // The server answered the successor's join (or removed the channel): no join is pending.
    if (signal.kind !== 'not-joined' && signal.kind !== 'presence') this.#rejoining.delete(entry.name);
    switch (signal.kind) {
      case 'joined':
        // The server's latest seq of the channel: a later re-join resumes from here even when no
        // message came meanwhile (the replay, if any, came before this answer).
        if (this.resume && signal.seq !== undefined && (entry.lastSeq === undefined || signal.seq > entry.lastSeq)) {
          entry.lastSeq = signal.seq;
        }
        this.#set(entry, signal.seq === undefined ? { kind: 'joined' } : { kind: 'joined', seq: signal.seq });
        if (signal.presence) this.#setMembers(entry, list(signal.presence));
        return;
      case 'not-joined':
        // The server lost this socket's membership (the client still counts it joined): join
        // again, once — while the join is on its way, further not_joined answers change nothing.
        if (entry.state.value.kind === 'joined' && !this.#rejoining.has(entry.name)) this.#join(entry);
        return;
      case 'refused':
      case 'kicked':
        // Not joined again until the app asks again: a refusal is a verdict, not a hiccup.
        this.#set(entry, { kind: 'rejected', reason: signal.reason });
        this.#setMembers(entry, []);
        return;
      case 'presence': {
        const members = new Set(entry.presence.value.members);
        // An app's read may leave a list out or get it wrong: no list is no change.
        for (const user of list(signal.left)) members.delete(user);
        for (const user of list(signal.joined)) members.add(user);
        this.#setMembers(entry, [...members]);
        return;
      }
      case 'resume-failed': {
        const lastSeq = entry.lastSeq;
        // Continue from the server's present: older numbers can no longer be replayed.
        entry.lastSeq = signal.seq;
        if (lastSeq !== undefined) this.resync({ channel: entry.name, lastSeq, serverSeq: signal.seq });
      }
    }
  }

  #set(entry: ChannelEntry, state: ChannelState): void {
    const current = entry.state.value;
    if (current.kind === state.kind && JSON.stringify(current) === JSON.stringify(state)) return;
    entry.state.next(state);
    this.onChange?.(entry.name, state, entry.presence.value);
  }

  /** Emits the members and the difference to what was known, if there is one. */
  #setMembers(entry: ChannelEntry, next: readonly string[]): void {
    const before = new Set(entry.presence.value.members);
    const after = new Set(next);
    const joined = [...after].filter((u) => !before.has(u)).sort();
    const left = [...before].filter((u) => !after.has(u)).sort();
    if (joined.length === 0 && left.length === 0) return;
    entry.presence.next({ members: [...after].sort(), joined, left });
    this.onChange?.(entry.name, entry.state.value, entry.presence.value);
  }
}

/** A list of users from an app's `read`, which the types cannot hold to it at run time. */
function list(users: unknown): readonly string[] {
  return Array.isArray(users) ? users : [];
}
