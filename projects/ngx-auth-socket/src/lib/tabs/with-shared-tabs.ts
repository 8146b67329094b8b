import { inject, provideEnvironmentInitializer } from '@angular/core';
import { AuthSocketService } from '../auth-socket.service';
import { AuthSocketFeature, AUTH_SOCKET_TABS, SharedTabsFeature } from '../features';
import { SharedConnection } from './shared-connection';
import { TabRuntime, browserTabRuntime } from './tab-runtime';

/**
 * One socket for all tabs of the app (same origin, same socket URL). The tabs elect a leader
 * (Web Locks; a lease on the channel where they are missing) that holds the only socket and
 * fetches the tickets; the other tabs receive its messages, state and errors and send through it
 * over a BroadcastChannel. When the leader tab closes another takes over, with a fresh ticket,
 * within a second. A login or logout in any tab applies to all: logging out anywhere closes the
 * socket. Subscriptions stay per tab. The service is created at start-up in every tab (it connects
 * only on demand, as always).
 * Where BroadcastChannel is missing each tab keeps its own socket.
 *
 * @usageNotes
 * ```ts
 * provideAuthSocket({ url: '/channel/', delivery: { acks: true } }, withSharedTabs())
 * ```
 */
export function withSharedTabs(runtime: TabRuntime = browserTabRuntime()): AuthSocketFeature<'shared-tabs'> {
  const feature: SharedTabsFeature = {
    share: (ports) => {
      const open = runtime.openChannel;
      if (!open) return null;
      return new SharedConnection({ ...ports, channel: open(`ngx-auth-socket:${ports.name}`), locks: runtime.locks });
    },
  };
  return {
    ɵkind: 'shared-tabs',
    ɵproviders: [
      { provide: AUTH_SOCKET_TABS, useValue: feature },
      // A tab takes part from start-up, not from its first socket subscriber: a login or logout in
      // another tab must reach its token store even while it shows no socket-driven view.
      provideEnvironmentInitializer(() => void inject(AuthSocketService)),
    ],
  };
}
