import { VirtualClock } from 'ngx-auth-socket/testing';
import { AuthSocketConfig, resolveConfig } from '../config';
import { AuthSocketError } from '../errors';
import { AuthSocketRuntime } from '../runtime';
import { Outgoing } from './outgoing';

describe('Outgoing (the send path)', () => {
  let clock: VirtualClock;
  let written: unknown[];
  let errors: AuthSocketError[];
  let queued: number;
  let accepting: boolean;

  function outgoing(config: Partial<AuthSocketConfig> = {}): Outgoing {
    const runtime = {
      setTimeout: (cb: () => void, ms: number) => clock.setTimeout(cb, ms),
      clearTimeout: (h: unknown) => clock.clearTimeout(h),
      randomId: () => 'generated',
    } as unknown as AuthSocketRuntime;
    return new Outgoing({
      config: resolveConfig({ url: 'wss://api.example.com/channel/', ...config }, 'https://app.example.com/'),
      runtime,
      write: (frame) => accepting && (written.push(frame), true),
      report: (error) => errors.push(error),
      queued: () => queued++,
    });
  }

  beforeEach(() => {
    clock = new VirtualClock();
    written = [];
    errors = [];
    queued = 0;
    accepting = true;
  });

  it('refuses a send in a refusing state with send-cancelled, on the receipt and reported', () => {
    const out = outgoing();
    let failed: string | undefined;
    out.send({ type: 'x' }, 'closed', false).subscribe({ error: (e: AuthSocketError) => (failed = e.code) });
    expect(failed).toBe('send-cancelled');
    expect(errors.map((e) => e.code)).toEqual(['send-cancelled']);
    expect(written).toEqual([]);
  });

  it('writes at once when open, and queues (counting as demand) when not', () => {
    const out = outgoing();
    out.send({ type: 'a' }, null, true).subscribe();
    expect(written).toEqual(['{"type":"a"}']);
    expect(queued).toBe(0);
    out.send({ type: 'b' }, null, false).subscribe();
    expect(written.length).toBe(1);
    expect(queued).toBe(1);
    expect(out.outbox.size).toBe(1);
  });

  it('with acks gives a message without an id one, keeps its own, and refuses a non-object', () => {
    const out = outgoing({ delivery: { acks: true } });
    out.send({ type: 'a' }, null, true).subscribe();
    out.send({ type: 'b', id: 'mine' }, null, true).subscribe();
    expect(written).toEqual(['{"type":"a","id":"generated"}', '{"type":"b","id":"mine"}']);
    let code: string | undefined;
    out.send('text', null, true).subscribe({ error: (e: AuthSocketError) => (code = e.code) });
    expect(code).toBe('encode-failed');
  });

  it('refuses with outbox-full beyond outboxLimit; nothing already queued is lost', () => {
    const out = outgoing({ outboxLimit: 2 });
    const codes: string[] = [];
    for (const type of ['a', 'b', 'c']) out.send({ type }, null, false).subscribe({ error: (e) => codes.push(e.code) });
    expect(codes).toEqual(['outbox-full']);
    expect(out.outbox.size).toBe(2);
  });

  it('flushes a socket that went open 100 frames per task, in order', () => {
    const out = outgoing();
    for (let i = 0; i < 250; i++) out.send({ type: 'm', i }, null, false).subscribe();
    out.wentOpen();
    expect(written.length).toBe(100);
    clock.next();
    expect(written.length).toBe(200);
    clock.next();
    expect(written.length).toBe(250);
    expect(clock.next()).toBeNull();
    expect(written.map((f) => JSON.parse(f as string).i)).toEqual(Array.from({ length: 250 }, (_, i) => i));
  });

  it('stopFlush() leaves the rest queued for the next socket', () => {
    const out = outgoing();
    for (let i = 0; i < 150; i++) out.send({ type: 'm', i }, null, false).subscribe();
    out.wentOpen();
    out.stopFlush();
    clock.tick(10);
    expect(written.length).toBe(100);
    expect(out.outbox.size).toBe(50);
  });

  it('cancelQueued() fails every waiting message with one reported send-cancelled', () => {
    const out = outgoing();
    const codes: string[] = [];
    for (const type of ['a', 'b']) out.send({ type }, null, false).subscribe({ error: (e) => codes.push(e.code) });
    out.cancelQueued('logout');
    expect(codes).toEqual(['send-cancelled', 'send-cancelled']);
    expect(errors.map((e) => e.code)).toEqual(['send-cancelled']);
    out.cancelQueued('again');
    expect(errors.length).toBe(1);
  });
});
