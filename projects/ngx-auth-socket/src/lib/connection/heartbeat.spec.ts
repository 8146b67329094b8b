import { VirtualClock } from 'ngx-auth-socket/testing';
import { Heartbeat } from './heartbeat';

describe('Heartbeat', () => {
  let clock: VirtualClock;
  let pings: number;
  let deaths: number;
  let heartbeat: Heartbeat;
  beforeEach(() => {
    clock = new VirtualClock();
    pings = 0;
    deaths = 0;
    const runtime = {
      setTimeout: (cb: () => void, ms: number) => clock.setTimeout(cb, ms),
      clearTimeout: (h: unknown) => clock.clearTimeout(h),
    };
    heartbeat = new Heartbeat(
      runtime,
      1000,
      300,
      () => pings++,
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

  it('stops pinging when stopped', () => {
    heartbeat.start();
    heartbeat.stop();
    clock.tick(10_000);
    expect(pings).toBe(0);
    expect(deaths).toBe(0);
  });
});
