import { VirtualClock } from 'ngx-auth-socket/testing';
import { BehaviorSubject, Observable } from 'rxjs';
import { SocketMessage } from '../config';
import { ConnectionLike } from '../connection/connection-like';
import { ConnectionState } from '../connection/connection-state';
import type { ConnectionHooks } from '../connection/socket-connection';
import { AuthSocketError } from '../errors';
import { SendReceipt } from '../messaging/receipt';
import { TabHub } from '../../spec-support/tab-fakes';
import { LEASE } from './leader-election';
import { SharedConnection, SharedConnectionPorts } from './shared-connection';
import { ChannelMembership } from '../channels/channel-membership';
import { DEFAULT_CHANNEL_FRAMES } from '../channels/channel-frames';

/** A stand-in for the real connection the leader tab creates. */
class RealStub implements ConnectionLike {
  readonly stateSubject = new BehaviorSubject<ConnectionState>({ kind: 'idle' });
  readonly state$ = this.stateSubject.asObservable();
  demand = 0;
  destroyed = false;
  readonly sent: unknown[] = [];
  readonly tokens: Array<string | null> = [];
  answer: (message: unknown) => SendReceipt | AuthSocketError = () => ({ queued: false, acked: true });
  /** Channel frames this socket wrote (what `SocketConnection` does with the membership). */
  readonly channelFrames: unknown[] = [];
  constructor(
    readonly hooks: ConnectionHooks,
    readonly lastSeq: number | undefined,
    readonly channels: ChannelMembership | null = null,
  ) {}
  channelDemand(name: string, params: unknown, delta: 1 | -1): void {
    if (delta === 1) this.channels?.want(name, params);
    else this.channels?.unwant(name);
  }
  /** The socket authenticated: the membership joins what is wanted on it. */
  authenticated(): void {
    this.channels?.ready((m) => this.channelFrames.push(m) > 0);
  }
  get state(): ConnectionState {
    return this.stateSubject.value;
  }
  subscribersChanged(delta: 1 | -1): void {
    this.demand += delta;
  }
  reviewDemand(): void {}
  connect(): void {}
  disconnect(): void {}
  tokenChanged(token: string | null): void {
    this.tokens.push(token);
  }
  send(message: unknown): Observable<SendReceipt> {
    this.sent.push(message);
    const outcome = this.answer(message);
    return new Observable((s) =>
      outcome instanceof AuthSocketError ? s.error(outcome) : (s.next(outcome), s.complete()),
    );
  }
  destroy(): void {
    this.destroyed = true;
  }
}

/** The runtime the tabs share: the testing kit's virtual clock, no jitter, predictable tab ids. */
function tabRuntime(clock: VirtualClock): SharedConnectionPorts['runtime'] {
  let ids = 0;
  return {
    setTimeout: (run, ms) => clock.setTimeout(run, ms),
    clearTimeout: (id) => clock.clearTimeout(id),
    random: () => 0,
    randomId: () => `tab-${++ids}`,
  };
}

interface Tab {
  readonly shared: SharedConnection;
  readonly ownRequests: string[];
  readonly delivered: SocketMessage[];
  readonly errors: AuthSocketError[];
  readonly stored: Array<string | null>;
  token: string | null;
  real: RealStub | null;
  readonly channels: ChannelMembership | null;
}

describe('SharedConnection (one socket for all tabs)', () => {
  let hub: TabHub;
  let timers: VirtualClock;
  let clockRuntime: SharedConnectionPorts['runtime'];
  const flush = async () => {
    for (let i = 0; i < 5; i++) {
      hub.deliver();
      await Promise.resolve();
    }
    hub.deliver();
  };

  beforeEach(() => {
    hub = new TabHub();
    timers = new VirtualClock();
    clockRuntime = tabRuntime(timers);
  });

  function openTab(options: { locks?: boolean; token?: string | null; channels?: boolean } = {}): Tab {
    const runtime = hub.runtime({ locks: options.locks });
    const channels = options.channels
      ? new ChannelMembership(DEFAULT_CHANNEL_FRAMES, timers, 1000, false, () => undefined)
      : null;
    const tab: Tab = {
      delivered: [],
      errors: [],
      stored: [],
      ownRequests: [],
      token: options.token ?? null,
      real: null,
      channels,
    } as unknown as Tab;
    (tab as { shared: SharedConnection }).shared = new SharedConnection({
      name: 'wss://api.test/channel/',
      outboxLimit: 3,
      runtime: clockRuntime,
      channel: runtime.openChannel!('ngx-auth-socket:wss://api.test/channel/'),
      locks: runtime.locks,
      // The service's deliver: true when the message answered one of this tab's requests.
      answer: (m) => m['id'] !== undefined && tab.ownRequests.includes(m['id'] as string) && tab.delivered.push(m) > 0,
      deliver: (m) => {
        tab.delivered.push(m);
        channels?.route(m); // what the service's deliver does
        return m['id'] !== undefined && tab.ownRequests.includes(m['id'] as string);
      },
      report: (e) => tab.errors.push(e),
      resyncNeeded: () => undefined,
      storeToken: (t) => {
        tab.stored.push(t);
        tab.token = t;
        tab.shared.tokenChanged(t); // what the service does when its store changes
      },
      readToken: () => tab.token,
      createReal: (hooks, lastSeq) => (tab.real = new RealStub(hooks, lastSeq, channels)),
      channels,
    });
    return tab;
  }

  it('elects the first tab; the others follow and mirror its state', async () => {
    const a = openTab();
    await flush();
    const b = openTab();
    await flush();
    expect(a.shared.isLeader).toBeTrue();
    expect(b.shared.isLeader).toBeFalse();
    expect(b.real).toBeNull();
    a.real!.stateSubject.next({ kind: 'open', mode: 'ticket', since: 1 });
    await flush();
    expect(b.shared.state).toEqual({ kind: 'open', mode: 'ticket', since: 1 });
  });

  it('relays what the socket delivers to every tab, and errors as typed AuthSocketErrors', async () => {
    const a = openTab();
    const b = openTab();
    await flush();
    a.real!.hooks.deliver({ type: 'chat', text: 'hi', seq: 4 });
    a.real!.hooks.report(new AuthSocketError('socket-closed', 'the socket closed (1006)', { closeCode: 1006 }));
    await flush();
    expect(a.delivered).toEqual([{ type: 'chat', text: 'hi', seq: 4 }]);
    expect(b.delivered).toEqual([{ type: 'chat', text: 'hi', seq: 4 }]);
    expect(b.errors[0]).toBeInstanceOf(AuthSocketError);
    expect(b.errors[0].code).toBe('socket-closed');
    expect(b.errors[0].closeCode).toBe(1006);
    expect(b.errors[0].message).toBe('[ngx-auth-socket socket-closed] the socket closed (1006)');
  });

  it('sums the demand of every tab on the leader, and forgets a tab that says goodbye', async () => {
    const a = openTab();
    const b = openTab();
    await flush();
    b.shared.subscribersChanged(1);
    b.shared.subscribersChanged(1);
    a.shared.subscribersChanged(1);
    await flush();
    expect(a.real!.demand).toBe(3);
    b.shared.destroy();
    await flush();
    expect(a.real!.demand).toBe(1);
  });

  it("sends a follower's message through the leader's socket and returns its receipt or typed error", async () => {
    const a = openTab();
    const b = openTab();
    await flush();
    const receipts: SendReceipt[] = [];
    b.shared.send({ type: 'chat', text: 'from b' }).subscribe((r) => receipts.push(r));
    await flush();
    expect(a.real!.sent).toEqual([{ type: 'chat', text: 'from b' }]);
    expect(receipts).toEqual([{ queued: false, acked: true }]);
    a.real!.answer = () => new AuthSocketError('outbox-full', 'outbox is full (1000 messages)');
    let failure: AuthSocketError | undefined;
    b.shared.send({ type: 'chat', text: 'too many' }).subscribe({ error: (e: AuthSocketError) => (failure = e) });
    await flush();
    expect(failure?.code).toBe('outbox-full');
  });

  it("routes a request's reply to the tab that asked, and keeps the leader's own replies to itself", async () => {
    const a = openTab();
    const b = openTab();
    const c = openTab();
    await flush();
    b.shared.send({ type: 'echo', id: 'req-b', payload: 1 }, { reply: true }).subscribe();
    await flush();
    a.real!.hooks.deliver({ type: 'echo_reply', id: 'req-b', payload: 1 });
    a.ownRequests.push('req-a');
    a.real!.hooks.deliver({ type: 'echo_reply', id: 'req-a', payload: 2 });
    a.real!.hooks.deliver({ type: 'chat', id: 'not-a-request' });
    await flush();
    expect(b.delivered.map((m) => m['id'])).toEqual(['req-b', 'not-a-request']);
    expect(c.delivered.map((m) => m['id'])).toEqual(['not-a-request']);
    expect(a.delivered.map((m) => m['id'])).toEqual(['req-a', 'not-a-request']);
  });

  it("a new leader resumes from the socket's last seq, not from a channel's (channels count their own seqs)", async () => {
    const a = openTab({ channels: true });
    const b = openTab({ channels: true });
    await flush();
    a.real!.hooks.deliver({ type: 'chat', seq: 41 });
    a.real!.hooks.deliver({ type: 'chat', channel: 'room:1', seq: 1_796_000_000_000 });
    await flush();
    a.shared.destroy();
    await flush();
    expect(b.shared.isLeader).toBeTrue();
    expect(b.real!.lastSeq).toBe(41);
  });

  it('hands over within a second when the leader goes, with a new real connection; pending sends go through it', async () => {
    const a = openTab();
    const b = openTab();
    await flush();
    a.real!.hooks.deliver({ type: 'chat', seq: 41 });
    await flush();
    // The leader stops answering sends (it is closing), then goes.
    const firstReal = a.real!;
    spyOn(firstReal, 'send').and.returnValue(new Observable<SendReceipt>(() => undefined));
    const receipts: SendReceipt[] = [];
    b.shared.send({ type: 'chat', id: 'm-1', text: 'in flight' }).subscribe((r) => receipts.push(r));
    await flush();
    a.shared.destroy();
    await flush();
    expect(firstReal.destroyed).toBeTrue();
    expect(b.shared.isLeader).toBeTrue();
    expect(b.real).not.toBeNull();
    expect(b.real!.lastSeq).toBe(41);
    expect(b.real!.sent).toEqual([{ type: 'chat', id: 'm-1', text: 'in flight' }]);
    expect(receipts).toEqual([{ queued: false, acked: true }]);
  });

  it('shares a login with tabs opened later and a logout with all tabs, without echoing it back', async () => {
    const a = openTab({ token: 'jwt-1' });
    await flush();
    const b = openTab();
    await flush();
    expect(b.token).toBe('jwt-1');
    b.shared.tokenChanged(null); // b logs out
    b.token = null;
    await flush();
    expect(a.stored).toEqual([null]);
    expect(a.real!.tokens).toEqual([null]);
    const tokenPosts = hub.posted.filter((m) => (m as { kind: string }).kind === 'token');
    expect(tokenPosts.length).toBe(1);
  });

  it('fails sends a follower cannot hand over: over the outbox limit, or not structured-cloneable', async () => {
    openTab();
    const b = openTab();
    await flush();
    const errors: string[] = [];
    for (let i = 0; i < 4; i++)
      b.shared.send({ type: 'x', i }).subscribe({ error: (e: AuthSocketError) => errors.push(e.code) });
    expect(errors).toEqual(['outbox-full']);
    await flush(); // the leader settles the three
    b.shared.send({ type: 'fn', f: () => 1 }).subscribe({ error: (e: AuthSocketError) => errors.push(e.code) });
    expect(errors).toEqual(['outbox-full', 'encode-failed']);
  });

  it('ignores foreign or malformed messages on the channel', async () => {
    const a = openTab();
    const b = openTab();
    await flush();
    for (const junk of [
      null,
      'text',
      { kind: 'message', tab: 'x' },
      { kind: 'message', tab: 'x', message: { no: 'type' } },
      { kind: 'nope', tab: 'x' },
      { kind: 'demand', tab: 'x', count: -1 },
    ]) {
      hub.inject('ngx-auth-socket:wss://api.test/channel/', junk);
    }
    await flush();
    expect(a.delivered).toEqual([]);
    expect(b.delivered).toEqual([]);
    expect(a.real!.demand).toBe(0);
  });

  it('without Web Locks: a lease; the first tab leads after the lease time, a silent leader is replaced within a second', async () => {
    const a = openTab({ locks: false });
    const b = openTab({ locks: false });
    timers.tick(LEASE.expireMs, () => hub.deliver());
    await flush();
    const leaders = [a, b].filter((t) => t.shared.isLeader);
    expect(leaders.length).toBe(1);
    const [leader, follower] = leaders[0] === a ? [a, b] : [b, a];
    timers.tick(3000, () => hub.deliver());
    expect(follower.shared.isLeader).toBeFalse();
    leader.shared.destroy();
    timers.tick(1000, () => hub.deliver());
    await flush();
    expect(follower.shared.isLeader).toBeTrue();
  });

  describe('with channels', () => {
    const subscribe = (tab: Tab, name: string) => {
      tab.shared.channelDemand(name, undefined, 1);
      tab.shared.subscribersChanged(1);
    };
    const unsubscribe = (tab: Tab, name: string) => {
      tab.shared.channelDemand(name, undefined, -1);
      tab.shared.subscribersChanged(-1);
    };

    it("joins a channel once on the leader's socket however many tabs want it, and mirrors it in every tab", async () => {
      const a = openTab({ channels: true });
      await flush();
      const b = openTab({ channels: true });
      const c = openTab({ channels: true });
      await flush();
      subscribe(a, 'room:1');
      subscribe(b, 'room:1');
      subscribe(c, 'room:1');
      subscribe(c, 'room:2');
      await flush();
      a.real!.authenticated();
      expect(a.real!.channelFrames).toEqual([
        { type: 'join', channel: 'room:1' },
        { type: 'join', channel: 'room:2' },
      ]);
      // The leader's socket reads the server's answer (control frames never go through deliver).
      a.channels!.frame({ type: 'joined', channel: 'room:1', seq: 0, presence: ['alice'] });
      await flush();
      for (const tab of [a, b, c]) {
        expect(tab.channels!.snapshot('room:1')).toEqual({ state: { kind: 'joined', seq: 0 }, members: ['alice'] });
      }
      // A channel message reaches the handles of every tab.
      const seen: string[] = [];
      for (const [name, tab] of [
        ['a', a],
        ['b', b],
        ['c', c],
      ] as const) {
        tab.channels!.entry('room:1').listeners.add({ next: () => seen.push(name) } as never);
      }
      a.real!.hooks.deliver({ type: 'chat', channel: 'room:1', seq: 1 });
      await flush();
      expect(seen.sort()).toEqual(['a', 'b', 'c']);
    });

    it('leaves only when the last tab lets go (after the grace period)', async () => {
      const a = openTab({ channels: true });
      await flush();
      const b = openTab({ channels: true });
      await flush();
      subscribe(a, 'room:1');
      subscribe(b, 'room:1');
      await flush();
      a.real!.authenticated();
      a.channels!.frame({ type: 'joined', channel: 'room:1', seq: 0 });
      unsubscribe(a, 'room:1');
      await flush();
      timers.tick(2000, () => hub.deliver());
      expect(a.real!.channelFrames).toEqual([{ type: 'join', channel: 'room:1' }]);
      unsubscribe(b, 'room:1');
      await flush();
      timers.tick(2000, () => hub.deliver());
      expect(a.real!.channelFrames).toEqual([
        { type: 'join', channel: 'room:1' },
        { type: 'leave', channel: 'room:1' },
      ]);
    });

    it("a new leader joins every tab's channels once on its own socket", async () => {
      const a = openTab({ channels: true });
      await flush();
      const b = openTab({ channels: true });
      const c = openTab({ channels: true });
      await flush();
      subscribe(b, 'room:1');
      subscribe(c, 'room:1');
      subscribe(c, 'room:3');
      await flush();
      a.real!.authenticated();
      a.channels!.frame({ type: 'joined', channel: 'room:1', seq: 0 });
      await flush();
      a.shared.destroy();
      await flush();
      const leader = [b, c].find((t) => t.shared.isLeader)!;
      timers.tick(1000, () => hub.deliver());
      await flush();
      leader.real!.authenticated();
      expect(leader.real!.channelFrames).toEqual([
        { type: 'join', channel: 'room:1' },
        { type: 'join', channel: 'room:3' },
      ]);
    });
  });
});
