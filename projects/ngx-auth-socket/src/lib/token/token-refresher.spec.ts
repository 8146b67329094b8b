import { TokenRefresher } from './token-refresher';

function jwt(exp: number): string {
  const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, '');
  return `${b64({ alg: 'HS256' })}.${b64({ exp })}.c2ln`;
}

describe('TokenRefresher', () => {
  const runtime = {
    setTimeout: (cb: () => void, ms: number) => setTimeout(cb, ms),
    clearTimeout: (h: unknown) => clearTimeout(h as number),
    now: () => Date.now(),
  };
  beforeEach(() => {
    jasmine.clock().install();
    jasmine.clock().mockDate(new Date(1_000_000_000_000));
  });
  afterEach(() => jasmine.clock().uninstall());

  it('shares one run of the hook among concurrent callers', async () => {
    let resolve!: (t: string) => void;
    const hook = jasmine.createSpy('hook').and.returnValue(new Promise<string>((r) => (resolve = r)));
    const refresher = new TokenRefresher(hook, runtime, 30_000);
    const a = refresher.refresh();
    const b = refresher.refresh();
    resolve('new');
    expect(await a).toBe('new');
    expect(await b).toBe('new');
    expect(hook).toHaveBeenCalledTimes(1);
    await Promise.resolve();
    refresher.refresh();
    expect(hook).toHaveBeenCalledTimes(2);
  });

  it('answers null without a hook', async () => {
    const refresher = new TokenRefresher(undefined, runtime, 30_000);
    expect(refresher.available).toBeFalse();
    expect(await refresher.refresh()).toBeNull();
  });

  it('refreshes leadMs before exp and hands over the new token', async () => {
    const hook = jasmine.createSpy('hook').and.resolveTo('fresh');
    const refresher = new TokenRefresher(hook, runtime, 30_000);
    const got: string[] = [];
    refresher.scheduleAhead(jwt(1_000_000_000 + 120), (t) => got.push(t), fail);
    jasmine.clock().tick(89_999);
    expect(hook).not.toHaveBeenCalled();
    jasmine.clock().tick(1);
    await Promise.resolve();
    await Promise.resolve();
    expect(got).toEqual(['fresh']);
  });

  it('schedules nothing for opaque or expired tokens, or when turned off', () => {
    const hook = jasmine.createSpy('hook').and.resolveTo('fresh');
    new TokenRefresher(hook, runtime, 30_000).scheduleAhead('opaque', fail, fail);
    new TokenRefresher(hook, runtime, 30_000).scheduleAhead(jwt(1_000_000_000 - 1), fail, fail);
    new TokenRefresher(hook, runtime, false).scheduleAhead(jwt(1_000_000_000 + 120), fail, fail);
    jasmine.clock().tick(10 * 60_000);
    expect(hook).not.toHaveBeenCalled();
  });

  it('cancels a scheduled refresh', () => {
    const hook = jasmine.createSpy('hook').and.resolveTo('fresh');
    const cancel = new TokenRefresher(hook, runtime, 30_000).scheduleAhead(jwt(1_000_000_000 + 120), fail, fail);
    cancel();
    jasmine.clock().tick(10 * 60_000);
    expect(hook).not.toHaveBeenCalled();
  });
});
