import { AuthSocketFeature, withResume } from '../features';
import { withChannels } from './with-channels';
import { AuthSocketError } from '../errors';
import { SocketMessage } from '../config';
import { ChannelMembership, ChannelPresence, ChannelState } from './channel-membership';
import { DEFAULT_CHANNEL_FRAMES } from './channel-frames';
import { JWT_A, JWT_B, SocketHarness } from '../../spec-support/socket-harness';

describe('channels: joined once, joined again after every reconnect and rotation', () => {
  let h: SocketHarness;
  afterEach(() => h.dispose());

  function open(config = {}, features: AuthSocketFeature[] = [withChannels()]): void {
    h = new SocketHarness(config, { token: JWT_A, features });
  }

  const joins = () => h.lastSocket.received.filter((f) => (f as SocketMessage).type === 'join');

  it('joins on the first subscriber only, once however many, and opens the socket for it', () => {
    open();
    const room = h.service.channel('room:1');
    const states: ChannelState[] = [];
    room.state$.subscribe((s) => states.push(s));
    const a: SocketMessage[] = [];
    const b: SocketMessage[] = [];
    room.messages$.subscribe((m) => a.push(m));
    room.messages$.subscribe((m) => b.push(m));
    h.grantTicket();
    expect(joins()).toEqual([{ type: 'join', channel: 'room:1' }]);
    h.push({ type: 'joined', channel: 'room:1', seq: 0, presence: ['alice'] });
    expect(room.state()).toEqual({ kind: 'joined', seq: 0 });
    h.push({ type: 'chat', channel: 'room:1', seq: 1, text: 'hi' });
    h.push({ type: 'chat', channel: 'room:2', seq: 1, text: 'not mine' });
    expect(a.map((m) => m['text'])).toEqual(['hi']);
    expect(b.map((m) => m['text'])).toEqual(['hi']);
    expect(states.map((s) => s.kind)).toEqual(['left', 'joining', 'joined']);
    // Control frames never reach the app's streams.
    expect(h.messages).toEqual([]);
  });

  it('a join the serializer cannot encode is reported (encode-failed); the other channels join', () => {
    open();
    h.service.channel('room:1', { since: 1n }).messages$.subscribe();
    h.service.channel('room:2').messages$.subscribe();
    h.grantTicket();
    expect(joins()).toEqual([{ type: 'join', channel: 'room:2' }]);
    expect(h.errors.map((e) => e.code)).toEqual(['encode-failed']);
    expect(h.service.channel('room:1').state().kind).toBe('joining');
  });

  it('a join builder of the app that throws is reported (encode-failed); the socket and the other channels go on', () => {
    const join = (channel: string) => {
      if (channel === 'bad') throw new Error('no topic for bad');
      return { type: 'subscribe', topic: channel };
    };
    open({}, [withChannels({ join, channelOf: (m) => m['topic'] as string | undefined })]);
    h.service.channel('bad').messages$.subscribe();
    h.service.channel('good').messages$.subscribe();
    h.grantTicket();
    expect(h.lastSocket.received).toEqual([{ type: 'subscribe', topic: 'good' }]);
    expect(h.errors.map((e) => [e.code, (e.cause as Error).message])).toEqual([['encode-failed', 'no topic for bad']]);
    expect(h.state.kind).toBe('open');
  });

  it('a leave builder of the app that throws is reported (encode-failed) when the grace period ends', () => {
    const leave = () => {
      throw new Error('no leave frame');
    };
    open({ idleCloseDelayMs: 1000, keepAlive: true }, [withChannels({ leave })]);
    const sub = h.service.channel('room:1').messages$.subscribe();
    h.grantTicket();
    h.push({ type: 'joined', channel: 'room:1' });
    sub.unsubscribe();
    h.tick(1000);
    expect(h.errors.map((e) => [e.code, (e.cause as Error).message])).toEqual([['encode-failed', 'no leave frame']]);
    expect(h.service.channel('room:1').state().kind).toBe('left');
    expect(h.state.kind).toBe('open');
  });

  it("a presence signal of the app's read without its lists, or with a wrong one, changes nothing and breaks nothing", () => {
    const read = (m: SocketMessage) =>
      m.type === 'joined'
        ? { kind: 'joined' as const, channel: 'room:1', presence: m['who'] as string[] }
        : m.type === 'presence'
          ? ({ kind: 'presence', channel: 'room:1', joined: m['joined'] } as never)
          : undefined;
    open({}, [withChannels({ read })]);
    const room = h.service.channel('room:1');
    let members: readonly string[] = [];
    room.presence$.subscribe((p) => (members = p.members));
    h.listen();
    h.grantTicket();
    h.push({ type: 'joined', who: 'alice' }); // not a list
    expect(room.state().kind).toBe('joined');
    expect(members).toEqual([]);
    h.push({ type: 'presence', joined: ['bob'] }); // no left
    h.push({ type: 'presence', joined: 7 });
    expect(members).toEqual(['bob']);
    h.push({ type: 'chat', channel: 'room:1', text: 'still here' });
    expect(h.messages.map((m) => m['text'])).toEqual(['still here']);
  });

  it("a frame the app's read or channelOf throws on is no channel's: it reaches messages$, the socket goes on", () => {
    const read = (m: SocketMessage) => {
      if (m.type === 'joined') return { kind: 'joined' as const, channel: (m['meta'] as { topic: string }).topic };
      return undefined;
    };
    const channelOf = (m: SocketMessage) => (m['meta'] as { topic: string }).topic;
    open({}, [withChannels({ read, channelOf })]);
    const room = h.service.channel('room:1');
    const texts: unknown[] = [];
    room.messages$.subscribe((m) => texts.push(m['text']));
    h.listen();
    h.grantTicket();
    h.push({ type: 'joined', meta: { topic: 'room:1' } });
    expect(room.state().kind).toBe('joined');
    h.push({ type: 'joined' }); // no meta: read throws
    h.push({ type: 'chat', text: 'no meta' }); // channelOf throws
    h.push({ type: 'chat', meta: { topic: 'room:1' }, text: 'hi' });
    expect(texts).toEqual(['hi']);
    // The socket's stream has every message but the control frame it understood.
    expect(h.messages.map((m) => m['text'] ?? m.type)).toEqual(['joined', 'no meta', 'hi']);
    expect(h.state.kind).toBe('open');
    expect(h.errors).toEqual([]);
  });

  it('the same name gives the same handle', () => {
    open();
    expect(h.service.channel('room:1')).toBe(h.service.channel('room:1'));
  });

  it('joins wanted channels right after authentication, before queued channel messages', () => {
    open({ auth: 'first-message' });
    const room = h.service.channel('room:1');
    room.messages$.subscribe();
    room.send({ type: 'chat', text: 'early' }).subscribe();
    h.tick();
    expect(h.lastSocket.received).toEqual([{ type: 'auth', payload: JWT_A }]);
    h.acceptAuth();
    expect(h.lastSocket.received).toEqual([
      { type: 'auth', payload: JWT_A },
      { type: 'join', channel: 'room:1' },
      { type: 'chat', text: 'early', channel: 'room:1' },
    ]);
  });

  it("joins again after a reconnect, presenting the channel's last seq with withResume(), and drops replayed duplicates", () => {
    open({}, [withChannels(), withResume()]);
    const room = h.service.channel('room:1');
    const seen: unknown[] = [];
    room.messages$.subscribe((m) => seen.push(m['seq']));
    h.grantTicket('tk-1');
    h.push({ type: 'joined', channel: 'room:1', seq: 3 });
    h.push({ type: 'chat', channel: 'room:1', seq: 4 });
    h.push({ type: 'chat', channel: 'room:1', seq: 5 });
    // A global seq and a channel seq live apart: this does not move the channel's.
    h.push({ type: 'chat', seq: 900 });
    h.serverClose(1006);
    expect(room.state().kind).toBe('joining');
    h.advanceToRetry();
    h.grantTicket('tk-2');
    expect(joins()).toEqual([{ type: 'join', channel: 'room:1', resume: 5 }]);
    h.push({ type: 'chat', channel: 'room:1', seq: 5 });
    h.push({ type: 'chat', channel: 'room:1', seq: 6 });
    h.push({ type: 'joined', channel: 'room:1', seq: 6 });
    expect(seen).toEqual([4, 5, 6]);
    expect(room.state()).toEqual({ kind: 'joined', seq: 6 });
  });

  it('with withResume(), a quiet channel re-joins from the seq the server had when it was joined', () => {
    open({}, [withChannels(), withResume()]);
    h.service.channel('room:quiet').messages$.subscribe();
    h.grantTicket('tk-1');
    h.push({ type: 'joined', channel: 'room:quiet', seq: 41 });
    h.serverClose(1006);
    h.advanceToRetry();
    h.grantTicket('tk-2');
    expect(joins()).toEqual([{ type: 'join', channel: 'room:quiet', resume: 41 }]);
  });

  it('joins again on the successor of a make-before-break rotation, the old socket covering the gap', () => {
    open();
    const room = h.service.channel('room:1');
    const seen: unknown[] = [];
    room.messages$.subscribe((m) => seen.push(m['seq']));
    const states: string[] = [];
    room.state$.subscribe((s) => states.push(s.kind));
    h.grantTicket('tk-1');
    h.push({ type: 'joined', channel: 'room:1', seq: 0 });
    h.store.set(JWT_B);
    h.grantTicket('tk-2');
    expect(h.sockets.length).toBe(2);
    expect(h.sockets[1].received).toEqual([{ type: 'join', channel: 'room:1' }]);
    // The old socket, still draining and still joined, carries on until the new join is answered.
    h.sockets[0].send({ type: 'chat', channel: 'room:1', seq: 1 });
    h.tick();
    h.push({ type: 'chat', channel: 'room:1', seq: 1 });
    h.push({ type: 'joined', channel: 'room:1', seq: 1 });
    h.push({ type: 'chat', channel: 'room:1', seq: 2 });
    expect(seen).toEqual([1, 2]);
    // The membership never lapsed: the channel does not flash `joining` at a token refresh.
    expect(states).toEqual(['joining', 'joined', 'joined']); // the second: the successor's answer, seq 1
  });

  it('a not_joined on the successor before the server took its join is no reason to join twice; after its answer it is', () => {
    open();
    h.service.channel('room:1').messages$.subscribe();
    h.grantTicket('tk-1');
    h.push({ type: 'joined', channel: 'room:1', seq: 0 });
    h.store.set(JWT_B);
    h.grantTicket('tk-2');
    expect(h.sockets[1].received).toEqual([{ type: 'join', channel: 'room:1' }]);
    h.push({ type: 'error', channel: 'room:1', reason: 'not_joined' }); // the join is still on its way
    expect(h.sockets[1].received.length).toBe(1);
    expect(h.service.channel('room:1').state().kind).toBe('joined');
    h.push({ type: 'joined', channel: 'room:1', seq: 0 });
    h.push({ type: 'error', channel: 'room:1', reason: 'not_joined' }); // now the server lost it: join again
    expect(h.sockets[1].received).toEqual([
      { type: 'join', channel: 'room:1' },
      { type: 'join', channel: 'room:1' },
    ]);
  });

  it('a join the successor cannot make at a swap shows the channel joining (it is not joined on that socket)', () => {
    let broken = false;
    const join = (channel: string) => {
      if (broken) throw new Error('no join frame now');
      return { type: 'join', channel };
    };
    open({}, [withChannels({ join })]);
    const room = h.service.channel('room:1');
    room.messages$.subscribe();
    h.grantTicket('tk-1');
    h.push({ type: 'joined', channel: 'room:1', seq: 0 });
    broken = true;
    h.store.set(JWT_B);
    h.grantTicket('tk-2');
    expect(h.sockets[1].received).toEqual([]);
    expect(room.state().kind).toBe('joining');
    expect(h.errors.map((e) => e.code)).toEqual(['encode-failed']);
  });

  it('a refused channel is rejected with the reason and not joined again on reconnect, until the app asks again', () => {
    open();
    const secret = h.service.channel('private:bob');
    const first = secret.messages$.subscribe();
    h.grantTicket('tk-1');
    h.push({ type: 'join_refused', channel: 'private:bob', reason: 'forbidden' });
    expect(secret.state()).toEqual({ kind: 'rejected', reason: 'forbidden' });
    h.serverClose(1006);
    h.advanceToRetry();
    h.grantTicket('tk-2');
    expect(joins()).toEqual([]);
    first.unsubscribe();
    secret.messages$.subscribe();
    h.tick();
    expect(joins()).toEqual([{ type: 'join', channel: 'private:bob' }]);
  });

  it('a not_joined answer for a channel the client counts joined joins it again, once, and still reaches the channel', () => {
    open();
    const room = h.service.channel('room:1');
    const seen: SocketMessage[] = [];
    room.messages$.subscribe((m) => seen.push(m));
    h.grantTicket();
    h.push({ type: 'joined', channel: 'room:1', seq: 3 });
    // The server lost the membership (say, a node restarted its channel state): two scoped frames refused.
    h.push({ type: 'error', reason: 'not_joined', channel: 'room:1', id: 'm-1' });
    h.push({ type: 'error', reason: 'not_joined', channel: 'room:1', id: 'm-2' });
    expect(joins()).toEqual([
      { type: 'join', channel: 'room:1' },
      { type: 'join', channel: 'room:1' },
    ]);
    expect(room.state()).toEqual({ kind: 'joining' });
    expect(seen.map((m) => m['id'])).toEqual(['m-1', 'm-2']);
    h.push({ type: 'joined', channel: 'room:1', seq: 5 });
    h.push({ type: 'chat', channel: 'room:1', seq: 6, text: 'back' });
    expect(room.state()).toEqual({ kind: 'joined', seq: 5 });
    expect(seen.map((m) => m['text'] ?? m['reason'])).toEqual(['not_joined', 'not_joined', 'back']);
  });

  it('with acks, the message the server refused as not_joined ends send-refused at once and is not sent again', () => {
    open({ delivery: { acks: true } });
    const room = h.service.channel('room:1');
    room.messages$.subscribe();
    h.grantTicket('tk-1');
    h.push({ type: 'joined', channel: 'room:1', seq: 0 });
    const fates: string[] = [];
    room.send({ type: 'chat', text: 'hi', id: 'm-1' }).subscribe({
      next: () => fates.push('acked'),
      error: (e: AuthSocketError) => fates.push(`${e.code}:${e.reason}`),
    });
    h.push({ type: 'error', reason: 'not_joined', channel: 'room:1', id: 'm-1' });
    expect(fates).toEqual(['send-refused:not_joined']);
    expect(h.errors).toEqual([]);
    h.serverClose(1006);
    h.advanceToRetry();
    h.grantTicket('tk-2');
    expect(h.lastSocket.received.filter((f) => (f as SocketMessage).type === 'chat')).toEqual([]);
  });

  it("with withResume(), the re-join after not_joined presents the channel's last seq", () => {
    open({}, [withChannels(), withResume()]);
    const room = h.service.channel('room:1');
    room.messages$.subscribe();
    h.grantTicket();
    h.push({ type: 'joined', channel: 'room:1', seq: 3 });
    h.push({ type: 'chat', channel: 'room:1', seq: 4 });
    h.push({ type: 'error', reason: 'not_joined', channel: 'room:1' });
    expect(joins()).toEqual([
      { type: 'join', channel: 'room:1' },
      { type: 'join', channel: 'room:1', resume: 4 },
    ]);
  });

  it('a not_joined on a successor socket (before it replaces the open one) joins nothing again on the open one', () => {
    open({ auth: 'first-message', onTokenChange: 'reconnect' });
    const room = h.service.channel('room:1');
    room.messages$.subscribe();
    h.tick();
    h.acceptAuth();
    h.push({ type: 'joined', channel: 'room:1', seq: 0 });
    h.store.set(JWT_B);
    h.tick();
    expect(h.sockets.length).toBe(2);
    h.sockets[1].send({ type: 'error', reason: 'not_joined', channel: 'room:1' });
    h.tick();
    expect(h.sockets[0].received.filter((f) => (f as SocketMessage).type === 'join').length).toBe(1);
    expect(room.state().kind).toBe('joined');
  });

  it('destroying the service leaves its channels as they were (no joining on the way out)', () => {
    open();
    const room = h.service.channel('room:1');
    const states: string[] = [];
    room.state$.subscribe((s) => states.push(s.kind));
    room.messages$.subscribe();
    h.grantTicket();
    h.push({ type: 'joined', channel: 'room:1', seq: 0 });
    h.dispose();
    expect(states).toEqual(['left', 'joining', 'joined']);
  });

  it('a not_joined answer for a channel that is joining or rejected changes nothing', () => {
    open();
    const room = h.service.channel('room:1');
    const seen: SocketMessage[] = [];
    room.messages$.subscribe((m) => seen.push(m));
    h.grantTicket();
    h.push({ type: 'error', reason: 'not_joined', channel: 'room:1' });
    expect(joins().length).toBe(1);
    expect(seen.map((m) => m['reason'])).toEqual(['not_joined']);
    h.push({ type: 'join_refused', channel: 'room:1', reason: 'forbidden' });
    h.push({ type: 'error', reason: 'not_joined', channel: 'room:1' });
    expect(joins().length).toBe(1);
    expect(room.state()).toEqual({ kind: 'rejected', reason: 'forbidden' });
  });

  it('a kick ends the channel rejected with the reason; no re-join', () => {
    open();
    const room = h.service.channel('room:1');
    room.messages$.subscribe();
    h.grantTicket();
    h.push({ type: 'joined', channel: 'room:1', seq: 0 });
    h.push({ type: 'kicked', channel: 'room:1', reason: 'banned' });
    expect(room.state()).toEqual({ kind: 'rejected', reason: 'banned' });
    h.serverClose(1006);
    h.advanceToRetry();
    h.grantTicket();
    expect(joins()).toEqual([]);
  });

  it('leaves a grace period after the last subscriber, unless one comes back', () => {
    open({ idleCloseDelayMs: 1000, keepAlive: true });
    const room = h.service.channel('room:1');
    let sub = room.messages$.subscribe();
    h.grantTicket();
    h.push({ type: 'joined', channel: 'room:1', seq: 0 });
    sub.unsubscribe();
    h.tick(500);
    sub = room.messages$.subscribe();
    h.tick(2000);
    expect(h.lastSocket.received).toEqual([{ type: 'join', channel: 'room:1' }]);
    sub.unsubscribe();
    h.tick(1000);
    h.tick();
    expect(h.lastSocket.received).toEqual([
      { type: 'join', channel: 'room:1' },
      { type: 'leave', channel: 'room:1' },
    ]);
    expect(room.state().kind).toBe('left');
  });

  it('keeps presence as a set and emits what changed', () => {
    open();
    const room = h.service.channel('room:1');
    const seen: ChannelPresence[] = [];
    room.presence$.subscribe((p) => seen.push(p));
    h.grantTicket();
    h.push({ type: 'joined', channel: 'room:1', seq: 0, presence: ['alice', 'bob'] });
    h.push({ type: 'presence', channel: 'room:1', joined: ['carol'] });
    h.push({ type: 'presence', channel: 'room:1', left: ['bob'] });
    // A re-join that finds the same members says nothing.
    h.serverClose(1006);
    h.advanceToRetry();
    h.grantTicket();
    h.push({ type: 'joined', channel: 'room:1', seq: 0, presence: ['alice', 'carol'] });
    expect(seen).toEqual([
      { members: [], joined: [], left: [] },
      { members: ['alice', 'bob'], joined: ['alice', 'bob'], left: [] },
      { members: ['alice', 'bob', 'carol'], joined: ['carol'], left: [] },
      { members: ['alice', 'carol'], joined: [], left: ['bob'] },
    ]);
  });

  it('reports a channel the server cannot replay on resync$, with its name', () => {
    open({}, [withChannels(), withResume()]);
    const room = h.service.channel('room:1');
    const resyncs: unknown[] = [];
    h.service.resync$.subscribe((e) => resyncs.push(e));
    room.messages$.subscribe();
    h.grantTicket();
    h.push({ type: 'chat', channel: 'room:1', seq: 7 });
    h.serverClose(1006);
    h.advanceToRetry();
    h.grantTicket();
    h.push({ type: 'resume_failed', channel: 'room:1', seq: 120 });
    expect(resyncs).toEqual([{ channel: 'room:1', lastSeq: 7, serverSeq: 120 }]);
  });

  it("speaks a server's own frame names", () => {
    open({}, [
      withChannels({
        join: (channel) => ({ action: 'subscribe', topic: channel }),
        read: (m) => (m.type === 'subscribed' ? { kind: 'joined', channel: m['topic'] as string } : undefined),
        channelOf: (m) => m['topic'] as string | undefined,
        scope: (m, channel) => ({ ...m, topic: channel }),
      }),
    ]);
    const prices = h.service.channel('prices');
    const seen: SocketMessage[] = [];
    prices.messages$.subscribe((m) => seen.push(m));
    h.grantTicket();
    expect(h.lastSocket.received).toEqual([{ action: 'subscribe', topic: 'prices' }]);
    h.push({ type: 'subscribed', topic: 'prices' });
    h.push({ type: 'tick', topic: 'prices', price: 42 });
    expect(prices.state().kind).toBe('joined');
    expect(seen.map((m) => m['price'])).toEqual([42]);
    prices.send({ type: 'bid', price: 41 }).subscribe();
    h.tick();
    expect(h.lastSocket.received[1]).toEqual({ type: 'bid', price: 41, topic: 'prices' });
  });

  it('fails loudly without withChannels(), and for an empty name', () => {
    h = new SocketHarness({}, { token: JWT_A });
    const invalid = (e: unknown) => e instanceof AuthSocketError && e.code === 'invalid-config';
    expect(() => h.service.channel('room:1')).toThrowMatching(invalid);
    h.dispose();
    open();
    expect(() => h.service.channel('')).toThrowMatching(invalid);
  });
});

describe('channels: ChannelMembership reports through the connection it is ready on', () => {
  it("a join builder's failure goes to the report of ready() (the connection's: errors$ in every tab)", () => {
    const join = () => {
      throw new Error('no join frame');
    };
    const membership = new ChannelMembership(
      { ...DEFAULT_CHANNEL_FRAMES, join },
      { setTimeout: () => 0, clearTimeout: () => undefined },
      1000,
      false,
      () => undefined,
    );
    membership.want('room:1', undefined);
    const reported: AuthSocketError[] = [];
    const written: unknown[] = [];
    membership.ready(
      (m) => written.push(m) > 0,
      undefined,
      undefined,
      (e) => reported.push(e),
    );
    expect(written).toEqual([]);
    expect(reported.map((e) => e.code)).toEqual(['encode-failed']);
    membership.lost();
    membership.want('room:2', undefined); // no socket: nothing built, nothing reported
    expect(reported.length).toBe(1);
  });
});
