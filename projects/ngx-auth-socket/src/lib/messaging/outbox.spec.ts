import { AuthSocketError } from '../errors';
import { Outbox, SendReceipt } from './outbox';

describe('Outbox', () => {
  it('flushes in order and reports each frame as written', () => {
    const outbox = new Outbox(10);
    const receipts: Array<SendReceipt | string> = [];
    for (const frame of ['a', 'b', 'c']) outbox.enqueue(frame)!.subscribe((r) => receipts.push(r));
    const written: unknown[] = [];
    outbox.flush((f) => (written.push(f), true));
    expect(written).toEqual(['a', 'b', 'c']);
    expect(receipts).toEqual([{ queued: true }, { queued: true }, { queued: true }]);
    expect(outbox.size).toBe(0);
  });

  it('refuses beyond its limit', () => {
    const outbox = new Outbox(2);
    expect(outbox.enqueue('a')).not.toBeNull();
    expect(outbox.enqueue('b')).not.toBeNull();
    expect(outbox.enqueue('c')).toBeNull();
    expect(outbox.size).toBe(2);
  });

  it('keeps the head when the writer refuses it, for the next flush', () => {
    const outbox = new Outbox(10);
    outbox.enqueue('a');
    outbox.enqueue('b');
    const written: unknown[] = [];
    outbox.flush((f) => (f === 'b' ? false : (written.push(f), true)));
    expect(written).toEqual(['a']);
    expect(outbox.size).toBe(1);
    outbox.flush((f) => (written.push(f), true));
    expect(written).toEqual(['a', 'b']);
  });

  it('rejects everything queued with the given error', () => {
    const outbox = new Outbox(10);
    const errors: unknown[] = [];
    outbox.enqueue('a')!.subscribe({ error: (e) => errors.push(e) });
    const late = outbox.enqueue('b')!;
    const error = new AuthSocketError('send-cancelled', 'logout');
    outbox.rejectAll(error);
    late.subscribe({ error: (e) => errors.push(e) });
    expect(errors).toEqual([error, error]);
    expect(outbox.size).toBe(0);
  });
});
