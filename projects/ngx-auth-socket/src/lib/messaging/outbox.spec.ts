import { VirtualClock } from 'ngx-auth-socket/testing';
import { AuthSocketError } from '../errors';
import { Outbox, OutboxTimers, SendReceipt } from './outbox';

describe('Outbox', () => {
  let clock: VirtualClock;
  let timers: OutboxTimers;
  beforeEach(() => {
    clock = new VirtualClock();
    timers = { setTimeout: (cb, ms) => clock.setTimeout(cb, ms), clearTimeout: (h) => clock.clearTimeout(h) };
  });

  const accept = (sink: unknown[]) => (frame: unknown) => (sink.push(frame), true);
  const refuse = () => false;

  it('writes at once when nothing older waits', () => {
    const outbox = new Outbox(10, Infinity, timers);
    const written: unknown[] = [];
    const receipts: SendReceipt[] = [];
    outbox.add('a', null, accept(written))!.subscribe((r) => receipts.push(r));
    expect(written).toEqual(['a']);
    expect(receipts).toEqual([{ queued: false, acked: false }]);
    expect(outbox.size).toBe(0);
  });

  it('queues when the writer refuses and flushes in order', () => {
    const outbox = new Outbox(10, Infinity, timers);
    const receipts: SendReceipt[] = [];
    for (const frame of ['a', 'b', 'c']) outbox.add(frame, null, refuse)!.subscribe((r) => receipts.push(r));
    const written: unknown[] = [];
    outbox.flush(accept(written));
    expect(written).toEqual(['a', 'b', 'c']);
    expect(receipts.every((r) => r.queued && !r.acked)).toBeTrue();
    expect(outbox.size).toBe(0);
  });

  it('never overtakes queued messages with a new one', () => {
    const outbox = new Outbox(10, Infinity, timers);
    outbox.add('a', null, refuse);
    const written: unknown[] = [];
    outbox.add('b', null, accept(written));
    expect(written).toEqual([]);
    outbox.flush(accept(written));
    expect(written).toEqual(['a', 'b']);
  });

  it('refuses beyond its limit, counting messages that await an ack', () => {
    const outbox = new Outbox(2, Infinity, timers);
    outbox.add('a', 'id-a', accept([]));
    outbox.add('b', null, refuse);
    expect(outbox.add('c', null, refuse)).toBeNull();
  });

  it('keeps the head when the writer refuses it, for the next flush', () => {
    const outbox = new Outbox(10, Infinity, timers);
    outbox.add('a', null, refuse);
    outbox.add('b', null, refuse);
    const written: unknown[] = [];
    outbox.flush((f) => (f === 'b' ? false : (written.push(f), true)));
    expect(written).toEqual(['a']);
    outbox.flush(accept(written));
    expect(written).toEqual(['a', 'b']);
  });

  it('with acks, ends a message only when the server acknowledges it', () => {
    const outbox = new Outbox(10, Infinity, timers);
    const receipts: SendReceipt[] = [];
    outbox.add('a', 'id-a', accept([]))!.subscribe((r) => receipts.push(r));
    expect(receipts).toEqual([]);
    expect(outbox.size).toBe(1);
    expect(outbox.acknowledge('id-unknown')).toBeFalse();
    expect(outbox.acknowledge('id-a')).toBeTrue();
    expect(receipts).toEqual([{ queued: false, acked: true }]);
    expect(outbox.size).toBe(0);
  });

  it('re-sends unacknowledged messages first, in their original order, after a reconnect', () => {
    const outbox = new Outbox(10, Infinity, timers);
    const firstSocket: unknown[] = [];
    outbox.add('m1', 'id-1', accept(firstSocket));
    outbox.add('m2', 'id-2', accept(firstSocket));
    outbox.acknowledge('id-1');
    outbox.add('m3', 'id-3', refuse);
    outbox.resendUnacknowledged();
    const secondSocket: unknown[] = [];
    outbox.flush(accept(secondSocket));
    expect(firstSocket).toEqual(['m1', 'm2']);
    expect(secondSocket).toEqual(['m2', 'm3']);
  });

  it('expires a message after its time-to-live with send-expired', () => {
    const outbox = new Outbox(10, 5000, timers);
    const errors: AuthSocketError[] = [];
    outbox.add('a', 'id-a', accept([]))!.subscribe({ error: (e) => errors.push(e) });
    outbox.add('b', null, refuse)!.subscribe({ error: (e) => errors.push(e) });
    clock.tick(4999);
    expect(errors).toEqual([]);
    clock.tick(1);
    expect(errors.map((e) => e.code)).toEqual(['send-expired', 'send-expired']);
    expect(outbox.size).toBe(0);
    expect(outbox.hasUnwritten).toBeFalse();
  });

  it('clears the time-to-live timer of a message that ended', () => {
    const outbox = new Outbox(10, 5000, timers);
    const errors: unknown[] = [];
    outbox.add('a', 'id-a', accept([]))!.subscribe({ error: (e) => errors.push(e) });
    outbox.acknowledge('id-a');
    clock.tick(10_000);
    expect(errors).toEqual([]);
  });

  it('rejects everything not yet ended with the given error', () => {
    const outbox = new Outbox(10, Infinity, timers);
    const errors: unknown[] = [];
    outbox.add('a', null, refuse)!.subscribe({ error: (e) => errors.push(e) });
    const late = outbox.add('b', 'id-b', accept([]))!;
    const error = new AuthSocketError('send-cancelled', 'logout');
    expect(outbox.rejectAll(error)).toBe(2);
    late.subscribe({ error: (e) => errors.push(e) });
    expect(errors).toEqual([error, error]);
    expect(outbox.size).toBe(0);
  });
});
