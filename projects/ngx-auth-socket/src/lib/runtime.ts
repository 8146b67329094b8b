import { InjectionToken } from '@angular/core';

/** What the connection needs from a WebSocket: the DOM interface. */
export type SocketLike = Pick<
  WebSocket,
  'readyState' | 'binaryType' | 'send' | 'close' | 'onopen' | 'onmessage' | 'onclose' | 'onerror'
>;

/** Events from the browser that change when reconnecting makes sense. */
export interface NetworkEvents {
  online(): void;
  offline(): void;
  /** The page became visible again or was restored from the back/forward cache. */
  resumed(): void;
}

/**
 * Every side effect the connection performs apart from HTTP: sockets, timers, randomness, the
 * clock and browser events. Provided through DI so specs (and the testing kit) swap it.
 */
export interface AuthSocketRuntime {
  createSocket(url: string, protocols?: string | string[]): SocketLike;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
  random(): number;
  /** A fresh unique id for acknowledged messages and requests (unique across page reloads). */
  randomId(): string;
  isOnline(): boolean;
  /** Subscribes to network and page-visibility events; returns the unsubscribe function. */
  watchNetwork(events: NetworkEvents): () => void;
}

/** The runtime for browsers. Globals are read at call time so fake clocks installed later apply. */
export function browserRuntime(): AuthSocketRuntime {
  return {
    createSocket: (url, protocols) => new WebSocket(url, protocols),
    // Browsers fire a delay above 2^31-1 ms at once: Infinity or a huge backoff must mean "much later".
    setTimeout: (callback, ms) => setTimeout(callback, Math.min(ms, 2_147_483_647)),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    now: () => Date.now(),
    random: () => Math.random(),
    randomId: () => (typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : fallbackId()),
    isOnline: () => typeof navigator === 'undefined' || navigator.onLine !== false,
    watchNetwork: (events) => {
      if (typeof window === 'undefined' || typeof document === 'undefined') return () => undefined;
      const online = () => events.online();
      const offline = () => events.offline();
      const visible = () => {
        if (document.visibilityState === 'visible') events.resumed();
      };
      const pageshow = (e: PageTransitionEvent) => {
        if (e.persisted) events.resumed();
      };
      window.addEventListener('online', online);
      window.addEventListener('offline', offline);
      window.addEventListener('pageshow', pageshow);
      document.addEventListener('visibilitychange', visible);
      return () => {
        window.removeEventListener('online', online);
        window.removeEventListener('offline', offline);
        window.removeEventListener('pageshow', pageshow);
        document.removeEventListener('visibilitychange', visible);
      };
    },
  };
}

/** The side-effect runtime; override it in specs (see `ngx-auth-socket/testing`). */
export const AUTH_SOCKET_RUNTIME = new InjectionToken<AuthSocketRuntime>('AUTH_SOCKET_RUNTIME', {
  providedIn: 'root',
  factory: browserRuntime,
});

// Insecure contexts (plain http on a LAN name) lack crypto.randomUUID but have getRandomValues.
function fallbackId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
