/**
 * This node's share of presence, as bookkeeping: per channel and user, how many of this node's
 * sockets are joined, and — once the last one has left — until when the user is still held (the
 * grace, `PRESENCE_GRACE_MS`). Pure: time is passed in, timers live in the service that reads
 * {@link PresenceLedger.nextDueMs}.
 *
 * The grace is what keeps a reconnect from flickering: a socket that drops and comes back (or is
 * replaced make-before-break) within it never makes its user leave and join again.
 */
export interface PresenceKey {
  readonly channel: string;
  readonly user: string;
}

/** `entered`: the node did not hold the user in the channel (not even in grace) before. */
export type HoldResult = 'entered' | 'kept';
/** `grace`: that was the user's last socket here; they are held until the grace ends. */
export type ReleaseResult = 'still-held' | 'grace' | 'not-held';

interface Entry {
  sockets: number;
}

export class PresenceLedger {
  private readonly byChannel = new Map<string, Map<string, Entry>>();
  /**
   * Users in their grace, by `channel \n user`, with their deadline. The grace is the same for
   * everyone and time only moves forward, so insertion order is deadline order (a re-release
   * deletes and re-inserts): the earliest is always first.
   */
  private readonly leaving = new Map<string, number>();

  constructor(private readonly graceMs: number) {
    if (!(graceMs >= 0)) throw new RangeError('graceMs must be >= 0');
  }

  /** One more of this node's sockets joined `channel` as `user`. */
  hold(channel: string, user: string): HoldResult {
    const users = this.byChannel.get(channel) ?? new Map<string, Entry>();
    this.byChannel.set(channel, users);
    const entry = users.get(user);
    if (entry === undefined) {
      users.set(user, { sockets: 1 });
      return 'entered';
    }
    entry.sockets++;
    this.leaving.delete(keyOf(channel, user));
    return 'kept';
  }

  /** One of this node's sockets left `channel` (leave frame or close). */
  release(channel: string, user: string, nowMs: number): ReleaseResult {
    const entry = this.byChannel.get(channel)?.get(user);
    if (entry === undefined || entry.sockets === 0) return 'not-held';
    entry.sockets--;
    if (entry.sockets > 0) return 'still-held';
    const key = keyOf(channel, user);
    this.leaving.delete(key);
    this.leaving.set(key, nowMs + this.graceMs);
    return 'grace';
  }

  /** Forgets the user in `channel` at once, grace or not (a kick). True if they were held. */
  drop(channel: string, user: string): boolean {
    const users = this.byChannel.get(channel);
    if (users?.delete(user) !== true) return false;
    if (users.size === 0) this.byChannel.delete(channel);
    this.leaving.delete(keyOf(channel, user));
    return true;
  }

  /** Users whose grace has ended by `nowMs`, now forgotten: they leave. */
  due(nowMs: number): PresenceKey[] {
    const out: PresenceKey[] = [];
    for (const [key, deadline] of this.leaving) {
      if (deadline > nowMs) break;
      const newline = key.indexOf('\n');
      const channel = key.slice(0, newline);
      const user = key.slice(newline + 1);
      this.drop(channel, user);
      out.push({ channel, user });
    }
    return out;
  }

  /** When the next grace ends, if any. */
  nextDueMs(): number | undefined {
    for (const deadline of this.leaving.values()) return deadline;
    return undefined;
  }

  /** This node's sockets joined to `channel` as `user` (0 in grace or when not held). */
  sockets(channel: string, user: string): number {
    return this.byChannel.get(channel)?.get(user)?.sockets ?? 0;
  }

  /** Whether the node holds `user` in `channel`, with sockets or in grace. */
  holds(channel: string, user: string): boolean {
    return this.byChannel.get(channel)?.has(user) === true;
  }

  /** The users held in `channel` (sockets or grace). */
  usersIn(channel: string): string[] {
    return [...(this.byChannel.get(channel)?.keys() ?? [])];
  }

  /** Every channel with a user held, and those users (for keeping shared entries alive). */
  *held(): IterableIterator<{ readonly channel: string; readonly users: readonly string[] }> {
    for (const [channel, users] of this.byChannel) yield { channel, users: [...users.keys()] };
  }

  /** Users held in all channels together (sockets or grace). */
  get size(): number {
    let n = 0;
    for (const users of this.byChannel.values()) n += users.size;
    return n;
  }
}

// Channel names never contain a newline, so the first one splits the pair unambiguously.
function keyOf(channel: string, user: string): string {
  return `${channel}\n${user}`;
}
