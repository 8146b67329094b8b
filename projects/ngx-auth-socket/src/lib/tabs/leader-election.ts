import { AuthSocketRuntime } from '../runtime';
import { TabLocks } from './tab-runtime';

/** Lease timing without Web Locks: the leader renews every `renewMs`; followers take over after `expireMs` of silence. */
export const LEASE = { renewMs: 250, expireMs: 800, claimJitterMs: 150 } as const;

/** What an election reports to the tab. */
export interface ElectionEvents {
  /** This tab is the leader now. */
  elected(): void;
  /** This tab was the leader and must stop (only without Web Locks, when two tabs claimed at once). */
  deposed(): void;
  /** Post a lease message to the other tabs (only without Web Locks). */
  post(message: { kind: 'alive'; tab: string }): void;
}

/** A running election; `leaseSeen` feeds it the other tabs' `alive` messages. */
export interface Election {
  leaseSeen(fromTab: string): void;
  /** Leaves the election: a leader releases its lock or lease so another tab takes over. */
  stop(): void;
}

/**
 * Elects one leader among the tabs sharing `name`. With Web Locks the leader is whoever holds the
 * lock; the browser hands it to the next waiting tab the moment the holder's tab closes, even when
 * it crashes. Without them, the leader renews a lease on the channel and the others take over
 * after `LEASE.expireMs` of silence; a tie (two claims at once) is settled by the smaller tab id.
 */
export function electLeader(
  name: string,
  tab: string,
  locks: TabLocks | null,
  timers: Pick<AuthSocketRuntime, 'setTimeout' | 'clearTimeout' | 'random'>,
  events: ElectionEvents,
): Election {
  return locks ? lockElection(name, locks, events) : leaseElection(tab, timers, events);
}

function lockElection(name: string, locks: TabLocks, events: ElectionEvents): Election {
  const abort = new AbortController();
  let release: (() => void) | null = null;
  let stopped = false;
  locks
    .request(name, { signal: abort.signal }, () => {
      if (stopped) return Promise.resolve();
      events.elected();
      // Held until stop(), or until the tab goes away and the browser releases it.
      return new Promise<void>((resolve) => (release = resolve));
    })
    .catch(() => undefined); // aborted while waiting: this tab left before it was elected
  return {
    leaseSeen: () => undefined,
    stop: () => {
      stopped = true;
      abort.abort();
      release?.();
    },
  };
}

function leaseElection(
  tab: string,
  timers: Pick<AuthSocketRuntime, 'setTimeout' | 'clearTimeout' | 'random'>,
  events: ElectionEvents,
): Election {
  let leading = false;
  let stopped = false;
  let timer: unknown = null;
  const schedule = (ms: number, run: () => void) => {
    if (timer !== null) timers.clearTimeout(timer);
    timer = timers.setTimeout(() => {
      timer = null;
      if (!stopped) run();
    }, ms);
  };
  const renew = () => {
    events.post({ kind: 'alive', tab });
    schedule(LEASE.renewMs, renew);
  };
  // Silence for expireMs (plus jitter, so followers do not all claim at once): claim.
  const watch = () =>
    schedule(LEASE.expireMs + Math.floor(timers.random() * LEASE.claimJitterMs), () => {
      leading = true;
      events.elected();
      renew();
    });
  watch();
  return {
    leaseSeen: (fromTab) => {
      if (stopped || fromTab === tab) return;
      if (!leading) {
        watch();
        return;
      }
      if (fromTab < tab) {
        leading = false;
        events.deposed();
        watch();
      }
    },
    stop: () => {
      stopped = true;
      if (timer !== null) timers.clearTimeout(timer);
    },
  };
}
