import { setTimeout as delay } from 'node:timers/promises';
import type { ServerMessage } from './server-messages.mjs';

/** What the hub needs from a socket; implemented by `Channel`. */
export interface HubMember {
  sendText(text: string): void;
  /** Close with a code; the member leaves the hub when its socket has closed. */
  shutdown(code: number, reason: string): void;
  /** Cut the TCP connection without a close handshake. */
  terminate(): void;
  /** Resolves once the socket is fully closed. */
  readonly closed: Promise<void>;
}

/**
 * The room: every open socket, and the subset that is authenticated (with its user). Room traffic
 * only ever goes to the authenticated subset, which is the rule "unauthenticated sockets never
 * receive room traffic" in one line. It also counts sockets per user, for the per-user limit.
 */
export class ChannelHub {
  private readonly open = new Set<HubMember>();
  private readonly awaitingAuth = new Set<HubMember>();
  private readonly authenticated = new Map<HubMember, string>();
  private readonly byUser = new Map<string, number>();

  /** `maxSocketsPerUser`: authenticated sockets one user may hold at once. */
  constructor(private readonly maxSocketsPerUser = Number.POSITIVE_INFINITY) {}

  /** Open, authenticated sockets. */
  get memberCount(): number {
    return this.authenticated.size;
  }

  /** Every open socket, authenticated or not. */
  get openCount(): number {
    return this.open.size;
  }

  /** Open sockets waiting for their `auth` frame: the ones capped by `maxUnauthenticatedSockets`. */
  get unauthenticatedCount(): number {
    return this.awaitingAuth.size;
  }

  /** Whether `member` is (still) waiting for its `auth` frame. */
  setAwaitingAuth(member: HubMember, waiting: boolean): void {
    if (waiting && this.open.has(member)) this.awaitingAuth.add(member);
    else this.awaitingAuth.delete(member);
  }

  /** Whether `user` may have one more authenticated socket. */
  hasRoomFor(user: string): boolean {
    return (this.byUser.get(user) ?? 0) < this.maxSocketsPerUser;
  }

  add(member: HubMember): void {
    this.open.add(member);
  }

  remove(member: HubMember): void {
    this.open.delete(member);
    this.awaitingAuth.delete(member);
    this.leave(member);
  }

  join(member: HubMember, user: string): void {
    if (!this.open.has(member) || this.authenticated.has(member)) return;
    this.authenticated.set(member, user);
    this.byUser.set(user, (this.byUser.get(user) ?? 0) + 1);
  }

  leave(member: HubMember): void {
    const user = this.authenticated.get(member);
    if (user === undefined) return;
    this.authenticated.delete(member);
    const left = (this.byUser.get(user) ?? 1) - 1;
    if (left === 0) this.byUser.delete(user);
    else this.byUser.set(user, left);
  }

  broadcast(message: ServerMessage): void {
    const text = JSON.stringify(message);
    for (const member of this.authenticated.keys()) member.sendText(text);
  }

  /** Closes every open socket with `code`; returns how many. */
  closeAll(code: number, reason: string): number {
    const members = [...this.open];
    for (const member of members) member.shutdown(code, reason);
    return members.length;
  }

  /**
   * Closes everything and waits up to `graceMs` for clients to answer the close frame; whoever has
   * not by then is cut off, so shutdown time is bounded whatever the clients do.
   */
  async drain(code: number, reason: string, graceMs: number): Promise<void> {
    const members = [...this.open];
    for (const member of members) member.shutdown(code, reason);
    const allClosed = Promise.all(members.map((m) => m.closed));
    const graceOver = new AbortController();
    const timedOut = await Promise.race([
      allClosed.then(() => false),
      delay(graceMs, true, { signal: graceOver.signal }).catch(() => false),
    ]);
    graceOver.abort();
    if (timedOut) {
      for (const member of members) member.terminate();
      await allClosed;
    }
  }
}
