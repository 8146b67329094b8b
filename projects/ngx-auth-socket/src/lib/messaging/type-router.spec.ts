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
});
