import { VirtualClock } from 'ngx-auth-socket/testing';
import { Heartbeat } from './heartbeat';

describe('Heartbeat', () => {
  let clock: VirtualClock;
  let pings: number;
  let deaths: number;
  /** Whether the next pings go out (false: one that could not be built or encoded). */
  let sends: boolean;
  let heartbeat: Heartbeat;
  beforeEach(() => {
    clock = new VirtualClock();
    pings = 0;
    deaths = 0;
    sends = true;
    const runtime = {
      setTimeout: (cb: () => void, ms: number) => clock.setTimeout(cb, ms),
      clearTimeout: (h: unknown) => clock.clearTimeout(h),
    };
    heartbeat = new Heartbeat(
      runtime,
      1000,
      300,
      () => (pings++, sends),
      () => deaths++,
    );
  });
  afterEach(() => heartbeat.stop());

  it('pings every interval while frames keep arriving', () => {
    heartbeat.start();
    for (let i = 0; i < 5; i++) {
      clock.tick(1000);
      heartbeat.alive();
    }
    expect(pings).toBe(5);
    expect(deaths).toBe(0);
  });

  it('declares the connection dead when nothing arrives within the timeout after a ping', () => {
    heartbeat.start();
    clock.tick(1000);
    expect(pings).toBe(1);
    clock.tick(299);
    expect(deaths).toBe(0);
    clock.tick(1);
    expect(deaths).toBe(1);
    clock.tick(10_000);
    expect(pings).toBe(1);
  });

  it('awaits no answer to a ping that did not go out, and keeps pinging', () => {
    heartbeat.start();
    sends = false;
    clock.tick(1000); // ping 1 does not go out
    clock.tick(999);
    expect([pings, deaths]).toEqual([1, 0]);
    // The next ping goes out and goes unanswered: only then is the connection dead.
    sends = true;
    clock.tick(1);
    clock.tick(299);
    expect([pings, deaths]).toEqual([2, 0]);
    clock.tick(1);
    expect([pings, deaths]).toEqual([2, 1]);
  });

  it('keeps the deadline of an earlier unanswered ping when a later one does not go out', () => {
    heartbeat = new Heartbeat(
      { setTimeout: (cb, ms) => clock.setTimeout(cb, ms), clearTimeout: (h) => clock.clearTimeout(h) },
      100,
      300,
      () => (pings++, sends),
      () => deaths++,
    );
    heartbeat.start();
    clock.tick(100); // ping 1 goes out; its deadline is at 400
    sends = false;
    clock.tick(299); // pings 2 and 3 do not go out
    expect(deaths).toBe(0);
    clock.tick(1);
    expect(deaths).toBe(1);
  });

  it('stops pinging when stopped', () => {
    heartbeat.start();
    heartbeat.stop();
    clock.tick(10_000);
    expect(pings).toBe(0);
    expect(deaths).toBe(0);
  });
});
