import { Observable, Subject, of } from 'rxjs';
import { settle } from './auth-token-store';

describe('settle (hook results: value, promise or observable)', () => {
  it('resolves plain values and promises', async () => {
    expect(await settle('a')).toBe('a');
    expect(await settle(Promise.resolve('b'))).toBe('b');
    expect(await settle(null)).toBeNull();
  });

  it('takes the first value of an observable and unsubscribes, also when it emits synchronously', async () => {
    let teardowns = 0;
    const source = new Observable<string>((subscriber) => {
      subscriber.next('first');
      subscriber.next('second');
      return () => teardowns++;
    });
    expect(await settle(source)).toBe('first');
    expect(teardowns).toBe(1);
    expect(await settle(of('x', 'y'))).toBe('x');
  });

  it('waits for an asynchronous first value', async () => {
    const subject = new Subject<string>();
    const pending = settle(subject);
    subject.next('later');
    expect(await pending).toBe('later');
    expect(subject.observed).toBeFalse();
  });

  it('rejects when the observable completes without a value or errors', async () => {
    await expectAsync(settle(new Observable<string>((s) => s.complete()))).toBeRejectedWithError(/without a value/);
    await expectAsync(settle(new Observable<string>((s) => s.error(new Error('boom'))))).toBeRejectedWithError('boom');
  });
});
