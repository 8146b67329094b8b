import { AuthSocketError } from '../errors';
import type { LifecycleEvent } from './lifecycle-types';
import { TokenHooks } from './token-hooks';
import { refresher } from './token-rotation';

describe('TokenHooks and the refresher of withTokenRotation()', () => {
  let events: LifecycleEvent[];
  const describeEvent = (e: LifecycleEvent) =>
    e.type === 'failed' || e.type === 'refresh-failed'
      ? `${e.type}:${(e.error as AuthSocketError).code}`
      : `${e.type}:${'token' in e ? e.token : ''}`;

  beforeEach(() => (events = []));

  function hooks(readToken: () => string | null | Promise<string | null>) {
    return new TokenHooks({ readToken }, (event) => events.push(event));
  }

  it('answers a synchronous read at once', () => {
    hooks(() => 'jwt').read();
    expect(events.map(describeEvent)).toEqual(['token-read:jwt']);
  });

  it('turns a throwing or rejecting tokenGetter into token-failed', async () => {
    hooks(() => {
      throw new Error('storage locked');
    }).read();
    hooks(() => Promise.reject(new Error('no'))).read();
    await Promise.resolve();
    await Promise.resolve();
    expect(events.map(describeEvent)).toEqual(['failed:token-failed', 'failed:token-failed']);
  });

  it('ignores the answer of a read a newer read superseded', async () => {
    let resolveFirst!: (token: string) => void;
    const answers = [new Promise<string>((r) => (resolveFirst = r)), Promise.resolve('second')];
    const h = hooks(() => answers.shift()!);
    h.read();
    h.read();
    // Let the second (already resolved) read settle first.
    await Promise.resolve();
    await Promise.resolve();
    resolveFirst('first');
    await Promise.resolve();
    await Promise.resolve();
    expect(events.map(describeEvent)).toEqual(['token-read:second']);
  });

  it('runs one refresh at a time: a second need while one is in flight is answered by it', async () => {
    let calls = 0;
    let finish!: (token: string) => void;
    const refresh = refresher(
      () => (calls++, new Promise((r) => (finish = r))),
      (event) => events.push(event),
    );
    refresh();
    refresh();
    expect(calls).toBe(1);
    finish('fresh');
    await Promise.resolve();
    await Promise.resolve();
    expect(events.map(describeEvent)).toEqual(['refreshed:fresh']);
    refresh();
    expect(calls).toBe(2);
  });

  it('reports an empty answer as no token and a failing hook as refresh-failed', async () => {
    const push = (event: LifecycleEvent) => events.push(event);
    refresher(() => Promise.resolve(''), push)();
    refresher(() => {
      throw new Error('offline');
    }, push)();
    await Promise.resolve();
    await Promise.resolve();
    await Promise.resolve();
    expect(events.map(describeEvent).sort()).toEqual(['refresh-failed:refresh-failed', 'refreshed:null']);
  });
});
