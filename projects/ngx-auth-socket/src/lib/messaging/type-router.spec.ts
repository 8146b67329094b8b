import { SocketMessage } from '../config';
import { TypeRouter } from './type-router';

describe('TypeRouter', () => {
  it('delivers each message only to the subscribers of its type', () => {
    const router = new TypeRouter();
    const a: SocketMessage[] = [];
    const b: SocketMessage[] = [];
    router.watch('a', () => undefined).subscribe((m) => a.push(m));
    router.watch('b', () => undefined).subscribe((m) => b.push(m));
    router.dispatch({ type: 'a', n: 1 });
    router.dispatch({ type: 'b', n: 2 });
    router.dispatch({ type: 'c', n: 3 });
    expect(a).toEqual([{ type: 'a', n: 1 }]);
    expect(b).toEqual([{ type: 'b', n: 2 }]);
  });

  it('shares one route among subscribers of a type and removes it with the last one', () => {
    const router = new TypeRouter();
    const deltas: number[] = [];
    const s1 = router.watch('a', (d) => deltas.push(d)).subscribe();
    const s2 = router.watch('a', (d) => deltas.push(d)).subscribe();
    expect(router.size).toBe(1);
    s1.unsubscribe();
    expect(router.size).toBe(1);
    s2.unsubscribe();
    expect(router.size).toBe(0);
    expect(deltas).toEqual([1, 1, -1, -1]);
  });

  it('dispatches with one lookup however many types are watched', () => {
    const router = new TypeRouter();
    for (let i = 0; i < 1000; i++) router.watch(`t${i}`, () => undefined).subscribe();
    const spy = spyOn(Map.prototype, 'get').and.callThrough();
    router.dispatch({ type: 't500' });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('delivers every message to watch(null) subscribers before the typed ones', () => {
    const router = new TypeRouter();
    const order: string[] = [];
    router.watch('a', () => undefined).subscribe((m) => order.push(`a:${m['n']}`));
    router.watch(null, () => undefined).subscribe((m) => order.push(`all:${m['n']}`));
    router.dispatch({ type: 'a', n: 1 });
    router.dispatch({ type: 'b', n: 2 });
    expect(order).toEqual(['all:1', 'a:1', 'all:2']);
  });

  it('lets a subscriber unsubscribe another during dispatch without skipping or repeating anyone', () => {
    const router = new TypeRouter();
    const seen: string[] = [];
    let second: { unsubscribe(): void } | null = null;
    router
      .watch('a', () => undefined)
      .subscribe(() => {
        seen.push('first');
        second?.unsubscribe();
      });
    second = router.watch('a', () => undefined).subscribe(() => seen.push('second'));
    router.watch('a', () => undefined).subscribe(() => seen.push('third'));
    router.dispatch({ type: 'a' });
    router.dispatch({ type: 'a' });
    // The snapshot taken for the first dispatch still includes `second` (it is closed by then, so
    // rxjs ignores the call); the second dispatch no longer sees it.
    expect(seen).toEqual(['first', 'third', 'first', 'third']);
  });

  it('completes every subscriber on complete()', () => {
    const router = new TypeRouter();
    let completed = 0;
    router.watch('a', () => undefined).subscribe({ complete: () => completed++ });
    router.watch(null, () => undefined).subscribe({ complete: () => completed++ });
    router.complete();
    expect(completed).toBe(2);
    expect(router.size).toBe(0);
  });
});
