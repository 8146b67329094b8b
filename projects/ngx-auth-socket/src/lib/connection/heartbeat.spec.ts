import { Heartbeat } from './heartbeat';

describe('Heartbeat', () => {
  let pings: number;
  let deaths: number;
  let heartbeat: Heartbeat;
  beforeEach(() => {
    jasmine.clock().install();
    pings = 0;
    deaths = 0;
    const runtime = { setTimeout: (cb: () => void, ms: number) => setTimeout(cb, ms), clearTimeout: (h: unknown) => clearTimeout(h as number) };
    heartbeat = new Heartbeat(runtime, 1000, 300, () => pings++, () => deaths++);
  });
  afterEach(() => {
    heartbeat.stop();
    jasmine.clock().uninstall();
  });

  it('pings every interval while frames keep arriving', () => {
    heartbeat.start();
    for (let i = 0; i < 5; i++) {
      jasmine.clock().tick(1000);
      heartbeat.alive();
    }
    expect(pings).toBe(5);
    expect(deaths).toBe(0);
  });

  it('declares the connection dead when nothing arrives within the timeout after a ping', () => {
    heartbeat.start();
    jasmine.clock().tick(1000);
    expect(pings).toBe(1);
    jasmine.clock().tick(299);
    expect(deaths).toBe(0);
    jasmine.clock().tick(1);
    expect(deaths).toBe(1);
    jasmine.clock().tick(10_000);
    expect(pings).toBe(1);
  });

  it('stops pinging when stopped', () => {
    heartbeat.start();
    heartbeat.stop();
    jasmine.clock().tick(10_000);
    expect(pings).toBe(0);
    expect(deaths).toBe(0);
  });
});
