import { browserRuntime } from './runtime';

describe('browserRuntime', () => {
  it('caps a delay at 2^31-1 ms: browsers would fire Infinity or a huge backoff at once', () => {
    const spy = spyOn(globalThis, 'setTimeout').and.returnValue(7 as unknown as ReturnType<typeof setTimeout>);
    const runtime = browserRuntime();
    const callback = () => undefined;
    runtime.setTimeout(callback, Infinity);
    runtime.setTimeout(callback, 3e9);
    runtime.setTimeout(callback, 250);
    expect(spy.calls.allArgs().map((args) => args[1])).toEqual([2_147_483_647, 2_147_483_647, 250]);
  });
});
